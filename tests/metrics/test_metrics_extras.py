"""IoU, sensitivity/specificity and correlation metrics: NumPy references written here from
the definitions, Keras 3 as an oracle (same inputs, several weighted updates), configs,
name lookup, errors, and use inside ``compile`` / ``fit`` / ``save``."""

import inspect
import os
import warnings

import numpy as np
import pytest

import lamina
from lamina import metrics
from lamina import ops

os.environ.setdefault("KERAS_BACKEND", "torch")

# Keras 3 on torch warns about NumPy 2's __array__ protocol; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def keras3():
    return pytest.importorskip("keras")


def _run(metric, calls):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # int dtype with float weights
        for args, kwargs in calls:
            metric.update_state(*args, **kwargs)
        return np.asarray(ops.convert_to_numpy(metric.result()))


def _keras_run(keras3, class_name, kwargs, calls):
    return np.asarray(keras3.ops.convert_to_numpy(_run_keras(keras3, class_name, kwargs,
                                                             calls)))


def _run_keras(keras3, class_name, kwargs, calls):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metric = getattr(keras3.metrics, class_name)(**kwargs)
        for args, call_kwargs in calls:
            metric.update_state(*args, **call_kwargs)
        return metric.result()


@pytest.fixture(scope="module")
def inputs():
    """Small random batches for every family of metric here."""
    rng = np.random.default_rng(11)
    classes = 4
    ids_true = rng.integers(-1, classes + 1, size=(2, 3, 5))  # -1 and 4 are out of range
    ids_pred = rng.integers(0, classes, size=(2, 3, 5))
    scores = rng.random((2, 3, 5, classes)).astype("float32")
    return {
        "classes": classes,
        "ids_true": ids_true,
        "ids_pred": ids_pred,
        "onehot_true": np.eye(classes, dtype="float32")[np.clip(ids_true, 0, classes - 1)],
        "scores": scores,
        "pixel_weight": rng.random((2, 3, 5)).astype("float32"),
        "int_weight": rng.integers(0, 3, size=(2, 3, 5)),
        "binary_true": rng.integers(0, 2, size=(12, 3)).astype("float32"),
        "binary_pred": rng.random((12, 3)).astype("float32"),
        "sample_weight": rng.random(12).astype("float32"),
        "entry_weight": rng.integers(0, 3, size=(12, 3)).astype("float32"),
        "reg_true": rng.normal(size=(6, 5)).astype("float32"),
        "reg_pred": rng.normal(size=(6, 5)).astype("float32"),
    }


# -- NumPy references ------------------------------------------------------------------------


def _confusion_matrix(y_true, y_pred, weight, num_classes, ignore_class=None):
    """Weighted (true, predicted) counts; out-of-range or ignored entries are dropped."""
    matrix = np.zeros((num_classes, num_classes))
    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    weight = np.ones(y_true.shape) if weight is None else np.ravel(weight)
    for t, p, w in zip(y_true, y_pred, weight):
        if 0 <= t < num_classes and 0 <= p < num_classes and t != ignore_class:
            matrix[t, p] += w
    return matrix


def _mean_iou(matrix, class_ids):
    """Mean of tp / (tp + fp + fn) over the listed classes that occur at all."""
    ious = []
    for c in class_ids:
        union = matrix[c, :].sum() + matrix[:, c].sum() - matrix[c, c]
        if union > 0:
            ious.append(matrix[c, c] / union)
    return float(np.mean(ious)) if ious else 0.0


def _pearson(t, p):
    """Per-row Pearson correlation."""
    t = t - t.mean(-1, keepdims=True)
    p = p - p.mean(-1, keepdims=True)
    return (t * p).sum(-1) / np.sqrt((t * t).sum(-1) * (p * p).sum(-1))


