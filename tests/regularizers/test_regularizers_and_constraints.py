"""lamina.regularizers and lamina.constraints against NumPy formulas and Keras 3, plus the
penalty a regularized layer adds to ``model.losses``."""

import numpy as np
import pytest

import lamina
from lamina import constraints
from lamina import layers
from lamina import ops
from lamina import regularizers

EPSILON = 1e-7  # Keras's backend epsilon, added to norms before dividing
RNG = np.random.default_rng(0)
W = RNG.normal(size=(4, 3)).astype("float32")
W_CONV = RNG.normal(size=(2, 2, 3, 4)).astype("float32")


def _np(x):
    return ops.convert_to_numpy(x)


def _keras():
    return pytest.importorskip("keras")


# -- regularizer values ------------------------------------------------------------------------
def test_l1_is_factor_times_sum_of_absolute_values():
    np.testing.assert_allclose(_np(regularizers.L1(0.3)(W)), 0.3 * np.abs(W).sum(), rtol=1e-6)


def test_l2_is_factor_times_sum_of_squares():
    np.testing.assert_allclose(_np(regularizers.L2(0.2)(W)), 0.2 * np.square(W).sum(),
                               rtol=1e-6)


def test_l1l2_adds_both_penalties():
    expected = 0.3 * np.abs(W).sum() + 0.2 * np.square(W).sum()
    np.testing.assert_allclose(_np(regularizers.L1L2(l1=0.3, l2=0.2)(W)), expected, rtol=1e-6)


def test_l1_and_l2_default_factor_is_001():
    assert regularizers.L1().l1 == pytest.approx(0.01)
    assert regularizers.L2().l2 == pytest.approx(0.01)


def test_l1l2_defaults_give_zero_penalty():
    assert float(_np(regularizers.L1L2()(W))) == 0.0


def test_l1_l2_is_the_l1l2_class_like_keras_3():
    assert regularizers.l1_l2 is regularizers.L1L2
    assert regularizers.l1_l2(l1=0.1).get_config() == {"l1": 0.1, "l2": 0.0}


def test_regularizer_accepts_a_variable():
    variable = lamina.Variable(W)
    np.testing.assert_allclose(_np(regularizers.L2(0.5)(variable)), 0.5 * np.square(W).sum(),
                               rtol=1e-6)


def _orthogonal_penalty(x, factor, mode):
    x = x.astype("float64")
    if mode == "columns":
        x = x.T
    normed = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), EPSILON)
    product = normed @ normed.T
    size = product.shape[0]
    off_diagonal = product * (1.0 - np.eye(size))
    return factor * np.abs(off_diagonal).sum() / (size * (size - 1))


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_matches_formula(mode):
    result = _np(regularizers.OrthogonalRegularizer(factor=0.5, mode=mode)(W))
    np.testing.assert_allclose(result, _orthogonal_penalty(W, 0.5, mode), rtol=1e-5)


def test_orthogonal_regularizer_is_zero_for_orthogonal_rows():
    rows = np.array([[2.0, 0.0, 0.0], [0.0, 0.0, -3.0]], dtype="float32")
    assert float(_np(regularizers.OrthogonalRegularizer(1.0)(rows))) == pytest.approx(0.0,
                                                                                     abs=1e-7)


def test_orthogonal_regularizer_rejects_non_2d_weight():
    with pytest.raises(ValueError, match="needs a 2-D weight"):
        regularizers.OrthogonalRegularizer()(W_CONV)


def test_orthogonal_regularizer_rejects_unknown_mode():
    with pytest.raises(ValueError, match="`mode` must be 'rows' or 'columns', got 'diag'"):
        regularizers.OrthogonalRegularizer(mode="diag")


