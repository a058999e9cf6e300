"""Regression metrics against formula references (and scikit-learn for R²) and Keras 3."""

import numpy as np
import pytest

from lamina import backend
from lamina import metrics

_EPS = 1e-7

# Per-sample values of each error, written from its definition (last axis averaged).
_REFERENCES = {
    "MeanSquaredError": lambda t, p: np.mean((t - p) ** 2, axis=-1),
    "MeanAbsoluteError": lambda t, p: np.mean(np.abs(t - p), axis=-1),
    "MeanAbsolutePercentageError": lambda t, p: 100.0
    * np.mean(np.abs(t - p) / np.maximum(np.abs(t), _EPS), axis=-1),
    "MeanSquaredLogarithmicError": lambda t, p: np.mean(
        (np.log1p(np.maximum(p, _EPS)) - np.log1p(np.maximum(t, _EPS))) ** 2, axis=-1
    ),
    "LogCoshError": lambda t, p: np.mean(np.log(np.cosh(p - t)), axis=-1),
    "CosineSimilarity": lambda t, p: np.sum(
        t / np.linalg.norm(t, axis=-1, keepdims=True)
        * p / np.linalg.norm(p, axis=-1, keepdims=True),
        axis=-1,
    ),
}


def _weighted(per_sample_batches):
    values = np.concatenate([v for v, _ in per_sample_batches])
    weights = np.concatenate([np.ones(len(v)) if w is None else w for v, w in per_sample_batches])
    return np.sum(values * weights) / np.sum(weights)


def _inputs(name, data):
    t, p = data["reg_true"].astype("float64"), data["reg_pred"].astype("float64")
    if name == "MeanSquaredLogarithmicError":
        t, p = np.abs(t), np.abs(p)
    return t.astype("float32"), p.astype("float32"), data["weight"]


@pytest.mark.parametrize("name", list(_REFERENCES))
def test_mean_error_metrics_match_their_formula_over_weighted_batches(name, data, run_metric):
    t, p, w = _inputs(name, data)
    ref = _REFERENCES[name]
    result = run_metric(getattr(metrics, name)(), [((t, p), {}), ((t[:5], p[:5]),
                                                                  {"sample_weight": w[:5]})])
    expected = _weighted([(ref(t, p), None), (ref(t[:5], p[:5]), w[:5])])
    assert result == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("name", list(_REFERENCES) + ["RootMeanSquaredError", "R2Score"])
def test_regression_metrics_match_keras(name, data, run_metric, keras_result):
    t, p, w = _inputs(name, data)
    batches = [((t, p), {}), ((t, p), {"sample_weight": w}), ((t[:3], p[:3]), {})]
    np.testing.assert_allclose(run_metric(getattr(metrics, name)(), batches),
                               keras_result(name, {}, batches), rtol=1e-5)


def test_root_mean_squared_error_is_sqrt_of_weighted_mean_square(data, run_metric):
    t, p, w = _inputs("RootMeanSquaredError", data)
    result = run_metric(metrics.RootMeanSquaredError(),
                        [((t, p), {}), ((t, p), {"sample_weight": w})])
    per_sample = np.mean((t - p) ** 2, axis=-1)
    assert result == pytest.approx(np.sqrt(_weighted([(per_sample, None), (per_sample, w)])),
                                   rel=1e-5)


def test_metrics_reset_state_to_zero(data, run_metric):
    m = metrics.MeanAbsoluteError()
    run_metric(m, [((data["reg_true"], data["reg_pred"]), {})])
    m.reset_state()
    assert run_metric(m, []) == 0.0


_SKLEARN_AGGREGATION = {
    "uniform_average": "uniform_average",
    "variance_weighted_average": "variance_weighted",
    None: "raw_values",
}


@pytest.mark.parametrize("aggregation", list(_SKLEARN_AGGREGATION))
def test_r2_score_matches_scikit_learn_over_weighted_batches(aggregation, data, run_metric):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    t, p, w = data["reg_true"], data["reg_pred"], data["weight"]
    m = metrics.R2Score(class_aggregation=aggregation)
    result = run_metric(m, [((t[:4], p[:4]), {"sample_weight": w[:4]}),
                            ((t[4:], p[4:]), {"sample_weight": w[4:]})])
    expected = sklearn_metrics.r2_score(t, p, sample_weight=w,
                                        multioutput=_SKLEARN_AGGREGATION[aggregation])
    np.testing.assert_allclose(result, expected, rtol=1e-4)


def test_r2_score_adjusts_for_regressors_with_n_counting_every_value(data, run_metric):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    t, p = data["reg_true"], data["reg_pred"]
    result = run_metric(metrics.R2Score(num_regressors=2), [((t, p), {})])
    r2, n = sklearn_metrics.r2_score(t, p), t.size
    assert result == pytest.approx(1 - (1 - r2) * (n - 1) / (n - 2 - 1), rel=1e-4)


def test_r2_score_skips_the_adjustment_when_regressors_exceed_samples(data, run_metric):
    t, p = data["reg_true"][:2], data["reg_pred"][:2]
    plain = run_metric(metrics.R2Score(), [((t, p), {})])
    adjusted = run_metric(metrics.R2Score(num_regressors=10), [((t, p), {})])
    assert adjusted == pytest.approx(plain)


def test_r2_score_matches_keras_with_adjustment_and_aggregation(data, run_metric,
                                                                keras_result):
    t, p, w = data["reg_true"], data["reg_pred"], data["weight"]
    kwargs = {"class_aggregation": "variance_weighted_average", "num_regressors": 3}
    batches = [((t, p), {"sample_weight": w}), ((t, p), {})]
    np.testing.assert_allclose(run_metric(metrics.R2Score(**kwargs), batches),
                               keras_result("R2Score", kwargs, batches), rtol=1e-5)


def test_r2_score_rejects_rank_one_inputs():
    with pytest.raises(ValueError, match=r"R2Score expects 2D inputs.*\(batch_size, 1\)"):
        metrics.R2Score().update_state(np.zeros(4), np.zeros(4))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"class_aggregation": "median"}, "`class_aggregation`.*class_aggregation='median'"),
        ({"num_regressors": -1}, "`num_regressors`.*>= 0"),
    ],
)
def test_r2_score_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        metrics.R2Score(**kwargs)


def test_regression_metric_configs_match_keras_defaults():
    assert metrics.LogCoshError().get_config() == {"name": "logcosh",
                                                   "dtype": backend.floatx()}
    assert metrics.R2Score().get_config() == {"name": "r2_score", "dtype": "float32",
                                              "class_aggregation": "uniform_average",
                                              "num_regressors": 0}
