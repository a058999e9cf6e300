"""Accuracy metrics and functions against NumPy references and Keras 3; resolve_accuracy."""

import numpy as np
import pytest

from lamina import metrics
from lamina import ops


def _weighted_mean(per_sample_batches):
    values = np.concatenate([v for v, _ in per_sample_batches])
    weights = np.concatenate(
        [np.ones(len(v)) if w is None else w for v, w in per_sample_batches]
    )
    return np.sum(values * weights) / np.sum(weights)


def _topk_hit(labels, scores, k):
    # A hit when fewer than k classes score strictly higher than the label's class.
    label_scores = np.take_along_axis(scores, labels[:, None], axis=-1)
    return (np.sum(scores > label_scores, axis=-1) < k).astype("float64")


def test_binary_accuracy_function_thresholds_strictly_above():
    result = metrics.binary_accuracy([[1.0], [0.0], [1.0]], [[0.7], [0.5], [0.5]])
    np.testing.assert_array_equal(ops.convert_to_numpy(result), [[1.0], [1.0], [0.0]])


def test_categorical_accuracy_function_compares_arg_maxes():
    result = metrics.categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0, 1, 0]])
    np.testing.assert_array_equal(ops.convert_to_numpy(result), [0.0, 1.0])


@pytest.mark.parametrize("labels", [[2, 1], [2.0, 1.0], [[2], [1]]], ids=["int", "float", "col"])
def test_sparse_categorical_accuracy_function_accepts_int_float_and_column_labels(labels):
    result = metrics.sparse_categorical_accuracy(labels, [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    np.testing.assert_array_equal(ops.convert_to_numpy(result), [0.0, 1.0])


def test_top_k_functions_count_a_hit_within_the_k_best(data):
    scores, labels = data["class_pred"], data["sparse_true"]
    dense = metrics.top_k_categorical_accuracy(data["onehot_true"], scores, k=2)
    sparse = metrics.sparse_top_k_categorical_accuracy(labels, scores, k=2)
    np.testing.assert_array_equal(ops.convert_to_numpy(dense), _topk_hit(labels, scores, 2))
    np.testing.assert_array_equal(ops.convert_to_numpy(sparse), _topk_hit(labels, scores, 2))


def test_sparse_top_k_from_sorted_ids_looks_at_the_first_k_ids():
    sorted_ids = [[3, 1, 0], [2, 0, 1]]
    result = metrics.sparse_top_k_categorical_accuracy([1, 1], sorted_ids, k=2,
                                                       from_sorted_ids=True)
    np.testing.assert_array_equal(ops.convert_to_numpy(result), [1.0, 0.0])


def test_binary_accuracy_accumulates_over_weighted_batches(data, run_metric):
    y, p, w = data["binary_true"], data["binary_pred"], data["weight"]
    m = metrics.BinaryAccuracy(threshold=0.3)
    result = run_metric(m, [((y, p), {}), ((y[:4], p[:4]), {"sample_weight": w[:4]})])
    per_sample = (y == (p > 0.3)).mean(axis=1)
    assert result == pytest.approx(_weighted_mean([(per_sample, None),
                                                   (per_sample[:4], w[:4])]), rel=1e-6)


def test_sparse_categorical_accuracy_accumulates_then_resets(data, run_metric):
    labels, scores, w = data["sparse_true"], data["class_pred"], data["weight"]
    m = metrics.SparseCategoricalAccuracy()
    result = run_metric(m, [((labels, scores), {}), ((labels, scores), {"sample_weight": w})])
    hits = (scores.argmax(axis=1) == labels).astype("float64")
    assert result == pytest.approx(_weighted_mean([(hits, None), (hits, w)]), rel=1e-6)
    m.reset_state()
    assert float(ops.convert_to_numpy(m.result())) == 0.0


def test_accuracy_counts_exact_matches(run_metric):
    result = run_metric(metrics.Accuracy(), [(([[1], [2], [3], [4]], [[0], [2], [3], [4]]), {})])
    assert result == pytest.approx(0.75)


_KERAS_CASES = {
    "accuracy": ("Accuracy", {}, "binary_true", "binary_true"),
    "binary": ("BinaryAccuracy", {}, "binary_true", "binary_pred"),
    "binary_threshold": ("BinaryAccuracy", {"threshold": 0.7}, "binary_true", "binary_pred"),
    "categorical": ("CategoricalAccuracy", {}, "onehot_true", "class_pred"),
    "sparse": ("SparseCategoricalAccuracy", {}, "sparse_true", "class_pred"),
    "top_k": ("TopKCategoricalAccuracy", {"k": 2}, "onehot_true", "class_pred"),
    "sparse_top_k": ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse_true", "class_pred"),
}


@pytest.mark.parametrize("case", list(_KERAS_CASES))
def test_accuracy_metrics_match_keras(case, data, run_metric, keras_result):
    cls, kwargs, true_key, pred_key = _KERAS_CASES[case]
    y, p, w = data[true_key], data[pred_key], data["weight"]
    batches = [((y, p), {}), ((y, p), {"sample_weight": w}), ((y[:3], p[:3]), {})]
    np.testing.assert_allclose(
        run_metric(getattr(metrics, cls)(**kwargs), batches),
        keras_result(cls, kwargs, batches),
        rtol=1e-5,
    )


def test_sequence_accuracies_match_keras_with_per_timestep_weights(data, run_metric,
                                                                   keras_result):
    rng = data["rng"]
    labels = rng.integers(0, 4, size=(5, 6))
    scores = rng.random((5, 6, 4)).astype("float32")
    weights = rng.random((5, 6)).astype("float32")
    batches = [((labels, scores), {"sample_weight": weights})]
    np.testing.assert_allclose(run_metric(metrics.SparseCategoricalAccuracy(), batches),
                               keras_result("SparseCategoricalAccuracy", {}, batches),
                               rtol=1e-5)


def test_sparse_top_k_from_sorted_ids_matches_keras(data, run_metric, keras_result):
    labels, scores = data["sparse_true"], data["class_pred"]
    sorted_ids = np.argsort(-scores, axis=-1)[:, :3]
    kwargs = {"k": 2, "from_sorted_ids": True}
    batches = [((labels, sorted_ids), {"sample_weight": data["weight"]})]
    np.testing.assert_allclose(
        run_metric(metrics.SparseTopKCategoricalAccuracy(**kwargs), batches),
        keras_result("SparseTopKCategoricalAccuracy", kwargs, batches),
        rtol=1e-5,
    )


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        ("BinaryAccuracy", {"threshold": 0.3}),
        ("TopKCategoricalAccuracy", {"k": 3}),
        ("SparseTopKCategoricalAccuracy", {"k": 3, "from_sorted_ids": True}),
    ],
)
def test_accuracy_config_round_trips(cls, kwargs):
    metric = getattr(metrics, cls)(name="acc_x", **kwargs)
    clone = getattr(metrics, cls).from_config(metric.get_config())
    assert clone.get_config() == metric.get_config()
    assert metric.get_config() == {"name": "acc_x", "dtype": "float32", **kwargs}


