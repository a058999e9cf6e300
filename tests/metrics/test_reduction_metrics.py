"""Mean, Sum and MeanMetricWrapper: weighted accumulation over batches, against NumPy and Keras."""

import numpy as np
import pytest

from lamina import metrics
from lamina import ops
from lamina.metrics.reduction_metrics import squeeze_or_expand_to_same_rank


def _mean_reference(batches):
    """Weighted mean of per-sample means (values averaged over all non-batch axes)."""
    total, count = 0.0, 0.0
    for values, weight in batches:
        values = np.asarray(values, dtype="float64")
        per_sample = values.reshape(len(values), -1).mean(axis=1)
        weight = np.ones(len(values)) if weight is None else np.asarray(weight, "float64")
        total += np.sum(per_sample * weight)
        count += np.sum(weight)
    return total / count


def test_mean_accumulates_weighted_per_sample_means_over_batches(data, run_metric):
    a, b = data["reg_pred"], data["reg_true"][:5]
    w = data["weight"]
    batches = [((a,), {}), ((b,), {}), ((a,), {"sample_weight": w})]
    expected = _mean_reference([(a, None), (b, None), (a, w)])
    assert run_metric(metrics.Mean(), batches) == pytest.approx(expected, rel=1e-5)


def test_mean_of_scalars_counts_each_as_one_sample(run_metric):
    batches = [((3.0,), {}), ((5.0,), {"sample_weight": 3.0})]
    assert run_metric(metrics.Mean(), batches) == pytest.approx((3.0 + 15.0) / 4.0)


def test_mean_is_zero_before_any_update():
    assert float(ops.convert_to_numpy(metrics.Mean().result())) == 0.0


def test_mean_reset_state_forgets_earlier_batches(run_metric):
    m = metrics.Mean()
    m.update_state([100.0, 200.0])
    m.reset_state()
    assert run_metric(m, [(([1.0, 3.0],), {})]) == pytest.approx(2.0)


def test_sum_adds_weighted_values(data, run_metric):
    values, w = data["reg_pred"], data["weight"]
    batches = [((values,), {}), ((values,), {"sample_weight": w})]
    expected = values.sum() + np.sum(values.sum(axis=1) * w)
    assert run_metric(metrics.Sum(), batches) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("cls", ["Mean", "Sum"])
@pytest.mark.parametrize("weight_shape", ["none", "per_sample", "per_sample_column", "per_entry"])
def test_mean_and_sum_match_keras(cls, weight_shape, data, run_metric, keras_result):
    values = data["rng"].random((6, 5, 2)).astype("float32")
    weights = {
        "none": None,
        "per_sample": data["weight"][:6],
        "per_sample_column": data["weight"][:6, None],
        "per_entry": data["rng"].random((6, 5)).astype("float32"),
    }[weight_shape]
    kwargs = {} if weights is None else {"sample_weight": weights}
    batches = [((values,), kwargs), ((values[:3],), {})]
    np.testing.assert_allclose(
        run_metric(getattr(metrics, cls)(), batches), keras_result(cls, {}, batches), rtol=1e-5
    )


def test_mean_rejects_a_sample_weight_that_does_not_fit():
    with pytest.raises(ValueError, match=r"`sample_weight` of shape \(3, 2\).*shape \(3,\)"):
        metrics.Mean().update_state([1.0, 2.0, 3.0], sample_weight=np.ones((3, 2)))


def _abs_error(y_true, y_pred, scale=1.0):
    return ops.multiply(ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1), scale)


def test_mean_metric_wrapper_averages_fn_with_its_kwargs(data, run_metric):
    y_true, y_pred, w = data["reg_true"], data["reg_pred"], data["weight"]
    m = metrics.MeanMetricWrapper(_abs_error, name="scaled_mae", scale=2.0)
    result = run_metric(m, [((y_true, y_pred), {}), ((y_true, y_pred), {"sample_weight": w})])
    per_sample = 2.0 * np.abs(y_true - y_pred).mean(axis=1)
    expected = (per_sample.sum() + np.sum(per_sample * w)) / (len(w) + w.sum())
    assert result == pytest.approx(expected, rel=1e-5)
    assert m.name == "scaled_mae"


def test_mean_metric_wrapper_rejects_a_non_callable():
    with pytest.raises(TypeError, match="`fn` must be a callable"):
        metrics.MeanMetricWrapper("mse")


def test_mean_metric_wrapper_config_names_the_function_as_keras_does():
    pytest.importorskip("lamina.losses")
    from lamina import losses

    m = metrics.MeanMetricWrapper(losses.mean_squared_error, name="w")
    config = m.get_config()
    assert config["fn"] == {"module": "builtins", "class_name": "function",
                            "config": "mean_squared_error", "registered_name": "function"}
    clone = metrics.MeanMetricWrapper.from_config(config)
    assert clone._fn is losses.mean_squared_error


def test_mean_metric_wrapper_from_config_rejects_an_unknown_function():
    config = {"name": "w", "dtype": "float32", "fn": "no_such_function"}
    with pytest.raises(ValueError, match="no_such_function"):
        metrics.MeanMetricWrapper.from_config(config)


@pytest.mark.parametrize(
    "shapes, expected",
    [
        (((4, 1), (4,)), ((4, 1), (4, 1))),
        (((4,), (4, 1)), ((4, 1), (4, 1))),
        (((4, 3, 1), (4, 3)), ((4, 3), (4, 3))),
        (((4, 3), (4, 3)), ((4, 3), (4, 3))),
        (((4, 3), (4,)), ((4, 3), (4,))),
    ],
)
def test_squeeze_or_expand_lines_up_a_trailing_unit_axis(shapes, expected):
    a, b = squeeze_or_expand_to_same_rank(np.zeros(shapes[0]), np.zeros(shapes[1]))
    assert (tuple(a.shape), tuple(b.shape)) == expected
