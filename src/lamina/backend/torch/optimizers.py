"""torch multi-tensor (``_foreach``) optimizer updates, with Keras's formulas and order of
operations, so they give the numbers the per-variable updates give.

Each function updates the tensors in place and returns True; the JAX module returns False
(its step is compiled as a whole, so the per-variable update is already fused). While a
stateless scope is open they return False too: its Variables must not be written in place.
"""

import functools
import math
import warnings

import torch

from lamina.backend.common import scopes
from lamina.backend.common.variables import BaseVariable
from lamina.backend.torch.core import host_value


def _same_dtype(grads, like):
    return [g if g.dtype == v.dtype else g.to(v.dtype) for g, v in zip(grads, like)]


def adam_update(variables, grads, momentums, velocities, alpha, beta_1, beta_2, epsilon):
    """Adam: ``m += (g - m)(1 - b1)``, ``v += (g^2 - v)(1 - b2)``,
    ``var -= m * alpha / (sqrt(v) + eps)``."""
    if scopes.OPEN.stateless:
        return False
    with torch.no_grad():
        grads = _same_dtype(grads, variables)
        torch._foreach_lerp_(momentums, grads, 1.0 - beta_1)
        torch._foreach_lerp_(velocities, torch._foreach_mul(grads, grads), 1.0 - beta_2)
        denominators = torch._foreach_sqrt(velocities)
        torch._foreach_add_(denominators, epsilon)
        updates = torch._foreach_mul(momentums, alpha)
        torch._foreach_div_(updates, denominators)
        torch._foreach_sub_(variables, updates)
    return True


def adam_update_fused(variables, grads, momentums, velocities, learning_rate, iterations,
                      beta_1, beta_2, epsilon):
    """Adam in one fused pass over all tensors (torch's ``_fused_adam_`` kernel).

    torch's kernel adds epsilon after dividing ``sqrt(v)`` by ``sqrt(1 - b2**t)``; Keras
    adds it before. Handing the kernel ``epsilon / sqrt(1 - b2**t)`` gives Keras's update:
    ``var -= m * lr * sqrt(1 - b2**t) / (1 - b1**t) / (sqrt(v) + eps)``. The step count and
    rate are needed on the host. On CPU reading them costs nothing; on a GPU a read waits for
    all queued work, so there the step counter and a constant rate (``learning_rate`` given
    as its Variable) are read once and remembered until written (``host_value``); a rate
    computed per step (a schedule) returns False, and the multi-tensor update runs instead.
    """
    if _FUSED_ADAM is None or not variables or scopes.OPEN.stateless or \
            torch.compiler.is_compiling():
        # Inside torch.compile the host reads would break the graph, and the kernel's
        # in-place state updates do not trace: the multi-tensor update compiles instead.
        return False
    device = variables[0].device
    if device.type in FREE_HOST_READS:
        rate = float(_host_value(learning_rate))
        step = float(_host_value(iterations)) + 1.0
    elif isinstance(learning_rate, BaseVariable) and isinstance(iterations, BaseVariable):
        # (With gradient accumulation the step count is computed per call: not a Variable.)
        rate = float(host_value(learning_rate._value))
        step = float(host_value(iterations._value)) + 1.0
    else:
        return False
    for v in variables:
        if v.dtype is not torch.float32 and v.dtype is not torch.float64:
            return False
    bias_correction_2 = 1.0 - beta_2 ** step
    # The kernel walks each tensor's memory in order, so a variable, its gradient and its
    # two slots must share one layout (kernels may be stored transposed; see
    # Variable._set_memory_order). A gradient that differs is copied into that layout.
    grads = [g if g.dtype is v.dtype and g.stride() == v.stride() else
             torch.empty_like(v).copy_(g) for g, v in zip(grads, variables)]
    for v, m, s in zip(variables, momentums, velocities):
        if not v.stride() == m.stride() == s.stride():
            return False
    if not all(v.is_contiguous() for v in variables):
        # The kernel copies non-contiguous tensors to contiguous ones and back (three
        # times the memory traffic); it treats elements independently, so a transposed
        # kernel is handed over as flat views of its memory instead.
        variables, grads, momentums, velocities = (
            list(tensors) for tensors in (variables, grads, momentums, velocities))
        for i, v in enumerate(variables):
            if v.is_contiguous():
                continue
            if not _fills_memory(tuple(v.shape), v.stride()):
                return False
            flat, one = (v.numel(),), (1,)
            variables[i] = v.as_strided(flat, one)
            grads[i] = grads[i].as_strided(flat, one)
            momentums[i] = momentums[i].as_strided(flat, one)
            velocities[i] = velocities[i].as_strided(flat, one)
    # On a GPU the kernel reads the step from device memory: a fill, not a blocking copy.
    count = torch.full((), step, dtype=torch.float32, device=device)
    arguments = (variables, grads, momentums, velocities, [], [count] * len(variables))
    options = dict(lr=rate, beta1=float(beta_1),
                   beta2=float(beta_2), weight_decay=0.0,
                   eps=float(epsilon) / math.sqrt(bias_correction_2), amsgrad=False,
                   maximize=False)
    global _FUSED_ADAM_DEVICE_FAILED
    if device.type not in FREE_HOST_READS:
        if _FUSED_ADAM_DEVICE_FAILED:
            return False
        try:  # the kernel checks its arguments before it writes anything
            with torch.no_grad():
                _FUSED_ADAM(*arguments, **options)
        except RuntimeError as error:  # e.g. a device or layout this torch does not fuse
            _FUSED_ADAM_DEVICE_FAILED = True
            warnings.warn(f"torch's fused Adam kernel refused these tensors ({error}); "
                          "using the multi-tensor update from now on.", stacklevel=2)
            return False
        _increment_version(variables)
        return True
    if torch.is_grad_enabled():
        with torch.no_grad():
            _FUSED_ADAM(*arguments, **options)
    else:  # the optimizer's apply() already runs without recording
        _FUSED_ADAM(*arguments, **options)
    _increment_version(variables)
    return True


