"""``BaseConvTranspose``: the shared part of ``Conv1DTranspose`` / ``2D`` / ``3D``.

A transposed convolution maps each input cell to a ``kernel_size`` window of the output,
``strides`` apart: the gradient of a convolution with respect to its input, used to
upsample (decoders, generators). The rank variants live in ``conv_transpose.py``.
"""

from lamina import activations
from lamina import constraints
from lamina import initializers
from lamina import ops
from lamina import regularizers
from lamina.layers.convolutional.base_conv import SpatialConv
from lamina.layers.input_spec import InputSpec


def conv_transpose_output_length(size, kernel_size, stride, dilation, padding,
                                 output_padding):
    """Output cells of a transposed conv along one axis (None stays None), as in Keras.

    Without ``output_padding``: ``size * stride + max(k - stride, 0)`` for "valid" and
    ``size * stride`` for "same"; with it, ``(size - 1) * stride + k - 2 * pad +
    output_padding`` (``pad = k // 2`` for "same", 0 for "valid"); ``k`` is the dilated
    kernel size.
    """
    if size is None:
        return None
    effective = (kernel_size - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return size * stride + max(effective - stride, 0)
        return size * stride
    pad = effective // 2 if padding == "same" else 0
    return (size - 1) * stride + effective - 2 * pad + output_padding


class BaseConvTranspose(SpatialConv):
    """N-D transposed convolution: ``activation(conv_transpose(inputs, kernel) + bias)``.

    The kernel has shape ``(*kernel_size, filters, in_channels)`` (output channels
    before input channels, as in Keras).

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        filters: the number of output channels.
        kernel_size: the window size, an int or one int per spatial axis.
        strides: the upsampling factor (an int or a tuple; default 1).
        padding: ``"valid"`` or ``"same"`` (output size ``size * stride``).
        output_padding: None, or an int or one int per axis, each smaller than its
            stride: extra output cells at the end, to pick among the sizes a strided
            conv maps to the same input size.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.
        dilation_rate: the spacing between kernel taps (default 1).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as
            in ``Dense``.

    Example:
        >>> layer = BaseConvTranspose(rank=2, filters=3, kernel_size=3, strides=2,
        ...                           padding="same")
        >>> layer(np.ones((1, 4, 4, 2))).shape
        (1, 8, 8, 3)
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         activity_regularizer=activity_regularizer, **kwargs)
        cls_name = type(self).__name__
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(
                f"{cls_name}: `filters` (the number of output channels) must be a positive "
                f"int. Received: filters={filters!r}."
            )
        self.filters = filters
        self.output_padding = self._standardize_output_padding(output_padding)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _standardize_output_padding(self, output_padding):
        if output_padding is None:
            return None
        cls_name = type(self).__name__
        if isinstance(output_padding, int) and not isinstance(output_padding, bool):
            values = (output_padding,) * self.rank
        else:
            try:
                values = tuple(output_padding)
            except TypeError:
                values = ()
        if len(values) != self.rank or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
            raise ValueError(
                f"{cls_name}: `output_padding` must be None, a non-negative int or a tuple "
                f"of {self.rank} non-negative ints. Received: output_padding="
                f"{output_padding!r}."
            )
        for axis, (pad, stride) in enumerate(zip(values, self.strides)):
            if pad >= stride:
                raise ValueError(
                    f"{cls_name}: `output_padding` must be smaller than `strides` on every "
                    f"axis; on axis {axis} it is {pad} but the stride is {stride}. "
                    f"Received: output_padding={values}, strides={self.strides}."
                )
        return values

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.filters,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                name="bias",
            )
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})
        self.built = True

    def call(self, inputs):
        outputs = ops.conv_transpose(
            inputs, self.kernel.value, strides=self.strides, padding=self.padding,
            output_padding=self.output_padding, data_format=self.data_format,
            dilation_rate=self.dilation_rate,
        )
        return self._bias_and_activation(outputs,
                                         None if self.bias is None else self.bias.value)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        output_padding = self.output_padding or (None,) * self.rank
        spatial = tuple(
            conv_transpose_output_length(size, k, s, d, self.padding, op)
            for size, k, s, d, op in zip(self._spatial(input_shape), self.kernel_size,
                                         self.strides, self.dilation_rate, output_padding)
        )
        if self.data_format == "channels_last":
            return (input_shape[0],) + spatial + (self.filters,)
        return (input_shape[0], self.filters) + spatial

    def get_config(self):
        config = super().get_config()
        spatial = self._spatial_config()
        config.update({
            "filters": self.filters,
            "kernel_size": spatial["kernel_size"],
            "strides": spatial["strides"],
            "padding": spatial["padding"],
            "output_padding": self.output_padding,
            "data_format": spatial["data_format"],
            "dilation_rate": spatial["dilation_rate"],
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config
