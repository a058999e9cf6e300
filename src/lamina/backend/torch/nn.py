"""torch neural-network primitives: activations, softmax, one-hot, normalization moments."""

import weakref

import torch
import torch.nn.functional as F

from lamina.backend.common import conv_utils
from lamina.backend.torch.core import convert_to_tensor
from lamina.backend.torch.core import to_torch_dtype


def _float(x):
    x = convert_to_tensor(x)
    if not x.dtype.is_floating_point:
        x = x.to(to_torch_dtype(None))
    return x


def relu(x):
    return torch.relu(_float(x))


def relu6(x):
    return F.relu6(_float(x))


def sigmoid(x):
    return torch.sigmoid(_float(x))


def log_sigmoid(x):
    return F.logsigmoid(_float(x))


def softplus(x):
    return F.softplus(_float(x))


def softsign(x):
    return F.softsign(_float(x))


def silu(x):
    return F.silu(_float(x))


def gelu(x, approximate=True):
    return F.gelu(_float(x), approximate="tanh" if approximate else "none")


def elu(x, alpha=1.0):
    return F.elu(_float(x), alpha=alpha)


def selu(x):
    return F.selu(_float(x))


def leaky_relu(x, negative_slope=0.2):
    return F.leaky_relu(_float(x), negative_slope=negative_slope)


def hard_sigmoid(x):
    return F.hardsigmoid(_float(x))


def hard_silu(x):
    return F.hardswish(_float(x))


def mish(x):
    return F.mish(_float(x))


def softmax(x, axis=-1):
    x = _float(x)
    if isinstance(axis, (tuple, list)):
        shifted = x - torch.amax(x, dim=tuple(axis), keepdim=True)
        e = torch.exp(shifted)
        return e / torch.sum(e, dim=tuple(axis), keepdim=True)
    return F.softmax(x, dim=axis)


def log_softmax(x, axis=-1):
    x = _float(x)
    if isinstance(axis, (tuple, list)):
        return x - torch.logsumexp(x, dim=tuple(axis), keepdim=True)
    return F.log_softmax(x, dim=axis)


def one_hot(x, num_classes, axis=-1, dtype=None):
    x = convert_to_tensor(x).to(torch.int64)
    # Negative or out-of-range ids give all-zero rows, as in Keras.
    valid = (x >= 0) & (x < num_classes)
    result = F.one_hot(torch.where(valid, x, 0), num_classes) * valid.unsqueeze(-1)
    result = result.to(to_torch_dtype(dtype))
    if axis != -1:
        result = torch.movedim(result, -1, axis)
    return result


def moments(x, axes, keepdims=False):
    x = _float(x)
    axes = tuple(axes)
    mean = torch.mean(x, dim=axes, keepdim=True)
    variance = torch.mean(torch.square(x - mean), dim=axes, keepdim=True)
    if not keepdims:
        mean = torch.squeeze(mean, dim=axes)
        variance = torch.squeeze(variance, dim=axes)
    return mean, variance


# -- pooling -------------------------------------------------------------------------------
# The ops layer hands these tuples (pool_size, strides), a lower-case padding and a resolved
# data_format. torch pools channels-first data, so channels-last inputs are moved there and
# back; "same" padding is done by hand (torch pads symmetrically only).

