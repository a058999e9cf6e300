"""torch fused recurrent kernels: whole LSTM / GRU layers in one call to torch's RNN ops.

``lstm`` and ``gru`` take Keras-layout weights, reorder them into torch's layout and run
``torch._VF.lstm`` / ``torch._VF.gru`` (cuDNN on GPU, a fused C++ loop on CPU) instead of a
Python loop over timesteps. They return ``(last_output, outputs, states)`` like the generic
loop, or None when they cannot reproduce Keras's result (a mask that is not right-padded),
so the layer falls back to ``ops.scan``.

Keras semantics they keep: with ``go_backwards`` the outputs come in processing order
(last timestep first); at masked (padded) timesteps the state is carried forward and the
output repeats the previous one, or is zero with ``zero_output_for_mask``.
"""

import warnings

import torch
from torch.nn.utils import rnn as torch_rnn

from lamina.backend.torch.core import convert_to_tensor


def lstm(inputs, initial_state_h, initial_state_c, kernel, recurrent_kernel, bias,
         mask=None, go_backwards=False, return_sequences=False, zero_output_for_mask=False):
    """Run an LSTM layer (tanh / sigmoid, Keras gate order i, f, c, o) in one fused call.

    Args:
        inputs: ``(batch, timesteps, features)``.
        initial_state_h, initial_state_c: ``(batch, units)`` each.
        kernel: ``(features, 4 * units)``; recurrent_kernel: ``(units, 4 * units)``.
        bias: ``(4 * units,)`` or None.
        mask: ``(batch, timesteps)`` booleans (True = keep) or None.
        go_backwards: process the sequence from the last timestep to the first.
        return_sequences: kept for the common signature; all outputs are returned.
        zero_output_for_mask: give zeros rather than the previous output at masked steps.

    Returns:
        ``(last_output, outputs, [h, c])``, or None when ``mask`` is not right-padded.

    Example:
        >>> last, seq, (h, c) = lstm(x, h0, c0, kernel, recurrent_kernel, bias)
    """
    kernel, recurrent_kernel = convert_to_tensor(kernel), convert_to_tensor(recurrent_kernel)
    # torch's gate order (i, f, g, o) is Keras's (i, f, c, o): only transposes are needed.
    params = [kernel.t(), recurrent_kernel.t()]
    if bias is not None:
        bias = convert_to_tensor(bias)
        # Packed weights (pack_lstm_weights) carry their zero recurrent bias in the buffer.
        zero = getattr(bias, "_lamina_recurrent_bias", None)
        params += [bias, zero if zero is not None else torch.zeros_like(bias)]
    return _run(torch._VF.lstm, inputs, [initial_state_h, initial_state_c], params, mask,
                go_backwards, zero_output_for_mask)


def pack_lstm_weights(kernel, recurrent_kernel, bias):
    """Lay an LSTM's Variables out as one flat cuDNN weight buffer (on a GPU; else nothing).

    cuDNN reads an LSTM's weights from one buffer in its own layout. Separate tensors are
    copied into such a buffer on every call, and the gradients out of it (about 30 small
    kernel launches per step, measured as 0.78x of ``nn.LSTM`` on an H200, whose weights
    live in that buffer). Here the buffer is made once, as ``nn.LSTM`` makes it
    (``torch._cudnn_rnn_flatten_weight``), with the recurrent bias (zero: Keras has one
    bias) inside it, and each Variable's storage becomes a view of it in Keras's shape.
    Assignments copy in place, so the views stay; anything that replaces a Variable's
    storage only brings back the per-call copy. Keras's values and results are unchanged.

    Args:
        kernel, recurrent_kernel, bias: the cell's Variables (``bias`` may be None).

    Returns:
        True when the weights were packed.

    Example:
        >>> pack_lstm_weights(cell.kernel, cell.recurrent_kernel, cell.bias)
        False
    """
    if bias is None or _FLATTEN is None or not _cudnn_usable():
        return False
    values = [kernel._value, recurrent_kernel._value, bias._value]
    if any(not _on_cudnn_device(v) or v.dtype != values[0].dtype for v in values) or \
            values[0].dtype not in (torch.float32, torch.float16):
        return False
    input_size, units = values[0].shape[0], values[1].shape[0]
    with torch.no_grad():
        torch_layout = [values[0].t().contiguous(), values[1].t().contiguous(),
                        values[2].clone(), torch.zeros_like(values[2])]
        try:
            # Makes the buffer, copies the weights in and re-points each tensor at its view.
            _FLATTEN(torch_layout, 4, input_size, _cudnn_lstm_mode(), units, 0, 1, True,
                     False)
        except (RuntimeError, TypeError):  # a layout this torch / cuDNN does not flatten
            return False
        w_ih, w_hh, b_ih, b_hh = torch_layout
        storage = w_ih.untyped_storage()
        if any(t.untyped_storage().data_ptr() != storage.data_ptr() or not t.is_contiguous()
               for t in torch_layout):
            return False
        # Keras-shaped tensors over the buffer (set_, not views: autograd must not tie them
        # to the flatten call's no_grad tensors), the kernels stored gates-first as before.
        aliases = []
        for like, source, stride in ((values[0], w_ih, (1, input_size)),
                                     (values[1], w_hh, (1, units)), (values[2], b_ih, (1,))):
            alias = torch.empty(0, dtype=like.dtype, device=like.device)
            alias.set_(storage, source.storage_offset(), like.shape, stride)
            if not torch.equal(alias, like):
                return False
            aliases.append(alias)
    for variable, alias in zip((kernel, recurrent_kernel, bias), aliases):
        variable._value = torch.nn.Parameter(alias, requires_grad=variable._value.requires_grad)
    bias._value._lamina_recurrent_bias = b_hh
    return True


