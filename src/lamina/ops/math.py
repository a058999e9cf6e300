"""Math ops beyond NumPy: top-k, logsumexp, erf, rsqrt, segment sums, norms."""

from lamina.backend import math as _impl
from lamina.ops.symbolic import dispatch


@dispatch
def top_k(x, k, sorted=True):
    """The ``k`` largest values along the last axis and their indices."""
    return _impl.top_k(x, k, sorted=sorted)


@dispatch
def in_top_k(targets, predictions, k):
    """For each row, whether the ``targets`` class is among the ``k`` highest predictions."""
    return _impl.in_top_k(targets, predictions, k)


@dispatch
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis``, computed stably."""
    return _impl.logsumexp(x, axis=axis, keepdims=keepdims)


@dispatch
def erf(x):
    """The Gauss error function."""
    return _impl.erf(x)


@dispatch
def erfinv(x):
    """The inverse of the Gauss error function."""
    return _impl.erfinv(x)


@dispatch
def rsqrt(x):
    """Element-wise ``1 / sqrt(x)``."""
    return _impl.rsqrt(x)


@dispatch
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sums of the rows of ``data`` that share a segment id."""
    return _impl.segment_sum(data, segment_ids, num_segments=num_segments)


@dispatch
def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norm (``numpy.linalg.norm`` semantics)."""
    return _impl.norm(x, ord=ord, axis=axis, keepdims=keepdims)


@dispatch
def qr(x, mode="reduced"):
    """QR decomposition ``(q, r)``."""
    return _impl.qr(x, mode=mode)
