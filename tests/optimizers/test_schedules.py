"""Learning-rate schedules against NumPy formulas and Keras 3; serialization; errors."""

import inspect
import math

import pytest

import lamina
from lamina import ops
from lamina.optimizers import schedules

STEPS = [0, 1, 3, 5, 10, 14, 25, 70]


def exponential(step, initial, decay_steps, rate, staircase=False):
    p = step / decay_steps
    return initial * rate ** (math.floor(p) if staircase else p)


def piecewise(step, boundaries, values):
    for boundary, value in zip(boundaries, values):
        if step <= boundary:
            return value
    return values[-1]


def polynomial(step, initial, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False):
    if cycle:
        decay_steps = decay_steps * max(1.0, math.ceil(step / decay_steps))
    else:
        step = min(step, decay_steps)
    span = initial - end_learning_rate
    return span * (1 - step / decay_steps) ** power + end_learning_rate


def inverse_time(step, initial, decay_steps, rate, staircase=False):
    p = step / decay_steps
    return initial / (1 + rate * (math.floor(p) if staircase else p))


def cosine(step, initial, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    if warmup_target is not None and step < warmup_steps:
        return initial + step / warmup_steps * (warmup_target - initial)
    peak = initial if warmup_target is None else warmup_target
    step = min(max(step - warmup_steps, 0), decay_steps)
    return peak * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * step / decay_steps)) + alpha)


def cosine_restarts(step, initial, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0):
    # Walk the periods one by one (independent of the closed form the schedule uses).
    period, peak = float(first_decay_steps), 1.0
    while step >= period:
        step -= period
        period *= t_mul
        peak *= m_mul
    fraction = step / period
    return initial * ((1 - alpha) * 0.5 * peak * (1 + math.cos(math.pi * fraction)) + alpha)


CASES = [
    ("ExponentialDecay", (0.1, 10, 0.5), {}, exponential),
    ("ExponentialDecay", (0.1, 10, 0.5), {"staircase": True}, exponential),
    ("PiecewiseConstantDecay", ([3, 10], [1.0, 0.5, 0.1]), {}, piecewise),
    ("PolynomialDecay", (0.1, 20), {}, polynomial),
    ("PolynomialDecay", (0.1, 20), {"end_learning_rate": 0.01, "power": 2.0}, polynomial),
    ("PolynomialDecay", (0.1, 20), {"power": 0.5, "cycle": True}, polynomial),
    ("InverseTimeDecay", (0.1, 5, 0.5), {}, inverse_time),
    ("InverseTimeDecay", (0.1, 5, 0.5), {"staircase": True}, inverse_time),
    ("CosineDecay", (0.1, 20), {}, cosine),
    ("CosineDecay", (0.1, 20), {"alpha": 0.1}, cosine),
    ("CosineDecay", (0.0, 20), {"warmup_target": 0.2, "warmup_steps": 5}, cosine),
    ("CosineDecayRestarts", (0.1, 4), {}, cosine_restarts),
    ("CosineDecayRestarts", (0.1, 4), {"t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1},
     cosine_restarts),
    ("CosineDecayRestarts", (0.1, 3), {"t_mul": 1.5, "m_mul": 0.8}, cosine_restarts),
]
IDS = [f"{name}-{i}" for i, (name, *_rest) in enumerate(CASES)]


def evaluate(schedule, step):
    return float(ops.convert_to_numpy(schedule(step)))


@pytest.mark.parametrize("name, args, kwargs, reference", CASES, ids=IDS)
def test_schedule_matches_numpy_formula(name, args, kwargs, reference):
    schedule = getattr(schedules, name)(*args, **kwargs)
    for step in STEPS:
        assert evaluate(schedule, step) == pytest.approx(reference(step, *args, **kwargs),
                                                         rel=1e-5, abs=1e-7), step


@pytest.mark.parametrize("name, args, kwargs, reference", CASES, ids=IDS)
def test_schedule_matches_keras(name, args, kwargs, reference):
    keras = pytest.importorskip("keras")
    ours = getattr(schedules, name)(*args, **kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    for step in STEPS:
        expected = float(keras.ops.convert_to_numpy(theirs(step)))
        assert evaluate(ours, step) == pytest.approx(expected, rel=1e-6, abs=1e-7), step


@pytest.mark.parametrize("name, args, kwargs, reference", CASES, ids=IDS)
def test_schedule_accepts_an_int_variable_step(name, args, kwargs, reference):
    schedule = getattr(schedules, name)(*args, **kwargs)
    step = lamina.backend.Variable(7, dtype="int64", trainable=False)
    assert evaluate(schedule, step) == pytest.approx(evaluate(schedule, 7))


@pytest.mark.parametrize("name, args, kwargs, reference", CASES, ids=IDS)
def test_serialize_matches_keras_and_round_trips(name, args, kwargs, reference):
    keras = pytest.importorskip("keras")
    ours = schedules.serialize(getattr(schedules, name)(*args, **kwargs))
    theirs = keras.optimizers.schedules.serialize(
        getattr(keras.optimizers.schedules, name)(*args, **kwargs))
    assert ours == theirs
    restored = schedules.deserialize(ours)
    assert type(restored).__name__ == name
    assert restored.get_config() == ours["config"]


def test_piecewise_constant_needs_one_more_value_than_boundaries():
    with pytest.raises(ValueError, match="1 less than the length of `values`"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1])


def test_non_positive_decay_steps_raise():
    with pytest.raises(ValueError, match="`decay_steps` must be a positive"):
        schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.5)


def test_base_schedule_call_must_be_overridden():
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        schedules.LearningRateSchedule()(1)


def test_deserialize_unknown_schedule_lists_valid_names():
    with pytest.raises(ValueError, match="ExponentialDecay"):
        schedules.deserialize({"class_name": "NoSuchDecay", "config": {}})


@pytest.mark.jax_only
@pytest.mark.parametrize("name, args, kwargs, reference", CASES, ids=IDS)
def test_schedule_traces_under_jax_jit(name, args, kwargs, reference):
    jax = pytest.importorskip("jax")
    schedule = getattr(schedules, name)(*args, **kwargs)
    compiled = jax.jit(schedule)
    for step in (0, 5, 14):
        assert float(compiled(ops.convert_to_tensor(step))) == pytest.approx(
            evaluate(schedule, step), rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("name", sorted({case[0] for case in CASES}))
def test_constructor_signature_matches_keras(name):
    keras = pytest.importorskip("keras")
    ours = inspect.signature(getattr(schedules, name).__init__)
    theirs = inspect.signature(getattr(keras.optimizers.schedules, name).__init__)
    assert str(ours) == str(theirs)
