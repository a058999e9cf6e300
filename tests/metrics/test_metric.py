"""The Metric base class: state variables, reset, call, config, functional use and tracing."""

import numpy as np
import pytest

import lamina
from lamina import metrics
from lamina import ops
from lamina.backend.common import scopes


class _CountAbove(metrics.Metric):
    """Counts values above a threshold; owns a Mean to check sub-metric tracking."""

    def __init__(self, threshold=0.0, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.threshold = threshold
        self.count = self.add_variable((), "zeros", name="count")
        self.offset = self.add_variable((2,), "ones", name="offset")
        self.inner = metrics.Mean(name="inner_mean")

    def update_state(self, values):
        values = ops.convert_to_tensor(values)
        self.count.assign_add(ops.sum(ops.cast(ops.greater(values, self.threshold), self.dtype)))
        self.inner.update_state(values)

    def result(self):
        return ops.add(self.count.value, self.inner.result())

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


def test_add_variable_makes_a_non_trainable_variable_with_the_metric_path():
    m = _CountAbove(name="above")
    assert not m.count.trainable
    assert m.count.path == "above/count"
    assert m.count.dtype == "float32"
    np.testing.assert_array_equal(m.offset.numpy(), [1.0, 1.0])


def test_add_variable_accepts_a_callable_or_constant_initializer():
    m = metrics.Metric(name="holder")
    from_callable = m.add_variable((3,), lambda shape, dtype: ops.full(shape, 2.0, dtype=dtype))
    from_constant = m.add_variable((2, 2), 5.0, dtype="int32")
    np.testing.assert_array_equal(from_callable.numpy(), [2.0, 2.0, 2.0])
    assert from_constant.dtype == "int32"
    np.testing.assert_array_equal(from_constant.numpy(), np.full((2, 2), 5))


def test_add_variable_rejects_an_unknown_initializer_name():
    m = metrics.Metric(name="holder")
    with pytest.raises(ValueError, match="unknown `initializer` 'glorot'.*ones, zeros"):
        m.add_variable((2,), "glorot")


def test_variables_include_those_of_tracked_sub_metrics():
    m = _CountAbove(name="above")
    paths = [v.path for v in m.variables]
    assert paths == ["above/count", "above/offset", "inner_mean/total", "inner_mean/count"]
    assert m.trainable_variables == []


def test_reset_state_restores_initial_values_including_sub_metrics():
    m = _CountAbove()
    m.update_state([1.0, -1.0, 2.0])
    m.offset.assign([7.0, 7.0])
    m.reset_state()
    np.testing.assert_array_equal(m.offset.numpy(), [1.0, 1.0])
    assert float(m.count.numpy()) == 0.0
    assert float(ops.convert_to_numpy(m.inner.result())) == 0.0


def test_call_updates_state_and_returns_the_result():
    m = _CountAbove()
    first = float(ops.convert_to_numpy(m([1.0, 3.0])))
    second = float(ops.convert_to_numpy(m([-1.0])))
    assert first == pytest.approx(2.0 + 2.0)
    assert second == pytest.approx(2.0 + 1.0)


def test_default_name_is_the_snake_case_class_name_made_unique():
    lamina.backend.clear_session()
    names = [metrics.AUC().name, metrics.AUC().name, metrics.TruePositives().name]
    assert names == ["auc", "auc_1", "true_positives"]


def test_non_string_name_is_rejected():
    with pytest.raises(TypeError, match="`name` must be a string"):
        metrics.Mean(name=3)


def test_config_round_trip_keeps_name_dtype_and_arguments():
    m = _CountAbove(threshold=0.5, name="c", dtype="float64")
    clone = _CountAbove.from_config(m.get_config())
    assert (clone.name, clone.dtype, clone.threshold) == ("c", "float64", 0.5)


def test_repr_names_the_class_and_metric():
    assert repr(metrics.Mean(name="loss")) == "<Mean name=loss>"


def test_stateless_update_state_returns_new_values_and_leaves_variables_alone():
    m = metrics.Mean()
    start = [ops.convert_to_tensor(2.0), ops.convert_to_tensor(1.0)]
    new = m.stateless_update_state(start, [4.0, 6.0])
    np.testing.assert_allclose([ops.convert_to_numpy(v) for v in new], [12.0, 3.0])
    assert float(ops.convert_to_numpy(m.stateless_result(new))) == pytest.approx(4.0)
    assert [float(v.numpy()) for v in m.variables] == [0.0, 0.0]
    np.testing.assert_allclose(ops.convert_to_numpy(start[0]), 2.0)


def test_stateless_reset_state_gives_initial_values():
    m = _CountAbove()
    m.update_state([5.0])
    values = m.stateless_reset_state()
    np.testing.assert_array_equal(ops.convert_to_numpy(values[1]), [1.0, 1.0])
    assert float(m.count.numpy()) == 1.0


def test_stateless_update_state_checks_the_number_of_values():
    with pytest.raises(ValueError, match="expected 2 variable values"):
        metrics.Mean().stateless_update_state([0.0], [1.0])


def test_lazily_built_metric_builds_under_symbolic_scope_without_counting():
    m = metrics.F1Score()
    with scopes.symbolic_scope():
        m.update_state(np.zeros((2, 3)), np.ones((2, 3)))
    assert [tuple(v.shape) for v in m.variables] == [(3,)] * 4
    assert all(not np.any(v.numpy()) for v in m.variables)


_TRACED_METRICS = {
    "binary_accuracy": lambda: metrics.BinaryAccuracy(),
    "mse": lambda: metrics.MeanSquaredError(),
    "rmse": lambda: metrics.RootMeanSquaredError(),
    "precision": lambda: metrics.Precision(thresholds=[0.3, 0.6]),
    "recall_top_k": lambda: metrics.Recall(top_k=2),
    "auc": lambda: metrics.AUC(),
    "auc_pr_thresholds": lambda: metrics.AUC(curve="PR", thresholds=[0.2, 0.7]),
    "auc_multi_label": lambda: metrics.AUC(multi_label=True, num_labels=3),
    "f1": lambda: metrics.F1Score(average="weighted"),
    "r2": lambda: metrics.R2Score(num_regressors=1),
}


def _traced_inputs(data):
    return data["binary_true"], data["binary_pred"], data["weight"]


@pytest.mark.jax_only
@pytest.mark.parametrize("make", _TRACED_METRICS.values(), ids=list(_TRACED_METRICS))
def test_update_state_and_result_trace_under_jax_jit(make, data):
    jax = pytest.importorskip("jax")
    y_true, y_pred, weight = _traced_inputs(data)
    metric, reference = make(), make()
    # One eager batch builds lazily-created state, as the trainer's first step does.
    metric.update_state(y_true, y_pred, sample_weight=weight)
    for _ in range(2):
        reference.update_state(y_true, y_pred, sample_weight=weight)
    variables = metric.variables

    def step(values, y_true, y_pred, weight):
        def body():
            metric.update_state(y_true, y_pred, sample_weight=weight)
            return metric.result()

        result, final, _ = lamina.backend.core.run_with_values(body, variables, values)
        return result, final

    result, _ = jax.jit(step)([v.value for v in variables], y_true, y_pred, weight)
    np.testing.assert_allclose(
        np.asarray(result), ops.convert_to_numpy(reference.result()), rtol=1e-5, atol=1e-6
    )


@pytest.mark.jax_only
def test_stateless_api_traces_under_jax_jit(data):
    jax = pytest.importorskip("jax")
    y_true, y_pred, weight = _traced_inputs(data)
    metric, reference = metrics.AUC(), metrics.AUC()
    reference.update_state(y_true, y_pred, sample_weight=weight)

    @jax.jit
    def step(values, y_true, y_pred, weight):
        new = metric.stateless_update_state(values, y_true, y_pred, sample_weight=weight)
        return metric.stateless_result(new)

    result = step(metric.stateless_reset_state(), y_true, y_pred, weight)
    np.testing.assert_allclose(np.asarray(result), ops.convert_to_numpy(reference.result()),
                               rtol=1e-6)
