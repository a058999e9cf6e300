"""torch random draws. ``seed`` is a pair of integers (from a SeedGenerator or an int)."""

import torch

from lamina.backend.torch.core import DEFAULT_DEVICE
from lamina.backend.torch.core import convert_to_tensor
from lamina.backend.torch.core import to_torch_dtype


def _generator(seed):
    seed = convert_to_tensor(seed).detach().cpu().to(torch.int64).tolist()
    generator = torch.Generator(device=DEFAULT_DEVICE)
    generator.manual_seed(int(seed[0]) * 1_000_003 + int(seed[1]))
    return generator


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    dtype = to_torch_dtype(dtype)
    x = torch.randn(tuple(shape), generator=_generator(seed), device=DEFAULT_DEVICE,
                    dtype=torch.float32)
    return (x * stddev + mean).to(dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    dtype = to_torch_dtype(dtype)
    x = torch.rand(tuple(shape), generator=_generator(seed), device=DEFAULT_DEVICE,
                   dtype=torch.float32)
    return (x * (maxval - minval) + minval).to(dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    return torch.randint(int(minval), int(maxval), tuple(shape), generator=_generator(seed),
                         device=DEFAULT_DEVICE).to(to_torch_dtype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    dtype = to_torch_dtype(dtype)
    x = torch.empty(tuple(shape), device=DEFAULT_DEVICE, dtype=torch.float32)
    torch.nn.init.trunc_normal_(x, mean=0.0, std=1.0, a=-2.0, b=2.0,
                                generator=_generator(seed))
    return (x * stddev + mean).to(dtype)


def bernoulli_mask(shape, rate, seed=None):
    """A boolean tensor of ``shape`` whose entries are True with probability ``1 - rate``."""
    x = torch.rand(tuple(shape), generator=_generator(seed), device=DEFAULT_DEVICE)
    return x >= rate


def shuffle(x, axis=0, seed=None):
    x = convert_to_tensor(x)
    perm = torch.randperm(x.shape[axis], generator=_generator(seed), device=DEFAULT_DEVICE)
    return torch.index_select(x, axis, perm)


def categorical(logits, num_samples, dtype="int32", seed=None):
    logits = convert_to_tensor(logits)
    probs = torch.softmax(logits.float(), dim=-1)
    return torch.multinomial(probs, num_samples, replacement=True,
                             generator=_generator(seed)).to(to_torch_dtype(dtype))


def seed_from_int(seed):
    """Turn an int seed into the pair a draw takes."""
    return [0, int(seed)]


def manual_seed(seed):
    """Seed torch's own global generators."""
    torch.manual_seed(int(seed))
SEED_DTYPE = "int64"
