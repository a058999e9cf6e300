"""``AlphaDropout``: dropout that keeps the mean and variance of SELU activations.

Dropped entries are set to SELU's negative saturation value instead of 0, and an affine
correction ``a * x + b`` restores zero mean and unit variance (Klambauer et al., 2017), so
self-normalizing networks stay normalized.
"""

from lamina import ops
from lamina import random
from lamina.layers.layer import Layer

# SELU's constants; alpha' = -scale * alpha is the value SELU tends to for x -> -inf.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """While training, replaces each entry with ``alpha'`` with probability ``rate``, then
    applies ``a * x + b``; the identity at inference.

    With ``alpha' = -1.7581`` (SELU's saturation value),
    ``a = ((1 - rate) * (1 + rate * alpha'^2)) ** -0.5`` and ``b = -a * alpha' * rate``,
    inputs with zero mean and unit variance keep them.

    Args:
        rate: the drop probability, in ``[0, 1)``.
        noise_shape: the shape of the keep/drop mask, broadcast over the input (``None``
            entries take the input's size), e.g. ``(batch, 1, features)`` to drop the
            same features at every step.
        seed: an int for repeatable draws.

    Returns:
        A tensor of the input's shape.

    Example:
        >>> layer = lamina.layers.AlphaDropout(0.1, seed=1)
        >>> layer(np.random.randn(4, 8), training=True).shape
        (4, 8)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        # Keras accepts rate=1 and then divides by zero when called; refuse it up front.
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(
                "AlphaDropout: `rate` must be a number in [0, 1), the drop probability, got "
                f"rate={rate!r}."
            )
        self.rate = rate
        self.seed = seed
        self.noise_shape = noise_shape
        self.seed_generator = random.SeedGenerator(seed) if rate > 0 else None
        self.supports_masking = True

    def _concrete_noise_shape(self, inputs):
        shape = tuple(inputs.shape)
        if self.noise_shape is None:
            return shape
        noise_shape = tuple(self.noise_shape)
        if len(noise_shape) != len(shape):
            raise ValueError(
                f'AlphaDropout layer "{self.name}": noise_shape={noise_shape} must have one '
                f"entry per input axis, but the input has shape {shape}."
            )
        return tuple(s if n is None else n for n, s in zip(noise_shape, shape))

    def call(self, inputs, training=False):
        if not (training and self.rate > 0):
            return inputs
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        draws = random.uniform(self._concrete_noise_shape(inputs), seed=self.seed_generator)
        kept = ops.cast(ops.greater_equal(draws, self.rate), inputs.dtype)
        # kept entries stay, dropped ones become alpha'; then the affine correction.
        x = ops.add(ops.multiply(inputs, kept), ops.multiply(alpha_p, ops.subtract(1.0, kept)))
        return ops.add(ops.multiply(a, x), b)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config
