"""``Ftrl``: Follow The Regularized Leader (McMahan et al., 2013), with Keras's online L2
and L2-shrinkage terms."""

from lamina import ops
from lamina.optimizers.optimizer import Optimizer

_NEGATIVE_STRENGTH = (
    "Ftrl: argument `{name}` must be >= 0. Received: {name}={value!r}. Pass 0.0 to turn the "
    "term off."
)


class Ftrl(Optimizer):
    """FTRL-Proximal: each weight is solved in closed form from a running linear term.

    Per step, with ``p = -learning_rate_power``: ``n_new = n + g**2``,
    ``z += g + 2 * l2_shrinkage * w - (n_new**p - n**p) / learning_rate * w``, then
    ``w = (clip(z, -l1, l1) - z) / (n_new**p / learning_rate + 2 * l2)`` with
    ``l2 = l2_regularization_strength + beta / (2 * learning_rate)``, and ``n = n_new``.
    The clip sets weights with ``|z| <= l1`` to exactly zero, which makes FTRL suited to
    large sparse linear models. Only the linear term sees the shrinkage; the accumulator
    sums the raw squared gradients, as in Keras.

    Args:
        learning_rate: a float, a schedule or a no-argument callable; ``0.001`` by default.
        learning_rate_power: how fast the per-coordinate rate falls, ``<= 0``; ``-0.5`` by
            default (``0`` keeps it fixed).
        initial_accumulator_value: the accumulators' start value, ``>= 0``; ``0.1`` default.
        l1_regularization_strength: L1 strength, ``>= 0``; ``0.0`` by default.
        l2_regularization_strength: online (stabilizing) L2 strength, ``>= 0``; ``0.0``.
        l2_shrinkage_regularization_strength: L2 penalty on the weights' size added to the
            gradient, ``>= 0``; ``0.0`` by default.
        beta: the paper's beta, ``0.0`` by default.
        The other arguments are ``Optimizer``'s.

    Example:
        >>> optimizer = Ftrl(learning_rate=0.1, l1_regularization_strength=0.01)
        >>> v = lamina.Variable([0.0, 0.0])
        >>> _ = optimizer.apply_gradients([(ops.array([1.0, 0.001]), v)])
        >>> float(v.numpy()[1])  # |z| below l1: held at zero
        0.0
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, weight_decay=None, clipnorm=None, clipvalue=None,
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
        if learning_rate_power > 0.0:
            raise ValueError(
                "Ftrl: argument `learning_rate_power` must be <= 0. Received: "
                f"learning_rate_power={learning_rate_power!r}. Use -0.5 (the default) for "
                "a rate falling as 1/sqrt(n), or 0 for a fixed rate."
            )
        for arg, value in (("initial_accumulator_value", initial_accumulator_value),
                           ("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength",
                            l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(_NEGATIVE_STRENGTH.format(name=arg, value=value))
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, var_list):
        """Create an accumulator (filled with ``initial_accumulator_value``) and a linear
        term (zeros) per variable, interleaved per variable as in Keras."""
        if self.built:
            return
        super().build(var_list)
        self._accumulators, self._linears = self.add_optimizer_variables(
            var_list, ["accumulator", "linear"],
            initializer=[float(self.initial_accumulator_value), "zeros"])

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = self._step_constant("lr", dtype, lambda: ops.cast(learning_rate, dtype))
        gradient = ops.cast(gradient, dtype)
        index = self._get_variable_index(variable)
        accumulator = self._accumulators[index]
        linear = self._linears[index]
        power = -self.learning_rate_power
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        shrunk_gradient = gradient + 2.0 * self.l2_shrinkage_regularization_strength * (
            variable.value)
        new_accumulator = accumulator.value + ops.square(gradient)
        new_root = ops.power(new_accumulator, power)
        sigma = (new_root - ops.power(accumulator.value, power)) / lr
        linear.assign(linear.value + shrunk_gradient - sigma * variable.value)
        quadratic = new_root / lr + 2.0 * l2
        l1 = self.l1_regularization_strength
        variable.assign((ops.clip(linear.value, -l1, l1) - linear.value) / quadratic)
        accumulator.assign(new_accumulator)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength":
                self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config