@pytest.mark.parametrize("make", [
    lambda: regularizers.L1(-0.1),
    lambda: regularizers.L2(-0.1),
    lambda: regularizers.L1L2(l1=-0.1),
    lambda: regularizers.L1L2(l2=-0.1),
    lambda: regularizers.OrthogonalRegularizer(factor=-0.1),
], ids=["L1", "L2", "L1L2-l1", "L1L2-l2", "Orthogonal"])
def test_negative_factor_is_rejected(make):
    with pytest.raises(ValueError, match="must be a non-negative number, got -0.1"):
        make()


def test_nan_factor_is_rejected():
    with pytest.raises(ValueError, match="`l2` must be a non-negative number, got nan"):
        regularizers.L2(float("nan"))


# -- regularizers vs Keras 3 -------------------------------------------------------------------
REGULARIZER_CASES = [
    ("L1", {"l1": 0.3}),
    ("L2", {"l2": 0.2}),
    ("L1L2", {"l1": 0.3, "l2": 0.2}),
    ("OrthogonalRegularizer", {"factor": 0.5, "mode": "rows"}),
    ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"}),
]
REGULARIZER_IDS = [f"{n}-{o}" for n, o in REGULARIZER_CASES]


@pytest.mark.parametrize("name,options", REGULARIZER_CASES, ids=REGULARIZER_IDS)
def test_regularizer_value_matches_keras(name, options):
    keras = _keras()
    # A tensor, not a NumPy array: Keras's NumPy path of `normalize` turns axis 0 into -1.
    penalty = getattr(keras.regularizers, name)(**options)(keras.ops.convert_to_tensor(W))
    expected = keras.ops.convert_to_numpy(penalty)
    np.testing.assert_allclose(_np(getattr(regularizers, name)(**options)(W)), expected,
                               rtol=1e-5)


@pytest.mark.parametrize("name", ["L1", "L2", "L1L2", "OrthogonalRegularizer"])
def test_regularizer_default_config_matches_keras(name):
    keras = _keras()
    ours = getattr(regularizers, name)().get_config()
    theirs = getattr(keras.regularizers, name)().get_config()
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        # Keras stores factors rounded to float32 (0.009999999776...); compare as floats.
        assert ours[key] == (pytest.approx(value) if isinstance(value, float) else value)


@pytest.mark.parametrize("name,options", REGULARIZER_CASES, ids=REGULARIZER_IDS)
def test_regularizer_deserializes_keras_serialized_dict(name, options):
    keras = _keras()
    config = keras.regularizers.serialize(getattr(keras.regularizers, name)(**options))
    restored = regularizers.deserialize(config)
    assert type(restored) is getattr(regularizers, name)
    np.testing.assert_allclose(_np(restored(W)), _np(getattr(regularizers, name)(**options)(W)),
                               rtol=1e-6)


# -- regularizer get / config ------------------------------------------------------------------
@pytest.mark.parametrize("name,cls", [
    ("l1", "L1"), ("l2", "L2"), ("l1_l2", "L1L2"), ("L1L2", "L1L2"),
    ("orthogonal_regularizer", "OrthogonalRegularizer"),
])
def test_regularizer_get_by_name(name, cls):
    assert type(regularizers.get(name)) is getattr(regularizers, cls)


def test_regularizer_get_passes_instance_and_callable_through():
    instance = regularizers.L2(0.5)

    def custom(x):
        return ops.sum(x)

    assert regularizers.get(instance) is instance
    assert regularizers.get(custom) is custom
    assert regularizers.get(None) is None


def test_regularizer_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown regularizer: 'l3'") as info:
        regularizers.get("l3")
    for name in ("l1", "l2", "l1_l2", "OrthogonalRegularizer"):
        assert name in str(info.value)


@pytest.mark.parametrize("name,options", REGULARIZER_CASES, ids=REGULARIZER_IDS)
def test_regularizer_config_round_trip(name, options):
    original = getattr(regularizers, name)(**options)
    restored = regularizers.deserialize(regularizers.serialize(original))
    assert type(restored) is type(original)
    assert restored.get_config() == original.get_config()


def test_regularizer_serialize_uses_keras_layout():
    assert regularizers.serialize(regularizers.L2(0.1)) == {
        "module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.1},
        "registered_name": None,
    }


