"""Probabilistic losses: the cross-entropies (binary, categorical, sparse, focal,
generalized), KL divergence and Poisson.

Each function returns per-sample losses; each class wraps its function and reduces over the
batch. Probabilities are clipped to ``[epsilon, 1 - epsilon]`` before logs, as in Keras.
"""

from lamina import backend
from lamina import ops
from lamina.losses.loss import LossFunctionWrapper
from lamina.losses.loss import standardize_inputs

_SHAPE_MISMATCH = (
    "Arguments `y_true` and `y_pred` of `{fn}` must have the same shape. Received: "
    "y_true.shape={true_shape}, y_pred.shape={pred_shape}. {fix}"
)


def _check_same_shape(fn, y_true, y_pred, fix):
    if y_true.shape != y_pred.shape and tuple(ops.shape(y_true)) != tuple(ops.shape(y_pred)):
        raise ValueError(_SHAPE_MISMATCH.format(
            fn=fn, true_shape=tuple(ops.shape(y_true)), pred_shape=tuple(ops.shape(y_pred)),
            fix=fix))


def _smooth_binary_labels(y_true, label_smoothing):
    # Squeeze the labels towards 0.5: y * (1 - ls) + 0.5 * ls.
    if not label_smoothing:
        return y_true
    return ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)


def _smooth_categorical_labels(y_true, label_smoothing, axis):
    # Spread ls of the mass evenly over the classes: y * (1 - ls) + ls / num_classes.
    # num_classes is the size of the class axis; Keras 3 reads the last axis even when
    # axis != -1, which contradicts its own docs, so there we knowingly differ.
    if not label_smoothing:
        return y_true
    num_classes = ops.shape(y_true)[axis]
    return ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / num_classes)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over ``axis``.

    Args:
        y_true: targets in [0, 1], shape ``(batch, d0, ..., dN)``.
        y_pred: probabilities, or logits when ``from_logits=True``; same shape.
        from_logits: whether ``y_pred`` holds logits. Defaults to False.
        label_smoothing: in [0, 1]; targets become ``y * (1 - ls) + 0.5 * ls``.
        axis: the axis to average over. Defaults to -1.

    Returns:
        Per-sample losses, ``y_pred``'s shape without ``axis``.

    Example:
        >>> binary_crossentropy([[0.0, 1.0]], [[0.4, 0.6]])  # [-log(0.6)] = [0.5108]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred, match_rank=False)
    _check_same_shape("binary_crossentropy", y_true, y_pred,
                      "Give both the same shape, e.g. reshape y_true to (batch_size, 1).")
    y_true = _smooth_binary_labels(y_true, label_smoothing)
    return _mean_over(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis)