def _cudnn_usable():
    use = getattr(torch, "_use_cudnn_rnn_flatten_weight", lambda: False)
    return torch.cuda.is_available() and torch.backends.cudnn.is_available() and use()


def _cudnn_lstm_mode():
    from torch.backends.cudnn import rnn as cudnn_rnn

    return cudnn_rnn.get_cudnn_mode("LSTM")


def _on_cudnn_device(tensor):
    return tensor.is_cuda


_FLATTEN = getattr(torch, "_cudnn_rnn_flatten_weight", None)


def gru(inputs, initial_state, kernel, recurrent_kernel, bias, mask=None, go_backwards=False,
        return_sequences=False, zero_output_for_mask=False):
    """Run a GRU layer (tanh / sigmoid, ``reset_after=True``) in one fused call.

    Args:
        inputs: ``(batch, timesteps, features)``.
        initial_state: ``(batch, units)``.
        kernel: ``(features, 3 * units)``; recurrent_kernel: ``(units, 3 * units)``, both in
            Keras's gate order z, r, h.
        bias: ``(2, 3 * units)`` (input bias, recurrent bias) or None.
        mask, go_backwards, return_sequences, zero_output_for_mask: as for :func:`lstm`.

    Returns:
        ``(last_output, outputs, [h])``, or None when ``mask`` is not right-padded.

    Example:
        >>> last, seq, (h,) = gru(x, h0, kernel, recurrent_kernel, bias)
    """
    kernel, recurrent_kernel = convert_to_tensor(kernel), convert_to_tensor(recurrent_kernel)
    params = [_zrh_to_rzn(kernel.t(), axis=0), _zrh_to_rzn(recurrent_kernel.t(), axis=0)]
    if bias is not None:
        bias = convert_to_tensor(bias)
        params += [_zrh_to_rzn(bias[0], axis=0), _zrh_to_rzn(bias[1], axis=0)]
    return _run(torch._VF.gru, inputs, [initial_state], params, mask, go_backwards,
                zero_output_for_mask)


def _zrh_to_rzn(x, axis):
    """Keras orders GRU gates (update z, reset r, candidate h); torch wants (r, z, n)."""
    z, r, h = torch.chunk(x, 3, dim=axis)
    return torch.cat([r, z, h], dim=axis)


