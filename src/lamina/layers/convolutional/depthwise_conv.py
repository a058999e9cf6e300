"""``DepthwiseConv1D``, ``DepthwiseConv2D``: per-channel convolution over 1 or 2 axes.

They fix the rank of ``BaseDepthwiseConv`` (base_depthwise_conv.py), which holds the
behaviour.
"""

from lamina.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


class DepthwiseConv1D(BaseDepthwiseConv):
    """1-D depthwise convolution: each input channel gets its own ``depth_multiplier``
    filters; channels are not mixed.

    Inputs are ``(batch, steps, channels)`` (``channels_last``) or ``(batch, channels,
    steps)``; the kernel has shape ``(kernel_size, channels, depth_multiplier)`` and the
    output has ``channels * depth_multiplier`` channels.

    Args:
        kernel_size: the window length (an int or a 1-tuple).
        strides: the step between output positions (default 1).
        padding: ``"valid"`` or ``"same"``.
        depth_multiplier: the number of filters per input channel (default 1).
        data_format: ``"channels_last"`` or ``"channels_first"``.
        dilation_rate: the spacing between kernel taps (default 1).
        activation, use_bias: as in ``Conv1D``.
        depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
        activity_regularizer, depthwise_constraint, bias_constraint: for the kernel and
            bias, as in ``Conv1D``.

    Example:
        >>> layer = lamina.layers.DepthwiseConv1D(3, depth_multiplier=2)
        >>> layer(np.ones((2, 8, 3))).shape
        (2, 6, 6)
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, depth_multiplier=depth_multiplier, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint,
            **kwargs,
        )


class DepthwiseConv2D(BaseDepthwiseConv):
    """2-D depthwise convolution: each input channel gets its own ``depth_multiplier``
    filters; channels are not mixed.

    Inputs are ``(batch, height, width, channels)`` (``channels_last``) or ``(batch,
    channels, height, width)``; the kernel has shape ``(*kernel_size, channels,
    depth_multiplier)`` and the output has ``channels * depth_multiplier`` channels.

    Args:
        kernel_size: the window size, an int or ``(height, width)``.
        strides: the step between output positions (default ``(1, 1)``).
        padding: ``"valid"`` or ``"same"``.
        depth_multiplier: the number of filters per input channel (default 1).
        data_format: ``"channels_last"`` or ``"channels_first"``.
        dilation_rate: the spacing between kernel taps (default ``(1, 1)``).
        activation, use_bias: as in ``Conv2D``.
        depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
        activity_regularizer, depthwise_constraint, bias_constraint: for the kernel and
            bias, as in ``Conv2D``.

    Example:
        >>> layer = lamina.layers.DepthwiseConv2D(3, padding="same")
        >>> layer(np.ones((1, 6, 6, 4))).shape
        (1, 6, 6, 4)
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, depth_multiplier=depth_multiplier, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint,
            **kwargs,
        )
