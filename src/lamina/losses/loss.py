"""The ``Loss`` base class, ``LossFunctionWrapper`` and the reduction helpers they share.

The loss functions themselves live in the topic modules (``regression.py``,
``probabilistic.py``, ``hinge.py``, ``segmentation.py``, ``similarity.py``); name lookup
(``get``) lives in ``__init__.py``.

Everything here runs inside the training step, so it stays traceable by ``jax.jit``: shapes
are read (they are static), tensor values never reach Python control flow.
"""

import re

from lamina import backend
from lamina import ops
from lamina import tree

REDUCTIONS = ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", "none", None)

_BAD_REDUCTION = (
    "Invalid value for argument `reduction`. Expected one of {valid}. Received: "
    "reduction={received!r}. Use 'sum_over_batch_size' (the default) to average the loss "
    "over the batch."
)

_BAD_SAMPLE_WEIGHT = (
    "Argument `sample_weight` of shape {weight_shape} does not broadcast against the "
    "per-sample losses of shape {loss_shape}. Pass one weight per sample, shape "
    "(batch_size,) or (batch_size, 1), or a weight per loss entry with the losses' shape."
)


def standardize_reduction(reduction):
    """Check ``reduction`` against the names Keras accepts and return it.

    Args:
        reduction: one of ``"sum"``, ``"sum_over_batch_size"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or ``None``.

    Returns:
        ``reduction`` unchanged.

    Raises:
        ValueError: for any other value; the message lists the valid ones.

    Example:
        >>> standardize_reduction("sum")
        'sum'
    """
    if reduction not in REDUCTIONS:
        valid = ", ".join(repr(r) for r in REDUCTIONS)
        raise ValueError(_BAD_REDUCTION.format(valid=valid, received=reduction))
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Bring two tensors whose ranks differ by one to the same rank, as Keras does.

    When the higher-rank tensor ends in a size-1 axis, that axis is squeezed away, except
    when the other tensor is rank 1 and ``expand_rank_1`` is set: then the rank-1 tensor
    gains a trailing axis instead (so ``(batch,)`` against ``(batch, 1)`` gives two
    ``(batch, 1)`` tensors). Any other pair is returned unchanged.

    Args:
        x1: a tensor.
        x2: a tensor.
        expand_rank_1: whether a rank-1 tensor is expanded rather than its partner squeezed.

    Returns:
        ``(x1, x2)``, possibly reshaped.

    Example:
        >>> a, b = squeeze_or_expand_to_same_rank(ops.ones((4, 3)), ops.ones((4, 3, 1)))
        >>> ops.shape(b)
        (4, 3)
    """
    rank1, rank2 = _rank(x1), _rank(x2)
    if rank1 == rank2:  # the common case
        return x1, x2
    if rank1 == rank2 + 1 and ops.shape(x1)[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, -1)
    elif rank2 == rank1 + 1 and ops.shape(x2)[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, -1)
    return x1, x2


def _rank(x):
    shape = getattr(x, "shape", None)
    return len(shape) if shape is not None else len(ops.shape(x))


def standardize_inputs(y_true, y_pred, match_rank=True):
    """Convert a loss function's inputs to tensors of one floating dtype.

    ``y_pred`` keeps its dtype when it is floating (integer predictions become
    ``floatx()``); ``y_true`` is cast to that dtype.

    Args:
        y_true: targets (array-like or tensor).
        y_pred: predictions (array-like or tensor).
        match_rank: also apply :func:`squeeze_or_expand_to_same_rank`, so that targets of
            shape ``(batch,)`` meet predictions of shape ``(batch, 1)``.

    Returns:
        ``(y_true, y_pred)`` as backend tensors.

    Example:
        >>> y_true, y_pred = standardize_inputs([1, 0], [[0.8], [0.3]])
        >>> ops.shape(y_true), ops.shape(y_pred)
        ((2, 1), (2, 1))
    """
    if backend.is_tensor(y_pred) and backend.is_tensor(y_true) and \
            y_true.dtype == y_pred.dtype and backend.is_float_dtype(y_pred.dtype):
        pass  # the training-loop case: nothing to convert
    else:
        y_pred = ops.convert_to_tensor(y_pred)
        if not backend.is_float_dtype(ops.dtype(y_pred)):
            y_pred = ops.cast(y_pred, backend.floatx())
        y_true = ops.cast_like(ops.convert_to_tensor(y_true), y_pred)
    if match_rank:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return y_true, y_pred


def _broadcasts(small, large):
    """True when ``small`` broadcasts against ``large`` (NumPy rules, static ints only)."""
    for a, b in zip(reversed(small), reversed(large)):
        if isinstance(a, int) and isinstance(b, int) and a != b and 1 not in (a, b):
            return False
    return True


def _match_weight_rank(values, weight):
    """Line ``weight`` (a sample weight or mask) up with ``values`` for multiplication.

    Keras's rank rule comes first. Then, where plain broadcasting would fail but the weight's
    shape is a prefix of the values' shape (one weight per sample against per-timestep
    losses), the weight gains trailing axes; Keras raises there, we do what was meant.
    """
    values, weight = squeeze_or_expand_to_same_rank(values, weight)
    value_shape, weight_shape = tuple(ops.shape(values)), tuple(ops.shape(weight))
    if _broadcasts(weight_shape, value_shape):
        return values, weight
    rank = len(weight_shape)
    if rank < len(value_shape) and weight_shape == value_shape[:rank]:
        return values, ops.reshape(weight, weight_shape + (1,) * (len(value_shape) - rank))
    raise ValueError(_BAD_SAMPLE_WEIGHT.format(weight_shape=weight_shape, loss_shape=value_shape))


def reduce_values(values, reduction="sum_over_batch_size"):
    """Reduce a tensor of losses, with no weights.

    Args:
        values: per-sample (or per-entry) losses.
        reduction: see :func:`reduce_weighted_values`.

    Returns:
        A scalar, or ``values`` unchanged for ``"none"`` / ``None``.

    Example:
        >>> reduce_values(ops.convert_to_tensor([1.0, 3.0]))  # 2.0
    """
    return reduce_weighted_values(values, reduction=reduction)


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None):
    """Weight a tensor of losses and reduce it the way Keras's ``reduction`` says.

    The weights are ``sample_weight * mask`` (either may be missing). Then:

    - ``"sum"``: the weighted sum.
    - ``"sum_over_batch_size"`` and ``"mean"``: the weighted sum over the number of loss
      entries; with a mask, over the number of entries the mask keeps.
    - ``"mean_with_sample_weight"``: the weighted sum over the sum of the weights (as given,
      not broadcast to the losses' shape, as in Keras).
    - ``"none"`` / ``None``: the weighted losses, unreduced.

    A denominator of zero (everything masked out) gives 0, not NaN.

    Args:
        values: per-sample losses, e.g. shape ``(batch,)`` or ``(batch, time)``.
        sample_weight: optional weights; shape ``(batch,)``, ``(batch, 1)``, the losses'
            shape, or anything that broadcasts against it.
        mask: optional 0/1 (or boolean) tensor marking the loss entries that count. This is
            where Keras masks (``y_pred``'s mask) and
            ``SparseCategoricalCrossentropy(ignore_class=)`` enter.
        reduction: one of :data:`REDUCTIONS`.
        dtype: the dtype of the result; defaults to ``values``' floating dtype.

    Returns:
        The reduced loss (a scalar), or the weighted losses for ``"none"`` / ``None``.

    Example:
        >>> reduce_weighted_values(ops.convert_to_tensor([1.0, 3.0]),
        ...                        sample_weight=[1.0, 0.0], reduction="sum")  # 1.0
    """
    reduction = standardize_reduction(reduction)
    values = ops.convert_to_tensor(values)
    if dtype is None:
        dtype = ops.dtype(values)
        dtype = dtype if backend.is_float_dtype(dtype) else backend.floatx()
    values = ops.cast(values, dtype)

    weights = None
    if sample_weight is not None:
        values, weights = _match_weight_rank(values, ops.cast(sample_weight, dtype))
    if mask is not None:
        values, mask = _match_weight_rank(values, ops.cast(mask, dtype))
        weights = mask if weights is None else ops.multiply(weights, mask)
    if weights is not None:
        values = ops.multiply(values, weights)

    if reduction in ("none", None):
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and weights is not None:
        count = ops.sum(weights)
    elif mask is not None:
        count = ops.sum(ops.multiply(mask, ops.ones_like(values)))
    else:
        count = ops.cast(ops.size(values), dtype)
    return ops.cast(ops.divide_no_nan(total, count), dtype)


def _to_snake_case(name):
    # Keras's rule ("MSELoss" -> "mse_loss", "Loss2D" -> "loss2d"), as layers/layer.py has it.
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Loss:
    """Base class for losses: ``loss(y_true, y_pred, sample_weight=None) -> scalar``.

    Subclasses implement ``call(y_true, y_pred)``, returning per-sample losses (usually the
    shape of ``y_pred`` without its last axis). ``__call__`` converts the inputs to the
    loss's dtype, calls ``call``, applies ``sample_weight`` and reduces.

    Args:
        name: the loss's name; defaults to the class name in snake case, made unique
            (``"loss"``, ``"loss_1"``, ...).
        reduction: ``"sum_over_batch_size"`` (default; the mean over loss entries),
            ``"sum"``, ``"mean"`` (same as the default), ``"mean_with_sample_weight"``
            (weighted sum over the sum of the weights), or ``"none"`` / ``None``
            (no reduction).
        dtype: the dtype of the computation and result; defaults to ``floatx()``.

    Example:
        >>> class MeanSquaredError(lamina.losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return ops.mean(ops.square(y_pred - y_true), axis=-1)
        >>> MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]])  # 0.5
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        # Like Keras, a default name is made unique per session: "loss", "loss_1", ...
        self.name = name or backend.scopes.unique_name(_to_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._dtype_arg = dtype
        self._dtype = backend.standardize_dtype(dtype)

    @property
    def dtype(self):
        """The dtype name the loss computes in, e.g. ``"float32"``."""
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Compute the reduced loss.

        Args:
            y_true: targets.
            y_pred: predictions.
            sample_weight: optional weights, see :func:`reduce_weighted_values`.

        Returns:
            A scalar tensor, or the per-sample losses when ``reduction`` is ``"none"``.
        """
        return self._masked_call(y_true, y_pred, sample_weight,
                                 getattr(y_pred, "_keras_mask", None))

    def _masked_call(self, y_true, y_pred, sample_weight, keras_mask):
        """``__call__`` with the Keras mask of ``y_pred`` given explicitly (None: no mask).

        Masked-out entries count neither in the sum nor in the number of entries.
        """
        dtype = self._dtype
        if not (backend.is_tensor(y_pred) and backend.dtype_of(y_pred) == dtype):
            y_pred = tree.map_structure(self._convert, y_pred)
        if not (backend.is_tensor(y_true) and backend.dtype_of(y_true) == dtype):
            y_true = tree.map_structure(self._convert_target, y_true)
        if keras_mask is None and sample_weight is None and \
                self.reduction in ("sum_over_batch_size", "mean"):
            mean = self._mean_of_all(y_true, y_pred)
            if mean is not None:  # the common case in one fused op
                return mean
        losses = self.call(y_true, y_pred)
        mask = self._loss_mask(y_true, y_pred, losses)
        if mask is None and keras_mask is None and sample_weight is None and \
                self.reduction in ("sum_over_batch_size", "mean") and \
                backend.is_tensor(losses) and all(losses.shape):
            # The common case (no weights, no mask): the mean of the losses, which is
            # what the weighted reduction below computes, in one op.
            if backend.dtype_of(losses) != dtype:
                losses = ops.cast(losses, dtype)
            return ops.mean(losses)
        if keras_mask is not None:
            keras_mask = ops.cast(keras_mask, self.dtype)
            mask = keras_mask if mask is None else ops.multiply(ops.cast(mask, self.dtype),
                                                                keras_mask)
        return reduce_weighted_values(
            losses,
            sample_weight=sample_weight,
            mask=mask,
            reduction=self.reduction,
            dtype=self.dtype,
        )

    def _convert(self, x):
        x = ops.convert_to_tensor(x)
        return x if ops.dtype(x) == self.dtype else ops.cast(x, self.dtype)

    # Losses whose targets are class ids keep integer targets as they are (casting them to
    # a float dtype and back gives the same ids for any id below 2**24).
    _integer_targets = False

    def _convert_target(self, x):
        if self._integer_targets:
            x = ops.convert_to_tensor(x)
            if "int" in backend.standardize_dtype(ops.dtype(x)):
                return x
        return self._convert(x)

    def _mean_of_all(self, y_true, y_pred):
        """Hook: the mean of ``call``'s losses computed in one fused op, or None (then
        ``call`` and the reduction run). Used only without weights or masks."""
        return None

    def call(self, y_true, y_pred):
        """Per-sample losses; subclasses implement it."""
        raise NotImplementedError(f"abstract: {type(self).__name__} must implement call()")

    def _loss_mask(self, y_true, y_pred, losses):
        """Hook: a mask of the entries of ``losses`` that count, or None (all count)."""
        return None

    def get_config(self):
        """The constructor arguments, as a dict."""
        config = {"name": self.name, "reduction": self.reduction}
        if self._dtype_arg is not None:
            config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config):
        """Make a loss from :meth:`get_config`'s output."""
        return cls(**config)


