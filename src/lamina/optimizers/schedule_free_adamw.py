"""``ScheduleFreeAdamW``: AdamW without a learning-rate schedule, by interpolating and
averaging iterates (Defazio et al., 2024, "The Road Less Scheduled")."""

from lamina import ops
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.optimizer import standardize_epsilon


class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW: a constant learning rate does the work of a decay schedule.

    Three sequences take part. ``z`` (the ``momentum`` slot, starting at the initial
    weights) takes plain Adam-preconditioned gradient steps; ``x`` is the running uniform
    average of ``z``; the model's variables hold ``y = (1 - beta_1) * z + beta_1 * x``,
    where gradients are taken. Each step ``t`` (from 1), as Keras does it:

    1. ``v = beta_2 * v + (1 - beta_2) * g**2``;
       ``z -= lr_t * g / (sqrt(v / (1 - beta_2**t)) + epsilon)``, where ``lr_t`` is the
       learning rate times ``min(t / warmup_steps, 1)`` (no warmup when ``warmup_steps=0``).
    2. ``x`` is recovered from ``y`` and the previous ``z``, then averaged with the new
       ``z`` with weight ``1 / t``.
    3. ``y = (1 - beta_1) * z + beta_1 * x`` is written into the variable.

    The variables always hold ``y``, for training and evaluation alike, as in Keras 3.15
    (the paper evaluates at ``x``; Keras does not swap). ``weight_decay`` is the base
    optimizer's decoupled decay, applied to ``y`` before each step. (Keras 3.15 on torch
    recovers ``x`` with the already-updated ``z``, an in-place aliasing, so its results
    drift from this formula after the first step; lamina matches Keras on JAX and NumPy.)

    Args:
        learning_rate: a float, a schedule or a no-argument callable; ``0.0025`` default.
        beta_1: the interpolation between ``z`` and ``x``, ``0.9`` by default.
        beta_2: decay of the second-moment average, ``0.999`` by default.
        epsilon: constant added to the denominator, ``1e-8`` by default.
        warmup_steps: steps over which the learning rate rises linearly from
            ``learning_rate / warmup_steps`` to ``learning_rate``; ``0`` by default.
        The other arguments are ``Optimizer``'s.

    Example:
        >>> v = lamina.Variable([1.0])
        >>> opt = ScheduleFreeAdamW(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(ops.array([2.0]), v)])
        >>> round(float(v.numpy()[0]), 4)  # z moved by about 0.1; y = 0.1 z + 0.9 x
        0.9
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, weight_decay=None, clipnorm=None, clipvalue=None,
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
        if (not isinstance(warmup_steps, int) or isinstance(warmup_steps, bool)
                or warmup_steps < 0):
            raise ValueError(
                "ScheduleFreeAdamW: argument `warmup_steps` must be an integer >= 0 (0 for "
                f"no warmup). Received: warmup_steps={warmup_steps!r}."
            )
        # beta_1 = 0 would divide by zero when x is recovered from y.
        for arg, value, low_ok, high_ok in (("beta_1", beta_1, False, True),
                                            ("beta_2", beta_2, True, False)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                    (0 < value or (low_ok and value == 0))
                    and (value < 1 or (high_ok and value == 1))):
                bounds = "(0, 1]" if arg == "beta_1" else "[0, 1)"
                raise ValueError(
                    f"ScheduleFreeAdamW: argument `{arg}` must be a number in {bounds}. "
                    f"Received: {arg}={value!r}."
                )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = standardize_epsilon(epsilon)
        self.warmup_steps = warmup_steps

    def build(self, var_list):
        """Create the ``momentum`` (``z``, starting at the variables' values) and
        ``velocity`` slots, interleaved per variable as Keras does."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        for z, variable in zip(self._momentums, var_list):
            z.assign(ops.copy(variable.value))

    def _step_constants(self, learning_rate, dtype):
        """``(lr_t, 1 - beta_2**t, 1 / t)`` for this step."""
        t = ops.cast(self.iterations + 1, dtype)
        rate = ops.cast(learning_rate, dtype)
        if self.warmup_steps > 0:
            rate = rate * ops.minimum(t / float(self.warmup_steps), 1.0)
        bias_correction = 1.0 - ops.power(ops.cast(self.beta_2, dtype), t)
        return rate, bias_correction, 1.0 / t

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        rate, bias_correction, average_weight = self._step_constant(
            "schedule_free", dtype, lambda: self._step_constants(learning_rate, dtype))
        gradient = ops.cast(gradient, dtype)
        index = self._get_variable_index(variable)
        z, v = self._momentums[index], self._velocities[index]
        v.assign(v.value + (ops.square(gradient) - v.value) * (1.0 - self.beta_2))
        denominator = ops.sqrt(v.value / bias_correction) + self.epsilon
        # Everything is computed before z is assigned: on torch `z.value` is the stored
        # tensor itself, which an assignment would change under x_old's feet. (Keras 3.15
        # on torch has exactly that aliasing and so differs from Keras on JAX and NumPy
        # after the first step; lamina follows the formula, on every backend.)
        z_old = z.value
        z_new = z_old - rate * gradient / denominator
        # 1. the average x, recovered from y = (1 - beta_1) z_old + beta_1 x_old
        x_old = (variable.value - (1.0 - self.beta_1) * z_old) / self.beta_1
        # 2. x_t = (1 - 1/t) x_{t-1} + (1/t) z_t: the uniform average of all z
        x_new = (1.0 - average_weight) * x_old + average_weight * z_new
        # 3. gradients are taken at the interpolation y
        y_new = (1.0 - self.beta_1) * z_new + self.beta_1 * x_new
        z.assign(z_new)
        variable.assign(y_new)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2,
                       "epsilon": self.epsilon, "warmup_steps": self.warmup_steps})
        return config
