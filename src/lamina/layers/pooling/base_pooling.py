"""``BasePooling``: the shared part of the windowed max and average pooling layers.

A pooling layer slides a window of ``pool_size`` over the spatial axes with a step of
``strides`` and keeps one number per window per channel (the max or the mean). The rank
variants (``MaxPooling2D``, ``AveragePooling1D``...) only fix the number of spatial axes
and the reduction.
"""

from lamina import backend
from lamina import ops
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

_POOL_MODES = ("max", "average")
_PADDINGS = ("valid", "same")


def standardize_tuple(value, n, name, layer_name):
    """``value`` (an int, or ``n`` ints) as a tuple of ``n`` positive ints.

    Raises a ValueError naming the layer and argument for anything else.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            values = None
    if values is None or len(values) != n or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ValueError(
            f"{layer_name}: `{name}` must be an int or a tuple of {n} ints. "
            f"Received: {name}={value!r}."
        )
    if any(v <= 0 for v in values):
        raise ValueError(
            f"{layer_name}: every entry of `{name}` must be a positive int. "
            f"Received: {name}={value!r}."
        )
    return values


class BasePooling(Layer):
    """Max or average pooling over ``pool_dimensions`` spatial axes.

    Args:
        pool_size: the window size, an int or one int per spatial axis.
        strides: the step between windows (an int or a tuple); ``pool_size`` when None.
        pool_dimensions: the number of spatial axes (1, 2 or 3).
        pool_mode: ``"max"`` or ``"average"``.
        padding: ``"valid"`` (windows inside the input only) or ``"same"`` (pad so the
            output has ``ceil(size / stride)`` cells along each axis).
        data_format: ``"channels_last"`` (``(batch, *spatial, channels)``) or
            ``"channels_first"`` (``(batch, channels, *spatial)``); default
            ``lamina.backend.image_data_format()``.
        name: the layer's name.

    Example:
        >>> layer = BasePooling(2, None, pool_dimensions=1, pool_mode="max")
        >>> layer(np.ones((1, 6, 3))).shape
        (1, 3, 3)
    """

    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max", padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        cls_name = type(self).__name__
        self.pool_size = standardize_tuple(pool_size, pool_dimensions, "pool_size", cls_name)
        strides = pool_size if strides is None else strides
        self.strides = standardize_tuple(strides, pool_dimensions, "strides", cls_name)
        if pool_mode not in _POOL_MODES:
            raise ValueError(
                f"{cls_name}: `pool_mode` must be one of {_POOL_MODES}. Received: "
                f"pool_mode={pool_mode!r}."
            )
        self.pool_mode = pool_mode
        if str(padding).lower() not in _PADDINGS:
            raise ValueError(
                f"{cls_name}: `padding` must be one of {_PADDINGS}. Received: "
                f"padding={padding!r}."
            )
        self.padding = str(padding).lower()
        self.data_format = backend.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def _spatial(self, shape):
        return tuple(shape[1:-1]) if self.data_format == "channels_last" else tuple(shape[2:])

    def _check_window_fits(self, shape):
        """With "valid" padding a window larger than the input leaves no output cell."""
        if self.padding != "valid":
            return
        spatial = self._spatial(shape)
        if any(s is not None and k > s for k, s in zip(self.pool_size, spatial)):
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}": the pooling window '
                f"pool_size={self.pool_size} is larger than the input's spatial size "
                f"{spatial} (input shape {tuple(shape)}, {self.data_format}) with "
                'padding="valid", so no window fits. Use a smaller pool_size, a larger '
                'input, or padding="same".'
            )

    def call(self, inputs):
        shape = tuple(inputs.shape)
        # Not the batch size: the check does not read it (and an exported graph must not
        # be tied to one).
        if self.__dict__.get("_checked_shape") == shape[1:]:
            # The window fitted inputs of this shape before, and the layer's arguments are
            # standardized: the engine's pooling directly.
            pool = backend.nn.max_pool if self.pool_mode == "max" else \
                backend.nn.average_pool
            return pool(inputs, self.pool_size, self.strides, self.padding, self.data_format)
        self._check_window_fits(shape)
        pool = ops.max_pool if self.pool_mode == "max" else ops.average_pool
        outputs = pool(inputs, pool_size=self.pool_size, strides=self.strides,
                       padding=self.padding, data_format=self.data_format)
        if backend.is_tensor(inputs):
            self.__dict__["_checked_shape"] = shape[1:]
        return outputs

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_window_fits(input_shape)
        spatial = []
        for size, window, stride in zip(self._spatial(input_shape), self.pool_size,
                                        self.strides):
            if size is None:
                spatial.append(None)
            elif self.padding == "same":
                spatial.append(-(-size // stride))
            else:
                spatial.append((size - window) // stride + 1)
        if self.data_format == "channels_last":
            return (input_shape[0],) + tuple(spatial) + (input_shape[-1],)
        return (input_shape[0], input_shape[1]) + tuple(spatial)

    def get_config(self):
        config = super().get_config()
        config.update({
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        })
        return config
