"""``lamina.ops.linalg``: linear algebra on (batches of) matrices, as ``keras.ops.linalg``.

Every op takes a tensor whose last two axes are the matrix and any leading axes a batch.
Factorizations and solves are engine kernels (``backend.<engine>.linalg``); this module checks
shapes once, documents the ops, and writes ``logdet`` from ``slogdet``. ``norm`` and ``qr``
live in ``lamina.ops.math`` and are re-exported here. ``slogdet`` and ``logdet`` are top-level
``ops`` names in Keras (not ``keras.ops.linalg``); they sit here beside ``det``.
"""

from lamina import backend
from lamina.backend.common import scopes
from lamina.ops.math import norm
from lamina.ops.math import qr
from lamina.ops.symbolic import dispatch

# The engine's linalg module; `backend/__init__.py` does not name it yet, so reach it through
# the engine package the backend loaded.
_impl = backend.linalg

__all__ = [
    "cholesky",
    "cholesky_inverse",
    "det",
    "eig",
    "eigh",
    "inv",
    "jvp",
    "logdet",
    "lstsq",
    "lu_factor",
    "matrix_rank",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_triangular",
    "svd",
]


def _matrix(op, name, x, square=True):
    """``x`` as a tensor, checked to hold (a batch of) matrices, square if ``square``."""
    x = backend.convert_to_tensor(x)
    shape = tuple(x.shape)
    if len(shape) < 2:
        raise ValueError(
            f"{op}: `{name}` must be a matrix or a batch of matrices (rank >= 2), got shape "
            f"{shape}. Add the missing axes, e.g. `ops.reshape({name}, (1, -1))`."
        )
    if square and shape[-1] != shape[-2]:
        raise ValueError(
            f"{op}: `{name}` must be square in its last two axes, got shape {shape}. "
            f"For a non-square matrix use `lstsq`, `pinv`, `svd` or `qr`."
        )
    if square and scopes.in_symbolic_scope():
        # Shape inference runs the op on zero placeholders, which are singular (torch raises,
        # Cholesky fails). Shapes do not depend on values, so factor ``x + I`` instead.
        x = backend.numpy.add(x, backend.numpy.eye(shape[-1], dtype=backend.dtype_of(x)))
    return x


def _right_hand_side(op, a, b):
    """``b`` as a tensor of vectors ``(..., n)`` or matrices ``(..., n, k)`` matching ``a``."""
    b = backend.convert_to_tensor(b)
    a_shape, b_shape = tuple(a.shape), tuple(b.shape)
    if len(b_shape) < 1:
        raise ValueError(f"{op}: `b` must have rank >= 1, got a scalar.")
    if len(b_shape) == len(a_shape) - 1:
        rows = b_shape[-1]  # a batch of vectors
    else:
        rows = b_shape[-2] if len(b_shape) >= 2 else b_shape[-1]
    if rows != a_shape[-2]:
        raise ValueError(
            f"{op}: `b` must have {a_shape[-2]} rows to match `a` of shape {a_shape}, got "
            f"`b` of shape {b_shape}."
        )
    return b


@dispatch
def cholesky(x, upper=False):
    """The Cholesky factor of a symmetric (Hermitian) positive-definite matrix.

    Args:
        x: a tensor of shape ``(..., n, n)``, positive definite.
        upper: return the upper factor ``U`` with ``x = U^H U`` instead of the lower factor
            ``L`` with ``x = L L^H`` (default ``False``).

    Returns:
        A triangular tensor of the shape and float dtype of ``x``. A matrix that is not
        positive definite raises ``ValueError`` (eagerly; under ``jit`` JAX gives NaNs).

    Example:
        >>> ops.linalg.cholesky([[4.0, 2.0], [2.0, 5.0]])  # [[2, 0], [1, 2]]
    """
    return _impl.cholesky(_matrix("cholesky", "x", x), upper=upper)


@dispatch
def cholesky_inverse(x, upper=False):
    """The inverse of a matrix given by its Cholesky factor.

    Args:
        x: the Cholesky factor, shape ``(..., n, n)``: lower ``L`` of ``a = L L^H``, or upper
            ``U`` of ``a = U^H U`` when ``upper=True``.
        upper: whether ``x`` is the upper factor (default ``False``).

    Returns:
        ``inv(a)``, a tensor of the shape and float dtype of ``x``.

    Example:
        >>> factor = ops.linalg.cholesky([[4.0, 2.0], [2.0, 5.0]])
        >>> ops.linalg.cholesky_inverse(factor)  # [[0.3125, -0.125], [-0.125, 0.25]]
    """
    return _impl.cholesky_inverse(_matrix("cholesky_inverse", "x", x), upper=upper)


@dispatch
def det(x):
    """The determinant of a square matrix.

    Args:
        x: a tensor of shape ``(..., n, n)``.

    Returns:
        A tensor of shape ``(...)`` in the float dtype of ``x``.

    Example:
        >>> ops.linalg.det([[1.0, 2.0], [3.0, 4.0]])  # -2.0
    """
    return _impl.det(_matrix("det", "x", x))


