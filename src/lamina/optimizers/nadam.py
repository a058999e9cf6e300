"""``Nadam``: Adam with Nesterov momentum (Dozat, 2015), with Keras's momentum schedule."""

from lamina import backend
from lamina import ops
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.optimizer import standardize_epsilon

# Dozat's warming momentum schedule: mu_t = beta_1 * (1 - 0.5 * 0.96 ** t).
_MOMENTUM_DECAY = 0.96


class Nadam(Optimizer):
    """Nadam: Adam whose first-moment step looks one momentum step ahead.

    With ``mu_t = beta_1 * (1 - 0.5 * 0.96**t)`` and ``P_t = mu_1 * ... * mu_t`` (kept in an
    optimizer variable), each step ``t`` (from 1) does ``m = b1 * m + (1 - b1) * g``,
    ``v = b2 * v + (1 - b2) * g**2``,
    ``m_hat = mu_{t+1} * m / (1 - P_t * mu_{t+1}) + (1 - mu_t) * g / (1 - P_t)``,
    ``v_hat = v / (1 - b2**t)`` and ``w -= learning_rate * m_hat / (sqrt(v_hat) + epsilon)``.

    Args:
        learning_rate: a float, a schedule or a no-argument callable; ``0.001`` by default.
        beta_1: decay of the first-moment average, ``0.9`` by default.
        beta_2: decay of the second-moment average, ``0.999`` by default.
        epsilon: small constant for numerical stability, ``1e-7`` by default.
        The other arguments are ``Optimizer``'s.

    Example:
        >>> optimizer = Nadam(learning_rate=0.002)
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
        """Create the moment slots, then the running momentum product ``u_product``."""
        if self.built:
            return
        dtype = var_list[0].dtype if var_list else backend.floatx()
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        self._u_product = self.add_variable((), initializer=1.0, dtype=dtype,
                                            name="u_product")

    def _backend_update_step(self, grads, variables, learning_rate):
        # The momentum product advances once per step, before any variable is updated.
        dtype = self._u_product.dtype
        t = ops.cast(self.iterations + 1, dtype)
        mu_t = self.beta_1 * (1.0 - 0.5 * ops.power(_MOMENTUM_DECAY, t))
        self._u_product.assign(self._u_product.value * mu_t)
        super()._backend_update_step(grads, variables, learning_rate)

    def _step_constants(self, learning_rate, dtype):
        t = ops.cast(self.iterations + 1, dtype)
        decay = ops.cast(_MOMENTUM_DECAY, dtype)
        mu_t = self.beta_1 * (1.0 - 0.5 * ops.power(decay, t))
        mu_next = self.beta_1 * (1.0 - 0.5 * ops.power(decay, t + 1.0))
        product = ops.cast(self._u_product.value, dtype)
        product_next = product * mu_next
        beta_2_power = ops.power(ops.cast(self.beta_2, dtype), t)
        return ops.cast(learning_rate, dtype), mu_t, mu_next, product, product_next, \
            beta_2_power

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr, mu_t, mu_next, product, product_next, beta_2_power = self._step_constant(
            "nadam", dtype, lambda: self._step_constants(learning_rate, dtype))
        gradient = ops.cast(gradient, dtype)
        index = self._get_variable_index(variable)
        m = self._momentums[index]
        v = self._velocities[index]
        m.assign(m.value + (gradient - m.value) * (1.0 - self.beta_1))
        v.assign(v.value + (ops.square(gradient) - v.value) * (1.0 - self.beta_2))
        m_hat = mu_next * m.value / (1.0 - product_next) + (1.0 - mu_t) * gradient / (
            1.0 - product)
        v_hat = v.value / (1.0 - beta_2_power)
        variable.assign(variable.value - m_hat * lr / (ops.sqrt(v_hat) + self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2,
                       "epsilon": self.epsilon})
        return config
