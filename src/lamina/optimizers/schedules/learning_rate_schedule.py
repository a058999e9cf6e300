"""Learning-rate schedules: callables that map the optimizer's step count to a learning rate.

Pass one as an optimizer's ``learning_rate`` and the optimizer evaluates it at its
``iterations`` every step. Every schedule is written with ``lamina.ops`` only, so ``step`` may
be a Python number, a Variable or a traced tensor inside a compiled train step. Callbacks that
change the learning rate between epochs live in ``lamina.callbacks``, not here.
"""

import math

from lamina import backend
from lamina import ops


class LearningRateSchedule:
    """The base of every learning-rate schedule: ``schedule(step) -> learning rate``.

    Subclasses implement ``__call__(step)`` with ``lamina.ops`` (so it traces) and
    ``get_config()`` returning the constructor arguments.

    Example:
        >>> class Halving(LearningRateSchedule):
        ...     def __init__(self, initial_learning_rate):
        ...         self.initial_learning_rate = initial_learning_rate
        ...     def __call__(self, step):
        ...         return self.initial_learning_rate / (ops.cast(step, "float32") + 1.0)
        ...     def get_config(self):
        ...         return {"initial_learning_rate": self.initial_learning_rate}
        >>> optimizer = lamina.optimizers.SGD(learning_rate=Halving(0.1))
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"abstract: learning rate schedule {type(self).__name__!r} must override "
            "`__call__(self, step)`."
        )

    def get_config(self):
        """The constructor arguments as a dict; subclasses must override it."""
        raise NotImplementedError(
            f"abstract: learning rate schedule {type(self).__name__!r} must override "
            "`get_config()` "
            "to be saved."
        )

    @classmethod
    def from_config(cls, config):
        """Create a schedule from the output of ``get_config()``."""
        return cls(**config)


def _as_float(step):
    """The step as a floatx tensor (it may be an int Variable or a traced int)."""
    return ops.cast(step, backend.floatx())


def _check_positive(name, value, schedule):
    if value is None or value <= 0:
        raise ValueError(
            f"{schedule}: `{name}` must be a positive number of steps. Received: "
            f"{name}={value!r}."
        )


class ExponentialDecay(LearningRateSchedule):
    """Exponential decay: ``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive int; the rate is multiplied by ``decay_rate`` every
            ``decay_steps`` steps.
        decay_rate: the multiplier per ``decay_steps``.
        staircase: if True, ``step / decay_steps`` is floored, so the rate drops in steps.
        name: the schedule's name, ``"ExponentialDecay"`` by default.

    Returns:
        Called with a step, the learning rate as a scalar floatx tensor.

    Example:
        >>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
        >>> round(float(ops.convert_to_numpy(schedule(10))), 6)
        0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        _check_positive("decay_steps", decay_steps, "ExponentialDecay")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        progress = _as_float(step) / self.decay_steps
        if self.staircase:
            progress = ops.floor(progress)
        return self.initial_learning_rate * ops.power(
            ops.cast(self.decay_rate, backend.floatx()), progress
        )

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """A constant learning rate per interval of steps.

    The rate is ``values[0]`` while ``step <= boundaries[0]``, ``values[1]`` while
    ``boundaries[0] < step <= boundaries[1]``, ..., and ``values[-1]`` after the last boundary.

    Args:
        boundaries: strictly increasing step numbers.
        values: the rates, one more than ``boundaries``.
        name: the schedule's name, ``"PiecewiseConstant"`` by default.

    Returns:
        Called with a step, the learning rate as a scalar floatx tensor.

    Example:
        >>> schedule = PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])
        >>> float(ops.convert_to_numpy(schedule(150)))
        0.5
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: the length of `boundaries` should be 1 less than "
                f"the length of `values`. Received: boundaries={boundaries} of length "
                f"{len(boundaries)}, and values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = _as_float(step)
        # Walk the boundaries in order; each one passed replaces the value (traceable).
        rate = ops.cast(self.values[0], backend.floatx())
        for boundary, value in zip(self.boundaries, self.values[1:]):
            rate = ops.where(ops.greater(step, float(boundary)),
                             ops.cast(value, backend.floatx()), rate)
        return rate

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from ``initial_learning_rate`` to ``end_learning_rate``.

    ``rate = (initial - end) * (1 - step / decay_steps) ** power + end``, with ``step`` held
    at ``decay_steps`` afterwards; with ``cycle=True`` the decay restarts over the first
    multiple of ``decay_steps`` that is at least ``step``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive int, the length of the decay.
        end_learning_rate: the final learning rate, ``0.0001`` by default.
        power: the polynomial's power, ``1.0`` (linear) by default.
        cycle: whether to cycle beyond ``decay_steps``.
        name: the schedule's name, ``"PolynomialDecay"`` by default.

    Returns:
        Called with a step, the learning rate as a scalar floatx tensor.

    Example:
        >>> schedule = PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0)
        >>> round(float(ops.convert_to_numpy(schedule(5))), 6)
        0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                 power=1.0, cycle=False, name="PolynomialDecay"):
        _check_positive("decay_steps", decay_steps, "PolynomialDecay")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = _as_float(step)
        decay_steps = ops.cast(self.decay_steps, backend.floatx())
        if self.cycle:
            # Step 0 belongs to the first cycle (ceil(0) would make the period 0).
            cycles = ops.where(ops.equal(step, 0.0), 1.0, ops.ceil(step / decay_steps))
            decay_steps = decay_steps * cycles
        else:
            step = ops.minimum(step, decay_steps)
        remaining = 1.0 - step / decay_steps
        span = self.initial_learning_rate - self.end_learning_rate
        return span * ops.power(remaining, float(self.power)) + self.end_learning_rate

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    """Inverse time decay: ``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number; how often the decay applies.
        decay_rate: the decay rate.
        staircase: if True, ``step / decay_steps`` is floored.
        name: the schedule's name, ``"InverseTimeDecay"`` by default.

    Returns:
        Called with a step, the learning rate as a scalar floatx tensor.

    Example:
        >>> schedule = InverseTimeDecay(0.1, decay_steps=1, decay_rate=1.0)
        >>> round(float(ops.convert_to_numpy(schedule(1))), 6)
        0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        _check_positive("decay_steps", decay_steps, "InverseTimeDecay")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        progress = _as_float(step) / self.decay_steps
        if self.staircase:
            progress = ops.floor(progress)
        return self.initial_learning_rate / (1.0 + self.decay_rate * progress)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