@pytest.mark.parametrize("ignore_class", [None, 2])
def test_mean_iou_matches_the_numpy_reference(inputs, ignore_class):
    n = inputs["classes"]
    t, p, w = inputs["ids_true"], inputs["ids_pred"], inputs["pixel_weight"]
    matrix = (_confusion_matrix(t, p, w, n, ignore_class)
              + _confusion_matrix(t[:1], p[1:], None, n, ignore_class))
    metric = metrics.MeanIoU(n, ignore_class=ignore_class, dtype="float32")
    got = _run(metric, [((t, p), {"sample_weight": w}), ((t[:1], p[1:]), {})])
    assert got == pytest.approx(_mean_iou(matrix, range(n)), rel=1e-5)
    np.testing.assert_allclose(metric.total_cm.numpy(), matrix, rtol=1e-5)


def test_iou_of_chosen_classes_matches_the_numpy_reference(inputs):
    n = inputs["classes"]
    t, p, w = inputs["ids_true"], inputs["ids_pred"], inputs["int_weight"]
    matrix = _confusion_matrix(t, p, w, n)
    got = _run(metrics.IoU(n, target_class_ids=[3, 1]), [((t, p), {"sample_weight": w})])
    assert got == pytest.approx(_mean_iou(matrix, [3, 1]), rel=1e-6)
    assert metrics.IoU(n, [3, 1]).total_cm.dtype == "int32"  # Keras's default state dtype


def test_one_hot_mean_iou_takes_the_argmax_along_axis(inputs):
    n = inputs["classes"]
    onehot, scores = inputs["onehot_true"], inputs["scores"]
    matrix = _confusion_matrix(onehot.argmax(-1), scores.argmax(-1), None, n)
    moved = [((np.moveaxis(onehot, -1, 1), np.moveaxis(scores, -1, 1)), {})]
    got = _run(metrics.OneHotMeanIoU(n, axis=1), moved)
    assert got == pytest.approx(_mean_iou(matrix, range(n)), rel=1e-6)


def test_binary_iou_counts_scores_at_the_threshold_as_class_one():
    got = _run(metrics.BinaryIoU(target_class_ids=[1], threshold=0.5),
               [(([1, 1, 0], [0.5, 0.49, 0.7]), {})])
    assert got == pytest.approx(1 / 3, rel=1e-6)


def test_iou_is_zero_before_any_update():
    assert float(metrics.MeanIoU(3).result()) == 0.0


def test_per_sample_weight_weighs_every_pixel_of_the_sample(inputs):
    n = inputs["classes"]
    t, p = inputs["ids_true"], inputs["ids_pred"]
    per_sample = np.array([0.25, 2.0], "float32")
    per_pixel = np.broadcast_to(per_sample[:, None, None], t.shape)
    a = _run(metrics.MeanIoU(n, dtype="float32"), [((t, p), {"sample_weight": per_sample})])
    b = _run(metrics.MeanIoU(n, dtype="float32"), [((t, p), {"sample_weight": per_pixel})])
    assert a == pytest.approx(b, rel=1e-6)


def test_pearson_correlation_matches_the_numpy_reference(inputs):
    t, p, w = inputs["reg_true"], inputs["reg_pred"], inputs["sample_weight"][:6]
    np.testing.assert_allclose(ops.convert_to_numpy(metrics.pearson_correlation(t, p)),
                               _pearson(t.astype("float64"), p.astype("float64")), rtol=1e-5)
    calls = [((t, p), {"sample_weight": w}), ((t, t + p), {})]
    values = np.concatenate([_pearson(t, p), _pearson(t, t + p)])
    weights = np.concatenate([w, np.ones(6)])
    expected = np.sum(values * weights) / np.sum(weights)
    assert _run(metrics.PearsonCorrelation(), calls) == pytest.approx(expected, rel=1e-5)


def test_concordance_is_one_for_perfect_predictions(inputs):
    t = inputs["reg_true"]
    assert _run(metrics.ConcordanceCorrelation(), [((t, t), {})]) == pytest.approx(1.0, 1e-5)


# -- Keras 3 as the oracle ------------------------------------------------------------------


