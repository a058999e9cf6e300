"""lamina.activations against NumPy references written from each formula, and against Keras 3."""

import inspect
import math

import numpy as np
import pytest

import lamina
from lamina import activations
from lamina import ops

# Negative, zero, small and large inputs, plus values either side of the kinks at -3 / 3 / 6.
X = np.array(
    [-30.0, -6.5, -3.0, -2.5, -1.0, -0.3, 0.0, 0.2, 1.0, 2.5, 3.0, 6.0, 7.5, 30.0],
    dtype="float32",
)
# exp overflows float32 past ~88: keep `exponential` inputs moderate.
X_EXP = np.array([-20.0, -3.0, -1.0, 0.0, 0.5, 1.0, 3.0, 20.0], dtype="float32")
X_2D = np.array(
    [[-2.0, 0.0, 1.0, 3.0], [100.0, 101.0, 99.0, -100.0], [0.0, 0.0, 0.0, 0.0]],
    dtype="float32",
)

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def _np(x):
    return ops.convert_to_numpy(x)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x):
    # log(1 + exp(x)) written to stay finite for large |x|.
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _erf(x):
    return np.vectorize(math.erf)(x)


def _relu6(x):
    return np.minimum(np.maximum(x, 0.0), 6.0)


def _softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


REFERENCES = {
    "relu": lambda x: np.maximum(x, 0.0),
    "relu6": _relu6,
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "gelu": lambda x: 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0))),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "sigmoid": _sigmoid,
    "hard_sigmoid": lambda x: _relu6(x + 3.0) / 6.0,
    "hard_silu": lambda x: x * _relu6(x + 3.0) / 6.0,
    "hard_swish": lambda x: x * _relu6(x + 3.0) / 6.0,
    "softplus": _softplus,
    "softsign": lambda x: x / (np.abs(x) + 1.0),
    "tanh": np.tanh,
    "linear": lambda x: x,
}
ELEMENTWISE = sorted(REFERENCES)
ALL_NAMES = sorted(ELEMENTWISE + ["exponential", "log_softmax", "softmax"])


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_activation_matches_numpy_formula(name):
    result = _np(getattr(activations, name)(X))
    expected = REFERENCES[name](X.astype("float64"))
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-6)


def test_exponential_matches_numpy_exp():
    np.testing.assert_allclose(_np(activations.exponential(X_EXP)),
                               np.exp(X_EXP.astype("float64")), rtol=1e-6)


@pytest.mark.parametrize("name", ELEMENTWISE + ["exponential"])
def test_elementwise_activation_keeps_float32_dtype(name):
    x = X_EXP if name == "exponential" else X
    assert _np(getattr(activations, name)(ops.convert_to_tensor(x))).dtype == np.float32


def test_gelu_tanh_approximation_matches_formula():
    x = X.astype("float64")
    inner = np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)
    expected = 0.5 * x * (1.0 + np.tanh(inner))
    np.testing.assert_allclose(_np(activations.gelu(X, approximate=True)), expected,
                               rtol=1e-6, atol=1e-6)


def test_gelu_exact_differs_from_approximation():
    x = np.array([-1.5, 1.5], dtype="float32")
    exact = _np(activations.gelu(x))
    approx = _np(activations.gelu(x, approximate=True))
    assert not np.allclose(exact, approx, rtol=0, atol=1e-5)


@pytest.mark.parametrize("slope", [0.01, 0.5])
def test_leaky_relu_uses_negative_slope(slope):
    expected = np.where(X >= 0, X, slope * X)
    np.testing.assert_allclose(_np(activations.leaky_relu(X, negative_slope=slope)), expected,
                               rtol=1e-6, atol=1e-7)


def test_elu_uses_alpha():
    expected = np.where(X > 0, X, 0.5 * np.expm1(X.astype("float64")))
    np.testing.assert_allclose(_np(activations.elu(X, alpha=0.5)), expected, rtol=1e-6,
                               atol=1e-7)


