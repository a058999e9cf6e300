"""Cross-entropy, KL-divergence and Poisson metrics: the running mean of the loss, vs Keras 3."""

import numpy as np
import pytest

from lamina import metrics

_EPS = 1e-7


def _probabilities(scores):
    return scores / scores.sum(axis=-1, keepdims=True)


def test_binary_crossentropy_is_the_weighted_mean_of_the_formula(data, run_metric):
    y, p, w = data["binary_true"], data["binary_pred"], data["weight"]
    calls = [((y, p), {}), ((y, p), {"sample_weight": w})]
    result = run_metric(metrics.BinaryCrossentropy(), calls)
    q = np.clip(p.astype("float64"), _EPS, 1 - _EPS)
    per_sample = -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q), axis=-1)
    expected = (per_sample.sum() + np.sum(per_sample * w)) / (len(w) + w.sum())
    assert result == pytest.approx(expected, rel=1e-5)


def test_sparse_and_dense_categorical_crossentropy_agree(data, run_metric):
    p = _probabilities(data["class_pred"])
    dense = run_metric(metrics.CategoricalCrossentropy(), [((data["onehot_true"], p), {})])
    sparse = run_metric(metrics.SparseCategoricalCrossentropy(), [((data["sparse_true"], p), {})])
    expected = -np.mean(np.log(p[np.arange(len(p)), data["sparse_true"]]))
    assert dense == pytest.approx(expected, rel=1e-5)
    assert sparse == pytest.approx(expected, rel=1e-5)


_KERAS_CASES = {
    "bce": ("BinaryCrossentropy", {}, "binary_true", "binary_pred"),
    "bce_logits_smoothing": ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1},
                             "binary_true", "reg_pred"),
    "cce": ("CategoricalCrossentropy", {}, "onehot_true", "class_pred"),
    "cce_logits": ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2},
                   "onehot_true", "class_pred"),
    "scce": ("SparseCategoricalCrossentropy", {}, "sparse_true", "class_pred"),
    "scce_logits": ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_true",
                    "class_pred"),
    "kld": ("KLDivergence", {}, "onehot_true", "class_pred"),
    "poisson": ("Poisson", {}, "binary_true", "binary_pred"),
}


@pytest.mark.parametrize("case", list(_KERAS_CASES))
def test_probabilistic_metrics_match_keras(case, data, run_metric, keras_result):
    cls, kwargs, true_key, pred_key = _KERAS_CASES[case]
    y, p, w = data[true_key], data[pred_key], data["weight"]
    if pred_key == "class_pred" and not kwargs.get("from_logits"):
        p = _probabilities(p)
    calls = [((y, p), {}), ((y, p), {"sample_weight": w})]
    np.testing.assert_allclose(run_metric(getattr(metrics, cls)(**kwargs), calls),
                               keras_result(cls, kwargs, calls), rtol=1e-5)


def test_probabilistic_configs_carry_the_loss_arguments():
    config = metrics.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1,
                                             axis=1).get_config()
    assert config == {"name": "categorical_crossentropy", "dtype": "float32",
                      "from_logits": True, "label_smoothing": 0.1, "axis": 1}
    clone = metrics.SparseCategoricalCrossentropy.from_config(
        metrics.SparseCategoricalCrossentropy(ignore_class=0).get_config())
    assert clone.get_config()["ignore_class"] == 0
