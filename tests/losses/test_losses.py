"""Loss functions and classes against NumPy references written from the formulas, and
against Keras 3 itself (same inputs, same arguments)."""

import inspect

import numpy as np
import pytest

from lamina import backend
from lamina import losses
from lamina import ops

EPS = 1e-7

# Keras 3 on torch warns about NumPy 2's __array__ protocol; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _np(x):
    return ops.convert_to_numpy(x)


# -- NumPy references (float64), one per loss, from the documented formulas ----------------


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _log_softmax(x, axis):
    x = x - x.max(axis=axis, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=axis, keepdims=True))


def _binary_ce(t, p, from_logits):
    if from_logits:  # -(t log sigmoid(x) + (1 - t) log sigmoid(-x)), written stably
        return np.maximum(p, 0) - p * t + np.log1p(np.exp(-np.abs(p)))
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def _smooth_binary(t, ls):
    return t * (1 - ls) + 0.5 * ls


def _smooth_categorical(t, ls, axis):
    return t * (1 - ls) + ls / t.shape[axis]


def _signed(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def _normalize(x, axis):
    return x / np.maximum(np.linalg.norm(x, axis=axis, keepdims=True), EPS)


def ref_mean_squared_error(t, p):
    return ((t - p) ** 2).mean(-1)


def ref_mean_absolute_error(t, p):
    return np.abs(t - p).mean(-1)


def ref_mean_absolute_percentage_error(t, p):
    return 100 * (np.abs(t - p) / np.maximum(np.abs(t), EPS)).mean(-1)


def ref_mean_squared_logarithmic_error(t, p):
    return ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2).mean(-1)


def ref_huber(t, p, delta=1.0):
    e = np.abs(p - t)
    return np.where(e <= delta, 0.5 * e**2, delta * (e - 0.5 * delta)).mean(-1)


def ref_log_cosh(t, p):
    return np.log(np.cosh(p - t)).mean(-1)


def ref_cosine_similarity(t, p, axis=-1):
    return -(_normalize(t, axis) * _normalize(p, axis)).sum(axis)


def ref_hinge(t, p):
    return np.maximum(1 - _signed(t) * p, 0).mean(-1)


def ref_squared_hinge(t, p):
    return (np.maximum(1 - _signed(t) * p, 0) ** 2).mean(-1)


def ref_categorical_hinge(t, p):
    return np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0)


