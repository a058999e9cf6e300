"""``SpatialDropout1D/2D/3D``: dropout that drops whole channels (feature maps).

Neighbouring positions of one feature map are strongly correlated in convolutional
networks, so dropping single entries hardly regularizes; these layers keep or drop each
channel of each sample as a whole (Tompson et al., 2015). Plain ``Dropout`` lives in
dropout.py.
"""

from lamina import backend
from lamina import random
from lamina.layers.input_spec import InputSpec
from lamina.layers.regularization.dropout import Dropout


class BaseSpatialDropout(Dropout):
    """The shared part of the spatial dropouts: one keep/drop draw per (sample, channel).

    Subclasses set ``_rank`` (the number of spatial axes) and the data format.
    """

    _rank = None

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate < 1:
            raise ValueError(
                f"{type(self).__name__}: `rate` must be a number in [0, 1), the fraction of "
                f"channels to drop, got rate={rate!r}."
            )
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _noise_shape(self, inputs):
        """``(batch, 1, ..., 1, channels)`` (or channels first): one draw per channel."""
        shape = tuple(inputs.shape)
        if getattr(self, "data_format", "channels_last") == "channels_first":
            return shape[:2] + (1,) * self._rank
        return (shape[0],) + (1,) * self._rank + (shape[-1],)

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return random.dropout(inputs, self.rate, noise_shape=self._noise_shape(inputs),
                                  seed=self.seed_generator)
        return inputs

    def get_config(self):
        # Keras's spatial dropouts report exactly these keys (no `trainable`, no
        # `noise_shape`), and a saved file must load in Keras too.
        config = {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}
        if hasattr(self, "data_format"):
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(BaseSpatialDropout):
    """Drops whole channels of ``(batch, steps, channels)`` inputs while training.

    Each sample's channel is zeroed with probability ``rate`` across all its steps; kept
    channels are scaled by ``1 / (1 - rate)``. The identity at inference.

    Args:
        rate: the fraction of channels to drop, in ``[0, 1)``.
        seed: an int for repeatable draws.

    Returns:
        A tensor of the input's shape.

    Example:
        >>> layer = lamina.layers.SpatialDropout1D(0.5, seed=1)
        >>> layer(np.ones((2, 5, 3)), training=True)  # each [i, :, c] all 0 or all 2
    """

    _rank = 1


class SpatialDropout2D(BaseSpatialDropout):
    """Drops whole feature maps of 4-D image inputs while training.

    Each sample's channel is zeroed with probability ``rate`` over all its rows and
    columns; kept channels are scaled by ``1 / (1 - rate)``. The identity at inference.

    Args:
        rate: the fraction of channels to drop, in ``[0, 1)``.
        data_format: ``"channels_last"`` (``(batch, rows, cols, channels)``) or
            ``"channels_first"`` (``(batch, channels, rows, cols)``); the global
            ``image_data_format()`` when None.
        seed: an int for repeatable draws.

    Returns:
        A tensor of the input's shape.

    Example:
        >>> layer = lamina.layers.SpatialDropout2D(0.25, seed=1)
        >>> layer(np.ones((2, 4, 4, 8)), training=True).shape
        (2, 4, 4, 8)
    """

    _rank = 2

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = backend.standardize_data_format(data_format)


class SpatialDropout3D(BaseSpatialDropout):
    """Drops whole feature maps of 5-D volume inputs while training.

    Each sample's channel is zeroed with probability ``rate`` over all three spatial axes;
    kept channels are scaled by ``1 / (1 - rate)``. The identity at inference.

    Args:
        rate: the fraction of channels to drop, in ``[0, 1)``.
        data_format: ``"channels_last"`` (``(batch, d1, d2, d3, channels)``) or
            ``"channels_first"`` (``(batch, channels, d1, d2, d3)``); the global
            ``image_data_format()`` when None.
        seed: an int for repeatable draws.

    Returns:
        A tensor of the input's shape.

    Example:
        >>> layer = lamina.layers.SpatialDropout3D(0.25, seed=1)
        >>> layer(np.ones((1, 2, 2, 2, 4)), training=True).shape
        (1, 2, 2, 2, 4)
    """

    _rank = 3

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = backend.standardize_data_format(data_format)
