"""torch linear-algebra primitives: factorizations, solves, determinants (``torch.linalg``).

Shape checks (square, rank >= 2) happen once in ``ops/linalg.py``; these functions trust them.
"""

import torch

from lamina.backend.torch.core import convert_to_tensor
from lamina.backend.torch.core import to_torch_dtype

NOT_POSITIVE_DEFINITE = (
    "cholesky: the input is not positive definite, so it has no Cholesky factor. Pass a "
    "symmetric (Hermitian) matrix whose eigenvalues are all > 0, e.g. `a @ a.T + eps * I`."
)


def _float(x):
    # Integer and bool matrices are factorized in floatx; torch.linalg has no integer kernels.
    x = convert_to_tensor(x)
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        x = x.to(to_torch_dtype(None))
    return x


def cholesky(x, upper=False):
    try:
        return torch.linalg.cholesky(_float(x), upper=upper)
    except torch.linalg.LinAlgError as error:
        raise ValueError(NOT_POSITIVE_DEFINITE) from error


def cholesky_inverse(x, upper=False):
    return torch.cholesky_inverse(_float(x), upper=upper)


def det(x):
    return torch.linalg.det(_float(x))


def slogdet(x):
    sign, logabsdet = torch.linalg.slogdet(_float(x))
    return sign, logabsdet


def eig(x):
    return torch.linalg.eig(_float(x))


def eigh(x):
    eigenvalues, eigenvectors = torch.linalg.eigh(_float(x))
    return eigenvalues, eigenvectors


def inv(x):
    return torch.linalg.inv(_float(x))


def lu_factor(x):
    lu, pivots = torch.linalg.lu_factor(_float(x))
    # torch counts pivot rows from 1 (LAPACK); Keras and SciPy count from 0.
    return lu, pivots - 1


def solve(a, b):
    return torch.linalg.solve(_float(a), _float(b))


def solve_triangular(a, b, lower=False):
    a, b = _float(a), _float(b)
    if b.ndim == a.ndim - 1:
        # A batch of vectors: torch only takes matrices on the right-hand side.
        return torch.linalg.solve_triangular(a, b.unsqueeze(-1), upper=not lower).squeeze(-1)
    return torch.linalg.solve_triangular(a, b, upper=not lower)


def svd(x, full_matrices=True, compute_uv=True):
    x = _float(x)
    if not compute_uv:
        return torch.linalg.svdvals(x)
    u, s, vh = torch.linalg.svd(x, full_matrices=full_matrices)
    return u, s, vh


def lstsq(a, b, rcond=None):
    a, b = _float(a), _float(b)
    if rcond is not None and a.device.type == "cpu":
        # The default CPU driver (gelsy) reads rcond differently from NumPy; gelsd is SVD-based
        # and cuts small singular values the NumPy way.
        return torch.linalg.lstsq(a, b, rcond=rcond, driver="gelsd").solution
    if rcond is not None:
        # CUDA only has `gels`, which has no cut-off: go through the pseudo-inverse instead.
        return torch.linalg.pinv(a, rtol=rcond) @ b
    return torch.linalg.lstsq(a, b).solution


def matrix_rank(x, tol=None):
    # NumPy's `tol` is an absolute threshold on singular values: torch's `atol`.
    return torch.linalg.matrix_rank(_float(x), atol=tol).to(torch.int32)


def pinv(x, rcond=None):
    # NumPy's `rcond` is relative to the largest singular value: torch's `rtol`.
    return torch.linalg.pinv(_float(x), rtol=rcond)