def ref_kl_divergence(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return (t * np.log(t / p)).sum(-1)


def ref_poisson(t, p):
    return (p - t * np.log(p + EPS)).mean(-1)


def ref_binary_crossentropy(t, p, from_logits=False, label_smoothing=0.0, axis=-1):
    return _binary_ce(_smooth_binary(t, label_smoothing), p, from_logits).mean(axis)


def ref_binary_focal_crossentropy(t, p, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                                  from_logits=False, label_smoothing=0.0, axis=-1):
    t = _smooth_binary(t, label_smoothing)
    prob = _sigmoid(p) if from_logits else p
    p_t = t * prob + (1 - t) * (1 - prob)
    loss = (1 - p_t) ** gamma * _binary_ce(t, p, from_logits)
    if apply_class_balancing:
        loss = loss * (t * alpha + (1 - t) * (1 - alpha))
    return loss.mean(axis)


def ref_categorical_crossentropy(t, p, from_logits=False, label_smoothing=0.0, axis=-1):
    t = _smooth_categorical(t, label_smoothing, axis)
    if from_logits:
        log_p = _log_softmax(p, axis)
    else:
        log_p = np.log(np.clip(p / p.sum(axis, keepdims=True), EPS, 1 - EPS))
    return -(t * log_p).sum(axis)


def ref_categorical_focal_crossentropy(t, p, alpha=0.25, gamma=2.0, from_logits=False,
                                       label_smoothing=0.0, axis=-1):
    t = _smooth_categorical(t, label_smoothing, axis)
    prob = np.exp(_log_softmax(p, axis)) if from_logits else p / p.sum(axis, keepdims=True)
    prob = np.clip(prob, EPS, 1 - EPS)
    return (alpha * (1 - prob) ** gamma * -t * np.log(prob)).sum(axis)


def ref_sparse_categorical_crossentropy(t, p, from_logits=False, ignore_class=None, axis=-1):
    t = np.asarray(t).astype(int)
    if t.ndim == p.ndim:
        t = t[..., 0]
    valid = np.ones(t.shape, bool) if ignore_class is None else t != ignore_class
    one_hot = np.eye(p.shape[axis])[np.where(valid, t, 0)]
    loss = ref_categorical_crossentropy(np.moveaxis(one_hot, -1, axis), p, from_logits,
                                        axis=axis)
    return np.where(valid, loss, 0.0)


# -- inputs ---------------------------------------------------------------------------------


def _inputs(kind, shape, rng, from_logits=False):
    """(y_true, y_pred) as float32 NumPy arrays suited to a loss ``kind``."""
    if kind == "regression":
        t, p = rng.normal(size=shape), rng.normal(size=shape)
    elif kind == "positive":
        t, p = rng.uniform(0.1, 3, size=shape), rng.uniform(0.1, 3, size=shape)
    elif kind == "distribution":
        t = np.exp(_log_softmax(rng.normal(size=shape), -1))
        p = np.exp(_log_softmax(rng.normal(size=shape), -1))
    elif kind == "binary":
        t = (rng.uniform(size=shape) > 0.5).astype(float)
        p = rng.normal(size=shape) if from_logits else rng.uniform(0.05, 0.95, size=shape)
    elif kind == "signed":
        t = np.where(rng.uniform(size=shape) > 0.5, 1.0, -1.0)
        p = rng.normal(size=shape)
    elif kind == "categorical":
        t = np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]
        p = rng.normal(size=shape) if from_logits else rng.uniform(0.05, 1, size=shape)
    elif kind == "sparse":
        t = rng.integers(0, shape[-1], size=shape[:-1]).astype(float)
        p = rng.normal(size=shape) if from_logits else rng.uniform(0.05, 1, size=shape)
    return t.astype("float32"), p.astype("float32")


# name, function, class, kind of inputs, function kwargs to try
CASES = [
    ("mean_squared_error", "MeanSquaredError", "regression", [{}]),
    ("mean_absolute_error", "MeanAbsoluteError", "regression", [{}]),
    ("mean_absolute_percentage_error", "MeanAbsolutePercentageError", "regression", [{}]),
    ("mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", "positive", [{}]),
    ("huber", "Huber", "regression", [{}, {"delta": 0.5}]),
    ("log_cosh", "LogCosh", "regression", [{}]),
    ("cosine_similarity", "CosineSimilarity", "regression", [{}, {"axis": 1}]),
    ("hinge", "Hinge", "signed", [{}]),
    ("squared_hinge", "SquaredHinge", "signed", [{}]),
    ("categorical_hinge", "CategoricalHinge", "categorical", [{}]),
    ("kl_divergence", "KLDivergence", "distribution", [{}]),
    ("poisson", "Poisson", "positive", [{}]),
    ("binary_crossentropy", "BinaryCrossentropy", "binary",
     [{}, {"from_logits": True}, {"label_smoothing": 0.2}, {"from_logits": True,
                                                            "label_smoothing": 0.1}]),
    ("binary_focal_crossentropy", "BinaryFocalCrossentropy", "binary",
     [{}, {"from_logits": True}, {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5},
      {"label_smoothing": 0.2, "from_logits": True, "apply_class_balancing": True}]),
    ("categorical_crossentropy", "CategoricalCrossentropy", "categorical",
     [{}, {"from_logits": True}, {"label_smoothing": 0.2},
      {"from_logits": True, "label_smoothing": 0.1}]),
    ("categorical_focal_crossentropy", "CategoricalFocalCrossentropy", "categorical",
     [{}, {"from_logits": True}, {"alpha": 0.5, "gamma": 1.0, "label_smoothing": 0.1}]),
    ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", "sparse",
     [{}, {"from_logits": True}, {"ignore_class": 1}, {"from_logits": True,
                                                        "ignore_class": 0}]),
]

