"""``Lamb``: Adam steps rescaled per variable by a trust ratio (You et al., 2019, "Large Batch
Optimization for Deep Learning")."""

from lamina import ops
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.optimizer import standardize_epsilon


class Lamb(Optimizer):
    """Lamb: an Adam direction whose length follows the size of the variable it updates.

    Each step ``t`` (from 1): ``m = b1 * m + (1 - b1) * g``, ``v = b2 * v + (1 - b2) * g**2``,
    ``u = (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + epsilon)`` and
    ``w -= ratio * learning_rate * u``, where ``ratio = ||w|| / ||u||`` (norms over the whole
    variable), or 1 when either norm is zero. Unlike Adam, ``epsilon`` is added to the
    bias-corrected root, as Keras does. The per-variable ratio keeps steps proportionate to
    each layer's weights, which helps with very large batches.

    Args:
        learning_rate: a float, a schedule or a no-argument callable; ``0.001`` by default.
        beta_1: decay of the first-moment average, ``0.9`` by default.
        beta_2: decay of the second-moment average, ``0.999`` by default.
        epsilon: small constant for numerical stability, ``1e-7`` by default.
        The other arguments are ``Optimizer``'s (``weight_decay`` is applied before the step).

    Example:
        >>> v = lamina.Variable([3.0, 4.0])
        >>> _ = Lamb(learning_rate=0.1).apply_gradients([(ops.array([1.0, 1.0]), v)])
        >>> v.numpy()  # the step's norm is learning_rate * ||w|| = 0.5
        array([2.6464467, 3.6464467], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs,
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = standardize_epsilon(epsilon)

    def build(self, var_list):
        """Create the first- and second-moment slots, interleaved per variable as in Keras."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])

    def _bias_corrections(self, dtype):
        """``(1 - b1**t, 1 - b2**t)`` for this step."""
        t = ops.cast(self.iterations + 1, dtype)
        return (1.0 - ops.power(ops.cast(self.beta_1, dtype), t),
                1.0 - ops.power(ops.cast(self.beta_2, dtype), t))

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = self._step_constant("lr", dtype, lambda: ops.cast(learning_rate, dtype))
        correction_1, correction_2 = self._step_constant(
            "lamb_corrections", dtype, lambda: self._bias_corrections(dtype))
        gradient = ops.cast(gradient, dtype)
        index = self._get_variable_index(variable)
        m = self._momentums[index]
        v = self._velocities[index]
        m.assign(m.value + (gradient - m.value) * (1.0 - self.beta_1))
        v.assign(v.value + (ops.square(gradient) - v.value) * (1.0 - self.beta_2))
        update = (m.value / correction_1) / (
            ops.sqrt(v.value / correction_2) + self.epsilon)
        w_norm = ops.sqrt(ops.sum(ops.square(variable.value)))
        u_norm = ops.sqrt(ops.sum(ops.square(update)))
        # Both tests stay inside ops.where so the step traces under jit; the inner where
        # never divides by a zero norm in the branch that is kept.
        ratio = ops.where(ops.greater(w_norm, 0.0),
                          ops.where(ops.greater(u_norm, 0.0), w_norm / u_norm, 1.0), 1.0)
        variable.assign(variable.value - ops.cast(ratio, dtype) * lr * update)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2,
                       "epsilon": self.epsilon})
        return config
