"""Linear-algebra ops (``ops.linalg`` and their top-level names): values against
``numpy.linalg`` on single and batched matrices, result dtypes against Keras 3, gradients
against finite differences, shapes on symbolic tensors and errors for bad shapes."""

import numpy as np
import pytest

import lamina
from lamina import ops

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
SHAPES = [(3, 3), (2, 4, 4)]
RTOL, ATOL = 1e-4, 1e-4


def _general(shape, seed=0):
    """A well-conditioned square matrix (batch): random, pushed toward the identity."""
    rng = np.random.default_rng(seed)
    n = shape[-1]
    return (rng.normal(size=shape) * 0.3 + np.eye(n) * 2).astype("float32")


def _spd(shape, seed=0):
    """A symmetric positive-definite matrix (batch) with eigenvalues well away from zero."""
    m = _general(shape, seed)
    return (m @ np.swapaxes(m, -1, -2) + np.eye(shape[-1])).astype("float32")


def _lower(shape, seed=0):
    return np.tril(_general(shape, seed)).astype("float32")


def _np(x):
    return ops.convert_to_numpy(x)


def _close(got, expected, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(_np(got), expected, rtol=rtol, atol=atol)


# -- values against NumPy -------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
def test_det_inv_and_slogdet_match_numpy(shape):
    x = _general(shape)
    _close(ops.linalg.det(x), np.linalg.det(x))
    _close(ops.linalg.inv(x), np.linalg.inv(x))
    sign, logabsdet = ops.slogdet(x)
    expected_sign, expected_log = np.linalg.slogdet(x)
    _close(sign, expected_sign)
    _close(logabsdet, expected_log)


@pytest.mark.parametrize("shape", SHAPES)
def test_logdet_is_log_of_det_for_positive_definite_input(shape):
    x = _spd(shape)
    _close(ops.logdet(x), np.log(np.linalg.det(x.astype("float64"))))


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
def test_cholesky_matches_numpy_and_cholesky_inverse_inverts(shape, upper):
    x = _spd(shape)
    lower = np.linalg.cholesky(x)
    factor = ops.linalg.cholesky(x, upper=upper)
    _close(factor, np.swapaxes(lower, -1, -2) if upper else lower)
    _close(ops.linalg.cholesky_inverse(factor, upper=upper), np.linalg.inv(x))


@pytest.mark.parametrize("shape", SHAPES)
def test_eigh_matches_numpy(shape):
    x = _spd(shape)
    values, vectors = ops.linalg.eigh(x)
    expected_values, expected_vectors = np.linalg.eigh(x)
    _close(values, expected_values)
    # Eigenvectors are fixed only up to sign: compare |v| column by column.
    _close(np.abs(_np(vectors)), np.abs(expected_vectors), atol=1e-3)


@pytest.mark.parametrize("shape", SHAPES)
def test_eig_reconstructs_the_matrix(shape):
    x = _general(shape)
    values, vectors = ops.linalg.eig(x)
    values, vectors = _np(values), _np(vectors)
    np.testing.assert_allclose(np.sort_complex(values.reshape(-1, shape[-1])),
                               np.sort_complex(np.linalg.eigvals(x).reshape(-1, shape[-1])),
                               rtol=RTOL, atol=ATOL)
    # x v = v diag(values)
    np.testing.assert_allclose(x @ vectors, vectors * values[..., None, :], atol=1e-4)


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_factor_reconstructs_the_permuted_matrix(shape):
    x = _general(shape)
    lu, pivots = ops.linalg.lu_factor(x)
    lu, pivots = _np(lu).reshape(-1, shape[-1], shape[-1]), _np(pivots).reshape(-1, shape[-1])
    assert pivots.dtype == np.int32
    for matrix, packed, swaps in zip(x.reshape(lu.shape), lu, pivots):
        permuted = matrix.copy()
        for i, j in enumerate(swaps):  # apply the row swaps in order, counted from 0
            permuted[[i, j]] = permuted[[j, i]]
        lower = np.tril(packed, -1) + np.eye(len(packed))
        np.testing.assert_allclose(lower @ np.triu(packed), permuted, atol=1e-5)


@pytest.mark.parametrize("rhs", ["vector", "matrix"])
@pytest.mark.parametrize("shape", SHAPES)
def test_solve_matches_numpy(shape, rhs):
    a = _general(shape)
    b = RNG.normal(size=shape[:-1] + ((2,) if rhs == "matrix" else ())).astype("float32")
    expected = np.linalg.solve(a, b[..., None])[..., 0] if rhs == "vector" else \
        np.linalg.solve(a, b)
    _close(ops.linalg.solve(a, b), expected)


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("rhs", ["vector", "matrix"])
@pytest.mark.parametrize("shape", SHAPES)
def test_solve_triangular_reads_only_the_named_triangle(shape, rhs, lower):
    triangle = _lower(shape) if lower else np.swapaxes(_lower(shape), -1, -2)
    noise = RNG.normal(size=shape).astype("float32")
    a = triangle + (np.triu(noise, 1) if lower else np.tril(noise, -1))  # ignored half
    b = RNG.normal(size=shape[:-1] + ((2,) if rhs == "matrix" else ())).astype("float32")
    b_matrix = b[..., None] if rhs == "vector" else b
    expected = np.linalg.solve(triangle, b_matrix)
    _close(ops.linalg.solve_triangular(a, b, lower=lower),
           expected[..., 0] if rhs == "vector" else expected)


@pytest.mark.parametrize("full_matrices", [True, False])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 3), (3, 5)])
def test_svd_matches_numpy_and_reconstructs(shape, full_matrices):
    x = RNG.normal(size=shape).astype("float32")
    u, s, vh = ops.linalg.svd(x, full_matrices=full_matrices)
    expected_u, expected_s, expected_vh = np.linalg.svd(x, full_matrices=full_matrices)
    assert tuple(u.shape) == expected_u.shape and tuple(vh.shape) == expected_vh.shape
    _close(s, expected_s)
    k = expected_s.shape[-1]
    u, vh = _np(u)[..., :, :k], _np(vh)[..., :k, :]
    np.testing.assert_allclose((u * _np(s)[..., None, :]) @ vh, x, atol=1e-5)
    _close(ops.linalg.svd(x, compute_uv=False), expected_s)