def _relu_reference(x, negative_slope=0.0, max_value=None, threshold=0.0):
    # Keras: x where x > threshold, negative_slope * (x - threshold) otherwise, then capped
    # at max_value. (At x == threshold both branches give 0 when threshold is 0.)
    out = np.where(x > threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        out = np.minimum(out, max_value)
    return out


RELU_OPTIONS = [
    {"negative_slope": 0.1},
    {"max_value": 2.0},
    {"threshold": 1.0},
    {"threshold": -1.0},
    {"negative_slope": 0.5, "threshold": 1.0},
    {"negative_slope": 0.5, "max_value": 2.0, "threshold": 1.0},
    {"negative_slope": 0.1, "max_value": 0.5, "threshold": 1.0},
]


@pytest.mark.parametrize("options", RELU_OPTIONS, ids=[str(o) for o in RELU_OPTIONS])
def test_relu_options_match_formula(options):
    np.testing.assert_allclose(_np(activations.relu(X, **options)),
                               _relu_reference(X, **options), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_matches_numpy_along_axis(axis):
    result = _np(activations.softmax(X_2D, axis=axis))
    np.testing.assert_allclose(result, _softmax(X_2D.astype("float64"), axis=axis),
                               rtol=1e-6, atol=1e-7)


def test_softmax_rows_sum_to_one():
    np.testing.assert_allclose(_np(activations.softmax(X_2D)).sum(axis=-1), np.ones(3),
                               rtol=1e-6)


@pytest.mark.parametrize("axis", [-1, 0])
def test_log_softmax_matches_numpy_along_axis(axis):
    result = _np(activations.log_softmax(X_2D, axis=axis))
    np.testing.assert_allclose(result, _log_softmax(X_2D.astype("float64"), axis=axis),
                               rtol=1e-6, atol=1e-5)


def test_log_softmax_is_finite_for_large_logits():
    assert np.all(np.isfinite(_np(activations.log_softmax(X_2D))))


def test_linear_returns_input_unchanged():
    tensor = ops.convert_to_tensor(X)
    assert activations.linear(tensor) is tensor


def test_swish_and_hard_swish_are_aliases():
    assert activations.swish is activations.silu
    assert activations.hard_swish is activations.hard_silu


# -- Keras 3 parity ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL_NAMES)
def test_activation_signature_matches_keras(name):
    keras = pytest.importorskip("keras")
    ours = inspect.signature(getattr(activations, name))
    theirs = inspect.signature(getattr(keras.activations, name))
    assert [(p.name, p.default) for p in ours.parameters.values()] == [
        (p.name, p.default) for p in theirs.parameters.values()
    ]


@pytest.mark.parametrize("name", ELEMENTWISE + ["exponential"])
def test_activation_matches_keras(name):
    keras = pytest.importorskip("keras")
    x = X_EXP if name == "exponential" else X
    expected = keras.ops.convert_to_numpy(getattr(keras.activations, name)(x))
    np.testing.assert_allclose(_np(getattr(activations, name)(x)), expected, rtol=1e-6,
                               atol=1e-6)


KERAS_CASES = [
    ("relu", {"negative_slope": 0.5, "max_value": 2.0, "threshold": 1.0}),
    ("relu", {"threshold": -1.0}),
    ("relu", {"max_value": 3.5}),
    ("leaky_relu", {"negative_slope": 0.3}),
    ("elu", {"alpha": 0.7}),
    ("gelu", {"approximate": True}),
    ("softmax", {"axis": 0}),
    ("softmax", {}),
    ("log_softmax", {"axis": 0}),
    ("log_softmax", {}),
]


@pytest.mark.parametrize("name,options", KERAS_CASES,
                         ids=[f"{n}-{o}" for n, o in KERAS_CASES])
def test_activation_with_options_matches_keras(name, options):
    keras = pytest.importorskip("keras")
    x = X_2D if name in ("softmax", "log_softmax") else X
    expected = keras.ops.convert_to_numpy(getattr(keras.activations, name)(x, **options))
    np.testing.assert_allclose(_np(getattr(activations, name)(x, **options)), expected,
                               rtol=1e-6, atol=1e-6)


# -- get / serialize / deserialize -------------------------------------------------------------
@pytest.mark.parametrize("name", ALL_NAMES)
def test_get_by_name_returns_the_function(name):
    assert activations.get(name) is getattr(activations, name)


def test_get_passes_a_callable_through():
    def custom(x):
        return x * 2

    assert activations.get(custom) is custom


def test_get_none_returns_linear():
    assert activations.get(None) is activations.linear


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown activation: 'relux'") as info:
        activations.get("relux")
    for name in ("relu", "gelu", "softmax", "swish"):
        assert name in str(info.value)


def test_get_non_callable_raises_value_error():
    with pytest.raises(ValueError, match="Could not interpret activation identifier: 42"):
        activations.get(42)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_serialize_deserialize_round_trip(name):
    fn = getattr(activations, name)
    assert activations.deserialize(activations.serialize(fn)) is fn


@pytest.mark.parametrize("name", ALL_NAMES)
def test_serialize_matches_keras(name):
    keras = pytest.importorskip("keras")
    fn = getattr(activations, name)
    assert activations.serialize(fn) == keras.activations.serialize(
        getattr(keras.activations, name))


def test_deserialize_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Valid activations are: .*relu"):
        activations.deserialize("not_an_activation")


def test_activations_module_is_reachable_from_lamina():
    assert lamina.activations.relu is activations.relu
