"""``metrics.get`` / ``serialize`` / ``deserialize``: names, aliases, loss names, errors."""

import numpy as np
import pytest

import lamina
from lamina import metrics
from lamina import ops


@pytest.mark.parametrize(
    "identifier, cls",
    [
        ("accuracy", "Accuracy"),
        ("acc", "Accuracy"),
        ("mse", "MeanSquaredError"),
        ("MSE", "MeanSquaredError"),
        ("mean_squared_error", "MeanSquaredError"),
        ("MeanSquaredError", "MeanSquaredError"),
        ("binary_crossentropy", "BinaryCrossentropy"),
        ("bce", "BinaryCrossentropy"),
        ("categorical_crossentropy", "CategoricalCrossentropy"),
        ("auc", "AUC"),
        ("AUC", "AUC"),
        ("f1_score", "F1Score"),
        ("r2_score", "R2Score"),
        ("precision", "Precision"),
        ("sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy"),
    ],
)
def test_get_turns_a_name_into_a_fresh_instance(identifier, cls):
    first, second = metrics.get(identifier), metrics.get(identifier)
    assert type(first).__name__ == cls
    assert first is not second


@pytest.mark.parametrize("identifier", ["huber", "log_cosh", "logcosh"])
def test_get_wraps_any_other_loss_function_named_after_the_string(identifier, run_metric):
    losses = pytest.importorskip("lamina.losses")
    metric = metrics.get(identifier)
    assert isinstance(metric, metrics.MeanMetricWrapper)
    assert metric.name == identifier
    y, p = np.array([[0.0, 1.0]]), np.array([[2.0, 1.0]])
    expected = ops.convert_to_numpy(losses.get(identifier)(y, p))
    assert run_metric(metric, [((y, p), {})]) == pytest.approx(float(expected[0]))


def test_get_passes_metrics_callables_and_none_through():
    metric = metrics.Mean()

    def fn(y_true, y_pred):
        return y_pred

    assert metrics.get(metric) is metric
    assert metrics.get(fn) is fn
    assert metrics.get(None) is None
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)


def test_get_rejects_an_unknown_name_listing_valid_ones():
    with pytest.raises(ValueError, match="'accuracyy'.*Valid names are:.*AUC.*accuracy.*mse"):
        metrics.get("accuracyy")


def test_get_rejects_an_unsupported_identifier():
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 3"):
        metrics.get(3)


def test_serialize_uses_the_keras_layout():
    assert metrics.serialize(metrics.Mean(name="m")) == {
        "module": "keras.metrics", "class_name": "Mean",
        "config": {"name": "m", "dtype": "float32"}, "registered_name": None,
    }


@pytest.mark.parametrize(
    "metric",
    [
        metrics.AUC(curve="PR", num_thresholds=10, name="pr"),
        metrics.Precision(thresholds=[0.2, 0.8], top_k=2, name="p"),
        metrics.BinaryAccuracy(threshold=0.2, name="b"),
        metrics.F1Score(average="macro", name="f"),
        metrics.R2Score(class_aggregation=None, name="r"),
    ],
    ids=lambda m: type(m).__name__,
)
def test_deserialize_inverts_serialize(metric):
    clone = metrics.deserialize(metrics.serialize(metric))
    assert type(clone) is type(metric)
    assert clone.get_config() == metric.get_config()


def test_deserialize_reads_a_keras_mean_metric_wrapper_config():
    losses = pytest.importorskip("lamina.losses")
    config = {
        "module": "keras.metrics", "class_name": "MeanMetricWrapper", "registered_name": None,
        "config": {"name": "w", "dtype": "float32",
                   "fn": {"module": "builtins", "class_name": "function",
                          "config": "mean_squared_error", "registered_name": "function"}},
    }
    metric = metrics.deserialize(config)
    assert metric._fn is losses.mean_squared_error and metric.name == "w"


def test_deserialize_finds_a_registered_custom_metric():
    @lamina.saving.register_keras_serializable(package="metric_tests")
    class Doubled(metrics.Mean):
        pass

    clone = metrics.deserialize(metrics.serialize(Doubled(name="d")))
    assert type(clone) is Doubled and clone.name == "d"


def test_deserialize_rejects_an_unknown_class_listing_valid_names():
    with pytest.raises(ValueError, match="'Bogus'.*Valid names are"):
        metrics.deserialize({"class_name": "Bogus", "config": {}})


def test_deserialize_rejects_a_malformed_config():
    with pytest.raises(ValueError, match="expected a metric name or a dict with 'class_name'"):
        metrics.deserialize({"config": {}})


def test_loss_functions_are_reachable_from_the_metrics_namespace():
    losses = pytest.importorskip("lamina.losses")
    assert metrics.mean_squared_error is losses.mean_squared_error
    with pytest.raises(AttributeError, match="no attribute 'not_a_metric'"):
        metrics.not_a_metric  # noqa: B018
