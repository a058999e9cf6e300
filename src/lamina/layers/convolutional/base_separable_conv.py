"""``BaseSeparableConv``: the shared part of ``SeparableConv1D`` / ``SeparableConv2D``.

A separable convolution is a depthwise convolution (each channel filtered on its own)
followed by a pointwise (1x1) convolution that mixes channels: far fewer weights than a
full convolution of the same window (Xception, MobileNet). The rank variants live in
``separable_conv.py``.
"""

from lamina import activations
from lamina import constraints
from lamina import initializers
from lamina import ops
from lamina import regularizers
from lamina.layers.convolutional.base_conv import SpatialConv
from lamina.layers.convolutional.base_depthwise_conv import check_depth_multiplier
from lamina.layers.input_spec import InputSpec


class BaseSeparableConv(SpatialConv):
    """N-D separable convolution: ``activation(separable_conv(inputs, depthwise_kernel,
    pointwise_kernel) + bias)``.

    Weights, in this order: ``depthwise_kernel`` of shape ``(*kernel_size, channels,
    depth_multiplier)``, ``pointwise_kernel`` of shape ``(1, ..., 1, channels *
    depth_multiplier, filters)`` and, with ``use_bias``, ``bias`` of shape ``(filters,)``.

    Args:
        rank: the number of spatial axes (1 or 2).
        depth_multiplier: the number of depthwise filters per input channel.
        filters: the number of output channels.
        kernel_size: the depthwise window size, an int or one int per spatial axis.
        strides: the step between output positions (an int or a tuple; default 1).
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.
        dilation_rate: the spacing between depthwise kernel taps (default 1).
        activation: applied to the output (None: linear).
        use_bias: whether to add a bias.
        depthwise_initializer, pointwise_initializer, bias_initializer: initializers.
        depthwise_regularizer, pointwise_regularizer, bias_regularizer: penalties.
        activity_regularizer: penalty on the output.
        depthwise_constraint, pointwise_constraint, bias_constraint: projections applied
            after each update.

    Example:
        >>> layer = BaseSeparableConv(rank=2, depth_multiplier=1, filters=8, kernel_size=3)
        >>> layer(np.ones((1, 5, 5, 3))).shape
        (1, 3, 3, 8)
    """

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1,
                 padding="valid", data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         allow_strided_dilation=True,
                         activity_regularizer=activity_regularizer, **kwargs)
        cls_name = type(self).__name__
        check_depth_multiplier(depth_multiplier, cls_name)
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(
                f"{cls_name}: `filters` (the number of output channels) must be a positive "
                f"int. Received: filters={filters!r}."
            )
        self.depth_multiplier = depth_multiplier
        self.filters = filters
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._output_spatial(input_shape)
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, name="depthwise_kernel",
        )
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, name="pointwise_kernel",
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
        self._output_spatial(inputs.shape)
        outputs = ops.separable_conv(
            inputs, self.depthwise_kernel.value, self.pointwise_kernel.value,
            strides=self.strides, padding=self.padding, data_format=self.data_format,
            dilation_rate=self.dilation_rate,
        )
        return self._bias_and_activation(outputs,
                                         None if self.bias is None else self.bias.value)

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({"depth_multiplier": self.depth_multiplier, "filters": self.filters,
                       **self._spatial_config()})
        config.update({
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config
