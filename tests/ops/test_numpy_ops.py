"""lamina.ops against NumPy, on the active backend."""

import numpy as np
import pytest

from lamina import ops

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 4)).astype("float32")
B = RNG.normal(size=(3, 4)).astype("float32")
POS = np.abs(A) + 0.5

UNARY = [
    ("abs", np.abs, A), ("negative", np.negative, A), ("square", np.square, A),
    ("sqrt", np.sqrt, POS), ("exp", np.exp, A), ("log", np.log, POS),
    ("log1p", np.log1p, POS), ("expm1", np.expm1, A), ("tanh", np.tanh, A),
    ("sin", np.sin, A), ("cos", np.cos, A), ("floor", np.floor, A), ("ceil", np.ceil, A),
    ("sign", np.sign, A), ("reciprocal", np.reciprocal, POS), ("log2", np.log2, POS),
]


@pytest.mark.parametrize("name,reference,x", UNARY, ids=[u[0] for u in UNARY])
def test_unary_op_matches_numpy(name, reference, x):
    result = ops.convert_to_numpy(getattr(ops, name)(x))
    np.testing.assert_allclose(result, reference(x), rtol=1e-5, atol=1e-6)


BINARY = [
    ("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply),
    ("divide", np.divide), ("maximum", np.maximum), ("minimum", np.minimum),
    ("power", lambda a, b: np.power(np.abs(a), b)),
]


@pytest.mark.parametrize("name,reference", BINARY, ids=[b[0] for b in BINARY])
def test_binary_op_matches_numpy(name, reference):
    a = np.abs(A) if name == "power" else A
    result = ops.convert_to_numpy(getattr(ops, name)(a, B))
    np.testing.assert_allclose(result, reference(a, B), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var", "std", "prod"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_matches_numpy(name, axis, keepdims):
    result = ops.convert_to_numpy(getattr(ops, name)(A, axis=axis, keepdims=keepdims))
    expected = getattr(np, name)(A, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)


def test_python_scalar_keeps_tensor_dtype():
    x = ops.convert_to_tensor(np.ones((2,), dtype="float32"))
    assert ops.dtype(ops.add(x, 1)) == "float32"
    assert ops.dtype(ops.multiply(2.5, x)) == "float32"


def test_shape_ops_match_numpy():
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.transpose(A)), A.T)
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.reshape(A, (4, 3))), A.reshape(4, 3))
    np.testing.assert_array_equal(
        ops.convert_to_numpy(ops.concatenate([A, B], axis=1)), np.concatenate([A, B], 1))
    np.testing.assert_array_equal(
        ops.convert_to_numpy(ops.stack([A, B], axis=0)), np.stack([A, B]))
    np.testing.assert_array_equal(
        ops.convert_to_numpy(ops.expand_dims(A, 1)), np.expand_dims(A, 1))
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.argmax(A, axis=1)), A.argmax(1))
    np.testing.assert_array_equal(
        ops.convert_to_numpy(ops.take(A, [2, 0], axis=1)), np.take(A, [2, 0], axis=1))
    np.testing.assert_array_equal(
        ops.convert_to_numpy(ops.where(A > 0, A, B)), np.where(A > 0, A, B))


def test_matmul_and_einsum_match_numpy():
    np.testing.assert_allclose(ops.convert_to_numpy(ops.matmul(A, B.T)), A @ B.T, rtol=1e-5)
    np.testing.assert_allclose(
        ops.convert_to_numpy(ops.einsum("ij,kj->ik", A, B)), A @ B.T, rtol=1e-5)


def test_softmax_and_log_softmax_match_numpy():
    e = np.exp(A - A.max(axis=-1, keepdims=True))
    soft = e / e.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(ops.convert_to_numpy(ops.softmax(A)), soft, rtol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(ops.log_softmax(A)), np.log(soft),
                               rtol=1e-5, atol=1e-6)


def test_one_hot_gives_zero_rows_for_out_of_range_ids():
    result = ops.convert_to_numpy(ops.one_hot(np.array([0, 2, 5, -1]), 3))
    np.testing.assert_array_equal(result, [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]])


def test_logsumexp_matches_numpy():
    expected = np.log(np.exp(A).sum(axis=1))
    np.testing.assert_allclose(ops.convert_to_numpy(ops.logsumexp(A, axis=1)), expected,
                               rtol=1e-5)


def test_top_k_matches_numpy():
    values, indices = ops.top_k(A, 2)
    order = np.argsort(-A, axis=1)[:, :2]
    np.testing.assert_array_equal(ops.convert_to_numpy(indices), order)
    np.testing.assert_allclose(ops.convert_to_numpy(values), np.take_along_axis(A, order, 1))