@pytest.mark.parametrize("rhs", [(5,), (5, 2)])
def test_lstsq_matches_numpy(rhs):
    a = RNG.normal(size=(5, 3)).astype("float32")
    b = RNG.normal(size=rhs).astype("float32")
    _close(ops.linalg.lstsq(a, b), np.linalg.lstsq(a, b, rcond=None)[0])
    _close(ops.linalg.lstsq(a, b, rcond=1e-3), np.linalg.lstsq(a, b, rcond=1e-3)[0])


def test_pinv_and_matrix_rank_match_numpy():
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    _close(ops.linalg.pinv(x), np.linalg.pinv(x))
    rank_one = np.outer([1.0, 2.0, 3.0], [1.0, -1.0]).astype("float32")
    rank = ops.linalg.matrix_rank(rank_one)
    assert int(_np(rank)) == 1 and ops.dtype(rank) == "int32"


def test_norm_and_qr_are_the_math_ops():
    assert ops.linalg.norm is ops.math.norm and ops.linalg.qr is ops.math.qr
    x = _general((3, 3))
    _close(ops.linalg.norm(x), np.linalg.norm(x))


def test_top_level_names_are_the_linalg_ops():
    for name in ("cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "lstsq",
                 "lu_factor", "matrix_rank", "pinv", "solve", "solve_triangular", "svd"):
        assert getattr(ops, name) is getattr(ops.linalg, name), name
    assert ops.slogdet is ops.linalg.slogdet and ops.logdet is ops.linalg.logdet


# -- result dtypes against Keras ------------------------------------------------------------
DTYPE_CASES = [
    ("cholesky", lambda lib, x: lib.ops.linalg.cholesky(x)),
    ("cholesky_inverse", lambda lib, x: lib.ops.linalg.cholesky_inverse(x)),
    ("det", lambda lib, x: lib.ops.linalg.det(x)),
    ("eig", lambda lib, x: lib.ops.linalg.eig(x)),
    ("eigh", lambda lib, x: lib.ops.linalg.eigh(x)),
    ("inv", lambda lib, x: lib.ops.linalg.inv(x)),
    ("lu_factor", lambda lib, x: lib.ops.linalg.lu_factor(x)),
    ("lstsq", lambda lib, x: lib.ops.linalg.lstsq(x, x[..., 0])),
    ("matrix_rank", lambda lib, x: lib.ops.linalg.matrix_rank(x)),
    ("pinv", lambda lib, x: lib.ops.linalg.pinv(x)),
    ("solve", lambda lib, x: lib.ops.linalg.solve(x, x)),
    ("solve_triangular", lambda lib, x: lib.ops.linalg.solve_triangular(x, x)),
    ("svd", lambda lib, x: lib.ops.linalg.svd(x)),
    ("slogdet", lambda lib, x: lib.ops.slogdet(x)),
    ("logdet", lambda lib, x: lib.ops.logdet(x)),
]


def _dtypes(lib, result):
    results = result if isinstance(result, (tuple, list)) else (result,)
    return [lib.backend.standardize_dtype(r.dtype) for r in results]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,fn", DTYPE_CASES, ids=[c[0] for c in DTYPE_CASES])