# Rank 3 here; the class tests cover rank 2. Few distinct shapes keep JAX's op cache warm.
FUNCTION_CASES = [
    pytest.param(fn, kind, kwargs, (2, 3, 4), id=f"{fn}-{i}")
    for fn, _, kind, kwarg_list in CASES
    for i, kwargs in enumerate(kwarg_list)
]
CLASS_CASES = [
    pytest.param(cls, fn, kind, kwargs, id=f"{cls}-{i}")
    for fn, cls, kind, kwarg_list in CASES
    for i, kwargs in enumerate(kwarg_list)
]


@pytest.mark.parametrize("fn, kind, kwargs, shape", FUNCTION_CASES)
def test_function_matches_numpy_reference(fn, kind, kwargs, shape):
    rng = np.random.default_rng(0)
    y_true, y_pred = _inputs(kind, shape, rng, kwargs.get("from_logits", False))
    got = _np(getattr(losses, fn)(y_true, y_pred, **kwargs))
    want = globals()[f"ref_{fn}"](y_true.astype("float64"), y_pred.astype("float64"), **kwargs)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _reference_reduce(per_sample, sample_weight, reduction):
    weights = np.ones(per_sample.shape[0]) if sample_weight is None else sample_weight
    weights = weights.reshape(weights.shape + (1,) * (per_sample.ndim - 1))
    weighted = per_sample * weights
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean_with_sample_weight":
        return weighted.sum() / weights.sum()
    return weighted.sum() / per_sample.size


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean",
                                       "mean_with_sample_weight"])
@pytest.mark.parametrize("cls, fn, kind, kwargs", CLASS_CASES)
def test_class_matches_numpy_reference_for_each_reduction(cls, fn, kind, kwargs, reduction):
    rng = np.random.default_rng(1)
    y_true, y_pred = _inputs(kind, (4, 3), rng, kwargs.get("from_logits", False))
    sample_weight = rng.uniform(0.5, 2.0, size=(4,)).astype("float32")
    per_sample = globals()[f"ref_{fn}"](y_true.astype("float64"), y_pred.astype("float64"),
                                        **kwargs)
    want = _reference_reduce(per_sample, sample_weight, reduction)
    if kwargs.get("ignore_class") is not None:
        # Ignored entries are out of the average: divide by the kept count (or weight).
        kept = (y_true != kwargs["ignore_class"]).astype("float64")
        total = (per_sample * sample_weight).sum()
        want = {"sum": total, "mean_with_sample_weight": total / (sample_weight * kept).sum()}
        want = want.get(reduction, total / kept.sum())
    loss = getattr(losses, cls)(reduction=reduction, **kwargs)
    got = _np(loss(y_true, y_pred, sample_weight=sample_weight))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cls, fn, kind, kwargs", CLASS_CASES)
def test_class_without_reduction_returns_per_sample_losses(cls, fn, kind, kwargs):
    rng = np.random.default_rng(2)
    y_true, y_pred = _inputs(kind, (2, 3, 4), rng, kwargs.get("from_logits", False))
    got = _np(getattr(losses, cls)(reduction=None, **kwargs)(y_true, y_pred))
    want = globals()[f"ref_{fn}"](y_true.astype("float64"), y_pred.astype("float64"), **kwargs)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight",
                                       "none"])