@dispatch
def slogdet(x):
    """The sign and the log of the absolute value of a square matrix's determinant.

    More stable than ``log(det(x))``: the determinant itself may overflow or underflow.

    Args:
        x: a tensor of shape ``(..., n, n)``.

    Returns:
        A tuple ``(sign, logabsdet)`` of tensors of shape ``(...)``: ``sign`` is 1, 0 or -1
        for real input, and ``det(x) = sign * exp(logabsdet)``.

    Example:
        >>> sign, logabsdet = ops.slogdet([[1.0, 2.0], [3.0, 4.0]])  # -1.0, log(2)
    """
    return _impl.slogdet(_matrix("slogdet", "x", x))


@dispatch
def logdet(x):
    """The natural log of the determinant of a Hermitian positive-definite matrix.

    Args:
        x: a tensor of shape ``(..., n, n)``, positive definite (its determinant is then
            positive, so this is ``log(abs(det(x)))``).

    Returns:
        A tensor of shape ``(...)`` in the float dtype of ``x``.

    Example:
        >>> ops.logdet([[2.0, 0.0], [0.0, 3.0]])  # log(6) = 1.7918
    """
    return _impl.slogdet(_matrix("logdet", "x", x))[1]


@dispatch
def eig(x):
    """The eigenvalues and right eigenvectors of a general square matrix.

    Args:
        x: a tensor of shape ``(..., n, n)``.

    Returns:
        A tuple ``(eigenvalues, eigenvectors)`` of complex tensors, shapes ``(..., n)`` and
        ``(..., n, n)``; column ``i`` of ``eigenvectors`` belongs to ``eigenvalues[..., i]``.
        Their order is the engine's. JAX computes this on CPU only.

    Example:
        >>> values, vectors = ops.linalg.eig([[2.0, 0.0], [0.0, 3.0]])  # values 2+0j, 3+0j
    """
    return _impl.eig(_matrix("eig", "x", x))


@dispatch
def eigh(x):
    """The eigenvalues and eigenvectors of a symmetric (Hermitian) matrix.

    Only the lower triangle of ``x`` is read.

    Args:
        x: a tensor of shape ``(..., n, n)``.

    Returns:
        A tuple ``(eigenvalues, eigenvectors)``: real eigenvalues of shape ``(..., n)`` in
        ascending order, and orthonormal eigenvectors as the columns of ``(..., n, n)``.

    Example:
        >>> values, vectors = ops.linalg.eigh([[2.0, 1.0], [1.0, 2.0]])  # values [1, 3]
    """
    return _impl.eigh(_matrix("eigh", "x", x))


@dispatch
def inv(x):
    """The inverse of a square matrix.

    Args:
        x: a tensor of shape ``(..., n, n)``, invertible.

    Returns:
        A tensor of the shape and float dtype of ``x``. To solve ``a @ x = b`` prefer
        :func:`solve`, which is faster and more accurate than ``inv(a) @ b``.

    Example:
        >>> ops.linalg.inv([[2.0, 0.0], [0.0, 4.0]])  # [[0.5, 0], [0, 0.25]]
    """
    return _impl.inv(_matrix("inv", "x", x))


@dispatch
def lu_factor(x):
    """The LU factorization with partial pivoting, in LAPACK's packed form.

    Args:
        x: a tensor of shape ``(..., n, n)``.

    Returns:
        A tuple ``(lu, pivots)``: ``lu`` (shape of ``x``) holds ``U`` in its upper triangle
        and the unit-diagonal ``L`` below it; ``pivots`` (int32, shape ``(..., n)``) says that
        row ``i`` was swapped with row ``pivots[..., i]``, counted from 0.

    Example:
        >>> lu, pivots = ops.linalg.lu_factor([[1.0, 2.0], [3.0, 4.0]])  # pivots [1, 1]
    """
    return _impl.lu_factor(_matrix("lu_factor", "x", x))


@dispatch
def solve(a, b):
    """Solve the linear system ``a @ x = b`` for ``x``.

    Args:
        a: a tensor of shape ``(..., n, n)``, invertible.
        b: right-hand sides: vectors ``(..., n)`` or matrices ``(..., n, k)``.

    Returns:
        ``x``, a tensor of the shape of ``b``.

    Example:
        >>> ops.linalg.solve([[2.0, 0.0], [0.0, 4.0]], [2.0, 2.0])  # [1.0, 0.5]
    """
    a = _matrix("solve", "a", a)
    return _impl.solve(a, _right_hand_side("solve", a, b))