# -- regularizers through a layer --------------------------------------------------------------
def _dense_model(regularizer):
    model = lamina.Sequential([
        lamina.Input((4,)),
        layers.Dense(3, kernel_initializer="ones", kernel_regularizer=regularizer),
    ])
    return model


def test_dense_kernel_l2_penalty_appears_in_model_losses():
    model = _dense_model(regularizers.L2(0.1))
    kernel = model.layers[-1].kernel.numpy()
    assert len(model.losses) == 1
    np.testing.assert_allclose(_np(model.losses[0]), 0.1 * np.square(kernel).sum(), rtol=1e-6)
    np.testing.assert_allclose(_np(model.losses[0]), 1.2, rtol=1e-6)


def test_dense_kernel_penalty_appears_in_layer_losses():
    model = _dense_model(regularizers.L1(0.5))
    np.testing.assert_allclose(_np(model.layers[-1].losses[0]), 0.5 * 12, rtol=1e-6)


def test_dense_string_regularizer_uses_default_factor():
    model = _dense_model("l2")
    np.testing.assert_allclose(_np(model.losses[0]), 0.01 * 12, rtol=1e-6)


def test_dense_penalty_follows_assigned_weights():
    model = _dense_model(regularizers.L2(0.1))
    model.layers[-1].kernel.assign(np.full((4, 3), 2.0, dtype="float32"))
    np.testing.assert_allclose(_np(model.losses[0]), 0.1 * 4.0 * 12, rtol=1e-6)


# -- constraints -------------------------------------------------------------------------------
def _norms(w, axis):
    return np.sqrt(np.square(w.astype("float64")).sum(axis=axis, keepdims=True))


def _max_norm(w, max_value, axis):
    norms = _norms(w, axis)
    return w * np.clip(norms, 0, max_value) / (EPSILON + norms)


def _min_max_norm(w, min_value, max_value, rate, axis):
    norms = _norms(w, axis)
    desired = rate * np.clip(norms, min_value, max_value) + (1 - rate) * norms
    return w * desired / (EPSILON + norms)


def _unit_norm(w, axis):
    return w / (EPSILON + _norms(w, axis))


@pytest.mark.parametrize("axis", [0, 1])
def test_max_norm_matches_formula(axis):
    result = _np(constraints.MaxNorm(max_value=1.5, axis=axis)(W))
    np.testing.assert_allclose(result, _max_norm(W, 1.5, axis), rtol=1e-5, atol=1e-6)


def test_max_norm_caps_conv_kernel_filters_over_several_axes():
    result = _np(constraints.MaxNorm(max_value=1.0, axis=[0, 1, 2])(W_CONV))
    np.testing.assert_allclose(result, _max_norm(W_CONV, 1.0, (0, 1, 2)), rtol=1e-5,
                               atol=1e-6)
    assert np.all(_norms(result, (0, 1, 2)) <= 1.0 + 1e-5)


def test_max_norm_keeps_small_columns():
    small = (W / 100.0).astype("float32")
    np.testing.assert_allclose(_np(constraints.MaxNorm(2.0)(small)), small, rtol=1e-5)


@pytest.mark.parametrize("rate", [1.0, 0.5])
@pytest.mark.parametrize("axis", [0, 1])
def test_min_max_norm_matches_formula(rate, axis):
    result = _np(constraints.MinMaxNorm(min_value=1.8, max_value=2.2, rate=rate,
                                        axis=axis)(W))
    np.testing.assert_allclose(result, _min_max_norm(W, 1.8, 2.2, rate, axis), rtol=1e-5,
                               atol=1e-6)


def test_min_max_norm_full_rate_puts_norms_in_range():
    result = _np(constraints.MinMaxNorm(min_value=1.8, max_value=2.2)(W))
    norms = _norms(result, 0)
    assert np.all(norms >= 1.8 - 1e-5) and np.all(norms <= 2.2 + 1e-5)