def _run(kernel_fn, inputs, states, params, mask, go_backwards, zero_output_for_mask):
    dtype = params[0].dtype
    x = convert_to_tensor(inputs).to(dtype)
    states = [convert_to_tensor(s).to(dtype) for s in states]
    has_biases = len(params) == 4
    if mask is not None:
        mask = convert_to_tensor(mask).to(torch.bool)
        if mask.ndim != 2:
            return None
        lengths = mask.sum(dim=1)
        positions = torch.arange(x.shape[1], device=mask.device)
        # Only a right-padded mask (each row: keeps, then drops) maps onto torch's packed
        # sequences; anything else needs the step-by-step loop.
        if not bool(torch.equal(mask, positions[None, :] < lengths[:, None])):
            return None
        if bool((lengths == x.shape[1]).all()):
            mask = None
    if mask is None:
        if go_backwards:
            x = torch.flip(x, dims=[1])
        hx = tuple(s.unsqueeze(0) for s in states)  # (1, batch, units): one layer
        result = _call_kernel(kernel_fn, x, hx if len(hx) > 1 else hx[0], params, has_biases,
                              1, 0.0, _train_flag(x), False, True)
        final = [s.squeeze(0) for s in result[1:]]
        # The last output is the final hidden state: read from the state, so a model that
        # keeps only the last output sends no gradient through the whole sequence of
        # outputs (as nn.LSTM code reading h_n does).
        return final[0], result[0], final
    return _run_right_padded(kernel_fn, x, states, params, has_biases, lengths, positions,
                             go_backwards, zero_output_for_mask)


def _train_flag(x):
    """The kernels' ``train`` argument: cuDNN keeps what its backward pass needs only in
    training mode, so it is on whenever gradients are recorded on a GPU. (With dropout 0
    it changes nothing else; the CPU kernels get False, as always.)"""
    return x.is_cuda and torch.is_grad_enabled()


def _call_kernel(kernel_fn, x, *args):
    """``kernel_fn(x, *args)``; on a GPU without cuDNN's warning that the weights are not
    one flat buffer: Keras-layout weights never are (they are views of separate Variables),
    and cuDNN then packs them per call, as it does for Keras 3."""
    if not x.is_cuda:
        return kernel_fn(x, *args)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="RNN module weights are not part",
                                category=UserWarning)
        return kernel_fn(x, *args)


def _run_right_padded(kernel_fn, x, states, params, has_biases, lengths, positions,
                      go_backwards, zero_output_for_mask):
    """The packed-sequence path for right-padded masks, mapped back to Keras's layout.

    1. Put each row's kept steps first, in processing order (reversed for go_backwards).
    2. Run them packed: torch stops each row at its length, which is exactly Keras's
       "carry the state through masked steps".
    3. Rebuild the outputs Keras gives at every processing step: the kept outputs, and at
       masked steps the previous output (or zeros).
    """
    steps = x.shape[1]
    safe_lengths = lengths.clamp(min=1)  # torch rejects empty rows; fixed up below
    if go_backwards:
        index = (safe_lengths[:, None] - 1 - positions[None, :]).clamp(min=0)
        x = torch.gather(x, 1, index[:, :, None].expand(-1, -1, x.shape[2]))
    packed = torch_rnn.pack_padded_sequence(x, safe_lengths.cpu(), batch_first=True,
                                            enforce_sorted=False)
    hx = tuple(s.unsqueeze(0).index_select(1, packed.sorted_indices) for s in states)
    result = _call_kernel(kernel_fn, packed.data, packed.batch_sizes,
                          hx if len(hx) > 1 else hx[0], params, has_biases, 1, 0.0,
                          _train_flag(x), False)
    kept, _ = torch_rnn.pad_packed_sequence(
        torch_rnn.PackedSequence(result[0], packed.batch_sizes, packed.sorted_indices,
                                 packed.unsorted_indices),
        batch_first=True, total_length=steps)  # (batch, steps, units), zeros past length
    empty = (lengths == 0)[:, None]
    final = [torch.where(empty, s0, s.index_select(1, packed.unsorted_indices).squeeze(0))
             for s0, s in zip(states, result[1:])]
    zeros = torch.zeros_like(kept)
    if go_backwards:
        # Masked steps come first in processing order, while the previous output is still
        # the initial zeros; kept step t lands at position steps - length + t.
        start = steps - lengths
        valid = positions[None, :] >= start[:, None]
        index = (positions[None, :] - start[:, None]).clamp(min=0)
        shifted = torch.gather(kept, 1, index[:, :, None].expand(-1, -1, kept.shape[2]))
        outputs = torch.where(valid[:, :, None], shifted, zeros)
    else:
        valid = positions[None, :] < lengths[:, None]
        fill = zeros if zero_output_for_mask else torch.where(
            empty, torch.zeros_like(final[0]), final[0])[:, None, :].expand_as(kept)
        outputs = torch.where(valid[:, :, None], kept, fill)
    return outputs[:, -1], outputs, final
