"""torch multi-tensor (``_foreach``) optimizer updates, with Keras's formulas and order of
operations, so they give the numbers the per-variable updates give.

Each function updates the tensors in place and returns True; the JAX module returns False
(its step is compiled as a whole, so the per-variable update is already fused).
"""

import torch


def _same_dtype(grads, like):
    return [g if g.dtype == v.dtype else g.to(v.dtype) for g, v in zip(grads, like)]


def adam_update(variables, grads, momentums, velocities, alpha, beta_1, beta_2, epsilon):
    """Adam: ``m += (g - m)(1 - b1)``, ``v += (g^2 - v)(1 - b2)``,
    ``var -= m * alpha / (sqrt(v) + eps)``."""
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


def sgd_update(variables, grads, momentums, learning_rate, momentum, nesterov):
    """SGD: ``var -= lr * g``; with momentum ``m = m * momentum - lr * g`` then
    ``var += m`` (or ``var += m * momentum - lr * g`` with Nesterov)."""
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
