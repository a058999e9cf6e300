"""JAX has no separate multi-tensor updates: the whole train step is one compiled function,
so the per-variable updates are fused already. Each function returns False ("not handled")."""


def adam_update(variables, grads, momentums, velocities, alpha, beta_1, beta_2, epsilon):
    """Not used on JAX: returns False so the optimizer runs its per-variable update."""
    return False


def adam_update_fused(variables, grads, momentums, velocities, learning_rate, iterations,
                      beta_1, beta_2, epsilon):
    """No fused kernel needed: the compiled step already fuses the update. Returns False."""
    return False


def sgd_update(variables, grads, momentums, learning_rate, momentum, nesterov):
    """Not used on JAX: returns False so the optimizer runs its per-variable update."""
    return False
