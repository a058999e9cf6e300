"""torch neural-network primitives: activations, softmax, one-hot, normalization moments."""

import torch
import torch.nn.functional as F

from lamina.backend.torch.core import convert_to_tensor
from lamina.backend.torch.core import to_torch_dtype


def _float(x):
    x = convert_to_tensor(x)
    if not x.dtype.is_floating_point:
        x = x.to(to_torch_dtype(None))
    return x


def relu(x):
    return F.relu(_float(x))


def relu6(x):
    return F.relu6(_float(x))


def sigmoid(x):
    return torch.sigmoid(_float(x))


def log_sigmoid(x):
    return F.logsigmoid(_float(x))


def softplus(x):
    return F.softplus(_float(x))


def softsign(x):
    return F.softsign(_float(x))


def silu(x):
    return F.silu(_float(x))


def gelu(x, approximate=True):
    return F.gelu(_float(x), approximate="tanh" if approximate else "none")


def elu(x, alpha=1.0):
    return F.elu(_float(x), alpha=alpha)


def selu(x):
    return F.selu(_float(x))


def leaky_relu(x, negative_slope=0.2):
    return F.leaky_relu(_float(x), negative_slope=negative_slope)


def hard_sigmoid(x):
    return F.hardsigmoid(_float(x))


def hard_silu(x):
    return F.hardswish(_float(x))


def mish(x):
    return F.mish(_float(x))


def softmax(x, axis=-1):
    x = _float(x)
    if isinstance(axis, (tuple, list)):
        shifted = x - torch.amax(x, dim=tuple(axis), keepdim=True)
        e = torch.exp(shifted)
        return e / torch.sum(e, dim=tuple(axis), keepdim=True)
    return F.softmax(x, dim=axis)


def log_softmax(x, axis=-1):
    x = _float(x)
    if isinstance(axis, (tuple, list)):
        return x - torch.logsumexp(x, dim=tuple(axis), keepdim=True)
    return F.log_softmax(x, dim=axis)


def one_hot(x, num_classes, axis=-1, dtype=None):
    x = convert_to_tensor(x).to(torch.int64)
    # Negative or out-of-range ids give all-zero rows, as in Keras.
    valid = (x >= 0) & (x < num_classes)
    result = F.one_hot(torch.where(valid, x, 0), num_classes) * valid.unsqueeze(-1)
    result = result.to(to_torch_dtype(dtype))
    if axis != -1:
        result = torch.movedim(result, -1, axis)
    return result


def moments(x, axes, keepdims=False):
    x = _float(x)
    axes = tuple(axes)
    mean = torch.mean(x, dim=axes, keepdim=True)
    variance = torch.mean(torch.square(x - mean), dim=axes, keepdim=True)
    if not keepdims:
        mean = torch.squeeze(mean, dim=axes)
        variance = torch.squeeze(variance, dim=axes)
    return mean, variance
