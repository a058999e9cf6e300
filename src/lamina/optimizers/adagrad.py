"""``Adagrad``: steps scaled by the root of all squared gradients so far (Duchi et al.)."""

from lamina import ops
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.optimizer import standardize_epsilon


class Adagrad(Optimizer):
    """Adagrad: per-coordinate learning rates that shrink as a coordinate is updated more.

    ``acc += g**2`` and ``w -= learning_rate * g / sqrt(acc + epsilon)``, with ``acc``
    starting at ``initial_accumulator_value``.

    Args:
        learning_rate: a float, a schedule or a no-argument callable; ``0.001`` by default.
        initial_accumulator_value: the accumulators' start value (>= 0), ``0.1`` by default.
        epsilon: small constant for numerical stability, ``1e-7`` by default.
        The other arguments are ``Optimizer``'s.

    Example:
        >>> optimizer = Adagrad(learning_rate=0.01, initial_accumulator_value=0.1)
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-07,
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
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = standardize_epsilon(epsilon)

    def build(self, var_list):
        """Create one accumulator per variable, filled with ``initial_accumulator_value``."""
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=float(self.initial_accumulator_value))

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = self._step_constant("lr", dtype, lambda: ops.cast(learning_rate, dtype))
        gradient = ops.cast(gradient, dtype)
        accumulator = self._accumulators[self._get_variable_index(variable)]
        accumulator.assign(accumulator.value + ops.square(gradient))
        variable.assign(
            variable.value - lr * gradient / ops.sqrt(accumulator.value + self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
