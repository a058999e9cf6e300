"""``SGD``: gradient descent, with optional (Nesterov) momentum."""

from lamina import backend
from lamina import ops
from lamina.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum.

    Without momentum: ``w -= learning_rate * g``. With momentum:
    ``velocity = momentum * velocity - learning_rate * g`` then ``w += velocity``; with
    ``nesterov=True``, ``w += momentum * velocity - learning_rate * g``.

    Args:
        learning_rate: a float, a schedule or a no-argument callable; ``0.01`` by default.
        momentum: a float in [0, 1] that accelerates descent and damps oscillation.
        nesterov: whether to use Nesterov momentum.
        The other arguments are ``Optimizer``'s (``weight_decay``, clipping, EMA, ...,
        and the Keras 2 ``lr`` / ``decay``).

    Example:
        >>> v = lamina.Variable([1.0])
        >>> _ = SGD(learning_rate=0.1).apply_gradients([(ops.array([2.0]), v)])
        >>> v.numpy()
        array([0.8], dtype=float32)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
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
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not (
            0 <= momentum <= 1
        ):
            raise ValueError(
                f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}."
            )
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def build(self, variables):
        """Create one momentum slot per variable (none when ``momentum`` is 0)."""
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def _backend_update_step(self, grads, variables, learning_rate):
        # One multi-tensor update for all variables where the engine has it (torch).
        dtype = variables[0].dtype
        if all(v.dtype == dtype for v in variables):
            lr = self._step_constant("lr", dtype, lambda: ops.cast(learning_rate, dtype))
            momentums = [] if self.momentum == 0 else [
                self.momentums[self._get_variable_index(v)].value for v in variables]
            if backend.optimizers.sgd_update([v.value for v in variables], list(grads),
                                             momentums, lr, self.momentum, self.nesterov):
                return
        super()._backend_update_step(grads, variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = self._step_constant("lr", dtype, lambda: ops.cast(learning_rate, dtype))
        step = ops.cast(gradient, dtype) * lr
        if self.momentum == 0:
            variable.assign(variable.value - step)
            return
        velocity = self.momentums[self._get_variable_index(variable)]
        velocity.assign(velocity.value * self.momentum - step)
        if self.nesterov:
            variable.assign(variable.value + (velocity.value * self.momentum - step))
        else:
            variable.assign(variable.value + velocity.value)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