@pytest.mark.parametrize("cls, fn, kind, kwargs", CLASS_CASES)
def test_class_matches_keras(cls, fn, kind, kwargs, reduction):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    y_true, y_pred = _inputs(kind, (4, 3), rng, kwargs.get("from_logits", False))
    sample_weight = rng.uniform(0.5, 2.0, size=(4,)).astype("float32")
    got = _np(getattr(losses, cls)(reduction=reduction, **kwargs)(
        y_true, y_pred, sample_weight=sample_weight))
    want = keras.ops.convert_to_numpy(getattr(keras.losses, cls)(reduction=reduction, **kwargs)(
        y_true, y_pred, sample_weight=sample_weight))
    assert got.shape == want.shape
    # Relative too: MAPE reaches hundreds, where float32 steps are 3e-5 apart.
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("fn, cls, kind, kwarg_list", CASES, ids=[c[0] for c in CASES])
def test_function_matches_keras_on_rank_3_inputs(fn, cls, kind, kwarg_list):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(4)
    for kwargs in kwarg_list:
        y_true, y_pred = _inputs(kind, (2, 3, 4), rng, kwargs.get("from_logits", False))
        got = _np(getattr(losses, fn)(y_true, y_pred, **kwargs))
        want = keras.ops.convert_to_numpy(getattr(keras.losses, fn)(y_true, y_pred, **kwargs))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn", ["categorical_crossentropy", "categorical_focal_crossentropy"])
def test_label_smoothing_counts_classes_along_axis(fn):
    rng = np.random.default_rng(5)
    y_true, y_pred = _inputs("categorical", (2, 5, 3), rng)
    last = _np(getattr(losses, fn)(y_true, y_pred, label_smoothing=0.2))
    moved = _np(getattr(losses, fn)(np.moveaxis(y_true, -1, 1), np.moveaxis(y_pred, -1, 1),
                                    label_smoothing=0.2, axis=1))
    np.testing.assert_allclose(moved, last, rtol=1e-6)


def test_hinge_treats_zero_one_labels_as_minus_one_one():
    y_pred = np.array([[0.3, -0.8, 1.5]], "float32")
    zero_one = _np(losses.hinge(np.array([[1.0, 0.0, 1.0]]), y_pred))
    signed = _np(losses.hinge(np.array([[1.0, -1.0, 1.0]]), y_pred))
    np.testing.assert_allclose(zero_one, signed)


def test_log_cosh_stays_finite_for_huge_errors():
    got = _np(losses.log_cosh(np.zeros((1, 2), "float32"), np.array([[1000.0, -1000.0]])))
    np.testing.assert_allclose(got, [1000.0 - np.log(2.0)], rtol=1e-6)


def test_cosine_similarity_is_negative_for_aligned_vectors():
    got = _np(losses.cosine_similarity([[1.0, 2.0]], [[2.0, 4.0]]))
    np.testing.assert_allclose(got, [-1.0], rtol=1e-6)


def test_sparse_categorical_crossentropy_accepts_trailing_label_axis():
    y_pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]], "float32")
    flat = _np(losses.sparse_categorical_crossentropy(np.array([0, 1]), y_pred))
    column = _np(losses.sparse_categorical_crossentropy(np.array([[0], [1]]), y_pred))
    np.testing.assert_allclose(flat, column)


def test_sparse_categorical_crossentropy_ignores_out_of_range_ignore_class():
    y_pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]], "float32")
    got = _np(losses.sparse_categorical_crossentropy(np.array([-1, 1]), y_pred, ignore_class=-1))
    np.testing.assert_allclose(got, [0.0, -np.log(0.8)], rtol=1e-6)


def test_sparse_class_with_every_entry_ignored_gives_zero():
    loss = losses.SparseCategoricalCrossentropy(ignore_class=1)
    got = _np(loss(np.array([1, 1]), np.array([[0.7, 0.3], [0.4, 0.6]], "float32")))
    assert got == 0.0


def test_binary_crossentropy_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"y_true.shape=\(4,\), y_pred.shape=\(4, 1\)"):
        losses.binary_crossentropy(np.zeros(4), np.full((4, 1), 0.5))


def test_categorical_crossentropy_mismatch_suggests_sparse_version():
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.categorical_crossentropy(np.zeros((2, 3)), np.full((2, 4), 0.25))


def test_sparse_categorical_crossentropy_rejects_one_hot_labels():
    with pytest.raises(ValueError, match="y_true.shape=\\(2, 3\\)"):
        losses.sparse_categorical_crossentropy(np.eye(3)[:2], np.full((2, 3), 1 / 3))


