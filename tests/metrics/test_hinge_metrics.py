"""Hinge metrics: the running mean of the hinge losses, against the formulas and Keras 3."""

import numpy as np
import pytest

from lamina import metrics


def _signed(y):
    # 0/1 labels become -1/1, as the hinge losses do.
    return np.where(y == 0, -1.0, y)


_REFERENCES = {
    "Hinge": lambda y, p: np.mean(np.maximum(1 - _signed(y) * p, 0), axis=-1),
    "SquaredHinge": lambda y, p: np.mean(np.maximum(1 - _signed(y) * p, 0) ** 2, axis=-1),
    "CategoricalHinge": lambda y, p: np.maximum(
        np.max((1 - y) * p, axis=-1) - np.sum(y * p, axis=-1) + 1, 0
    ),
}


@pytest.mark.parametrize("name", list(_REFERENCES))
def test_hinge_metrics_are_weighted_means_of_the_formula(name, data, run_metric):
    y, p, w = data["onehot_true"], data["class_pred"], data["weight"]
    result = run_metric(getattr(metrics, name)(), [((y, p), {}), ((y, p), {"sample_weight": w})])
    per_sample = _REFERENCES[name](y.astype("float64"), p.astype("float64"))
    expected = (per_sample.sum() + np.sum(per_sample * w)) / (len(w) + w.sum())
    assert result == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("name", list(_REFERENCES))
def test_hinge_metrics_match_keras(name, data, run_metric, keras_result):
    y, p, w = data["binary_true"], data["reg_pred"], data["weight"]
    calls = [((y, p), {"sample_weight": w}), ((y[:2], p[:2]), {})]
    np.testing.assert_allclose(run_metric(getattr(metrics, name)(), calls),
                               keras_result(name, {}, calls), rtol=1e-5)
