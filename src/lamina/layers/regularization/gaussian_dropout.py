"""``GaussianDropout``: multiplies its inputs by 1-centred Gaussian noise while training."""

import math

from lamina import ops
from lamina import random
from lamina.layers.layer import Layer


class GaussianDropout(Layer):
    """Multiplies every input entry by noise from ``N(1, rate / (1 - rate))`` while
    training; the identity at inference.

    The noise has the same mean and variance as the scaled keep/drop mask of
    ``Dropout(rate)``, without zeroing anything.

    Args:
        rate: the drop probability it imitates, in ``[0, 1)``; the noise's standard
            deviation is ``sqrt(rate / (1 - rate))``.
        seed: an int for repeatable draws.

    Returns:
        A tensor of the input's shape.

    Example:
        >>> layer = lamina.layers.GaussianDropout(0.2, seed=1)
        >>> layer(np.ones((2, 3)), training=True)  # values around 1, stddev 0.5
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        # Keras accepts rate=1 and then divides by zero when called; refuse it up front.
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(
                "GaussianDropout: `rate` must be a number in [0, 1), the drop probability "
                f"the noise imitates, got rate={rate!r}."
            )
        self.rate = rate
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed) if rate > 0 else None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            noise = random.normal(tuple(inputs.shape), mean=1.0, stddev=stddev,
                                  dtype=self.compute_dtype, seed=self.seed_generator)
            return ops.multiply(inputs, noise)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