_POOL_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_POOL_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def _pool_same_pads(sizes, pool_size, strides):
    """TF-style "same" pads per spatial axis: ``(before, after)``, the extra cell after."""
    pads = []
    for size, window, stride in zip(sizes, pool_size, strides):
        out = -(-size // stride)
        total = max((out - 1) * stride + window - size, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _pool_torch_pad(pads):
    # F.pad lists the last axis first.
    flat = []
    for before, after in reversed(pads):
        flat += [before, after]
    return flat


def _pool_channels_first(x, data_format):
    return torch.movedim(x, -1, 1) if data_format == "channels_last" else x


def _pool_restore(x, data_format):
    return torch.movedim(x, 1, -1) if data_format == "channels_last" else x


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format="channels_last"):
    x = convert_to_tensor(inputs)
    dtype = x.dtype
    if not dtype.is_floating_point:
        # torch max-pools floats only; float64 holds every int32 exactly.
        x = x.to(torch.float64)
    x = _pool_channels_first(x, data_format)
    rank = x.ndim - 2
    strides = pool_size if strides is None else strides
    if padding == "same":
        pads = _pool_same_pads(x.shape[2:], pool_size, strides)
        # Every window keeps at least one real cell, so -inf padding is never selected.
        x = F.pad(x, _pool_torch_pad(pads), value=float("-inf"))
    out = _POOL_MAX[rank](x, tuple(pool_size), tuple(strides))
    return _pool_restore(out, data_format).to(dtype)


def average_pool(inputs, pool_size, strides=None, padding="valid",
                 data_format="channels_last"):
    x = _float(inputs)
    x = _pool_channels_first(x, data_format)
    rank = x.ndim - 2
    strides = pool_size if strides is None else strides
    pool = _POOL_AVG[rank]
    if padding != "same":
        return _pool_restore(pool(x, tuple(pool_size), tuple(strides)), data_format)
    pads = _pool_torch_pad(_pool_same_pads(x.shape[2:], pool_size, strides))
    # The average is over the real cells of each window only (as in TF / Keras):
    # mean of zero-padded values divided by the fraction of real cells.
    ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
    total = pool(F.pad(x, pads), tuple(pool_size), tuple(strides))
    share = pool(F.pad(ones, pads), tuple(pool_size), tuple(strides))
    return _pool_restore(total / share, data_format)


# -- convolutions --------------------------------------------------------------------------
# The ops layer hands these tuples (strides, dilation_rate, output_padding), a lower-case
# padding and a resolved data_format. Kernels come in Keras's layout, (*spatial, in, out)
# ((*spatial, out, in) for conv_transpose); torch wants channels-first data and
# (out, in, *spatial) weights ((in, out, *spatial) when transposed), so both are permuted
# here. torch pads symmetrically only, so TF's "same" (the odd cell after) is padded by hand.

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _conv_operands(inputs, kernel):
    inputs = _float(inputs)
    kernel = convert_to_tensor(kernel)
    dtype = torch.promote_types(inputs.dtype, kernel.dtype)
    return inputs.to(dtype), kernel.to(dtype)


def _conv_channels_first(x, data_format):
    return torch.movedim(x, -1, 1) if data_format == "channels_last" else x


def _conv_restore(x, data_format):
    return torch.movedim(x, 1, -1) if data_format == "channels_last" else x


def conv(inputs, kernel, strides=1, padding="valid", data_format="channels_last",
         dilation_rate=1, bias=None):
    """N-D convolution (see ``ops.conv``); ``bias`` (``(out_channels,)``, optional) is added
    by the convolution kernel itself."""
    inputs, kernel = _conv_operands(inputs, kernel)
    if bias is not None:
        bias = convert_to_tensor(bias)
        if bias.dtype != inputs.dtype:
            bias = bias.to(inputs.dtype)
    rank = inputs.ndim - 2
    x = _conv_channels_first(inputs, data_format)
    groups = x.shape[1] // kernel.shape[-2]
    weight = kernel.permute(rank + 1, rank, *range(rank))  # (out, in / groups, *spatial)
    torch_padding = 0
    if padding == "same":
        pads = conv_utils.conv_same_pads(x.shape[2:], kernel.shape[:rank], strides, dilation_rate)
        if all(before == after for before, after in pads):
            torch_padding = tuple(before for before, _ in pads)
        else:
            flat = []
            for before, after in reversed(pads):  # F.pad lists the last axis first
                flat += [before, after]
            x = F.pad(x, flat)
    out = _CONV[rank](x, weight, bias, stride=tuple(strides), padding=torch_padding,
                      dilation=tuple(dilation_rate), groups=groups)
    return _conv_restore(out, data_format)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format="channels_last",
                   dilation_rate=1):
    kernel = convert_to_tensor(kernel)
    # (*spatial, in, multiplier) -> (*spatial, 1, in * multiplier): one group per input
    # channel, output channel c * multiplier + m as in Keras.
    kernel = kernel.reshape(*kernel.shape[:-2], 1, kernel.shape[-2] * kernel.shape[-1])
    return conv(inputs, kernel, strides, padding, data_format, dilation_rate)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format="channels_last", dilation_rate=1):
    x = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    rank = x.ndim - 2
    return conv(x, pointwise_kernel, (1,) * rank, "valid", data_format, (1,) * rank)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format="channels_last", dilation_rate=1):
    inputs, kernel = _conv_operands(inputs, kernel)
    rank = inputs.ndim - 2
    x = _conv_channels_first(inputs, data_format)
    output_padding = (None,) * rank if output_padding is None else output_padding
    crops = [
        conv_utils.conv_transpose_crop(size, k, s, d, padding, op)
        for size, k, s, d, op in zip(x.shape[2:], kernel.shape[:rank], strides,
                                     dilation_rate, output_padding)
    ]
    # torch crops `start` cells from both ends and may add up to max(stride, dilation) - 1
    # computed cells at the end; whatever that leaves is trimmed or zero-filled below.
    starts, extras = [], []
    for (start, length), size, k, s, d in zip(crops, x.shape[2:], kernel.shape[:rank],
                                              strides, dilation_rate):
        natural = (size - 1) * s + (k - 1) * d + 1 - 2 * start
        starts.append(start)
        extras.append(min(max(length - natural, 0), max(s, d) - 1))
    weight = kernel.permute(rank + 1, rank, *range(rank))  # (in, out, *spatial)
    out = _CONV_TRANSPOSE[rank](x, weight, stride=tuple(strides), padding=tuple(starts),
                                output_padding=tuple(extras), dilation=tuple(dilation_rate))
    for axis, (_, length) in enumerate(crops, start=2):
        have = out.shape[axis]
        if have > length:
            out = out.narrow(axis, 0, length)
        elif have < length:
            pad = [0, 0] * (out.ndim - axis - 1) + [0, length - have]
            out = F.pad(out, pad)
    return _conv_restore(out, data_format)