@pytest.mark.parametrize("axis", [0, 1, [0, 1, 2]])
def test_unit_norm_matches_formula(axis):
    w = W_CONV if isinstance(axis, list) else W
    result = _np(constraints.UnitNorm(axis=axis)(w))
    np.testing.assert_allclose(result, _unit_norm(w, tuple(np.atleast_1d(axis))), rtol=1e-5,
                               atol=1e-6)


def test_unit_norm_gives_unit_columns():
    np.testing.assert_allclose(_norms(_np(constraints.UnitNorm()(W)), 0), np.ones((1, 3)),
                               rtol=1e-5)


def test_non_neg_zeroes_negative_weights():
    np.testing.assert_array_equal(_np(constraints.NonNeg()(W)), np.where(W >= 0, W, 0.0))


def test_constraint_accepts_a_variable():
    variable = lamina.Variable(W)
    np.testing.assert_allclose(_np(constraints.UnitNorm()(variable)), _unit_norm(W, 0),
                               rtol=1e-5)


# -- constraints vs Keras 3 --------------------------------------------------------------------
CONSTRAINT_CASES = [
    ("MaxNorm", {"max_value": 1.5, "axis": 0}),
    ("MaxNorm", {"max_value": 1.0, "axis": [0, 1, 2]}),
    ("MinMaxNorm", {"min_value": 1.8, "max_value": 2.2, "rate": 0.5, "axis": 1}),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 1.0, "axis": [0, 1, 2]}),
    ("UnitNorm", {"axis": 1}),
    ("UnitNorm", {"axis": [0, 1, 2]}),
    ("NonNeg", {}),
]
CONSTRAINT_IDS = [f"{n}-{o}" for n, o in CONSTRAINT_CASES]


def _weight_for(options):
    return W_CONV if isinstance(options.get("axis"), list) else W


@pytest.mark.parametrize("name,options", CONSTRAINT_CASES, ids=CONSTRAINT_IDS)
def test_constraint_matches_keras(name, options):
    keras = _keras()
    w = _weight_for(options)
    expected = keras.ops.convert_to_numpy(getattr(keras.constraints, name)(**options)(w))
    np.testing.assert_allclose(_np(getattr(constraints, name)(**options)(w)), expected,
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"])
def test_constraint_default_config_matches_keras(name):
    keras = _keras()
    assert getattr(constraints, name)().get_config() == getattr(
        keras.constraints, name)().get_config()


@pytest.mark.parametrize("name,options", CONSTRAINT_CASES, ids=CONSTRAINT_IDS)
def test_constraint_deserializes_keras_serialized_dict(name, options):
    keras = _keras()
    config = keras.constraints.serialize(getattr(keras.constraints, name)(**options))
    restored = constraints.deserialize(config)
    assert type(restored) is getattr(constraints, name)
    assert restored.get_config() == config["config"]


# -- constraint get / config -------------------------------------------------------------------
@pytest.mark.parametrize("name,cls", [
    ("max_norm", "MaxNorm"), ("min_max_norm", "MinMaxNorm"), ("non_neg", "NonNeg"),
    ("unit_norm", "UnitNorm"), ("MaxNorm", "MaxNorm"),
])
def test_constraint_get_by_name(name, cls):
    assert type(constraints.get(name)) is getattr(constraints, cls)


def test_constraint_get_passes_instance_through():
    instance = constraints.MaxNorm(3.0)
    assert constraints.get(instance) is instance
    assert constraints.get(None) is None


def test_constraint_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown constraint: 'maxnorm'") as info:
        constraints.get("maxnorm")
    for name in ("max_norm", "non_neg", "UnitNorm"):
        assert name in str(info.value)


@pytest.mark.parametrize("name,options", CONSTRAINT_CASES, ids=CONSTRAINT_IDS)
def test_constraint_config_round_trip(name, options):
    original = getattr(constraints, name)(**options)
    restored = constraints.deserialize(constraints.serialize(original))
    assert type(restored) is type(original)
    assert restored.get_config() == original.get_config()
