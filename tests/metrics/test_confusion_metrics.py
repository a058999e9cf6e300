"""Confusion-matrix metrics against NumPy references written from the definitions, and Keras 3."""

import numpy as np
import pytest

from lamina import backend
from lamina import metrics

_EPS = 1e-7


def _counts(y_true, y_pred, weight, thresholds, pooled=True):
    """Weighted tp, fp, tn, fn at each threshold; positive means ``y_pred > t``.

    ``pooled`` counts every entry together; otherwise each label (last axis) separately.
    """
    y_pred = np.asarray(y_pred, "float64")
    y_true = np.asarray(y_true, "float64").reshape(y_pred.shape)
    weight = np.ones_like(y_pred) if weight is None else np.asarray(weight, "float64")
    while weight.ndim < y_pred.ndim:
        weight = weight[..., None]
    weight = np.broadcast_to(weight, y_pred.shape)
    if pooled:
        y_true, y_pred, weight = y_true.ravel(), y_pred.ravel(), weight.ravel()
    positive = y_true != 0
    rows = []
    for t in thresholds:
        predicted = y_pred > t
        rows.append([np.sum(weight * (predicted & positive), axis=0),
                     np.sum(weight * (predicted & ~positive), axis=0),
                     np.sum(weight * (~predicted & ~positive), axis=0),
                     np.sum(weight * (~predicted & positive), axis=0)])
    return np.asarray(rows, "float64")  # (thresholds, 4[, labels])


def _accumulate(batches, thresholds, pooled=True):
    return sum(_counts(y, p, w, thresholds, pooled) for y, p, w in batches)


def _auc_thresholds(num):
    return [-_EPS] + [(i + 1) / (num - 1) for i in range(num - 2)] + [1 + _EPS]


def _divide(a, b):
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def _riemann_area(counts, curve, method):
    tp, fp, tn, fn = (counts[:, i] for i in range(4))
    recall = _divide(tp, tp + fn)
    x, y = (_divide(fp, fp + tn), recall) if curve == "ROC" else (recall, _divide(tp, tp + fp))
    height = {"interpolation": (y[:-1] + y[1:]) / 2, "minoring": np.minimum(y[:-1], y[1:]),
              "majoring": np.maximum(y[:-1], y[1:])}[method]
    return np.sum((x[:-1] - x[1:]) * height, axis=0)


def _interpolated_pr_area(counts, steps=4000):
    """Davis & Goadrich for pooled counts: TP and FP move linearly together between thresholds.

    Integrates precision d(recall) along that straight path numerically (midpoint rule), an
    independent check of the closed form the metric uses.
    """
    tp, fp, fn = counts[:, 0], counts[:, 1], counts[:, 3]
    total_positive = tp[0] + fn[0]
    s = (np.arange(steps) + 0.5) / steps
    area = 0.0
    for i in range(len(tp) - 1):
        d_tp, d_fp = tp[i] - tp[i + 1], fp[i] - fp[i + 1]
        if d_tp == 0:
            continue
        path_tp = tp[i + 1] + s * d_tp
        path_fp = fp[i + 1] + s * d_fp
        precision = path_tp / (path_tp + path_fp)
        area = area + np.mean(precision) * d_tp / total_positive
    return area


@pytest.fixture
def batches(data):
    y, p, w = data["binary_true"], data["binary_pred"], data["weight"]
    return [(y, p, None), (y[:5], p[:5] ** 2, w[:5])]


def _as_calls(batches):
    return [((y, p), {} if w is None else {"sample_weight": w}) for y, p, w in batches]


@pytest.mark.parametrize(
    "cls, column",
    [("TruePositives", 0), ("FalsePositives", 1), ("TrueNegatives", 2), ("FalseNegatives", 3)],
)
@pytest.mark.parametrize("thresholds", [None, 0.3, [0.7, 0.2, 0.5]])
def test_count_metrics_match_the_reference(cls, column, thresholds, batches, run_metric):
    given = 0.5 if thresholds is None else thresholds
    listed = given if isinstance(given, list) else [given]
    counts = _accumulate(batches, listed)
    result = run_metric(getattr(metrics, cls)(thresholds=thresholds), _as_calls(batches))
    expected = counts[:, column].reshape(-1)
    np.testing.assert_allclose(result, expected[0] if len(listed) == 1 else expected, rtol=1e-5)


def test_prediction_equal_to_the_threshold_is_negative(run_metric):
    calls = [(([1, 1, 0], [0.5, 0.25, 0.75]), {})]
    result = run_metric(metrics.TruePositives(thresholds=[0.5, 0.25, 0.2]), calls)
    np.testing.assert_array_equal(result, [0.0, 1.0, 2.0])