def dense(inputs, kernel, bias=None, activation=None):
    """``activation(inputs @ kernel + bias)`` in one fused call where the engine has one.

    ``activation`` is None or ``"relu"`` (the activation a layer may hand down to be fused).
    With gradients this is ``addmm`` for 2-D inputs (else ``F.linear``). Without gradients
    (predict, evaluate) a CPU float32 weight is read through a cached copy in oneDNN's
    blocked layout, with the activation fused into the multiply (measured 5-15% faster
    than ``addmm`` on the mlp benchmark's layers); elsewhere through a cached (out, in)
    copy, the layout the matrix multiply reads fastest. A copy is made again only after
    its weight changes.
    """
    inputs = convert_to_tensor(inputs)
    kernel = convert_to_tensor(kernel)
    if inputs.dtype != kernel.dtype:
        dtype = torch.promote_types(inputs.dtype, kernel.dtype)
        inputs, kernel = inputs.to(dtype), kernel.to(dtype)
    if bias is not None:
        bias = convert_to_tensor(bias)
        if bias.dtype != kernel.dtype:
            bias = bias.to(kernel.dtype)
    if not torch.is_grad_enabled() and type(kernel) is torch.nn.Parameter:
        packed = _packed_weight(kernel, inputs)
        if packed is not None:
            return _LINEAR_POINTWISE(inputs, packed, bias, activation or "none", [None], "")
        weight = _out_by_in(kernel)
        if weight is not None:
            return _activate(F.linear(inputs, weight, bias), activation)
    if bias is not None:
        if inputs.ndim == 2:
            # addmm reads the (in, out) kernel as it is: F.linear wants (out, in) and its
            # transpose would add two transpose nodes to every backward pass.
            return _activate(torch.addmm(bias, inputs, kernel), activation)
    elif inputs.ndim == 2:
        return _activate(torch.mm(inputs, kernel), activation)
    return _activate(F.linear(inputs, kernel.t(), bias), activation)


def _activate(outputs, activation):
    if activation is None:
        return outputs
    if activation == "relu":
        return torch.relu(outputs)
    raise ValueError(f"dense: unsupported fused activation {activation!r}; expected None or "
                     "'relu'.")


