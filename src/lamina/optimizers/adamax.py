"""``Adamax``: Adam with the infinity norm in place of the second moment (Kingma & Ba)."""

from lamina import ops
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.optimizer import standardize_epsilon


class Adamax(Optimizer):
    """Adamax: Adam whose second-moment average is an exponentially weighted maximum.

    Each step ``t`` (from 1): ``m = b1 * m + (1 - b1) * g``, ``u = max(b2 * u, |g|)`` and
    ``w -= learning_rate * m / ((1 - b1**t) * (u + epsilon))``.

    Args:
        learning_rate: a float, a schedule or a no-argument callable; ``0.001`` by default.
        beta_1: decay of the first-moment average, ``0.9`` by default.
        beta_2: decay of the weighted infinity norm, ``0.999`` by default.
        epsilon: small constant for numerical stability, ``1e-7`` by default.
        The other arguments are ``Optimizer``'s.

    Example:
        >>> optimizer = Adamax(learning_rate=0.002)
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
        """Create the first-moment and infinity-norm slots, interleaved per variable."""
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def _step_size(self, learning_rate, dtype):
        """``learning_rate / (1 - b1**t)`` for this step."""
        t = ops.cast(self.iterations + 1, dtype)
        beta_1_power = ops.power(ops.cast(self.beta_1, dtype), t)
        return ops.cast(learning_rate, dtype), 1.0 - beta_1_power

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr, correction = self._step_constant(
            "adamax", dtype, lambda: self._step_size(learning_rate, dtype))
        gradient = ops.cast(gradient, dtype)
        index = self._get_variable_index(variable)
        m = self._m[index]
        u = self._u[index]
        m.assign(m.value + (gradient - m.value) * (1.0 - self.beta_1))
        u.assign(ops.maximum(self.beta_2 * u.value, ops.abs(gradient)))
        variable.assign(variable.value - lr * m.value / (correction * (u.value + self.epsilon)))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2,
                       "epsilon": self.epsilon})
        return config
