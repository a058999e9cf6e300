"""F-beta and F1 scores against scikit-learn and a NumPy reference, and Keras 3."""

import numpy as np
import pytest

from lamina import metrics
from lamina import ops


def _predicted(scores, threshold):
    if threshold is not None:
        return (scores > threshold).astype("int64")
    # The arg-max class(es) of each row, except in an all-zero row.
    return ((scores >= scores.max(axis=1, keepdims=True)) & (np.abs(scores) > 1e-9)).astype(
        "int64"
    )


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("threshold", [None, 0.4])
def test_fbeta_matches_scikit_learn_over_weighted_batches(average, threshold, data,
                                                          run_metric):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    y, p, w = data["binary_true"], data["binary_pred"], data["weight"]
    m = metrics.FBetaScore(average=average, beta=2.0, threshold=threshold)
    result = run_metric(m, [((y[:3], p[:3]), {"sample_weight": w[:3]}),
                            ((y[3:], p[3:]), {"sample_weight": w[3:]})])
    expected = sklearn_metrics.fbeta_score(y.astype("int64"), _predicted(p, threshold), beta=2.0,
                                           average=average, sample_weight=w, zero_division=0)
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)


def test_f1_equals_harmonic_mean_of_precision_and_recall(data, run_metric):
    y, p = data["onehot_true"], data["class_pred"]
    result = run_metric(metrics.F1Score(), [((y, p), {})])
    predicted = _predicted(p, None)
    tp = np.sum(predicted * y, axis=0)
    precision = tp / np.maximum(predicted.sum(axis=0), 1)
    recall = tp / np.maximum(y.sum(axis=0), 1)
    expected = np.where(tp > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0)
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)


def test_all_zero_predictions_predict_no_class(run_metric):
    result = run_metric(metrics.F1Score(), [(([[1.0, 0.0], [0.0, 1.0]], np.zeros((2, 2))), {})])
    np.testing.assert_array_equal(result, [0.0, 0.0])


def test_reset_state_zeroes_the_counts(data, run_metric):
    m = metrics.F1Score(average="macro")
    run_metric(m, [((data["onehot_true"], data["class_pred"]), {})])
    m.reset_state()
    assert float(ops.convert_to_numpy(m.result())) == 0.0


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("threshold", [None, 0.5])
def test_f_scores_match_keras(average, threshold, data, run_metric, keras_result):
    y, p, w = data["binary_true"], data["binary_pred"], data["weight"]
    calls = [((y, p), {}), ((y, p), {"sample_weight": w})]
    kwargs = {"average": average, "threshold": threshold}
    np.testing.assert_allclose(run_metric(metrics.F1Score(**kwargs), calls),
                               keras_result("F1Score", kwargs, calls), rtol=1e-5, atol=1e-7)
    kwargs["beta"] = 0.5
    np.testing.assert_allclose(run_metric(metrics.FBetaScore(**kwargs), calls),
                               keras_result("FBetaScore", kwargs, calls), rtol=1e-5, atol=1e-7)


def test_configs_match_keras_keys():
    assert metrics.F1Score().get_config() == {"name": "f1_score", "dtype": "float32",
                                              "average": None, "threshold": None}
    fbeta = metrics.FBetaScore(average="micro", beta=2, threshold=0.3)
    assert metrics.FBetaScore.from_config(fbeta.get_config()).get_config() == {
        "name": "fbeta_score", "dtype": "float32", "beta": 2.0, "average": "micro",
        "threshold": 0.3,
    }


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"average": "samples"}, "`average`.*Received: average='samples'"),
        ({"beta": 0.0}, "`beta`.*number > 0"),
        ({"beta": "2"}, "`beta`.*Received: beta='2'"),
        ({"threshold": 0.0}, r"`threshold`.*\(0, 1\]"),
        ({"threshold": 1.5}, r"`threshold`.*threshold=1.5"),
    ],
)
def test_fbeta_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        metrics.FBetaScore(**kwargs)


def test_fbeta_rejects_inputs_that_are_not_two_dimensional():
    with pytest.raises(ValueError, match=r"expects 2D inputs.*ops.one_hot"):
        metrics.F1Score().update_state(np.zeros(4), np.zeros(4))
