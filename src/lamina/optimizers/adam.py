"""``Adam``: adaptive moment estimation (Kingma & Ba, 2014), as Keras computes it."""

from lamina import backend
from lamina import ops
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.optimizer import standardize_epsilon


class Adam(Optimizer):
    """Adam: per-coordinate steps from running means of the gradient and its square.

    Each step ``t`` (from 1): ``m = b1 * m + (1 - b1) * g``, ``v = b2 * v + (1 - b2) * g**2``,
    ``alpha = learning_rate * sqrt(1 - b2**t) / (1 - b1**t)`` and
    ``w -= alpha * m / (sqrt(v) + epsilon)``. As in Keras, ``epsilon`` sits outside the
    square root and applies to the uncorrected ``v`` (the paper's "epsilon hat").
    With ``amsgrad=True`` the running maximum of ``v`` replaces ``v`` (Reddi et al., 2018).

    Args:
        learning_rate: a float, a schedule or a no-argument callable; ``0.001`` by default.
        beta_1: decay of the first-moment average, ``0.9`` by default.
        beta_2: decay of the second-moment average, ``0.999`` by default.
        epsilon: small constant for numerical stability, ``1e-7`` by default.
        amsgrad: whether to use the AMSGrad variant.
        The other arguments are ``Optimizer``'s.

    Example:
        >>> v = lamina.Variable([1.0])
        >>> _ = Adam(learning_rate=0.1).apply_gradients([(ops.array([2.0]), v)])
        >>> round(float(v.numpy()[0]), 4)  # the first step moves by about learning_rate
        0.9
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
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
        self.amsgrad = amsgrad

    def build(self, var_list):
        """Create the first- and second-moment slots (and their maxima with AMSGrad)."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _step_size(self, learning_rate, dtype):
        """``learning_rate * sqrt(1 - b2**t) / (1 - b1**t)`` for this step."""
        t = ops.cast(self.iterations + 1, dtype)
        beta_1_power = ops.power(ops.cast(self.beta_1, dtype), t)
        beta_2_power = ops.power(ops.cast(self.beta_2, dtype), t)
        return ops.cast(learning_rate, dtype) * ops.sqrt(1.0 - beta_2_power) / (
            1.0 - beta_1_power)

    def _backend_update_step(self, grads, variables, learning_rate):
        # One fused kernel (torch on CPU), else one multi-tensor update (torch), for all
        # variables at once; JAX compiles the per-variable updates into one step anyway.
        dtype = variables[0].dtype
        if not self.amsgrad and all(v.dtype == dtype for v in variables):
            indices = [self._get_variable_index(v) for v in variables]
            # A constant rate goes as its Variable, whose host copy the backend may keep.
            rate = self._learning_rate if isinstance(
                self._learning_rate, backend.BaseVariable) and not self.decay else learning_rate
            if backend.optimizers.adam_update_fused(
                    [v.value for v in variables], list(grads),
                    [self._momentums[i].value for i in indices],
                    [self._velocities[i].value for i in indices],
                    rate, self.iterations, self.beta_1, self.beta_2, self.epsilon):
                return
            alpha = self._step_constant("adam_alpha", dtype,
                                        lambda: self._step_size(learning_rate, dtype))
            if backend.optimizers.adam_update(
                    [v.value for v in variables], list(grads),
                    [self._momentums[i].value for i in indices],
                    [self._velocities[i].value for i in indices],
                    alpha, self.beta_1, self.beta_2, self.epsilon):
                return
        super()._backend_update_step(grads, variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        alpha = self._step_constant("adam_alpha", dtype,
                                    lambda: self._step_size(learning_rate, dtype))
        gradient = ops.cast(gradient, dtype)
        index = self._get_variable_index(variable)
        m = self._momentums[index]
        v = self._velocities[index]
        m.assign(m.value + (gradient - m.value) * (1.0 - self.beta_1))
        v.assign(v.value + (ops.square(gradient) - v.value) * (1.0 - self.beta_2))
        if self.amsgrad:
            v_hat = self._velocity_hats[index]
            v_hat.assign(ops.maximum(v_hat.value, v.value))
            v = v_hat
        variable.assign(variable.value - m.value * alpha / (ops.sqrt(v.value) + self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2,
                       "epsilon": self.epsilon, "amsgrad": self.amsgrad})
        return config