def _iou_calls(inputs, weight_key):
    t, p, w = inputs["ids_true"], inputs["ids_pred"], inputs[weight_key]
    # Same-shaped batches throughout: each new shape costs op compilations on JAX.
    return [((t, p), {"sample_weight": w}), ((t, p[::-1].copy()), {}),
            ((p, t), {"sample_weight": w[::-1].copy()})]


def _onehot_calls(inputs, weight_key):
    t, s, w = inputs["onehot_true"], inputs["scores"], inputs[weight_key]
    return [((t, s), {"sample_weight": w}), ((t, s[::-1].copy()), {})]


def _binary_calls(inputs):
    t, p, w = inputs["binary_true"], inputs["binary_pred"], inputs["sample_weight"]
    return [((t, p), {}), ((t, p**2), {"sample_weight": w}),
            ((t[::-1].copy(), 1.2 * p), {"sample_weight": w})]


def _binary_entry_calls(inputs):
    # Keras's IoU takes a scalar or one weight per entry (not per sample) for 2-D labels.
    t, p, w = inputs["binary_true"], inputs["binary_pred"], inputs["entry_weight"]
    return [((t, p), {"sample_weight": w}), ((t, p**2), {}),
            ((t[::-1].copy(), 1.2 * p), {"sample_weight": w[::-1].copy()})]


def _column_calls(inputs):
    # With axis=0 there is one value per column, so one weight per column.
    t, p, w = inputs["reg_true"], inputs["reg_pred"], inputs["sample_weight"][:5]
    return [((t, p), {"sample_weight": w}), ((t, t - 0.5 * p), {})]


def _regression_calls(inputs):
    t, p, w = inputs["reg_true"], inputs["reg_pred"], inputs["sample_weight"][:6]
    return [((t, p), {"sample_weight": w}), ((t, t - 0.5 * p), {}), ((p, t), {"sample_weight": w})]


_KERAS_CASES = {
    "iou": ("IoU", {"num_classes": 4, "target_class_ids": [0, 2]}, "iou_int"),
    "iou_float": ("IoU", {"num_classes": 4, "target_class_ids": [1], "dtype": "float32",
                          "ignore_class": 3}, "iou_float"),
    "mean_iou": ("MeanIoU", {"num_classes": 4}, "iou_int"),
    "mean_iou_float": ("MeanIoU", {"num_classes": 4, "dtype": "float32", "ignore_class": 0},
                       "iou_float"),
    "mean_iou_dense": ("MeanIoU", {"num_classes": 4, "sparse_y_true": False,
                                   "sparse_y_pred": False, "dtype": "float32"}, "onehot_float"),
    "one_hot_iou": ("OneHotIoU", {"num_classes": 4, "target_class_ids": [1, 3],
                                  "dtype": "float32"}, "onehot_float"),
    "one_hot_mean_iou": ("OneHotMeanIoU", {"num_classes": 4}, "onehot_int"),
    "binary_iou": ("BinaryIoU", {"dtype": "float32"}, "binary_entry"),
    "binary_iou_class_0": ("BinaryIoU", {"target_class_ids": [0], "threshold": 0.3},
                           "binary_entry"),
    "sens_at_spec": ("SensitivityAtSpecificity", {"specificity": 0.6}, "binary"),
    "sens_at_spec_one": ("SensitivityAtSpecificity", {"specificity": 0.4, "num_thresholds": 1},
                         "binary"),
    "spec_at_sens": ("SpecificityAtSensitivity", {"sensitivity": 0.7, "num_thresholds": 9},
                     "binary"),
    "spec_at_sens_class": ("SpecificityAtSensitivity", {"sensitivity": 0.5, "class_id": 2},
                           "binary"),
    "prec_at_rec": ("PrecisionAtRecall", {"recall": 0.8}, "binary"),
    "prec_at_rec_class": ("PrecisionAtRecall", {"recall": 0.3, "num_thresholds": 9,
                                                "class_id": 0}, "binary"),
    "rec_at_prec": ("RecallAtPrecision", {"precision": 0.55}, "binary"),
    "rec_at_prec_unreachable": ("RecallAtPrecision", {"precision": 1.0, "num_thresholds": 9},
                                "binary"),
    "pearson": ("PearsonCorrelation", {}, "regression"),
    "pearson_axis_0": ("PearsonCorrelation", {"axis": 0}, "columns"),
    "concordance": ("ConcordanceCorrelation", {}, "regression"),
    "concordance_axis_0": ("ConcordanceCorrelation", {"axis": 0}, "columns"),
}


