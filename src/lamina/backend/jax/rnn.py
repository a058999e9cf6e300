"""JAX recurrent kernels: none. JAX has no fused LSTM / GRU op to call.

The functions exist so that layers ask every backend the same question; returning None
tells the layer to run its generic ``ops.scan`` loop, which XLA compiles into one fused
loop anyway.
"""


def lstm(inputs, initial_state_h, initial_state_c, kernel, recurrent_kernel, bias,
         mask=None, go_backwards=False, return_sequences=False, zero_output_for_mask=False):
    """No fused LSTM on JAX: always None (the layer then uses ``ops.scan``).

    Example:
        >>> lstm(x, h0, c0, kernel, recurrent_kernel, bias) is None
        True
    """
    return None


def pack_lstm_weights(kernel, recurrent_kernel, bias):
    """Nothing to do: XLA reads the Variables as they are (see the torch engine, where
    cuDNN wants one flat buffer).

    Returns:
        False.

    Example:
        >>> pack_lstm_weights(cell.kernel, cell.recurrent_kernel, cell.bias)
        False
    """
    return False


def gru(inputs, initial_state, kernel, recurrent_kernel, bias, mask=None, go_backwards=False,
        return_sequences=False, zero_output_for_mask=False):
    """No fused GRU on JAX: always None (the layer then uses ``ops.scan``).

    Example:
        >>> gru(x, h0, kernel, recurrent_kernel, bias) is None
        True
    """
    return None
