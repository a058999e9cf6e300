"""``Dropout``: randomly zeroes inputs while training."""

from lamina import random
from lamina.layers.layer import Layer


class Dropout(Layer):
    """Sets inputs to 0 with probability ``rate`` while training and scales the rest by
    ``1 / (1 - rate)``; the identity at inference.

    Args:
        rate: the fraction of inputs to drop, in ``[0, 1)``.
        noise_shape: the shape of the keep/drop mask, broadcast over the input (``None``
            entries take the input's size), e.g. ``(batch, 1, features)``.
        seed: an int for repeatable masks.

    Example:
        >>> layer = lamina.layers.Dropout(0.5, seed=1)
        >>> layer(np.ones((2, 4)), training=True)  # zeros and twos
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(
                f"Dropout: `rate` must be in [0, 1), got {rate!r}. It is the fraction of "
                "inputs to drop."
            )
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed) if rate > 0 else None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            noise_shape = self.noise_shape
            if noise_shape is not None:
                noise_shape = tuple(noise_shape)
            return random.dropout(inputs, self.rate, noise_shape=noise_shape,
                                  seed=self.seed_generator)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config
