"""``Adadelta``: steps sized by running averages of past steps and gradients (Zeiler, 2012)."""

from lamina import ops
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.optimizer import standardize_epsilon


class Adadelta(Optimizer):
    """Adadelta: a step whose units match the weights', with no hand-tuned global rate.

    ``acc_g = rho * acc_g + (1 - rho) * g**2``,
    ``delta = -sqrt(acc_d + epsilon) / sqrt(acc_g + epsilon) * g``,
    ``acc_d = rho * acc_d + (1 - rho) * delta**2`` and ``w += learning_rate * delta``.
    (Keras keeps a learning rate; the paper's method is ``learning_rate=1.0``.)

    Args:
        learning_rate: a float, a schedule or a no-argument callable; ``0.001`` by default.
        rho: the decay of both running averages, ``0.95`` by default.
        epsilon: small constant for numerical stability, ``1e-7`` by default.
        The other arguments are ``Optimizer``'s.

    Example:
        >>> optimizer = Adadelta(learning_rate=1.0, rho=0.95)
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-07, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs,
        )
        self.rho = rho
        self.epsilon = standardize_epsilon(epsilon)

    def build(self, var_list):
        """Create the squared-gradient and squared-step averages, interleaved per variable."""
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])

    def update_step(self, grad, variable, learning_rate):
        dtype = variable.dtype
        lr = self._step_constant("lr", dtype, lambda: ops.cast(learning_rate, dtype))
        grad = ops.cast(grad, dtype)
        index = self._get_variable_index(variable)
        acc_grad = self._accumulated_grads[index]
        acc_delta = self._accumulated_delta_vars[index]
        rho = self.rho
        acc_grad.assign(rho * acc_grad.value + (1.0 - rho) * ops.square(grad))
        delta = -(ops.sqrt(acc_delta.value + self.epsilon) * grad) / ops.sqrt(
            acc_grad.value + self.epsilon)
        acc_delta.assign(rho * acc_delta.value + (1.0 - rho) * ops.square(delta))
        variable.assign(variable.value + lr * delta)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