def test_top_k_rejects_a_non_positive_k():
    with pytest.raises(ValueError, match="`k` must be a positive integer, got 0"):
        metrics.TopKCategoricalAccuracy(k=0)


def test_binary_accuracy_rejects_a_non_numeric_threshold():
    with pytest.raises(TypeError, match="`threshold` must be a number, got 'high'"):
        metrics.BinaryAccuracy(threshold="high")


@pytest.mark.parametrize(
    "loss, y_true_shape, y_pred_shape, expected",
    [
        ("binary_crossentropy", (32, 5), (32, 5), "BinaryAccuracy"),
        ("BinaryCrossentropy", (32, 5), (32, 5), "BinaryAccuracy"),
        ("mse", (32, 1), (32, 1), "BinaryAccuracy"),
        ("sparse_categorical_crossentropy", (32, 1), (32, 10), "SparseCategoricalAccuracy"),
        (None, (32,), (32, 10), "SparseCategoricalAccuracy"),
        (None, (32, 1), (32, 10), "SparseCategoricalAccuracy"),
        ("categorical_crossentropy", (32, 10), (32, 10), "CategoricalAccuracy"),
        (None, (32, 7, 10), (32, 7, 10), "CategoricalAccuracy"),
    ],
)
def test_resolve_accuracy_follows_the_loss_and_shapes(loss, y_true_shape, y_pred_shape,
                                                     expected):
    metric = metrics.resolve_accuracy(loss, y_true_shape, y_pred_shape)
    assert type(metric).__name__ == expected
    assert metric.name == "accuracy"


def test_resolve_accuracy_reads_a_loss_function_name():
    def sparse_categorical_crossentropy(y_true, y_pred):
        return y_pred

    metric = metrics.resolve_accuracy(sparse_categorical_crossentropy, (4, 3), (4, 3),
                                      name="acc")
    assert isinstance(metric, metrics.SparseCategoricalAccuracy)
    assert metric.name == "acc"


def test_resolve_accuracy_reads_a_loss_object():
    losses = pytest.importorskip("lamina.losses")
    metric = metrics.resolve_accuracy(losses.BinaryCrossentropy(), (4, 3), (4, 3))
    assert isinstance(metric, metrics.BinaryAccuracy)