def test_result_dtypes_match_keras(name, fn, dtype):
    if dtype == "float64" and lamina.backend.backend() == "jax":
        pytest.skip("JAX runs without x64 here: float64 inputs are float32")
    values = _spd((3, 3))
    expected = fn(keras, keras.ops.convert_to_tensor(values, dtype=dtype))
    result = fn(lamina, ops.convert_to_tensor(values, dtype=dtype))
    assert _dtypes(lamina, result) == _dtypes(keras, expected)


# -- gradients against finite differences ---------------------------------------------------
def _numeric_grad(f, x, eps=1e-4):
    """Central differences of the scalar ``f`` at ``x``, in float64."""
    x = x.astype("float64")
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        grad[index] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def _spd_of(w):
    return w @ np.swapaxes(w, -1, -2) + np.eye(w.shape[-1])


WEIGHTS = RNG.normal(size=(3, 3))
B = RNG.normal(size=(3, 2))
W32, B32 = WEIGHTS.astype("float32"), B.astype("float32")


def _weighted(m, value, weights):
    return m.sum(m.multiply(value, weights))


def _spd_of_ops(m, w):
    return m.add(m.matmul(w, m.transpose(w)), np.eye(3, dtype="float32"))


GRAD_CASES = [
    ("det", lambda m, x: m.linalg.det(x), np.linalg.det),
    ("solve", lambda m, x: _weighted(m, m.linalg.solve(x, B32), W32[:, :2]),
     lambda x: np.sum(np.linalg.solve(x, B) * WEIGHTS[:, :2])),
    ("inv", lambda m, x: _weighted(m, m.linalg.inv(x), W32),
     lambda x: np.sum(np.linalg.inv(x) * WEIGHTS)),
    ("svd", lambda m, x: _weighted(m, m.linalg.svd(x, compute_uv=False), W32[0]),
     lambda x: np.sum(np.linalg.svd(x, compute_uv=False) * WEIGHTS[0])),
    ("cholesky", lambda m, w: _weighted(m, m.linalg.cholesky(_spd_of_ops(m, w)), W32),
     lambda w: np.sum(np.linalg.cholesky(_spd_of(w)) * WEIGHTS)),
    ("eigh", lambda m, w: _weighted(m, m.linalg.eigh(_spd_of_ops(m, w))[0], W32[0]),
     lambda w: np.sum(np.linalg.eigh(_spd_of(w))[0] * WEIGHTS[0])),
]


@pytest.mark.parametrize("name,loss,reference", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradient_matches_finite_differences(name, loss, reference):
    x0 = _general((3, 3), seed=3)
    w = lamina.Variable(x0, name="x")
    _, (grad,) = lamina.backend.value_and_grad(lambda: loss(ops, w.value), [w])
    np.testing.assert_allclose(_np(grad), _numeric_grad(reference, x0), rtol=1e-3, atol=1e-3)


# -- symbolic tensors -----------------------------------------------------------------------
def test_ops_infer_shapes_on_symbolic_tensors():
    x = lamina.Input((4, 4))
    assert ops.linalg.det(x).shape == (None,)
    assert ops.linalg.inv(x).shape == (None, 4, 4)
    assert ops.linalg.solve(x, lamina.Input((4,))).shape == (None, 4)
    values, vectors = ops.linalg.eigh(x)
    assert values.shape == (None, 4) and vectors.shape == (None, 4, 4)
    u, s, vh = ops.linalg.svd(lamina.Input((3, 5)), full_matrices=False)
    assert (u.shape, s.shape, vh.shape) == ((None, 3, 3), (None, 3), (None, 3, 5))


# -- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv",
                                  "lu_factor", "slogdet", "logdet"])
def test_square_ops_reject_non_square_input(name):
    op = getattr(ops, name)
    with pytest.raises(ValueError, match=f"{name}: `x` must be square.*shape \\(3, 4\\)"):
        op(np.ones((3, 4), "float32"))


def test_ops_reject_a_vector_where_a_matrix_is_needed():
    with pytest.raises(ValueError, match="svd: `x` must be a matrix.*rank >= 2"):
        ops.linalg.svd(np.ones((3,), "float32"))


def test_solve_rejects_a_right_hand_side_of_the_wrong_length():
    with pytest.raises(ValueError, match="solve: `b` must have 3 rows"):
        ops.linalg.solve(_general((3, 3)), np.ones((4,), "float32"))


def test_cholesky_rejects_a_matrix_that_is_not_positive_definite():
    with pytest.raises(ValueError, match="not positive definite"):
        ops.linalg.cholesky(-np.eye(3, dtype="float32"))
