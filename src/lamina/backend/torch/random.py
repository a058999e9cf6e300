"""torch random draws. ``seed`` is a pair of integers (from a SeedGenerator or an int)."""

import torch

from lamina.backend.common import scopes
from lamina.backend.torch.core import DEFAULT_DEVICE
from lamina.backend.torch.core import convert_to_tensor
from lamina.backend.torch.core import known_host_value
from lamina.backend.torch.core import remember_host_value
from lamina.backend.torch.core import to_torch_dtype


def _generator(seed):
    if not (isinstance(seed, tuple) and len(seed) == 2):  # next_seed gives host ints
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


def _seeded_default_generator(seed):
    """A context in which torch's global generator (which ``torch.distributions`` samplers
    draw from) is seeded from ``seed``, restored afterwards."""
    if not (isinstance(seed, tuple) and len(seed) == 2):
        seed = convert_to_tensor(seed).detach().cpu().to(torch.int64).tolist()
    devices = [torch.cuda.current_device()] if DEFAULT_DEVICE == "cuda" else []
    context = torch.random.fork_rng(devices=devices)

    class _Seeded:
        def __enter__(self):
            context.__enter__()
            torch.manual_seed(int(seed[0]) * 1_000_003 + int(seed[1]))

        def __exit__(self, *exc):
            return context.__exit__(*exc)

    return _Seeded()


def _broadcast(value, shape):
    return torch.broadcast_to(convert_to_tensor(value).to(device=DEFAULT_DEVICE,
                                                          dtype=torch.float32), tuple(shape))


def gamma(shape, alpha, dtype=None, seed=None):
    """Gamma(alpha, 1) samples (torch's sampler has no generator argument: the global one is
    seeded for the draw and restored)."""
    alpha = _broadcast(alpha, shape)
    with _seeded_default_generator(seed):
        sample = torch.distributions.Gamma(alpha, torch.ones_like(alpha)).sample()
    return sample.to(to_torch_dtype(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Beta(alpha, beta) samples."""
    alpha, beta = _broadcast(alpha, shape), _broadcast(beta, shape)
    with _seeded_default_generator(seed):
        sample = torch.distributions.Beta(alpha, beta).sample()
    return sample.to(to_torch_dtype(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Binomial(counts, probabilities) samples."""
    counts, probabilities = _broadcast(counts, shape), _broadcast(probabilities, shape)
    sample = torch.binomial(counts, probabilities, generator=_generator(seed))
    return sample.to(to_torch_dtype(dtype))


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


def next_seed(state):
    """Advance a SeedGenerator's ``state`` Variable by ``(0, 1)`` and return the new pair
    as host ints for a draw.

    The draw seeds a torch Generator from host ints; reading the state from a GPU each
    time would wait for all queued work (and writing ``[0, 1]`` to it would copy from the
    host, another wait). So the state is advanced on its device with a cached increment,
    and its host copy is remembered until anything else writes the state (see
    ``core.host_value``): one device read for a whole training run.
    """
    value = state._value
    if torch.compiler.is_compiling() or value.requires_grad or \
            scopes.in_symbolic_scope() or scopes.recording_assignments():
        return None  # the generic path (SeedGenerator.next) honours those scopes
    known = known_host_value(value)
    if known is None:
        known = tuple(int(v) for v in value.tolist())
    value.add_(_seed_increment(value.device, value.dtype))
    known = (known[0], known[1] + 1)
    remember_host_value(value, known)
    return known


_SEED_INCREMENTS = {}


def _seed_increment(device, dtype):
    """The ``(0, 1)`` tensor that advances a seed state, made once per device and dtype."""
    key = (device, dtype)
    if key not in _SEED_INCREMENTS:
        _SEED_INCREMENTS[key] = torch.tensor([0, 1], dtype=dtype).to(device)
    return _SEED_INCREMENTS[key]


def seed_from_int(seed):
    """Turn an int seed into the pair a draw takes."""
    return [0, int(seed)]


def manual_seed(seed):
    """Seed torch's own global generators."""
    torch.manual_seed(int(seed))
SEED_DTYPE = "int64"