def _mean_over(values, axis):
    """The mean over ``axis``; over an axis of size 1 that is a squeeze (a view, no kernel)."""
    shape = values.shape
    if isinstance(axis, int) and shape and -len(shape) <= axis < len(shape) and \
            shape[axis] == 1:
        return ops.squeeze(values, axis)
    return ops.mean(values, axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary focal cross-entropy (Lin et al., 2018), averaged over ``axis``.

    Each entry's binary cross-entropy is scaled by ``(1 - p_t)**gamma``, where ``p_t`` is the
    probability given to the true class, so easy examples count less. With
    ``apply_class_balancing`` it is also scaled by ``alpha`` (class 1) or ``1 - alpha``
    (class 0).

    Args:
        y_true: targets in [0, 1], shape ``(batch, d0, ..., dN)``.
        y_pred: probabilities, or logits when ``from_logits=True``; same shape.
        apply_class_balancing: whether to weight the classes by ``alpha``. Defaults to False.
        alpha: weight of class 1 when balancing. Defaults to 0.25.
        gamma: focusing parameter; 0 gives plain binary cross-entropy. Defaults to 2.0.
        from_logits: whether ``y_pred`` holds logits. Defaults to False.
        label_smoothing: in [0, 1]; targets become ``y * (1 - ls) + 0.5 * ls``.
        axis: the axis to average over. Defaults to -1.

    Returns:
        Per-sample losses, ``y_pred``'s shape without ``axis``.

    Example:
        >>> binary_focal_crossentropy([[0.0, 1.0]], [[0.4, 0.6]], gamma=2.0)  # [0.0817]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred, match_rank=False)
    _check_same_shape("binary_focal_crossentropy", y_true, y_pred,
                      "Give both the same shape, e.g. reshape y_true to (batch_size, 1).")
    y_true = _smooth_binary_labels(y_true, label_smoothing)
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits)
    prob = ops.sigmoid(y_pred) if from_logits else y_pred
    # p_t: the probability the model gives to the (smoothed) true label.
    p_t = ops.add(ops.multiply(y_true, prob),
                  ops.multiply(ops.subtract(1.0, y_true), ops.subtract(1.0, prob)))
    loss = ops.multiply(ops.power(ops.subtract(1.0, p_t), gamma), bce)
    if apply_class_balancing:
        weight = ops.add(ops.multiply(y_true, alpha),
                         ops.multiply(ops.subtract(1.0, y_true), 1.0 - alpha))
        loss = ops.multiply(weight, loss)
    return ops.mean(loss, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy between one-hot (or soft) targets and predictions.

    Args:
        y_true: one-hot targets, shape ``(batch, ..., num_classes)``.
        y_pred: probabilities (rescaled to sum to 1), or logits when ``from_logits=True``;
            same shape.
        from_logits: whether ``y_pred`` holds logits. Defaults to False.
        label_smoothing: in [0, 1]; targets become ``y * (1 - ls) + ls / num_classes``.
        axis: the class axis. Defaults to -1.

    Returns:
        Per-sample losses, ``y_pred``'s shape without ``axis``.

    Example:
        >>> categorical_crossentropy([[0.0, 1.0, 0.0]], [[0.05, 0.95, 0.0]])  # [0.0513]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred, match_rank=False)
    _check_same_shape("categorical_crossentropy", y_true, y_pred,
                      "For integer class ids use sparse_categorical_crossentropy instead.")
    y_true = _smooth_categorical_labels(y_true, label_smoothing, axis)
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical focal cross-entropy: ``-sum(alpha * (1 - p)**gamma * y_true * log(p))``.

    Args:
        y_true: one-hot targets, shape ``(batch, ..., num_classes)``.
        y_pred: probabilities (rescaled to sum to 1), or logits when ``from_logits=True``;
            same shape.
        alpha: class weight, a number or one per class. Defaults to 0.25.
        gamma: focusing parameter; 0 gives ``alpha`` times the cross-entropy. Defaults to 2.0.
        from_logits: whether ``y_pred`` holds logits. Defaults to False.
        label_smoothing: in [0, 1]; targets become ``y * (1 - ls) + ls / num_classes``.
        axis: the class axis. Defaults to -1.

    Returns:
        Per-sample losses, ``y_pred``'s shape without ``axis``.

    Example:
        >>> categorical_focal_crossentropy([[0, 1, 0]], [[0.05, 0.9, 0.05]])  # [0.000263]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred, match_rank=False)
    _check_same_shape("categorical_focal_crossentropy", y_true, y_pred,
                      "Pass one-hot targets with one column per class.")
    y_true = _smooth_categorical_labels(y_true, label_smoothing, axis)
    if from_logits:
        prob = ops.softmax(y_pred, axis=axis)
    else:
        prob = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    eps = backend.epsilon()
    prob = ops.clip(prob, eps, 1.0 - eps)
    alpha = ops.cast(alpha, ops.dtype(prob))
    weight = ops.multiply(alpha, ops.power(ops.subtract(1.0, prob), gamma))
    cross_entropy = ops.negative(ops.multiply(y_true, ops.log(prob)))
    return ops.sum(ops.multiply(weight, cross_entropy), axis=axis)


def _sparse_labels(y_true, y_pred, fn="sparse_categorical_crossentropy",
                   fix="For one-hot targets use categorical_crossentropy instead."):
    """Integer class ids with the rank of ``y_pred`` minus one (a trailing 1 is dropped).

    ``fn`` names the loss and ``fix`` suggests a remedy in the error for a wrong rank.
    """
    y_true = ops.convert_to_tensor(y_true)
    rank_true, rank_pred = len(ops.shape(y_true)), len(ops.shape(y_pred))
    if rank_true == rank_pred and rank_true > 0 and ops.shape(y_true)[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
        rank_true -= 1
    if rank_true != rank_pred - 1:
        raise ValueError(
            f"Argument `y_true` of `{fn}` must hold one integer "
            f"class id per sample: shape y_pred.shape[:-1]={tuple(ops.shape(y_pred))[:-1]} "
            f"(optionally with a trailing 1). Received: y_true.shape={tuple(ops.shape(y_true))}. "
            f"{fix}"
        )
    if "int" in backend.standardize_dtype(ops.dtype(y_true)):
        return y_true  # already class ids: no cast (each is a kernel on a GPU)
    return ops.cast(y_true, "int32")


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Cross-entropy between integer class ids and predicted class probabilities.

    Args:
        y_true: class ids, shape ``(batch, ...)`` or ``(batch, ..., 1)``.
        y_pred: probabilities, or logits when ``from_logits=True``; shape
            ``(batch, ..., num_classes)``.
        from_logits: whether ``y_pred`` holds logits. Defaults to False.
        ignore_class: a class id whose entries get loss 0 (e.g. padding or "void" pixels);
            the loss classes also leave them out of the average. Defaults to None.
        axis: the class axis. Defaults to -1.

    Returns:
        Per-sample losses, shape ``(batch, ...)``.

    Example:
        >>> sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
        ... # [0.0513, 2.3026]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    if not backend.is_float_dtype(ops.dtype(y_pred)):
        y_pred = ops.cast(y_pred, backend.floatx())
    labels = _sparse_labels(y_true, y_pred)
    if ignore_class is None:
        return ops.sparse_categorical_crossentropy(labels, y_pred, from_logits=from_logits,
                                                   axis=axis)
    valid = ops.not_equal(labels, ignore_class)
    # Ignored ids may be out of range (-1 is common), so point them at class 0 first.
    labels = ops.where(valid, labels, ops.zeros_like(labels))
    losses = ops.sparse_categorical_crossentropy(labels, y_pred, from_logits=from_logits,
                                                 axis=axis)
    return ops.where(valid, losses, ops.zeros_like(losses))


sparse_categorical_crossentropy.integer_targets = True  # see LossFunctionWrapper


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """Generalized cross-entropy (Zhang & Sabuncu, 2018), robust to noisy labels.

    With ``p`` the predicted probability of the true class, the loss is
    ``(1 - p**q) / q``. As ``q`` goes to 0 it approaches the cross-entropy ``-log(p)``;
    at ``q = 1`` it is the mean absolute error ``1 - p``, which a few wrong labels cannot
    dominate. No clipping is applied, as in Keras.

    Args:
        y_true: integer class ids, shape ``(batch, ...)`` (a trailing axis of size 1 is
            dropped).
        y_pred: predicted probabilities, shape ``(batch, ..., num_classes)``.
        q: the exponent, in (0, 1); there is no default, as in Keras.

    Returns:
        Per-sample losses, shape ``(batch, ...)``.

    Example:
        >>> categorical_generalized_cross_entropy([1], [[0.36, 0.64]], q=0.5)  # [0.4]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    if not backend.is_float_dtype(ops.dtype(y_pred)):
        y_pred = ops.cast(y_pred, backend.floatx())
    # Keras 3 one-hots y_true as given, so labels of shape (batch, 1) broadcast into a
    # (batch, batch) result there; we drop the trailing 1 as the sparse losses do.
    labels = _sparse_labels(y_true, y_pred, fn="categorical_generalized_cross_entropy",
                            fix="It takes integer labels, not one-hot vectors.")
    num_classes = ops.shape(y_pred)[-1]
    one_hot = ops.one_hot(labels, num_classes, dtype=ops.dtype(y_pred))
    p = ops.sum(ops.multiply(y_pred, one_hot), axis=-1)
    return ops.divide(ops.subtract(1.0, ops.power(p, q)), q)


categorical_generalized_cross_entropy.integer_targets = True  # see LossFunctionWrapper


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred))`` over the last axis.

    Both inputs are clipped to ``[epsilon, 1]`` first, as in Keras.

    Args:
        y_true: target distributions, shape ``(batch, ..., n)``.
        y_pred: predicted distributions, same shape.

    Returns:
        Per-sample losses, shape ``(batch, ...)``.

    Example:
        >>> kl_divergence([[0.5, 0.5]], [[0.25, 0.75]])  # [0.1438]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred)
    eps = backend.epsilon()
    y_true = ops.clip(y_true, eps, 1.0)
    y_pred = ops.clip(y_pred, eps, 1.0)
    return ops.sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


def poisson(y_true, y_pred):
    """Poisson loss ``mean(y_pred - y_true * log(y_pred + epsilon))`` over the last axis.

    Args:
        y_true: observed counts, shape ``(batch, d0, ..., dN)``.
        y_pred: predicted rates (positive), same shape.

    Returns:
        Per-sample losses, shape ``(batch, d0, ..., dN-1)``.

    Example:
        >>> poisson([[1.0, 0.0]], [[1.0, 2.0]])  # [1.5]
    """
    y_true, y_pred = standardize_inputs(y_true, y_pred)
    log_rate = ops.log(ops.add(y_pred, backend.epsilon()))
    return ops.mean(ops.subtract(y_pred, ops.multiply(y_true, log_rate)), axis=-1)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy between 0/1 targets and predictions; see :func:`binary_crossentropy`.

    Args:
        from_logits: whether ``y_pred`` holds logits. Defaults to False.
        label_smoothing: in [0, 1]; squeezes targets towards 0.5. Defaults to 0.
        axis: the axis to average over. Defaults to -1.
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"binary_crossentropy"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> BinaryCrossentropy(from_logits=True)([[0.0, 1.0]], [[-2.0, 3.0]])  # 0.0878
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary focal cross-entropy; see :func:`binary_focal_crossentropy`.

    Args:
        apply_class_balancing: whether to weight the classes by ``alpha``. Defaults to False.
        alpha: weight of class 1 when balancing. Defaults to 0.25.
        gamma: focusing parameter. Defaults to 2.0.
        from_logits: whether ``y_pred`` holds logits. Defaults to False.
        label_smoothing: in [0, 1]; squeezes targets towards 0.5. Defaults to 0.
        axis: the axis to average over. Defaults to -1.
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"binary_focal_crossentropy"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> BinaryFocalCrossentropy(gamma=2.0)([[0.0, 1.0]], [[0.4, 0.6]])  # 0.0817
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, apply_class_balancing=apply_class_balancing, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between one-hot targets and predictions; see :func:`categorical_crossentropy`.

    Args:
        from_logits: whether ``y_pred`` holds logits. Defaults to False.
        label_smoothing: in [0, 1]; spreads that much of the mass over all classes.
        axis: the class axis. Defaults to -1.
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"categorical_crossentropy"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> CategoricalCrossentropy()([[0, 1, 0], [0, 0, 1]],
        ...                           [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])  # 1.177
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical focal cross-entropy; see :func:`categorical_focal_crossentropy`.

    Args:
        alpha: class weight, a number or one per class. Defaults to 0.25.
        gamma: focusing parameter. Defaults to 2.0.
        from_logits: whether ``y_pred`` holds logits. Defaults to False.
        label_smoothing: in [0, 1]; spreads that much of the mass over all classes.
        axis: the class axis. Defaults to -1.
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"categorical_focal_crossentropy"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> CategoricalFocalCrossentropy()([[0, 1, 0], [0, 0, 1]],
        ...                                [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])  # 0.338
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between integer class ids and predictions.

    See :func:`sparse_categorical_crossentropy`. Entries labelled ``ignore_class`` add 0 to
    the loss and are left out of the ``"sum_over_batch_size"`` average, as in Keras.

    Args:
        from_logits: whether ``y_pred`` holds logits. Defaults to False.
        ignore_class: a class id to leave out of the loss. Defaults to None.
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        axis: the class axis. Defaults to -1.
        name: defaults to ``"sparse_categorical_crossentropy"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> SparseCategoricalCrossentropy()([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])  # 1.177
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)

    def _loss_mask(self, y_true, y_pred, losses):
        ignore_class = self._fn_kwargs["ignore_class"]
        if ignore_class is None:
            return None
        return ops.not_equal(_sparse_labels(y_true, y_pred), ignore_class)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence between distributions; see :func:`kl_divergence`.

    Args:
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"kl_divergence"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]])  # 0.1438
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Poisson loss for count data; see :func:`poisson`.

    Args:
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"poisson"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> Poisson()([[1.0, 0.0]], [[1.0, 2.0]])  # 1.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross-entropy for training on noisy labels; see
    :func:`categorical_generalized_cross_entropy`.

    Args:
        q: the exponent, in (0, 1): near 0 it behaves like cross-entropy, near 1 like the
            mean absolute error (more robust to wrong labels). Defaults to 0.5.
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"categorical_generalized_cross_entropy"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> CategoricalGeneralizedCrossEntropy(q=0.5)([1], [[0.36, 0.64]])  # 0.4
    """

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 < q < 1:
            raise ValueError(
                "CategoricalGeneralizedCrossEntropy: argument `q` must be a number in the "
                f"open interval (0, 1), got q={q!r}. Values near 0 behave like "
                "cross-entropy, values near 1 like mean absolute error; 0.5 is the default."
            )
        super().__init__(categorical_generalized_cross_entropy, name=name,
                         reduction=reduction, dtype=dtype, q=q)
        self.q = q