@dispatch
def solve_triangular(a, b, lower=False):
    """Solve ``a @ x = b`` for ``x`` when ``a`` is triangular.

    Only the triangle of ``a`` that ``lower`` names is read.

    Args:
        a: a tensor of shape ``(..., n, n)``, upper triangular (or lower, see ``lower``).
        b: right-hand sides: vectors ``(..., n)`` or matrices ``(..., n, k)``.
        lower: whether ``a`` is lower triangular (default ``False``: upper).

    Returns:
        ``x``, a tensor of the shape of ``b``.

    Example:
        >>> ops.linalg.solve_triangular([[1.0, 0.0], [1.0, 2.0]], [1.0, 3.0], lower=True)
        >>> # [1.0, 1.0]
    """
    a = _matrix("solve_triangular", "a", a)
    return _impl.solve_triangular(a, _right_hand_side("solve_triangular", a, b), lower=lower)


@dispatch
def svd(x, full_matrices=True, compute_uv=True):
    """The singular value decomposition ``x = u @ diag(s) @ vh``.

    Args:
        x: a tensor of shape ``(..., m, n)``.
        full_matrices: return square ``u`` ``(..., m, m)`` and ``vh`` ``(..., n, n)``
            (default ``True``); ``False`` keeps only ``k = min(m, n)`` columns of ``u`` and
            rows of ``vh``.
        compute_uv: return ``(u, s, vh)`` (default ``True``); ``False`` returns only ``s``.

    Returns:
        ``(u, s, vh)``, or ``s`` alone when ``compute_uv=False``; the singular values ``s``
        have shape ``(..., k)`` and come in descending order.

    Example:
        >>> ops.linalg.svd([[3.0, 0.0], [0.0, 4.0]], compute_uv=False)  # [4.0, 3.0]
    """
    x = _matrix("svd", "x", x, square=False)
    return _impl.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)


@dispatch
def lstsq(a, b, rcond=None):
    """The least-squares solution of ``a @ x = b``: the ``x`` that minimizes
    ``norm(b - a @ x)`` (the smallest such ``x`` when there are many).

    Unlike ``numpy.linalg.lstsq`` this returns only the solution, not residuals, rank and
    singular values, as Keras does.

    Args:
        a: a matrix of shape ``(m, n)``.
        b: a vector ``(m,)`` or matrix ``(m, k)``.
        rcond: singular values of ``a`` below ``rcond`` times the largest count as zero
            (default ``None``: the engine's machine-precision cut-off).

    Returns:
        ``x``, a tensor of shape ``(n,)`` or ``(n, k)``.

    Example:
        >>> ops.linalg.lstsq([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], [1.0, 2.0, 3.0])  # [1, 2]
    """
    a = _matrix("lstsq", "a", a, square=False)
    return _impl.lstsq(a, _right_hand_side("lstsq", a, b), rcond=rcond)


@dispatch
def matrix_rank(x, tol=None):
    """The rank of a matrix: how many singular values exceed a threshold.

    Args:
        x: a tensor of shape ``(..., m, n)``.
        tol: the absolute threshold (default ``None``: ``max(m, n) * eps`` times the largest
            singular value).

    Returns:
        An int32 tensor of shape ``(...)``.

    Example:
        >>> ops.linalg.matrix_rank([[1.0, 2.0], [2.0, 4.0]])  # 1
    """
    return _impl.matrix_rank(_matrix("matrix_rank", "x", x, square=False), tol=tol)


@dispatch
def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse, computed from the SVD.

    Args:
        x: a tensor of shape ``(..., m, n)``.
        rcond: singular values below ``rcond`` times the largest are treated as zero
            (default ``None``: the engine's machine-precision cut-off).

    Returns:
        A tensor of shape ``(..., n, m)`` in the float dtype of ``x``.

    Example:
        >>> ops.linalg.pinv([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])  # [[1, 0, 0], [0, 0.5, 0]]
    """
    return _impl.pinv(_matrix("pinv", "x", x, square=False), rcond=rcond)


def jvp(fun, primals, tangents, has_aux=False):
    """The forward-mode Jacobian-vector product of ``fun`` at ``primals`` along
    ``tangents``.

    Args:
        fun: a function of tensors (or structures of tensors) returning tensors.
        primals: a tuple or list with one value per positional argument of ``fun``.
        tangents: a tuple or list like ``primals`` (same structure and shapes).
        has_aux: whether ``fun`` returns ``(output, aux)``; ``aux`` is passed through.

    Returns:
        ``(primals_out, tangents_out)``, or ``(primals_out, tangents_out, aux)`` with
        ``has_aux``; ``tangents_out`` has the structure and shapes of ``primals_out``.

    Example:
        >>> out, tangent = lamina.ops.jvp(lamina.ops.sin, (0.1,), (0.2,))
        >>> # out = sin(0.1), tangent = cos(0.1) * 0.2
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise ValueError(
            "jvp: `primals` and `tangents` must be tuples or lists (one entry per argument "
            f"of `fun`). Received: {type(primals).__name__} and {type(tangents).__name__}."
        )
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: `primals` has {len(primals)} entries but `tangents` has {len(tangents)}; "
            "give one tangent per primal."
        )
    return backend.core.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)