@pytest.mark.parametrize("cls", ["Precision", "Recall"])
@pytest.mark.parametrize("thresholds", [None, [0.3, 0.8]])
def test_precision_and_recall_match_the_reference(cls, thresholds, batches, run_metric):
    listed = [0.5] if thresholds is None else thresholds
    tp, fp, _, fn = _accumulate(batches, listed).T
    other = fp if cls == "Precision" else fn
    expected = tp / (tp + other)
    result = run_metric(getattr(metrics, cls)(thresholds=thresholds), _as_calls(batches))
    np.testing.assert_allclose(result, expected[0] if thresholds is None else expected,
                               rtol=1e-5)


def _keep_top_k(scores, k):
    order = np.argsort(-scores, axis=-1)[..., :k]
    kept = np.full_like(scores, -1e10)
    np.put_along_axis(kept, order, np.take_along_axis(scores, order, axis=-1), axis=-1)
    return kept


@pytest.mark.parametrize("cls", ["Precision", "Recall"])
def test_top_k_and_class_id_restrict_what_counts(cls, batches, run_metric):
    kept = [(y[..., 1], _keep_top_k(p, 2)[..., 1], w) for y, p, w in batches]
    tp, fp, _, fn = _accumulate(kept, [-1e10]).T
    expected = tp / (tp + (fp if cls == "Precision" else fn))
    result = run_metric(getattr(metrics, cls)(top_k=2, class_id=1), _as_calls(batches))
    assert result == pytest.approx(expected[0], rel=1e-5)


def test_precision_is_zero_when_nothing_is_predicted_positive(run_metric):
    assert run_metric(metrics.Precision(), [(([1.0, 0.0], [0.1, 0.2]), {})]) == 0.0


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("method", ["interpolation", "minoring", "majoring"])
def test_auc_matches_the_reference_area(curve, method, batches, run_metric):
    counts = _accumulate(batches, _auc_thresholds(50))
    if curve == "PR" and method == "interpolation":
        expected = _interpolated_pr_area(counts)
    else:
        expected = _riemann_area(counts, curve, method)
    metric = metrics.AUC(num_thresholds=50, curve=curve, summation_method=method)
    assert run_metric(metric, _as_calls(batches)) == pytest.approx(float(expected), abs=1e-5)


def test_auc_with_many_thresholds_approaches_scikit_learn(data, run_metric):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    y, p, w = data["binary_true"], data["binary_pred"], data["weight"]
    weights = np.repeat(w[:, None], y.shape[1], axis=1)
    expected = sklearn_metrics.roc_auc_score(y.ravel(), p.ravel(), sample_weight=weights.ravel())
    result = run_metric(metrics.AUC(num_thresholds=5000), [((y, p), {"sample_weight": w})])
    assert result == pytest.approx(expected, abs=1e-3)


def test_auc_explicit_thresholds_match_the_reference(batches, run_metric):
    thresholds = [0.1, 0.45, 0.6, 0.9]
    counts = _accumulate(batches, [-_EPS] + thresholds + [1 + _EPS])
    metric = metrics.AUC(thresholds=[0.9, 0.1, 0.6, 0.45])
    assert run_metric(metric, _as_calls(batches)) == pytest.approx(
        float(_riemann_area(counts, "ROC", "interpolation")), abs=1e-6
    )
    assert metric.thresholds == [-backend.epsilon()] + thresholds + [1 + backend.epsilon()]


@pytest.mark.parametrize("label_weights", [None, [1.0, 2.0, 0.5]])
def test_multi_label_auc_averages_per_label_areas(label_weights, batches, run_metric):
    counts = _accumulate(batches, _auc_thresholds(30), pooled=False)
    per_label = _riemann_area(counts, "ROC", "interpolation")
    expected = np.average(per_label, weights=label_weights)
    metric = metrics.AUC(num_thresholds=30, multi_label=True, label_weights=label_weights)
    assert run_metric(metric, _as_calls(batches)) == pytest.approx(float(expected), abs=1e-5)


def test_pooled_auc_label_weights_weigh_each_labels_entries(batches, run_metric):
    label_weights = np.array([1.0, 2.0, 0.5])
    weighted = [(y, p, (np.ones(len(y)) if w is None else w)[:, None] * label_weights)
                for y, p, w in batches]
    counts = _accumulate(weighted, _auc_thresholds(30))
    metric = metrics.AUC(num_thresholds=30, label_weights=list(label_weights))
    assert run_metric(metric, _as_calls(batches)) == pytest.approx(
        float(_riemann_area(counts, "ROC", "interpolation")), abs=1e-5
    )


def test_auc_from_logits_applies_a_sigmoid(data, run_metric):
    y, p = data["binary_true"], data["reg_pred"]
    from_logits = run_metric(metrics.AUC(from_logits=True), [((y, p), {})])
    from_probs = run_metric(metrics.AUC(), [((y, 1 / (1 + np.exp(-p))), {})])
    assert from_logits == pytest.approx(from_probs, abs=1e-6)