def _calls_for(kind, inputs):
    return {
        "iou_int": lambda: _iou_calls(inputs, "int_weight"),
        "iou_float": lambda: _iou_calls(inputs, "pixel_weight"),
        "onehot_int": lambda: _onehot_calls(inputs, "int_weight"),
        "onehot_float": lambda: _onehot_calls(inputs, "pixel_weight"),
        "binary": lambda: _binary_calls(inputs),
        "binary_entry": lambda: _binary_entry_calls(inputs),
        "columns": lambda: _column_calls(inputs),
        "regression": lambda: _regression_calls(inputs),
    }[kind]()


@pytest.mark.parametrize("case", list(_KERAS_CASES))
def test_metric_matches_keras_over_weighted_updates(case, inputs, keras3):
    cls, kwargs, kind = _KERAS_CASES[case]
    calls = _calls_for(kind, inputs)
    got = _run(getattr(metrics, cls)(**kwargs), calls)
    want = _keras_run(keras3, cls, kwargs, calls)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", ["pearson_correlation", "concordance_correlation"])
@pytest.mark.parametrize("axis", [-1, 1])
def test_correlation_function_matches_keras(fn, axis, keras3):
    rng = np.random.default_rng(3)
    t, p = rng.normal(size=(2, 4, 3)).astype("float32"), rng.normal(size=(2, 4, 3))
    got = ops.convert_to_numpy(getattr(metrics, fn)(t, p.astype("float32"), axis=axis))
    want = keras3.ops.convert_to_numpy(getattr(keras3.metrics, fn)(t, p.astype("float32"),
                                                                   axis=axis))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", list(_KERAS_CASES))