class LossFunctionWrapper(Loss):
    """Turns a function ``fn(y_true, y_pred, **kwargs)`` into a :class:`Loss`.

    Args:
        fn: the loss function, returning per-sample losses.
        reduction: see :class:`Loss`.
        name: the loss's name; defaults to ``"loss_function_wrapper"``.
        dtype: see :class:`Loss`.
        **kwargs: extra keyword arguments passed to ``fn`` on every call.

    Example:
        >>> loss = LossFunctionWrapper(lamina.losses.huber, delta=2.0)
        >>> loss([[0.0]], [[3.0]])  # 4.0
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        # A function that takes class ids says so (sparse_categorical_crossentropy).
        self._integer_targets = getattr(fn, "integer_targets", False)
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        if not tree.is_nested(y_true) and not tree.is_nested(y_pred):
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def _mean_of_all(self, y_true, y_pred):
        # A function may carry a fused form of its mean over all entries (mean squared
        # error: F.mse_loss on torch), valid when both sides are plain same-shape tensors.
        mean_of_all = getattr(self.fn, "mean_of_all", None)
        if mean_of_all is None or self._fn_kwargs or not backend.is_tensor(y_true) or \
                not backend.is_tensor(y_pred):
            return None
        return mean_of_all(y_true, y_pred)

    def _loss_mask(self, y_true, y_pred, losses):
        # A function that says so (circle) is averaged over its positive losses only: Keras
        # attaches that mask to the losses it returns, and its wrapper reduces with it.
        if getattr(self.fn, "counts_positive_losses_only", False):
            return ops.greater(losses, 0.0)
        return None

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is LossFunctionWrapper:
            # Built-in subclasses fix their function; only a bare wrapper must name it.
            from lamina import losses

            config["fn"] = losses.serialize(self.fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            from lamina import losses

            config["fn"] = losses.deserialize(config["fn"])
        return cls(**config)

    def __repr__(self):
        fn_name = getattr(self.fn, "__name__", self.fn)
        return f"<{type(self).__name__}({fn_name}, kwargs={self._fn_kwargs})>"