def _increment_version(tensors):
    """Mark ``tensors`` as written in place. The fused kernel writes them without bumping
    their version counters, which caches of derived copies (the inference weights of
    ``nn.dense``, ``host_value``) read to know that a tensor changed."""
    try:
        torch._C._increment_version(list(tensors))
    except (TypeError, RuntimeError):  # an older torch takes one tensor per call
        for tensor in tensors:
            torch._C._increment_version(tensor)





_FUSED_ADAM = getattr(torch, "_fused_adam_", None)
# Devices whose tensors the host reads without waiting for queued work.
FREE_HOST_READS = ("cpu",)
_FUSED_ADAM_DEVICE_FAILED = False  # set when the kernel refused a device's tensors


@functools.lru_cache(maxsize=256)
def _fills_memory(shape, stride):
    """Whether a tensor of this shape and stride fills its memory without gaps or overlaps
    in some axis order (a transposed kernel does), so a flat view covers its elements."""
    expected = 1
    for size, step in sorted(zip(shape, stride), key=lambda pair: pair[1]):
        if size != 1 and step != expected:
            return False
        expected *= size
    return True


def _host_value(x):
    """A Variable's or a tensor's tensor, for float()."""
    return getattr(x, "_value", x)


def sgd_update(variables, grads, momentums, learning_rate, momentum, nesterov):
    """SGD: ``var -= lr * g``; with momentum ``m = m * momentum - lr * g`` then
    ``var += m`` (or ``var += m * momentum - lr * g`` with Nesterov)."""
    if scopes.OPEN.stateless:
        return False
    with torch.no_grad():
        steps = torch._foreach_mul(_same_dtype(grads, variables), learning_rate)
        if not momentums:
            torch._foreach_sub_(variables, steps)
            return True
        torch._foreach_mul_(momentums, momentum)
        torch._foreach_sub_(momentums, steps)
        if nesterov:
            lookahead = torch._foreach_mul(momentums, momentum)
            torch._foreach_sub_(lookahead, steps)
            torch._foreach_add_(variables, lookahead)
        else:
            torch._foreach_add_(variables, momentums)
    return True
