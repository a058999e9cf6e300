"""``Conv1D``, ``Conv2D``, ``Conv3D``: convolution over 1, 2 or 3 spatial axes.

They fix the rank of ``BaseConv`` (base_conv.py), which holds the behaviour.
"""

from lamina.layers.convolutional.base_conv import BaseConv


class Conv1D(BaseConv):
    """1-D convolution (e.g. over time): ``activation(conv1d(inputs, kernel) + bias)``.

    Inputs are ``(batch, steps, channels)`` (``channels_last``) or ``(batch, channels,
    steps)``; the kernel has shape ``(kernel_size, channels // groups, filters)``.

    Args:
        filters: the number of output channels.
        kernel_size: the window length (an int or a 1-tuple).
        strides: the step between output positions (default 1).
        padding: ``"valid"``, ``"same"`` or ``"causal"`` (pad on the left only, so
            output ``t`` depends on inputs up to ``t``: for autoregressive models).
        data_format: ``"channels_last"`` or ``"channels_first"``.
        dilation_rate: the spacing between kernel taps (default 1).
        groups: the number of channel groups.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as
            in ``Dense``.

    Example:
        >>> layer = lamina.layers.Conv1D(4, 3, padding="causal")
        >>> layer(np.ones((2, 10, 3))).shape
        (2, 10, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            groups=groups, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


class Conv2D(BaseConv):
    """2-D convolution (e.g. over images): ``activation(conv2d(inputs, kernel) + bias)``.

    Inputs are ``(batch, height, width, channels)`` (``channels_last``) or ``(batch,
    channels, height, width)``; the kernel has shape ``(*kernel_size, channels // groups,
    filters)``.

    Args:
        filters: the number of output channels.
        kernel_size: the window size, an int or ``(height, width)``.
        strides: the step between output positions (default ``(1, 1)``).
        padding: ``"valid"`` or ``"same"`` (output ``ceil(size / stride)``, the odd
            padding cell at the bottom / right, as in TensorFlow).
        data_format: ``"channels_last"`` or ``"channels_first"``.
        dilation_rate: the spacing between kernel taps (default ``(1, 1)``).
        groups: the number of channel groups.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as
            in ``Dense``.

    Example:
        >>> layer = lamina.layers.Conv2D(8, 3, strides=2, padding="same")
        >>> layer(np.ones((1, 28, 28, 1))).shape
        (1, 14, 14, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            groups=groups, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


class Conv3D(BaseConv):
    """3-D convolution (e.g. over volumes or video): ``activation(conv3d(inputs, kernel)
    + bias)``.

    Inputs are ``(batch, depth, height, width, channels)`` (``channels_last``) or
    ``(batch, channels, depth, height, width)``; the kernel has shape ``(*kernel_size,
    channels // groups, filters)``.

    Args:
        filters: the number of output channels.
        kernel_size: the window size, an int or ``(depth, height, width)``.
        strides: the step between output positions (default ``(1, 1, 1)``).
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        dilation_rate: the spacing between kernel taps (default ``(1, 1, 1)``).
        groups: the number of channel groups.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as
            in ``Dense``.

    Example:
        >>> layer = lamina.layers.Conv3D(2, 3, padding="same")
        >>> layer(np.ones((1, 4, 4, 4, 1))).shape
        (1, 4, 4, 4, 2)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=3, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            groups=groups, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


# Keras 3 exports these long spellings as the same classes.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
