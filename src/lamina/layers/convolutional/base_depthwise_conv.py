"""``BaseDepthwiseConv``: the shared part of ``DepthwiseConv1D`` / ``DepthwiseConv2D``.

A depthwise convolution convolves each input channel with its own ``depth_multiplier``
filters and never mixes channels (MobileNet's building block, with a 1x1 conv after it).
The rank variants live in ``depthwise_conv.py``.
"""

from lamina import activations
from lamina import constraints
from lamina import initializers
from lamina import ops
from lamina import regularizers
from lamina.layers.convolutional.base_conv import SpatialConv
from lamina.layers.input_spec import InputSpec


def check_depth_multiplier(depth_multiplier, layer_name):
    """Raise a ValueError naming the layer unless ``depth_multiplier`` is a positive int."""
    if (not isinstance(depth_multiplier, int) or isinstance(depth_multiplier, bool)
            or depth_multiplier <= 0):
        raise ValueError(
            f"{layer_name}: `depth_multiplier` (filters per input channel) must be a "
            f"positive int. Received: depth_multiplier={depth_multiplier!r}."
        )


class BaseDepthwiseConv(SpatialConv):
    """N-D depthwise convolution: ``activation(depthwise_conv(inputs, kernel) + bias)``.

    The kernel (named ``"kernel"``, as in Keras 3) has shape ``(*kernel_size, channels,
    depth_multiplier)``; input channel ``c`` gives output channels ``c * depth_multiplier``
    to ``(c + 1) * depth_multiplier - 1``.

    Args:
        rank: the number of spatial axes (1 or 2).
        depth_multiplier: the number of filters per input channel.
        kernel_size: the window size, an int or one int per spatial axis.
        strides: the step between output positions (an int or a tuple; default 1).
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.
        dilation_rate: the spacing between kernel taps (default 1).
        activation: applied to the output (None: linear).
        use_bias: whether to add a bias of ``channels * depth_multiplier`` values.
        depthwise_initializer, bias_initializer: initializers of the weights.
        depthwise_regularizer, bias_regularizer: penalties on the weights.
        activity_regularizer: penalty on the output.
        depthwise_constraint, bias_constraint: projections applied after each update.

    Example:
        >>> layer = BaseDepthwiseConv(rank=2, depth_multiplier=2, kernel_size=3)
        >>> layer(np.ones((1, 5, 5, 3))).shape
        (1, 3, 3, 6)
    """

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         allow_strided_dilation=True,
                         activity_regularizer=activity_regularizer, **kwargs)
        check_depth_multiplier(depth_multiplier, type(self).__name__)
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._output_spatial(input_shape)
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(channels * self.depth_multiplier,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                name="bias",
            )
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})
        self.built = True

    def call(self, inputs):
        self._output_spatial(inputs.shape)
        outputs = ops.depthwise_conv(
            inputs, self.kernel.value, strides=self.strides, padding=self.padding,
            data_format=self.data_format, dilation_rate=self.dilation_rate,
        )
        return self._bias_and_activation(outputs,
                                         None if self.bias is None else self.bias.value)

    def compute_output_shape(self, input_shape):
        channels = tuple(input_shape)[self._channel_axis()]
        return self._output_shape(
            input_shape, None if channels is None else channels * self.depth_multiplier)

    def get_config(self):
        config = super().get_config()
        config.update({"depth_multiplier": self.depth_multiplier, **self._spatial_config()})
        config.update({
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config