def test_auc_reset_state_clears_counts(batches, run_metric):
    metric = metrics.AUC()
    run_metric(metric, _as_calls(batches))
    metric.reset_state()
    assert all(not np.any(v.numpy()) for v in metric.variables)


_KERAS_CASES = {
    "tp": ("TruePositives", {"thresholds": [0.2, 0.6]}),
    "fn": ("FalseNegatives", {}),
    "precision": ("Precision", {}),
    "precision_top_k": ("Precision", {"top_k": 2}),
    "precision_class_id": ("Precision", {"class_id": 2, "thresholds": [0.4, 0.7]}),
    "recall": ("Recall", {"thresholds": [0.3, 0.5]}),
    "recall_top_k_class": ("Recall", {"top_k": 1, "class_id": 0}),
    "auc": ("AUC", {}),
    "auc_pr": ("AUC", {"curve": "PR"}),
    "auc_pr_minoring": ("AUC", {"curve": "PR", "summation_method": "minoring"}),
    "auc_roc_majoring": ("AUC", {"summation_method": "majoring", "num_thresholds": 17}),
    "auc_thresholds": ("AUC", {"thresholds": [0.25, 0.5, 0.8], "curve": "PR"}),
    "auc_multi_label": ("AUC", {"multi_label": True}),
    "auc_multi_label_pr": ("AUC", {"multi_label": True, "curve": "PR",
                                   "label_weights": [0.2, 1.0, 3.0]}),
    "auc_label_weights": ("AUC", {"label_weights": [0.2, 1.0, 3.0]}),
}


@pytest.mark.parametrize("case", list(_KERAS_CASES))
def test_confusion_metrics_match_keras(case, batches, run_metric, keras_result):
    cls, kwargs = _KERAS_CASES[case]
    calls = _as_calls(batches)
    tolerance = 1e-4 if cls == "AUC" else 1e-5
    np.testing.assert_allclose(run_metric(getattr(metrics, cls)(**kwargs), calls),
                               keras_result(cls, kwargs, calls), atol=tolerance, rtol=tolerance)


def test_auc_from_logits_matches_keras(data, run_metric, keras_result):
    calls = [((data["binary_true"], data["reg_pred"]), {"sample_weight": data["weight"]})]
    kwargs = {"from_logits": True, "curve": "PR"}
    np.testing.assert_allclose(run_metric(metrics.AUC(**kwargs), calls),
                               keras_result("AUC", kwargs, calls), atol=1e-4)


def test_column_predictions_with_flat_labels_match_keras(data, run_metric, keras_result):
    y = data["binary_true"][:, 0]
    p = data["binary_pred"][:, :1]
    calls = [((y, p), {"sample_weight": data["weight"][:, None]})]
    for cls in ("Precision", "AUC"):
        np.testing.assert_allclose(run_metric(getattr(metrics, cls)(), calls),
                                   keras_result(cls, {}, calls), atol=1e-5)


def test_confusion_configs_round_trip():
    for metric in (metrics.TruePositives(thresholds=[0.2, 0.4], name="tp"),
                   metrics.Recall(top_k=3, class_id=1, name="r"),
                   metrics.AUC(curve="pr", thresholds=[0.3, 0.6], multi_label=True,
                               label_weights=[1.0, 2.0], name="a")):
        clone = type(metric).from_config(metric.get_config())
        assert clone.get_config() == metric.get_config()


def test_auc_config_lists_keras_keys():
    assert metrics.AUC(name="auc").get_config() == {
        "name": "auc", "dtype": "float32", "num_thresholds": 200, "curve": "ROC",
        "summation_method": "interpolation", "multi_label": False, "num_labels": None,
        "label_weights": None, "from_logits": False,
    }


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: metrics.Precision(thresholds=1.5), r"Threshold values must be in \[0, 1\]"),
        (lambda: metrics.TruePositives(thresholds=[0.2, None]), r"Received: \[None\]"),
        (lambda: metrics.Recall(top_k=0), "`top_k` must be None or an integer >= 1"),
        (lambda: metrics.Precision(class_id=-1), "`class_id` must be None or an integer >= 0"),
        (lambda: metrics.AUC(num_thresholds=1), "`num_thresholds` must be an integer > 1"),
        (lambda: metrics.AUC(curve="PRGAIN"), 'Invalid AUC curve value: "PRGAIN"'),
        (lambda: metrics.AUC(summation_method="simpson"), "summation method.*simpson"),
        (lambda: metrics.AUC(label_weights=[1.0, -1.0]), "`label_weights` must be non-negative"),
    ],
)
def test_confusion_metrics_reject_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_multi_label_auc_rejects_rank_one_predictions():
    with pytest.raises(ValueError, match=r"expects predictions of shape \(batch_size"):
        metrics.AUC(multi_label=True).update_state([0.0, 1.0], [0.2, 0.7])
