"""``GaussianNoise``: adds zero-mean Gaussian noise to its inputs while training."""

from lamina import ops
from lamina import random
from lamina.layers.layer import Layer


class GaussianNoise(Layer):
    """Adds noise drawn from ``N(0, stddev^2)`` to every input entry while training; the
    identity at inference.

    A cheap form of data augmentation for real-valued inputs.

    Args:
        stddev: the standard deviation of the noise, in ``[0, 1]`` (as Keras requires).
        seed: an int for repeatable draws.

    Returns:
        A tensor of the input's shape.

    Example:
        >>> layer = lamina.layers.GaussianNoise(0.1, seed=1)
        >>> layer(np.zeros((2, 3)), training=True)  # small random values
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or \
                not 0 <= stddev <= 1:
            raise ValueError(
                "GaussianNoise: `stddev` must be a number in [0, 1], the standard deviation "
                f"of the added noise, got stddev={stddev!r}."
            )
        self.stddev = stddev
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed) if stddev > 0 else None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            noise = random.normal(tuple(inputs.shape), mean=0.0, stddev=self.stddev,
                                  dtype=self.compute_dtype, seed=self.seed_generator)
            return ops.add(inputs, noise)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
