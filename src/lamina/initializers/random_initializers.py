"""Random initializers: normal, uniform, truncated normal, variance scaling and its named
forms (Glorot, He, LeCun), and orthogonal.

An initializer built with an int ``seed`` gives the same values every call; with
``seed=None`` it draws its seed from Python's ``random`` at construction, so
``lamina.utils.set_random_seed`` makes it repeatable.
"""

import math

from lamina import backend
from lamina import ops
from lamina import random
from lamina.initializers.initializer import Initializer
from lamina.random.seed_generator import make_default_seed

_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "normal", "uniform")
# The standard deviation of a unit normal truncated to [-2, 2]; dividing by it makes the
# truncated draw have the intended variance.
_TRUNCATED_STDDEV = 0.87962566103423978


def compute_fans(shape, input_axes=None, output_axes=None):
    """``(fan_in, fan_out)`` of a weight shape, as Keras computes them.

    With both ``input_axes`` and ``output_axes`` given, the fans are the products of the
    sizes along those axes; otherwise a conv-like shape ``(..., in, out)`` counts its
    leading (receptive-field) axes into both fans.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (math.prod(shape[axis] for axis in input_axes),
                math.prod(shape[axis] for axis in output_axes))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class RandomInitializer(Initializer):
    """Base of the seeded initializers.

    Args:
        seed: an int (same values every call), a ``SeedGenerator``, or None.
    """

    def __init__(self, seed=None):
        self._init_seed = seed
        if seed is None:
            seed = make_default_seed()
        elif not isinstance(seed, (int, random.SeedGenerator)):
            raise ValueError(
                f"{type(self).__name__}: `seed` must be an int, a SeedGenerator or None, "
                f"got {seed!r}."
            )
        self.seed = seed

    def get_config(self):
        return {"seed": self._init_seed}


class RandomNormal(RandomInitializer):
    """Samples from a normal distribution.

    Args:
        mean: the mean. stddev: the standard deviation. seed: see ``RandomInitializer``.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        return random.normal(shape, mean=self.mean, stddev=self.stddev,
                             dtype=backend.standardize_dtype(dtype), seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(RandomInitializer):
    """Samples uniformly from ``[minval, maxval)``."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        return random.uniform(shape, minval=self.minval, maxval=self.maxval,
                              dtype=backend.standardize_dtype(dtype), seed=self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class TruncatedNormal(RandomInitializer):
    """Normal samples, redrawn when more than two standard deviations from the mean."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        return random.truncated_normal(shape, mean=self.mean, stddev=self.stddev,
                                       dtype=backend.standardize_dtype(dtype), seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class VarianceScaling(RandomInitializer):
    """Scales the spread of the draw to the weight's fan-in / fan-out.

    With ``n`` the fan picked by ``mode``, a normal draw has standard deviation
    ``sqrt(scale / n)`` and a uniform draw lies in ``[-limit, limit]`` with
    ``limit = sqrt(3 * scale / n)``.

    Args:
        scale: a positive float.
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``.
        distribution: ``"truncated_normal"``, ``"untruncated_normal"`` or ``"uniform"``.
        seed: see ``RandomInitializer``.
        input_axes, output_axes: optional lists of axes whose sizes multiply to the fan-in
            and fan-out (used only when both are given).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if scale <= 0.0:
            raise ValueError(f"VarianceScaling: `scale` must be positive, got {scale}.")
        if mode not in _MODES:
            raise ValueError(f"VarianceScaling: `mode` must be one of {_MODES}, got {mode!r}.")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in _DISTRIBUTIONS:
            raise ValueError(
                f"VarianceScaling: `distribution` must be one of {_DISTRIBUTIONS}, got "
                f"{distribution!r}."
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = _check_axes("input_axes", input_axes)
        self.output_axes = _check_axes("output_axes", output_axes)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        dtype = backend.standardize_dtype(dtype)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[
            self.mode
        ]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / _TRUNCATED_STDDEV
            return random.truncated_normal(shape, 0.0, stddev, dtype=dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random.normal(shape, 0.0, math.sqrt(scale), dtype=dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random.uniform(shape, -limit, limit, dtype=dtype, seed=self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                **super().get_config(), "input_axes": self.input_axes,
                "output_axes": self.output_axes}


def _check_axes(name, axes):
    if axes is None:
        return None
    if isinstance(axes, int):
        axes = [axes]
    if not all(isinstance(axis, int) for axis in axes):
        raise ValueError(
            f"VarianceScaling: `{name}` must be a list of ints or None, got {axes!r}."
        )
    return list(axes)


def _named_variance_scaling(class_name, scale, mode, distribution, doc):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution,
                                 seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": self._init_seed, "input_axes": self.input_axes,
                "output_axes": self.output_axes}

    return type(class_name, (VarianceScaling,), {
        "__init__": __init__, "get_config": get_config, "__doc__": doc,
        "__module__": __name__,
    })


GlorotUniform = _named_variance_scaling(
    "GlorotUniform", 1.0, "fan_avg", "uniform",
    "Glorot (Xavier) uniform: limit ``sqrt(6 / (fan_in + fan_out))``.\n\n"
    "Args:\n    seed: an int, a SeedGenerator or None.\n    input_axes, output_axes: see "
    "``VarianceScaling``.")
GlorotNormal = _named_variance_scaling(
    "GlorotNormal", 1.0, "fan_avg", "truncated_normal",
    "Glorot (Xavier) normal: truncated normal, stddev ``sqrt(2 / (fan_in + fan_out))``.\n\n"
    "Args:\n    seed: an int, a SeedGenerator or None.\n    input_axes, output_axes: see "
    "``VarianceScaling``.")
HeUniform = _named_variance_scaling(
    "HeUniform", 2.0, "fan_in", "uniform",
    "He uniform: limit ``sqrt(6 / fan_in)``.\n\n"
    "Args:\n    seed: an int, a SeedGenerator or None.\n    input_axes, output_axes: see "
    "``VarianceScaling``.")
HeNormal = _named_variance_scaling(
    "HeNormal", 2.0, "fan_in", "truncated_normal",
    "He normal: truncated normal, stddev ``sqrt(2 / fan_in)``.\n\n"
    "Args:\n    seed: an int, a SeedGenerator or None.\n    input_axes, output_axes: see "
    "``VarianceScaling``.")
LecunUniform = _named_variance_scaling(
    "LecunUniform", 1.0, "fan_in", "uniform",
    "LeCun uniform: limit ``sqrt(3 / fan_in)``.\n\n"
    "Args:\n    seed: an int, a SeedGenerator or None.\n    input_axes, output_axes: see "
    "``VarianceScaling``.")
LecunNormal = _named_variance_scaling(
    "LecunNormal", 1.0, "fan_in", "truncated_normal",
    "LeCun normal: truncated normal, stddev ``sqrt(1 / fan_in)``.\n\n"
    "Args:\n    seed: an int, a SeedGenerator or None.\n    input_axes, output_axes: see "
    "``VarianceScaling``.")


class Orthogonal(RandomInitializer):
    """An orthogonal matrix (from the QR decomposition of a normal draw) times ``gain``.

    For more than two dimensions, the shape is flattened to
    ``(prod(shape[:-1]), shape[-1])``.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        dtype = backend.standardize_dtype(dtype)
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal initializer needs a shape of rank >= 2, got shape={tuple(shape)}."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = (max(rows, cols), min(rows, cols))
        draw = random.normal(flat, dtype="float32", seed=self.seed)
        q, r = ops.qr(draw)
        # Multiplying by the signs of diag(r) makes the decomposition unique.
        q = ops.multiply(q, ops.sign(ops.diagonal(r)))
        if rows < cols:
            q = ops.transpose(q)
        return ops.cast(ops.reshape(ops.multiply(q, self.gain), shape), dtype)

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}
