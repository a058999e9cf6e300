"""Engine-free convolution arithmetic shared by the torch and JAX backends: TF-style
"same" padding and the crop window of a transposed convolution."""


def conv_same_pads(sizes, kernel_size, strides, dilation_rate):
    """TF-style "same" pads per spatial axis, ``(before, after)``: output ``ceil(size /
    stride)``, the odd cell after."""
    pads = []
    for size, k, stride, dilation in zip(sizes, kernel_size, strides, dilation_rate):
        effective = (k - 1) * dilation + 1
        total = max((-(-size // stride) - 1) * stride + effective - size, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def conv_transpose_crop(size, k, stride, dilation, padding, output_padding):
    """``(start, length)`` of a transposed conv's output inside its full-size result.

    The full result has ``(size - 1) * stride + effective_kernel`` cells; Keras's output
    length (``deconv_output_length``) and TF's "same" crop (half the excess, the odd cell
    at the end) pick the window.
    """
    effective = (k - 1) * dilation + 1
    full = (size - 1) * stride + effective
    if output_padding is None:
        length = size * stride + max(effective - stride, 0) if padding == "valid" else (
            size * stride)
    else:
        crop = effective // 2 if padding == "same" else 0
        length = full - 2 * crop + output_padding
    start = 0 if padding == "valid" else max(full - length, 0) // 2
    return start, length
