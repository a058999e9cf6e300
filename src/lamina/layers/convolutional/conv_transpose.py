"""``Conv1DTranspose``, ``Conv2DTranspose``, ``Conv3DTranspose``: transposed convolution
over 1, 2 or 3 spatial axes.

They fix the rank of ``BaseConvTranspose`` (base_conv_transpose.py), which holds the
behaviour. ``Conv3DTranspose`` takes ``data_format`` before ``output_padding``, as in Keras.
"""

from lamina.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv1DTranspose(BaseConvTranspose):
    """1-D transposed convolution (e.g. upsampling a sequence).

    ``output = activation(conv_transpose(inputs, kernel) + bias)``. Inputs are
    ``(batch, steps, channels)`` (``channels_last``) or
    ``(batch, channels, steps)``; the kernel has shape
    ``(*kernel_size, filters, channels)``.

    Args:
        filters: the number of output channels.
        kernel_size: the window size, an int or a 1-tuple.
        strides: the upsampling factor (default 1).
        padding: ``"valid"`` or ``"same"`` (output size ``size * stride``).
        output_padding: None, or an int or one int per axis (each smaller than its stride):
            extra output cells at the end.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        dilation_rate: the spacing between kernel taps (default 1).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as
            in ``Dense``.

    Example:
        >>> layer = lamina.layers.Conv1DTranspose(4, 3, strides=2, padding="same")
        >>> layer(np.ones((2, 5, 3))).shape
        (2, 10, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, output_padding=output_padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


class Conv2DTranspose(BaseConvTranspose):
    """2-D transposed convolution (e.g. upsampling an image).

    ``output = activation(conv_transpose(inputs, kernel) + bias)``. Inputs are
    ``(batch, height, width, channels)`` (``channels_last``) or
    ``(batch, channels, height, width)``; the kernel has shape
    ``(*kernel_size, filters, channels)``.

    Args:
        filters: the number of output channels.
        kernel_size: the window size, an int or ``(height, width)``.
        strides: the upsampling factor (default (1, 1)).
        padding: ``"valid"`` or ``"same"`` (output size ``size * stride``).
        output_padding: None, or an int or one int per axis (each smaller than its stride):
            extra output cells at the end.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        dilation_rate: the spacing between kernel taps (default (1, 1)).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as
            in ``Dense``.

    Example:
        >>> layer = lamina.layers.Conv2DTranspose(4, 3, strides=2, padding="same")
        >>> layer(np.ones((1, 7, 7, 2))).shape
        (1, 14, 14, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, output_padding=output_padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


class Conv3DTranspose(BaseConvTranspose):
    """3-D transposed convolution (e.g. upsampling a volume).

    ``output = activation(conv_transpose(inputs, kernel) + bias)``. Inputs are
    ``(batch, depth, height, width, channels)`` (``channels_last``) or
    ``(batch, channels, depth, height, width)``; the kernel has shape
    ``(*kernel_size, filters, channels)``.

    Args:
        filters: the number of output channels.
        kernel_size: the window size, an int or ``(depth, height, width)``.
        strides: the upsampling factor (default (1, 1, 1)).
        padding: ``"valid"`` or ``"same"`` (output size ``size * stride``).
        output_padding: None, or an int or one int per axis (each smaller than its stride):
            extra output cells at the end.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        dilation_rate: the spacing between kernel taps (default (1, 1, 1)).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as
            in ``Dense``.

    Example:
        >>> layer = lamina.layers.Conv3DTranspose(4, 3, strides=2, padding="same")
        >>> layer(np.ones((1, 2, 2, 2, 1))).shape
        (1, 4, 4, 4, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, output_padding=None, dilation_rate=(1, 1, 1), activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=3, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, output_padding=output_padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


# Keras 3 exports these long spellings as the same classes.
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
