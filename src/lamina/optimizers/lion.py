"""``Lion``: sign-of-momentum updates (Chen et al., 2023, "Symbolic Discovery of
Optimization Algorithms")."""

from lamina import ops
from lamina.optimizers.optimizer import Optimizer


class Lion(Optimizer):
    """Lion: every coordinate moves by exactly ``learning_rate``, in the sign's direction.

    ``w -= learning_rate * sign(b1 * m + (1 - b1) * g)``, then
    ``m = b2 * m + (1 - b2) * g``. Its steps are larger than Adam's, so it usually wants a
    learning rate 3-10x smaller and a weight decay 3-10x larger.

    Args:
        learning_rate: a float, a schedule or a no-argument callable; ``0.001`` by default.
        beta_1: interpolation between momentum and gradient for the step, in (0, 1];
            ``0.9`` by default.
        beta_2: decay of the momentum, ``0.99`` by default.
        The other arguments are ``Optimizer``'s.

    Example:
        >>> v = lamina.Variable([1.0, 1.0])
        >>> _ = Lion(learning_rate=0.1).apply_gradients([(ops.array([3.0, -0.5]), v)])
        >>> v.numpy()
        array([0.9, 1.1], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
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
        if not 0 < beta_1 <= 1:
            raise ValueError(
                "Lion: argument `beta_1` must be in the (0, 1] range; otherwise the "
                f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}."
            )
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def build(self, var_list):
        """Create one momentum slot per variable."""
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = self._step_constant("lr", dtype, lambda: ops.cast(learning_rate, dtype))
        gradient = ops.cast(gradient, dtype)
        m = self._momentums[self._get_variable_index(variable)]
        direction = ops.sign(m.value * self.beta_1 + gradient * (1.0 - self.beta_1))
        variable.assign(variable.value - lr * direction)
        m.assign(m.value * self.beta_2 + gradient * (1.0 - self.beta_2))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