def test_config_matches_keras_and_round_trips(case, keras3):
    cls, kwargs, _ = _KERAS_CASES[case]
    ours = getattr(metrics, cls)(name="m", **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(keras3.metrics, cls)(name="m", **kwargs).get_config()
    assert ours.get_config() == theirs
    clone = type(ours).from_config(ours.get_config())
    assert clone.get_config() == ours.get_config()


_NEW_NAMES = ["BinaryIoU", "ConcordanceCorrelation", "IoU", "MeanIoU", "OneHotIoU",
              "OneHotMeanIoU", "PearsonCorrelation", "PrecisionAtRecall", "RecallAtPrecision",
              "SensitivityAtSpecificity", "SpecificityAtSensitivity", "concordance_correlation",
              "pearson_correlation"]


@pytest.mark.parametrize("name", _NEW_NAMES)
def test_signature_matches_keras(name, keras3):
    ours = inspect.signature(getattr(metrics, name))
    theirs = inspect.signature(getattr(keras3.metrics, name))
    assert [(p.name, p.default) for p in ours.parameters.values()] == [
        (p.name, p.default) for p in theirs.parameters.values()]


@pytest.mark.parametrize("cls", ["IoU", "MeanIoU", "SensitivityAtSpecificity"])
def test_variables_are_named_and_ordered_as_in_keras(cls, keras3):
    kwargs = {"IoU": {"num_classes": 3, "target_class_ids": [0]},
              "MeanIoU": {"num_classes": 3}, "SensitivityAtSpecificity": {"specificity": 0.5}}[cls]
    ours = [(v.name, tuple(v.shape)) for v in getattr(metrics, cls)(**kwargs).variables]
    theirs = [(v.name, tuple(v.shape)) for v in getattr(keras3.metrics, cls)(**kwargs).variables]
    assert ours == theirs


@pytest.mark.parametrize("num_thresholds, expected", [(1, [0.5]), (2, [0.0, 1.0]),
                                                     (5, [0.0, 0.25, 0.5, 0.75, 1.0])])
def test_thresholds_span_zero_to_one_as_in_keras(num_thresholds, expected):
    metric = metrics.PrecisionAtRecall(0.5, num_thresholds=num_thresholds)
    assert metric.thresholds == expected


def test_a_score_above_one_is_negative_at_the_last_threshold():
    # Keras clips scores to [0, 1] on the even grid, so 1.5 does not pass threshold 1.0.
    metric = metrics.SpecificityAtSensitivity(1.0, num_thresholds=3)
    metric.update_state([1.0, 0.0], [1.5, 0.2])
    np.testing.assert_array_equal(metric.true_positives.numpy(), [1.0, 1.0, 0.0])


def test_reset_state_clears_the_confusion_matrix(inputs):
    metric = metrics.MeanIoU(inputs["classes"])
    _run(metric, _iou_calls(inputs, "int_weight"))
    metric.reset_state()
    assert not np.any(metric.total_cm.numpy())
    assert float(metric.result()) == 0.0


# -- name lookup, serialization, errors -------------------------------------------------------


@pytest.mark.parametrize(
    "identifier, cls",
    [("pearson_correlation", "PearsonCorrelation"),
     ("concordance_correlation", "ConcordanceCorrelation"),
     ("ConcordanceCorrelation", "ConcordanceCorrelation"),
     ("binary_io_u", "BinaryIoU"), ("BinaryIoU", "BinaryIoU")],
)
def test_get_resolves_keras_names(identifier, cls):
    assert type(metrics.get(identifier)).__name__ == cls


@pytest.mark.parametrize("identifier, argument", [("mean_io_u", "num_classes"),
                                                  ("IoU", "num_classes, target_class_ids"),
                                                  ("precision_at_recall", "recall")])
def test_get_of_a_metric_needing_arguments_says_which(identifier, argument):
    with pytest.raises(TypeError, match=f"needs the argument\\(s\\) {argument}.*Pass an instance"):
        metrics.get(identifier)


def test_serialize_and_deserialize_round_trip():
    for metric in (metrics.OneHotIoU(3, [0, 2], ignore_class=1, name="o"),
                   metrics.RecallAtPrecision(0.7, num_thresholds=50, class_id=1),
                   metrics.PearsonCorrelation(axis=0)):
        clone = metrics.deserialize(metrics.serialize(metric))
        assert type(clone) is type(metric)
        assert clone.get_config() == metric.get_config()
    fn = metrics.deserialize(metrics.serialize(metrics.concordance_correlation))
    assert fn is metrics.concordance_correlation


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: metrics.IoU(3, target_class_ids=[0, 3]), ValueError,
         r"target class id 3 is out of range, which is \[0, 3\)"),
        (lambda: metrics.IoU(3, target_class_ids=[]), ValueError,
         "`target_class_ids` must be a non-empty list"),
        (lambda: metrics.MeanIoU(0), ValueError, "`num_classes` must be a positive integer"),
        (lambda: metrics.BinaryIoU(target_class_ids=[2]), ValueError, "out of range"),
        (lambda: metrics.PrecisionAtRecall(1.5), ValueError,
         r"`recall` must be a number in the range \[0, 1\], got recall=1.5"),
        (lambda: metrics.SpecificityAtSensitivity(-0.1), ValueError, "`sensitivity`"),
        (lambda: metrics.SensitivityAtSpecificity(0.5, num_thresholds=0), ValueError,
         "`num_thresholds` must be an integer > 0"),
        (lambda: metrics.RecallAtPrecision(0.5, class_id=-1), ValueError,
         "`class_id` must be None or an integer >= 0"),
    ],
)
def test_bad_arguments_raise_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_iou_rejects_mismatched_label_counts():
    with pytest.raises(ValueError, match="same number of class ids.*sparse_y_pred=False"):
        metrics.MeanIoU(3).update_state([0, 1, 2], np.full((3, 3), 0.3))


