"""``Muon``: momentum with orthogonalized matrix updates (Jordan et al., 2024), with an
AdamW step for the variables that are not plain weight matrices.

The orthogonalization is a fixed number of Newton-Schulz iterations, all matrix products,
so a step stays a traceable sequence of ``lamina.ops`` calls on every backend.
"""

import math
import re

from lamina import ops
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.optimizer import standardize_epsilon

# Added to the Frobenius norm before dividing by it (Keras's constant), so an all-zero
# update stays zero instead of becoming NaN.
_NORM_EPSILON = 1e-7


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _standardize_exclude_layers(exclude_layers):
    """``exclude_layers`` as a list of pattern strings (a single string is one pattern)."""
    if exclude_layers is None:
        return []
    if isinstance(exclude_layers, str):
        return [exclude_layers]
    patterns = list(exclude_layers) if isinstance(exclude_layers, (list, tuple)) else None
    if patterns is None or not all(isinstance(p, str) for p in patterns):
        raise TypeError(
            "Muon: argument `exclude_layers` must be a list of strings (regular expressions "
            "searched in each variable's path, e.g. ['output_dense']). Received: "
            f"exclude_layers={exclude_layers!r}."
        )
    return patterns


class Muon(Optimizer):
    """Muon: SGD momentum whose update for each weight matrix is orthogonalized.

    For a 2-D variable (a dense kernel) each step ``t`` does:

    1. ``m = momentum * m + g``; the direction is ``g + momentum * m`` with
       ``nesterov=True`` (the default), else ``m``.
    2. The direction is scaled to Frobenius norm 1 and pushed towards the nearest
       orthogonal matrix by ``ns_steps`` Newton-Schulz iterations
       ``A = X X^T; X = muon_a * X + (muon_b * A + muon_c * A A) X`` (on the transposed
       matrix when it has more rows than columns).
    3. ``w -= learning_rate * X * sqrt(max(rows, cols)) * rms_rate``; the last factor
       (Liu et al., 2025) gives updates Adam's size, so Adam's learning rate and weight
       decay carry over. ``rms_rate=None`` leaves it out.

    Every other variable gets an AdamW step at ``learning_rate * adam_lr_ratio`` with
    ``adam_beta_1``, ``adam_beta_2`` and ``epsilon``: variables that are not 2-D, those
    whose path contains ``"embedding"`` (any case) while ``exclude_embeddings`` is on, and
    those whose path matches one of the ``exclude_layers`` regular expressions. Pass the
    output layer's name there: Muon is meant for hidden weight matrices only.

    Decoupled weight decay runs before each step: ``weight_decay`` for Muon variables,
    ``adam_weight_decay`` for AdamW ones, each times ``learning_rate``.

    Args:
        learning_rate: a float, a schedule or a no-argument callable; ``0.001`` by default.
        adam_beta_1: decay of AdamW's first moment, ``0.9`` by default.
        adam_beta_2: decay of AdamW's second moment, ``0.999`` by default.
        adam_weight_decay: decoupled decay for AdamW variables, ``0.004`` (None: none).
        epsilon: AdamW's constant added to ``sqrt(v)``, ``1e-7`` by default.
        weight_decay: decoupled decay for Muon variables, ``0.004`` (None: none).
        exclude_layers: a list of regular expressions; a variable whose path contains a
            match uses AdamW (a single string counts as one pattern).
        exclude_embeddings: whether embedding variables use AdamW, ``True`` by default.
        muon_a, muon_b, muon_c: the Newton-Schulz coefficients, ``3.4445``, ``-4.775``,
            ``2.0315`` (chosen to converge fast near zero; keep them).
        adam_lr_ratio: AdamW's learning rate as a multiple of ``learning_rate``, ``1``.
        momentum: the momentum of Muon variables, ``0.95`` by default.
        ns_steps: the number of Newton-Schulz iterations, ``5`` by default.
        nesterov: whether the direction uses Nesterov momentum, ``True`` by default.
        rms_rate: the update's RMS-matching factor, ``0.2``; ``None`` turns it off.
        The other arguments are ``Optimizer``'s.

    Example:
        >>> kernel = lamina.Variable(np.eye(2, dtype="float32"))
        >>> opt = Muon(learning_rate=0.1, weight_decay=None, rms_rate=None)
        >>> _ = opt.apply_gradients([(ops.array([[1.0, 0.0], [0.0, 1.0]]), kernel)])
        >>> kernel.numpy().round(2)  # I is orthogonal: the step is about learning_rate * I
        array([[0.89, 0.  ],
               [0.  , 0.89]], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-07, weight_decay=0.004, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None,
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.775, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2,
                 **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs,
        )
        if not isinstance(ns_steps, int) or isinstance(ns_steps, bool) or ns_steps < 0:
            raise ValueError(
                "Muon: argument `ns_steps` must be an integer >= 0 (5 is usual). Received: "
                f"ns_steps={ns_steps!r}."
            )
        if not _is_number(momentum) or not 0 <= momentum <= 1:
            raise ValueError(
                "Muon: argument `momentum` must be a number in [0, 1] (0.95 is usual). "
                f"Received: momentum={momentum!r}."
            )
        if rms_rate is not None and (not _is_number(rms_rate) or rms_rate <= 0):
            raise ValueError(
                "Muon: argument `rms_rate` must be a number > 0, or None to leave the "
                f"update's scale as Newton-Schulz gives it. Received: rms_rate={rms_rate!r}."
            )
        for arg, value in (("muon_a", muon_a), ("muon_b", muon_b), ("muon_c", muon_c),
                           ("adam_lr_ratio", adam_lr_ratio)):
            if not _is_number(value):
                raise TypeError(f"Muon: argument `{arg}` must be a number. Received: "
                                f"{arg}={value!r}.")
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.adam_weight_decay = adam_weight_decay
        self.epsilon = standardize_epsilon(epsilon)
        self.exclude_layers = _standardize_exclude_layers(exclude_layers)
        self.exclude_embeddings = exclude_embeddings
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable):
        """Whether ``variable`` gets the AdamW step (see the class docstring for the rules)."""
        if len(variable.shape) != 2:
            return True
        path = str(getattr(variable, "path", None) or variable.name)
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(pattern, path) for pattern in self.exclude_layers)

    def build(self, var_list):
        """Create a momentum slot per variable and, after it, a velocity slot for each
        AdamW variable (Keras's order, so saved states line up)."""
        if self.built:
            return
        super().build(var_list)
        self._momentums = []
        self._velocities = []
        for variable in var_list:
            self._momentums.append(self.add_variable_from_reference(variable, "momentum"))
            velocity = None
            if self._should_use_adamw(variable):
                velocity = self.add_variable_from_reference(variable, "velocity")
            self._velocities.append(velocity)

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        gradient = ops.cast(gradient, variable.dtype)
        velocity = self._velocities[index]
        if velocity is None:
            self._muon_step(gradient, variable, learning_rate, self._momentums[index])
        else:
            self._adamw_step(gradient, variable, learning_rate, self._momentums[index],
                             velocity)

    def _muon_step(self, gradient, variable, learning_rate, m):
        m.assign(m.value * self.momentum + gradient)
        direction = gradient + self.momentum * m.value if self.nesterov else m.value
        update = self.zeropower_via_newtonschulz5(direction, self.ns_steps)
        update = ops.cast(learning_rate, variable.dtype) * update
        variable.assign(variable.value - self.lr_adjust(update))

    def _adamw_step(self, gradient, variable, learning_rate, m, v):
        dtype = variable.dtype

        def step_size():
            t = ops.cast(self.iterations + 1, dtype)
            beta_1_power = ops.power(ops.cast(self.adam_beta_1, dtype), t)
            beta_2_power = ops.power(ops.cast(self.adam_beta_2, dtype), t)
            rate = ops.cast(learning_rate * self.adam_lr_ratio, dtype)
            return rate * ops.sqrt(1.0 - beta_2_power) / (1.0 - beta_1_power)

        alpha = self._step_constant("muon_adam_alpha", dtype, step_size)
        m.assign(m.value + (gradient - m.value) * (1.0 - self.adam_beta_1))
        v.assign(v.value + (ops.square(gradient) - v.value) * (1.0 - self.adam_beta_2))
        variable.assign(variable.value - m.value * alpha / (ops.sqrt(v.value) + self.epsilon))

    def transpose_last_axis(self, x):
        """``x`` with its last two axes swapped.

        Example:
            >>> Muon().transpose_last_axis(ops.ones((2, 3))).shape
            (3, 2)
        """
        return ops.swapaxes(x, -1, -2)

    def lr_adjust(self, x):
        """Scale the update ``x`` (rows, cols) by ``sqrt(max(rows, cols)) * rms_rate``.

        Orthogonal updates have entries of size about ``1 / sqrt(max(rows, cols))``; the
        factor brings them to Adam's typical RMS of ``rms_rate`` (Liu et al., 2025).
        ``rms_rate=None`` returns ``x`` unchanged.

        Example:
            >>> x = Muon(rms_rate=0.5).lr_adjust(ops.ones((4, 1)))  # times sqrt(4) * 0.5
            >>> ops.convert_to_numpy(x).ravel()
            array([1., 1., 1., 1.], dtype=float32)
        """
        if self.rms_rate is None:
            return x
        rows, cols = x.shape[0], x.shape[1]
        return x * math.sqrt(max(rows, cols)) * self.rms_rate

    def zeropower_via_newtonschulz5(self, x, steps):
        """Approximately orthogonalize ``x`` (..., rows, cols) with quintic Newton-Schulz.

        The result is close to ``U V^T`` from the SVD ``x = U S V^T``: singular values are
        driven to about 1 (into roughly [0.7, 1.2] with the default coefficients, which is
        enough for training) without an SVD.

        Args:
            x: a tensor with at least 2 dimensions.
            steps: the number of iterations.

        Returns:
            A tensor of ``x``'s shape.

        Example:
            >>> q = Muon().zeropower_via_newtonschulz5(ops.array([[3.0, 0.0], [0.0, 1.0]]), 5)
            >>> ops.convert_to_numpy(q).round(2)  # singular values 3 and 1 both end near 1
            array([[0.75, 0.  ],
                   [0.  , 1.13]], dtype=float32)
        """
        shape = tuple(x.shape)
        if len(shape) < 2:
            raise ValueError(
                "Muon: Newton-Schulz orthogonalization needs a tensor with at least 2 "
                f"dimensions (a matrix). Received: shape={shape}."
            )
        is_tall = shape[-2] > shape[-1]
        if is_tall:  # iterate on the wide side: A = X X^T is then the smaller product
            x = self.transpose_last_axis(x)
        # Frobenius norm >= spectral norm, so the singular values start in [0, 1].
        norm = ops.sqrt(ops.sum(ops.square(x), axis=(-2, -1), keepdims=True))
        x = x / (norm + _NORM_EPSILON)
        for _ in range(steps):
            gram = ops.matmul(x, self.transpose_last_axis(x))  # (..., rows, rows)
            poly = self.muon_b * gram + ops.matmul(self.muon_c * gram, gram)
            x = self.muon_a * x + ops.matmul(poly, x)
        if is_tall:
            x = self.transpose_last_axis(x)
        return x

    def _apply_weight_decay(self, variables, learning_rate):
        # Two rates: `weight_decay` for Muon variables, `adam_weight_decay` for AdamW ones.
        for variable in variables:
            if not self._use_weight_decay(variable):
                continue
            is_adamw = self._velocities[self._get_variable_index(variable)] is not None
            rate = self.adam_weight_decay if is_adamw else self.weight_decay
            if rate is None:
                continue
            factor = ops.cast(learning_rate, variable.dtype) * rate
            variable.assign(variable.value - variable.value * factor)

    def get_config(self):
        config = super().get_config()
        config.update({
            "adam_beta_1": self.adam_beta_1,
            "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon,
            "exclude_layers": list(self.exclude_layers),
            "muon_a": self.muon_a,
            "muon_b": self.muon_b,
            "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio,
            "momentum": self.momentum,
            "ns_steps": self.ns_steps,
            "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay,
            "rms_rate": self.rms_rate,
        })
        return config
