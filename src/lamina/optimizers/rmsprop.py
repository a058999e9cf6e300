"""``RMSprop``: steps scaled by a running root mean square of the gradient (Hinton, 2012)."""

from lamina import ops
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.optimizer import standardize_epsilon


class RMSprop(Optimizer):
    """RMSprop: divide each step by the root of a moving average of squared gradients.

    ``v = rho * v + (1 - rho) * g**2`` and ``w -= learning_rate * g / sqrt(v + epsilon)``.
    With ``centered=True`` the moving average of the gradient ``a`` is also kept and the
    denominator is ``sqrt(v - a**2 + epsilon)`` (an estimate of the variance). With
    ``momentum > 0`` the step goes through a momentum slot: ``s = momentum * s + step`` and
    ``w -= s``.

    Args:
        learning_rate: a float, a schedule or a no-argument callable; ``0.001`` by default.
        rho: decay of the squared-gradient average, ``0.9`` by default.
        momentum: momentum, ``0.0`` by default.
        epsilon: small constant for numerical stability, ``1e-7`` by default.
        centered: whether to normalize by the estimated variance of the gradient.
        The other arguments are ``Optimizer``'s.

    Example:
        >>> optimizer = RMSprop(learning_rate=0.01, momentum=0.9, centered=True)
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-07,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
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
        self.rho = rho
        self.momentum = momentum
        self.epsilon = standardize_epsilon(epsilon)
        self.centered = centered

    def build(self, var_list):
        """Create the velocity slots, then momentum and average-gradient slots if used."""
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list,
                                                                   "average_gradient")

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = self._step_constant("lr", dtype, lambda: ops.cast(learning_rate, dtype))
        gradient = ops.cast(gradient, dtype)
        index = self._get_variable_index(variable)
        rho = self.rho
        velocity = self._velocities[index]
        velocity.assign(rho * velocity.value + (1.0 - rho) * ops.square(gradient))
        if self.centered:
            average = self._average_gradients[index]
            average.assign(rho * average.value + (1.0 - rho) * gradient)
            denominator = velocity.value - ops.square(average.value) + self.epsilon
        else:
            denominator = velocity.value + self.epsilon
        increment = lr * gradient / ops.sqrt(denominator)
        if self.momentum > 0:
            momentum = self._momentums[index]
            momentum.assign(self.momentum * momentum.value + increment)
            increment = momentum.value
        variable.assign(variable.value - increment)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum,
                       "epsilon": self.epsilon, "centered": self.centered})
        return config
