"""``AugMix``: mixes the images with several chains of random augmentations while
training (Hendrycks et al., 2020, "AugMix")."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing._augmentation_steps import make_steps
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from lamina.layers.preprocessing.base_random_affine import INTERPOLATIONS

# The candidate steps, in Keras 3's order; ``all_ops=False`` keeps the first seven (those
# that do not overlap the usual test-set corruptions).
ALL_STEPS = ("random_shear", "random_translation", "random_rotation",
             "random_posterization", "solarization", "auto_contrast", "equalization",
             "random_brightness", "random_color_degeneration", "random_contrast",
             "random_sharpness")
BASIC_STEPS = ALL_STEPS[:7]


class AugMix(BaseImagePreprocessingLayer):
    """Blends each batch with ``num_chains`` augmented copies of itself while training,
    then clips to ``value_range``; at inference the images pass through unchanged (cast
    to the compute dtype).

    Per call (shared by the batch, as in Keras 3): each chain applies up to
    ``chain_depth`` steps, each picked uniformly from the candidate steps or "skip";
    the chains are mixed with weights drawn from a Dirichlet(``alpha``) distribution,
    and the mix is blended with the original by ``m * images + (1 - m) * mix`` with
    ``m`` drawn from Beta(``alpha``, ``alpha``).

    Args:
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``.
        num_chains: the number of augmentation chains; default 3.
        chain_depth: the most steps per chain; default 3.
        factor: a number ``f`` in ``[0, 1]`` (the range ``(0, f)``) or a pair
            ``(low, high)``: the strength of every step. Default 0.3.
        alpha: the concentration of the Dirichlet and Beta draws, a positive number;
            default 1.0.
        all_ops: True (default) picks from shear, translation, rotation, posterization,
            solarization, auto-contrast, equalization, brightness, colour degeneration,
            contrast and sharpness; False from the first seven only.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``, for the geometric
            steps.
        seed: an int for repeatable draws (the steps use ``seed + 1``, ``seed + 2``, ...).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape, in the compute dtype (float32 by default).

    Example:
        >>> layer = lamina.layers.AugMix(num_chains=2, chain_depth=2, seed=1)
        >>> layer(np.random.uniform(0, 255, (2, 16, 16, 3)), training=True).shape
        (2, 16, 16, 3)
    """

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3,
                 alpha=1.0, all_ops=True, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        _color.check_value_range("AugMix", value_range)
        for argument, value in (("num_chains", num_chains), ("chain_depth", chain_depth)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"AugMix: `{argument}` must be a positive int, e.g. {argument}=3. "
                    f"Received: {argument}={value!r}."
                )
        if not _color.is_number(alpha) or alpha <= 0:
            raise ValueError(
                "AugMix: `alpha` must be a positive number, the concentration of the "
                f"mixing weights, e.g. alpha=1.0. Received: alpha={alpha!r}."
            )
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"AugMix: `interpolation` must be one of {INTERPOLATIONS}. Received: "
                f"interpolation={interpolation!r}."
            )
        self.value_range = value_range
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        # Both ends in [0, 1]: every step takes this range as its own.
        self.factor = _color.nonnegative_factor_range("AugMix", factor)
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        self._step_names = ALL_STEPS if all_ops else BASIC_STEPS
        steps = make_steps(self._step_names, self.factor, value_range, interpolation, seed,
                           self.data_format, self.dtype_policy)
        for name, step in steps.items():  # attributes, so that the layer tracks them
            setattr(self, name, step)

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        self._check_images(inputs)
        images = self._to_compute_dtype(inputs)
        if not training:
            return images
        dtype = images.dtype
        # 1. The draws: Dirichlet chain weights (normalized gammas), the blend, the picks
        #    (index len(steps) is "skip").
        gammas = random.gamma((self.num_chains,), self.alpha, dtype="float32",
                              seed=self.generator)
        weights = ops.cast(ops.divide(gammas, ops.sum(gammas)), dtype)
        blend = ops.cast(random.beta((), self.alpha, self.alpha, dtype="float32",
                                     seed=self.generator), dtype)
        picks = random.randint((self.num_chains, self.chain_depth), 0,
                               len(self._step_names) + 1, seed=self.generator)
        # 2. The chains. Every step runs and the picked one is kept: one compiled graph
        #    for any pick (Keras picks in Python instead, fixed once traced).
        mix = ops.zeros_like(images)
        for chain in range(self.num_chains):
            augmented = images
            for depth in range(self.chain_depth):
                pick = picks[chain, depth]
                for index, name in enumerate(self._step_names):
                    step = getattr(self, name)(augmented, training=True)
                    augmented = ops.where(ops.equal(pick, index), ops.cast(step, dtype),
                                          augmented)
            mix = ops.add(mix, ops.multiply(augmented, weights[chain]))
        out = ops.add(ops.multiply(blend, images), ops.multiply(ops.subtract(1.0, blend), mix))
        low, high = sorted(self.value_range)
        return ops.cast(ops.clip(out, low, high), self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "num_chains": self.num_chains,
                       "chain_depth": self.chain_depth, "factor": self.factor,
                       "alpha": self.alpha, "all_ops": self.all_ops,
                       "interpolation": self.interpolation, "seed": self.seed})
        return config