# The (out, in) copies of Dense kernels that inference reads: id(kernel) -> (weak reference
# to the kernel, its in-place version when copied, the copy). An entry goes when its kernel
# is freed. (Not a WeakKeyDictionary: it compares tensors with ==, which is element-wise.)
_OUT_BY_IN = {}
# The same for oneDNN-packed copies (CPU, float32).
_PACKED = {}
# Larger kernels are read as they are: their copies would cost too much memory.
_OUT_BY_IN_MAX_ELEMENTS = 1 << 22


def _find_linear_pointwise():
    """oneDNN's fused linear (the op torch's own compiler uses on CPU) and its weight
    packer, or (None, None)."""
    try:
        if not torch.backends.mkldnn.is_available():
            return None, None
        return torch.ops.mkldnn._linear_pointwise, torch.ops.mkldnn._reorder_linear_weight
    except (AttributeError, RuntimeError):
        return None, None


_LINEAR_POINTWISE, _REORDER_LINEAR_WEIGHT = _find_linear_pointwise()


def _packed_weight(kernel, inputs):
    """The oneDNN-packed (out, in) copy of a CPU float32 kernel, made once per version of
    the kernel; None where that path does not apply (or failed once: then never again)."""
    global _LINEAR_POINTWISE
    if _LINEAR_POINTWISE is None or kernel.dtype != torch.float32 or \
            kernel.device.type != "cpu" or inputs.device.type != "cpu" or kernel.ndim != 2 \
            or inputs.ndim < 2 or kernel.numel() > _OUT_BY_IN_MAX_ELEMENTS or \
            torch.compiler.is_compiling():
        return None
    key = id(kernel)
    entry = _PACKED.get(key)
    version = kernel._version
    if entry is None or entry[0]() is not kernel or entry[1] != version:
        try:
            batch = max(1, inputs.numel() // max(1, inputs.shape[-1]))
            packed = _REORDER_LINEAR_WEIGHT(kernel.detach().t().contiguous(), batch)
        except RuntimeError:  # a build whose oneDNN does not pack: the plain path
            _LINEAR_POINTWISE = None
            return None
        reference = weakref.ref(kernel, lambda _, key=key: _PACKED.pop(key, None))
        entry = (reference, version, packed)
        _PACKED[key] = entry
    return entry[2]


def _out_by_in(kernel):
    """The contiguous transpose of a 2-D kernel, made once per version of the kernel."""
    if kernel.ndim != 2 or kernel.numel() > _OUT_BY_IN_MAX_ELEMENTS:
        return None
    key = id(kernel)
    entry = _OUT_BY_IN.get(key)
    version = kernel._version
    if entry is None or entry[0]() is not kernel or entry[1] != version:
        reference = weakref.ref(kernel, lambda _, key=key: _OUT_BY_IN.pop(key, None))
        entry = (reference, version, kernel.detach().t().contiguous())
        _OUT_BY_IN[key] = entry
    return entry[2]


def mean_squared_error_mean(target, output):
    """``mean((target - output) ** 2)`` over all entries, in one op (``F.mse_loss``):
    forward and backward are one kernel each instead of a subtract, square and two means.
    ``target`` and ``output`` have the same shape."""
    output = convert_to_tensor(output)
    target = convert_to_tensor(target)
    if target.dtype != output.dtype:
        target = target.to(output.dtype)
    return F.mse_loss(output, target)


# -- cross-entropies: one native kernel each instead of a chain of small ops --------------
# Keras's numbers: probabilities are clipped to [epsilon, 1 - epsilon] (categorical ones
# rescaled to sum to 1 first); logits go through the stable log-sigmoid / log-softmax.

def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy (``output``: probabilities, or logits)."""
    output = convert_to_tensor(output)
    target = convert_to_tensor(target).to(output.dtype)
    if not from_logits:
        logits = _logits_of(output)
        if logits is not None:  # sigmoid output: the stable logits form
            output, from_logits = logits, True
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    eps = _epsilon()
    return F.binary_cross_entropy(output.clamp(eps, 1.0 - eps), target, reduction="none")


def _logits_of(output):
    """The logits a sigmoid / softmax activation kept on ``output`` (same shape and dtype,
    on an output still in the graph the activation made), or None."""
    logits = getattr(output, "_keras_logits", None)
    if logits is None or logits.shape != output.shape or logits.dtype != output.dtype:
        return None
    return logits


def _log_probabilities(output, from_logits, axis):
    if not from_logits and axis in (-1, output.ndim - 1):
        logits = _logits_of(output)
        if logits is not None:  # softmax output: log_softmax of its logits
            output, from_logits = logits, True
    if from_logits:
        return F.log_softmax(output, dim=axis)
    eps = _epsilon()
    output = output / output.sum(dim=axis, keepdim=True)
    return output.clamp(eps, 1.0 - eps).log()


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot (or soft) targets and predictions along ``axis``."""
    output = convert_to_tensor(output)
    target = convert_to_tensor(target).to(output.dtype)
    return -(target * _log_probabilities(output, from_logits, axis)).sum(dim=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer class ids (``output``'s shape without ``axis``) and
    predictions. A label outside ``[0, classes)`` gives a loss of 0, as with one-hot
    targets."""
    output = convert_to_tensor(output)
    target = convert_to_tensor(target)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = target.squeeze(-1)
    log_prob = torch.movedim(_log_probabilities(output, from_logits, axis), axis, -1)
    classes = log_prob.shape[-1]
    # torch's nll_loss (one kernel each way) gives 0 at ignore_index, here ``classes``; every
    # label outside [0, classes) is mapped there first (the kernel would reject it): clamped
    # to -1 or ``classes``, and -1 taken modulo ``classes + 1`` (two kernels, on a copy).
    safe = target.long().clamp(-1, classes).remainder_(classes + 1)
    if log_prob.ndim == 2:
        return F.nll_loss(log_prob, safe, ignore_index=classes, reduction="none")
    losses = F.nll_loss(log_prob.reshape(-1, classes), safe.reshape(-1),
                        ignore_index=classes, reduction="none")
    return losses.reshape(safe.shape)


def _epsilon():
    from lamina.backend import config

    return config.epsilon()


# -- fused kernels the ops layer uses where they apply (None: use the reference path) -----

def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    """torch's fused ``scaled_dot_product_attention`` on ``(B, T, N, H)`` heads, or None.

    Used without bias, mask or soft cap, for float32/float64 heads of equal count (the
    reference path handles the rest: fully masked rows give uniform weights there, where
    the fused kernel would give NaN; half precision keeps its float32 softmax there).
    """
    if bias is not None or mask is not None or attn_logits_soft_cap is not None:
        return None
    query, key, value = (convert_to_tensor(t) for t in (query, key, value))
    if not (query.ndim == key.ndim == value.ndim == 4) or \
            not (query.shape[2] == key.shape[2] == value.shape[2]) or \
            query.dtype not in (torch.float32, torch.float64) or \
            not (query.dtype == key.dtype == value.dtype):
        return None
    output = F.scaled_dot_product_attention(
        query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2),
        is_causal=bool(is_causal), scale=scale)
    return output.transpose(1, 2)


def layer_normalization(x, gamma, beta, axes, epsilon):
    """``F.layer_norm`` when ``axes`` are the trailing axes of ``x`` (sorted), else None."""
    x = convert_to_tensor(x)
    count = len(axes)
    if tuple(axes) != tuple(range(x.ndim - count, x.ndim)) or not x.dtype.is_floating_point:
        return None
    shape = tuple(x.shape[-count:])
    weights = []
    for w in (gamma, beta):
        if w is not None:
            w = convert_to_tensor(w).to(x.dtype)
            if tuple(w.shape) != shape:
                if w.numel() != x.shape[-count:].numel():
                    return None
                w = w.reshape(shape)
        weights.append(w)
    return F.layer_norm(x, shape, weights[0], weights[1], float(epsilon))


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """torch's native CTC kernel, on logits ``(batch, time, classes)``; per-sequence loss."""
    output = convert_to_tensor(output)
    log_probs = torch.log_softmax(output, dim=-1).transpose(0, 1)  # (time, batch, classes)
    return F.ctc_loss(log_probs, convert_to_tensor(target).long(),
                      convert_to_tensor(output_length).long(),
                      convert_to_tensor(target_length).long(), blank=mask_index,
                      reduction="none")
