"""``SeparableConv1D``, ``SeparableConv2D``: depthwise then pointwise convolution over 1
or 2 axes.

They fix the rank of ``BaseSeparableConv`` (base_separable_conv.py), which holds the
behaviour.
"""

from lamina.layers.convolutional.base_separable_conv import BaseSeparableConv


class SeparableConv1D(BaseSeparableConv):
    """1-D separable convolution: a depthwise convolution, then a pointwise (size-1) one.

    Inputs are ``(batch, steps, channels)`` (``channels_last``) or ``(batch, channels,
    steps)``. Weights: ``depthwise_kernel`` ``(kernel_size, channels, depth_multiplier)``,
    ``pointwise_kernel`` ``(1, channels * depth_multiplier, filters)``, ``bias``.

    Args:
        filters: the number of output channels.
        kernel_size: the depthwise window length (an int or a 1-tuple).
        strides: the step between output positions (default 1).
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        dilation_rate: the spacing between depthwise kernel taps (default 1).
        depth_multiplier: the number of depthwise filters per input channel (default 1).
        activation, use_bias: as in ``Conv1D``.
        depthwise_initializer, pointwise_initializer, bias_initializer,
        depthwise_regularizer, pointwise_regularizer, bias_regularizer,
        activity_regularizer, depthwise_constraint, pointwise_constraint,
        bias_constraint: for each weight, as in ``Conv1D``.

    Example:
        >>> layer = lamina.layers.SeparableConv1D(8, 3, padding="same")
        >>> layer(np.ones((2, 10, 4))).shape
        (2, 10, 8)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(
            rank=1, depth_multiplier=depth_multiplier, filters=filters,
            kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint,
            **kwargs,
        )


class SeparableConv2D(BaseSeparableConv):
    """2-D separable convolution: a depthwise convolution, then a pointwise (1x1) one.

    Inputs are ``(batch, height, width, channels)`` (``channels_last``) or ``(batch,
    channels, height, width)``. Weights: ``depthwise_kernel`` ``(*kernel_size, channels,
    depth_multiplier)``, ``pointwise_kernel`` ``(1, 1, channels * depth_multiplier,
    filters)``, ``bias``.

    Args:
        filters: the number of output channels.
        kernel_size: the depthwise window size, an int or ``(height, width)``.
        strides: the step between output positions (default ``(1, 1)``).
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        dilation_rate: the spacing between depthwise kernel taps (default ``(1, 1)``).
        depth_multiplier: the number of depthwise filters per input channel (default 1).
        activation, use_bias: as in ``Conv2D``.
        depthwise_initializer, pointwise_initializer, bias_initializer,
        depthwise_regularizer, pointwise_regularizer, bias_regularizer,
        activity_regularizer, depthwise_constraint, pointwise_constraint,
        bias_constraint: for each weight, as in ``Conv2D``.

    Example:
        >>> layer = lamina.layers.SeparableConv2D(16, 3, strides=2, padding="same")
        >>> layer(np.ones((1, 8, 8, 3))).shape
        (1, 4, 4, 16)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), depth_multiplier=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, depth_multiplier=depth_multiplier, filters=filters,
            kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint,
            **kwargs,
        )


# Keras 3 exports these long spellings as the same classes.
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