def test_class_accepts_flat_targets_against_column_predictions():
    y_pred = np.array([[0.8], [0.3], [0.6]], "float32")
    flat = _np(losses.BinaryCrossentropy()(np.array([1.0, 0.0, 1.0]), y_pred))
    column = _np(losses.BinaryCrossentropy()(np.array([[1.0], [0.0], [1.0]]), y_pred))
    np.testing.assert_allclose(flat, column, rtol=1e-6)


def test_function_casts_integer_inputs_to_float():
    got = losses.mean_squared_error(np.array([[1, 2]]), np.array([[1, 4]]))
    assert backend.is_float_dtype(ops.dtype(got))
    np.testing.assert_allclose(_np(got), [2.0])


def test_class_result_has_the_loss_dtype():
    assert ops.dtype(losses.MeanSquaredError()(np.ones((2, 2)), np.zeros((2, 2)))) == "float32"


def test_loss_has_gradients_on_the_backend():
    weight = backend.Variable(np.array([[0.5, -0.5]], "float32"))
    loss = losses.CategoricalCrossentropy(from_logits=True)

    def compute():
        return loss(np.array([[1.0, 0.0]], "float32"), weight.value)

    value, (grad,) = backend.value_and_grad(compute, [weight])
    softmax = np.exp(_log_softmax(np.array([[0.5, -0.5]]), -1))
    np.testing.assert_allclose(_np(grad), softmax - [[1.0, 0.0]], rtol=1e-5)


PUBLIC_NAMES = sorted({name for case in CASES for name in case[:2]})


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_signature_matches_keras(name):
    keras = pytest.importorskip("keras")
    ours = inspect.signature(getattr(losses, name))
    theirs = inspect.signature(getattr(keras.losses, name))
    assert [(p.name, p.default) for p in ours.parameters.values()] == [
        (p.name, p.default) for p in theirs.parameters.values()]


@pytest.mark.parametrize("name", sorted({case[1] for case in CASES}))
def test_default_config_contains_keras_config(name):
    keras = pytest.importorskip("keras")
    ours = getattr(losses, name)().get_config()
    theirs = getattr(keras.losses, name)().get_config()
    assert {key: ours[key] for key in theirs} == theirs


@pytest.mark.parametrize("shapes", [((6,), (6, 1)), ((6, 1), (6, 1)), ((6, 3), (6, 3)),
                                    ((2, 3, 4), (2, 3, 4))])
def test_mean_squared_error_fused_mean_matches_the_weighted_reduction(shapes):
    # Without weights the mean is one fused op (F.mse_loss on torch); with unit weights
    # it goes through call() and the weighted reduction: same value, same gradient.
    rng = np.random.default_rng(4)
    y_true = rng.normal(size=shapes[0]).astype("float32")
    y_pred = rng.normal(size=shapes[1]).astype("float32")
    loss = losses.MeanSquaredError()
    aligned = y_true.reshape(y_pred.shape)
    expected = np.mean((aligned - y_pred) ** 2)
    fused = ops.convert_to_numpy(loss(ops.convert_to_tensor(y_true),
                                      ops.convert_to_tensor(y_pred)))
    weighted = ops.convert_to_numpy(loss(y_true, y_pred, sample_weight=np.ones(shapes[1][0])))
    np.testing.assert_allclose(fused, expected, rtol=1e-6)
    np.testing.assert_allclose(weighted, expected, rtol=1e-6)
    # d/dy_pred of mean((t - p)^2) is 2 (p - t) / n
    weight = backend.Variable(y_pred)
    target = ops.convert_to_tensor(y_true)
    _, (grad,) = backend.value_and_grad(lambda: loss(target, weight.value), [weight])
    np.testing.assert_allclose(_np(grad), 2.0 * (y_pred - aligned) / y_pred.size, rtol=1e-5,
                               atol=1e-7)
