"""JAX linear-algebra primitives: factorizations, solves, determinants (``jnp.linalg``,
``jax.scipy.linalg``).

Shape checks (square, rank >= 2) happen once in ``ops/linalg.py``; these functions trust them.
"""

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl

from lamina.backend.jax.core import convert_to_tensor
from lamina.backend.jax.core import to_jax_dtype

NOT_POSITIVE_DEFINITE = (
    "cholesky: the input is not positive definite, so it has no Cholesky factor. Pass a "
    "symmetric (Hermitian) matrix whose eigenvalues are all > 0, e.g. `a @ a.T + eps * I`."
)


def _float(x):
    # Integer and bool matrices are factorized in floatx, as on torch.
    x = convert_to_tensor(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(to_jax_dtype(None))
    return x


def _is_traced(x):
    return isinstance(x, jax.core.Tracer)


def cholesky(x, upper=False):
    factor = jnp.linalg.cholesky(_float(x), upper=upper)
    # JAX fills a failed factorization with NaN instead of raising. Eagerly we can check, and
    # raise the error torch raises; under jit the NaNs are all we can give.
    if not _is_traced(factor) and bool(jnp.any(jnp.isnan(factor))):
        raise ValueError(NOT_POSITIVE_DEFINITE)
    return factor


def cholesky_inverse(x, upper=False):
    # x is the factor L (or U = L^H); inv(L L^H) = inv(L)^H inv(L).
    x = _float(x)
    identity = jnp.broadcast_to(jnp.eye(x.shape[-1], dtype=x.dtype), x.shape)
    factor_inv = jsl.solve_triangular(x, identity, lower=not upper)
    factor_inv_h = jnp.conj(jnp.swapaxes(factor_inv, -1, -2))
    if upper:
        return factor_inv @ factor_inv_h
    return factor_inv_h @ factor_inv


def det(x):
    return jnp.linalg.det(_float(x))


def slogdet(x):
    sign, logabsdet = jnp.linalg.slogdet(_float(x))
    return sign, logabsdet


def eig(x):
    # jnp.linalg.eig runs on CPU only, as in JAX itself.
    eigenvalues, eigenvectors = jnp.linalg.eig(_float(x))
    return eigenvalues, eigenvectors


def eigh(x):
    eigenvalues, eigenvectors = jnp.linalg.eigh(_float(x))
    return eigenvalues, eigenvectors


def inv(x):
    return jnp.linalg.inv(_float(x))


def lu_factor(x):
    x = _float(x)
    factorize = jsl.lu_factor
    # jax.scipy's lu_factor takes one matrix; map it over every batch axis.
    for _ in range(x.ndim - 2):
        factorize = jax.vmap(factorize)
    lu, pivots = factorize(x)
    return lu, pivots


def solve(a, b):
    a, b = _float(a), _float(b)
    if b.ndim == a.ndim - 1 and b.ndim > 1:
        # A batch of vectors, as torch reads it; jnp.linalg.solve (>= 0.5) would take it for
        # one matrix and reject the shapes.
        return jnp.linalg.solve(a, b[..., None])[..., 0]
    return jnp.linalg.solve(a, b)


def solve_triangular(a, b, lower=False):
    a, b = _float(a), _float(b)
    if b.ndim == a.ndim - 1:
        # A batch of vectors: solve them as one-column matrices, as torch does.
        return jsl.solve_triangular(a, b[..., None], lower=lower)[..., 0]
    return jsl.solve_triangular(a, b, lower=lower)


def svd(x, full_matrices=True, compute_uv=True):
    x = _float(x)
    if not compute_uv:
        return jnp.linalg.svd(x, compute_uv=False)
    u, s, vh = jnp.linalg.svd(x, full_matrices=full_matrices)
    return u, s, vh


def lstsq(a, b, rcond=None):
    return jnp.linalg.lstsq(_float(a), _float(b), rcond=rcond)[0]


def matrix_rank(x, tol=None):
    return jnp.linalg.matrix_rank(_float(x), tol=tol).astype(jnp.int32)


def pinv(x, rcond=None):
    return jnp.linalg.pinv(_float(x), rcond=rcond)