def test_iou_rejects_a_weight_that_does_not_fit():
    with pytest.raises(ValueError, match=r"`sample_weight` of shape \(2,\) does not fit"):
        metrics.MeanIoU(3).update_state([0, 1, 2], [0, 1, 1], sample_weight=[1, 2])


def test_float_weights_on_an_int_metric_warn_that_they_are_truncated():
    metric = metrics.MeanIoU(2)
    with pytest.warns(UserWarning, match="truncated to an integer.*dtype='float32'"):
        metric.update_state([0, 1], [0, 1], sample_weight=np.array([0.3, 0.9]))
    assert float(metric.result()) == 0.0  # both weights truncated to 0, as in Keras


# -- inside a model ---------------------------------------------------------------------------


def _frozen_sgd():
    # A zero learning rate keeps the weights fixed, so the metrics logged by `fit` can be
    # checked against the same metrics computed directly on the model's outputs.
    return lamina.optimizers.SGD(learning_rate=0.0)


def test_iou_metrics_inside_fit_match_direct_use_and_survive_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 4)).astype("float32")
    y = rng.integers(0, 3, 24)
    weights = rng.random(24).astype("float32")
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(3, activation="softmax")])
    model.compile(
        optimizer=_frozen_sgd(),
        loss="sparse_categorical_crossentropy",
        metrics=[metrics.MeanIoU(3, sparse_y_pred=False, name="mean_io_u"),
                 metrics.IoU(3, [1], sparse_y_pred=False, name="iou_1")],
        weighted_metrics=[metrics.MeanIoU(3, sparse_y_pred=False, dtype="float32",
                                          name="weighted_iou")],
    )
    logs = model.fit(x, y, sample_weight=weights, epochs=1, batch_size=8, shuffle=False,
                     verbose=0).history
    labels = ops.convert_to_numpy(model(x)).argmax(-1)
    matrix = _confusion_matrix(y, labels, None, 3)
    assert logs["mean_io_u"][0] == pytest.approx(_mean_iou(matrix, range(3)), rel=1e-5)
    assert logs["iou_1"][0] == pytest.approx(_mean_iou(matrix, [1]), rel=1e-5)
    weighted = _mean_iou(_confusion_matrix(y, labels, weights, 3), range(3))
    assert logs["weighted_iou"][0] == pytest.approx(weighted, rel=1e-5)
    path = tmp_path / "iou.keras"
    model.save(path)
    loaded = lamina.models.load_model(path)
    again = loaded.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    for name in ("mean_io_u", "iou_1"):
        assert again[name] == pytest.approx(logs[name][0], rel=1e-5)


def test_binary_and_correlation_metrics_inside_fit_match_direct_use():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 3)).astype("float32")
    first = (rng.random(16) > 0.5).astype("float32")
    # Rows differ within themselves, so each row's Pearson correlation is defined.
    y = np.stack([first, 1.0 - first], axis=1)
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2, activation="sigmoid")])
    model.compile(optimizer=_frozen_sgd(), loss="binary_crossentropy",
                  metrics=["pearson_correlation", "concordance_correlation",
                           metrics.BinaryIoU(name="biou"),
                           metrics.PrecisionAtRecall(0.5, num_thresholds=9, name="p_at_r"),
                           metrics.SpecificityAtSensitivity(0.4, class_id=1, name="s_at_s")])
    logs = model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0).history
    probs = ops.convert_to_numpy(model(x))
    for metric, name in ((metrics.BinaryIoU(), "biou"),
                         (metrics.PrecisionAtRecall(0.5, num_thresholds=9), "p_at_r"),
                         (metrics.SpecificityAtSensitivity(0.4, class_id=1), "s_at_s"),
                         (metrics.PearsonCorrelation(), "pearson_correlation"),
                         (metrics.ConcordanceCorrelation(), "concordance_correlation")):
        direct = _run(metric, [((y[:8], probs[:8]), {}), ((y[8:], probs[8:]), {})])
        assert logs[name][0] == pytest.approx(float(direct), rel=1e-5, abs=1e-6)