def _cosine_factor(fraction, alpha):
    """``(1 - alpha) * 0.5 * (1 + cos(pi * fraction)) + alpha`` for fraction in [0, 1]."""
    cosine = 0.5 * (1.0 + ops.cos(math.pi * fraction))
    return (1.0 - alpha) * cosine + alpha


class CosineDecay(LearningRateSchedule):
    """Cosine decay (SGDR without restarts), optionally after a linear warmup.

    Without ``warmup_target`` the rate follows
    ``initial_learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha)``
    and stays at ``initial_learning_rate * alpha`` after ``decay_steps``. With
    ``warmup_target`` it first rises linearly from ``initial_learning_rate`` to
    ``warmup_target`` over ``warmup_steps`` steps, then decays from ``warmup_target``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive int, the length of the decay.
        alpha: the final rate as a fraction of the peak rate, ``0.0`` by default.
        name: the schedule's name, ``"CosineDecay"`` by default.
        warmup_target: the rate reached at the end of the warmup; None skips the warmup.
        warmup_steps: the length of the warmup, ``0`` by default.

    Returns:
        Called with a step, the learning rate as a scalar floatx tensor.

    Example:
        >>> schedule = CosineDecay(0.1, decay_steps=10)
        >>> round(float(ops.convert_to_numpy(schedule(5))), 6)
        0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_positive("decay_steps", decay_steps, "CosineDecay")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def __call__(self, step):
        step = _as_float(step)
        if self.warmup_target is None:
            fraction = ops.minimum(step, float(self.decay_steps)) / self.decay_steps
            return self.initial_learning_rate * _cosine_factor(fraction, self.alpha)
        warmup_steps = float(self.warmup_steps)
        # Both branches are computed and one is picked, so the schedule traces; max(1, .)
        # keeps the unused warmup branch finite when warmup_steps is 0.
        warmup_rate = self.initial_learning_rate + (
            step / max(warmup_steps, 1.0)
        ) * (self.warmup_target - self.initial_learning_rate)
        decay_step = ops.minimum(ops.maximum(step - warmup_steps, 0.0), float(self.decay_steps))
        decay_rate = self.warmup_target * _cosine_factor(decay_step / self.decay_steps,
                                                         self.alpha)
        return ops.where(ops.less(step, warmup_steps), warmup_rate, decay_rate)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2016).

    The rate decays like ``CosineDecay`` over ``first_decay_steps`` steps, then restarts;
    each period is ``t_mul`` times longer than the previous one and starts at ``m_mul``
    times its peak rate.

    Args:
        initial_learning_rate: the learning rate at step 0.
        first_decay_steps: positive int, the length of the first period.
        t_mul: how much longer each period is than the previous one, ``2.0`` by default.
        m_mul: how much lower each period's peak is than the previous one, ``1.0`` by default.
        alpha: the lowest rate as a fraction of ``initial_learning_rate``, ``0.0`` by default.
        name: the schedule's name, ``"SGDRDecay"`` by default.

    Returns:
        Called with a step, the learning rate as a scalar floatx tensor.

    Example:
        >>> schedule = CosineDecayRestarts(0.1, first_decay_steps=10)
        >>> round(float(ops.convert_to_numpy(schedule(10))), 6)  # the first restart
        0.1
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        _check_positive("first_decay_steps", first_decay_steps, "CosineDecayRestarts")
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = _as_float(step) / self.first_decay_steps
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            restart = ops.floor(fraction)
            fraction = fraction - restart
        else:
            # Periods grow geometrically: period i starts after (1 - t_mul**i) / (1 - t_mul)
            # first periods; invert that sum to find the period and the place in it.
            restart = ops.floor(ops.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            periods_before = (1.0 - ops.power(t_mul, restart)) / (1.0 - t_mul)
            fraction = (fraction - periods_before) / ops.power(t_mul, restart)
        peak = ops.power(float(self._m_mul), restart)
        cosine = 0.5 * peak * (1.0 + ops.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }
