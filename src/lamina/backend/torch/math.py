"""torch math primitives: top-k, logsumexp, erf, segment sums and maxima, FFTs, i0."""

import torch

from lamina.backend.torch.core import convert_to_tensor
from lamina.backend.torch.core import to_torch_dtype


def _float(x):
    x = convert_to_tensor(x)
    if not x.dtype.is_floating_point:
        x = x.to(to_torch_dtype(None))
    return x


def top_k(x, k, sorted=True):
    values, indices = torch.topk(convert_to_tensor(x), k, dim=-1, sorted=sorted)
    return values, indices


def in_top_k(targets, predictions, k):
    targets = convert_to_tensor(targets).to(torch.int64)
    predictions = convert_to_tensor(predictions)
    target_values = torch.gather(predictions, 1, targets.reshape(-1, 1))
    # Ties count in favour of the target, as in Keras: rank = number of strictly larger.
    rank = torch.sum(predictions > target_values, dim=1)
    return rank < k


def logsumexp(x, axis=None, keepdims=False):
    x = _float(x)
    if axis is None:
        axis = tuple(range(x.ndim))
    return torch.logsumexp(x, dim=axis, keepdim=keepdims)


def erf(x):
    return torch.erf(_float(x))


def erfinv(x):
    return torch.erfinv(_float(x))


def rsqrt(x):
    return torch.rsqrt(_float(x))


def segment_sum(data, segment_ids, num_segments=None):
    data = convert_to_tensor(data)
    segment_ids = convert_to_tensor(segment_ids).to(torch.int64)
    if num_segments is None:
        num_segments = int(segment_ids.max().item()) + 1
    shape = (num_segments,) + tuple(data.shape[1:])
    result = torch.zeros(shape, dtype=data.dtype, device=data.device)
    return result.index_add(0, segment_ids, data)


def norm(x, ord=None, axis=None, keepdims=False):
    x = _float(x)
    return torch.linalg.norm(x, ord=ord, dim=axis, keepdim=keepdims)


def qr(x, mode="reduced"):
    return torch.linalg.qr(_float(x), mode=mode)


def _complex(real, imag):
    return torch.complex(convert_to_tensor(real), convert_to_tensor(imag))


def _split(z):
    return torch.real(z).contiguous(), torch.imag(z).contiguous()


def fft(real, imag):
    return _split(torch.fft.fft(_complex(real, imag), dim=-1))


def fft2(real, imag):
    return _split(torch.fft.fft2(_complex(real, imag), dim=(-2, -1)))


def ifft2(real, imag):
    return _split(torch.fft.ifft2(_complex(real, imag), dim=(-2, -1)))


def rfft(x, fft_length=None):
    return _split(torch.fft.rfft(convert_to_tensor(x), n=fft_length, dim=-1))


def irfft(real, imag, fft_length=None):
    return torch.fft.irfft(_complex(real, imag), n=fft_length, dim=-1)


def view_as_complex(x):
    return torch.view_as_complex(convert_to_tensor(x).contiguous())


def view_as_real(x):
    return torch.view_as_real(convert_to_tensor(x))


def segment_max(data, segment_ids, num_segments=None):
    data = convert_to_tensor(data)
    segment_ids = convert_to_tensor(segment_ids).to(torch.int64)
    if num_segments is None:
        num_segments = int(segment_ids.max().item()) + 1
    shape = (num_segments,) + tuple(data.shape[1:])
    # Empty segments hold the dtype's lowest value, as in Keras (-inf for floats).
    if data.dtype.is_floating_point:
        lowest = float("-inf")
    else:
        lowest = torch.iinfo(data.dtype).min
    result = torch.full(shape, lowest, dtype=data.dtype, device=data.device)
    index = segment_ids.reshape((-1,) + (1,) * (data.ndim - 1)).expand_as(data)
    return result.scatter_reduce(0, index, data, reduce="amax", include_self=True)


def erfc(x):
    return torch.special.erfc(_float(x))


def i0(x):
    return torch.special.i0(convert_to_tensor(x))


def nextafter(x1, x2):
    return torch.nextafter(convert_to_tensor(x1), convert_to_tensor(x2))


def fmax(x1, x2):
    return torch.fmax(convert_to_tensor(x1), convert_to_tensor(x2))


def fmin(x1, x2):
    return torch.fmin(convert_to_tensor(x1), convert_to_tensor(x2))


def _segment_reduce(data, segment_ids, num_segments, reduce, empty):
    data = convert_to_tensor(data)
    segment_ids = convert_to_tensor(segment_ids).to(torch.int64)
    if num_segments is None:
        num_segments = int(segment_ids.max().item()) + 1
    shape = (num_segments,) + tuple(data.shape[1:])
    result = torch.full(shape, empty, dtype=data.dtype, device=data.device)
    index = segment_ids.reshape((-1,) + (1,) * (data.ndim - 1)).expand_as(data)
    return result.scatter_reduce(0, index, data, reduce=reduce, include_self=True)


def segment_min(data, segment_ids, num_segments=None):
    data = convert_to_tensor(data)
    # Empty segments hold the dtype's highest value (inf for floats), as jax.ops does.
    if data.dtype.is_floating_point:
        highest = float("inf")
    elif data.dtype == torch.bool:
        highest = True
    else:
        highest = torch.iinfo(data.dtype).max
    return _segment_reduce(data, segment_ids, num_segments, "amin", highest)


def segment_prod(data, segment_ids, num_segments=None):
    # Empty segments hold 1, the product of nothing.
    return _segment_reduce(data, segment_ids, num_segments, "prod", 1)
