"""``Adafactor``: second moments kept as row and column averages (Shazeer & Stern, 2018,
"Adafactor: Adaptive Learning Rates with Sublinear Memory Cost"), as Keras computes them."""

from lamina import ops
from lamina.optimizers.optimizer import Optimizer


def _rms(x):
    """The root mean square of all of ``x``'s entries."""
    return ops.sqrt(ops.mean(ops.square(x)))


class Adafactor(Optimizer):
    """Adafactor: Adam-like scaling that stores, for a matrix, one value per row and column.

    Each step ``t`` (from 1), with ``b2 = 1 - t**beta_2_decay`` and
    ``G = g**2 + epsilon_1``:

    1. For a variable of rank >= 2 the last two axes are factored: ``r = b2 * r +
       (1 - b2) * mean(G, axis=-1)``, ``c = b2 * c + (1 - b2) * mean(G, axis=-2)`` and
       ``v = (r / mean(r, axis=-1))[..., None] * c[..., None, :]``. A vector (or scalar)
       keeps a full ``v = b2 * v + (1 - b2) * G``.
    2. ``u = g / sqrt(v)``, then ``u /= max(1, rms(u) / clip_threshold)``.
    3. ``w -= max(epsilon_2, rms(w)) * min(learning_rate, 1 / sqrt(t)) * u``.

    As in Keras 3, the step size is capped at ``1 / sqrt(t)`` whatever ``relative_step``
    says; the argument is kept for configs. A vector still gets the two scalar
    placeholders Keras creates in place of ``r`` and ``c`` (int32 zeros), so the list of
    optimizer variables, and saved files, line up with Keras's.

    Args:
        learning_rate: a float, a schedule or a no-argument callable; ``0.001`` by default.
        beta_2_decay: the exponent in ``b2`` above, ``-0.8`` by default.
        epsilon_1: added to squared gradients to keep ``v`` above zero, ``1e-30`` default.
        epsilon_2: the smallest weight scale a step is sized by, ``1e-3`` by default.
        clip_threshold: the largest root mean square of a step's direction, ``1.0`` by
            default; separate from ``clipnorm`` / ``clipvalue`` / ``global_clipnorm``.
        relative_step: stored for Keras compatibility, ``True`` by default (see above).
        The other arguments are ``Optimizer``'s.

    Example:
        >>> kernel = lamina.Variable([[1.0, 2.0], [3.0, 4.0]])
        >>> optimizer = Adafactor(learning_rate=0.01)
        >>> _ = optimizer.apply_gradients([(ops.ones((2, 2)), kernel)])
        >>> [tuple(v.shape) for v in optimizer.variables[2:]]  # row, column, velocity
        [(2,), (2,), (2, 2)]
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30,
                 epsilon_2=1e-3, clip_threshold=1.0, relative_step=True, weight_decay=None,
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
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, var_list):
        """Per variable, in Keras's order: the row and column averages (named after the
        variable; int32 scalar placeholders below rank 2), then the ``velocity`` slot."""
        if self.built:
            return
        super().build(var_list)
        self._r, self._c, self._v = [], [], []
        for variable in var_list:
            shape = tuple(variable.shape)
            if len(shape) < 2:
                self._r.append(self._make_variable(0, dtype="int32", name=variable.name))
                self._c.append(self._make_variable(0, dtype="int32", name=variable.name))
            else:
                self._r.append(self.add_variable(shape[:-1], dtype=variable.dtype,
                                                 name=variable.name))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:],
                                                 dtype=variable.dtype, name=variable.name))
            self._v.append(self.add_variable_from_reference(variable, "velocity"))

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        t = self._step_constant("t", dtype, lambda: ops.cast(self.iterations + 1, dtype))
        # min(learning_rate, 1/sqrt(t)): Keras's relative step and rho_t are the same cap.
        rho = self._step_constant(
            "adafactor_rho", dtype,
            lambda: ops.minimum(ops.cast(learning_rate, dtype), 1.0 / ops.sqrt(t)))
        beta_2 = self._step_constant(
            "adafactor_beta_2", dtype,
            lambda: 1.0 - ops.power(t, ops.cast(self.beta_2_decay, dtype)))
        gradient = ops.cast(gradient, dtype)
        index = self._get_variable_index(variable)
        v = self._v[index]
        alpha = ops.maximum(ops.cast(self.epsilon_2, dtype), _rms(variable.value)) * rho
        squared = ops.square(gradient) + self.epsilon_1
        if len(variable.shape) >= 2:
            r, c = self._r[index], self._c[index]
            r.assign(beta_2 * r.value + (1.0 - beta_2) * ops.mean(squared, axis=-1))
            c.assign(beta_2 * c.value + (1.0 - beta_2) * ops.mean(squared, axis=-2))
            row_share = r.value / ops.mean(r.value, axis=-1, keepdims=True)
            # (..., rows, 1) * (..., 1, cols) -> (..., rows, cols)
            v.assign(ops.expand_dims(row_share, -1) * ops.expand_dims(c.value, -2))
        else:
            v.assign(beta_2 * v.value + (1.0 - beta_2) * squared)
        direction = gradient / ops.sqrt(v.value)
        direction = direction / ops.maximum(1.0, _rms(direction) / self.clip_threshold)
        variable.assign(variable.value - alpha * direction)

    def get_config(self):
        config = super().get_config()
        config.update({
            "beta_2_decay": self.beta_2_decay,
            "epsilon_1": self.epsilon_1,
            "epsilon_2": self.epsilon_2,
            "clip_threshold": self.clip_threshold,
            "relative_step": self.relative_step,
        })
        return config
