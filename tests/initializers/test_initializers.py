"""lamina.initializers: exact values, draw statistics from the formulas, seeding, configs and
parity with Keras 3's configs and names."""

import math

import numpy as np
import pytest

import lamina
from lamina import initializers
from lamina import ops
from lamina.initializers.random_initializers import compute_fans

# A large draw (240k values) makes sample statistics tight: the relative error of a sample
# variance is about sqrt(2 / n) ~ 0.3%, so 3% tolerances never flake.
BIG = (400, 600)
FAN_IN, FAN_OUT = BIG
CONV = (3, 3, 16, 32)  # kh, kw, in, out: fan_in = 3*3*16, fan_out = 3*3*32
# Most tests share one small shape: JAX compiles each new shape once, so few shapes = fast.
SMALL = (4, 5)
CONV_BIG = (3, 3, 64, 128)  # 73,728 values for statistics on a conv kernel
TRUNCATED_STDDEV = 0.87962566103423978  # std of a unit normal cut to [-2, 2]

RANDOM_CLASSES = [
    "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "LecunNormal", "LecunUniform",
    "Orthogonal", "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling",
]
ALL_CLASSES = sorted(RANDOM_CLASSES + ["Constant", "Identity", "Ones", "Zeros"])


def _draw(initializer, shape=BIG, dtype=None):
    return ops.convert_to_numpy(initializer(shape, dtype=dtype)).astype("float64")


# -- shapes and dtypes -------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL_CLASSES)
def test_initializer_returns_requested_shape_in_float32(name):
    value = ops.convert_to_numpy(getattr(initializers, name)()(SMALL))
    assert value.shape == SMALL
    assert value.dtype == np.float32


@pytest.mark.parametrize("name", ALL_CLASSES)
def test_initializer_honours_dtype_argument(name):
    value = getattr(initializers, name)()(SMALL, dtype="float16")
    assert lamina.backend.standardize_dtype(value.dtype) == "float16"


# -- constant initializers ---------------------------------------------------------------------
def test_zeros_is_all_zero():
    np.testing.assert_array_equal(_draw(initializers.Zeros(), (2, 3)), np.zeros((2, 3)))


def test_ones_is_all_one():
    np.testing.assert_array_equal(_draw(initializers.Ones(), (2, 3)), np.ones((2, 3)))


def test_constant_fills_with_value():
    np.testing.assert_array_equal(_draw(initializers.Constant(2.5), (2, 3)),
                                  np.full((2, 3), 2.5))


def test_constant_default_value_is_zero():
    np.testing.assert_array_equal(_draw(initializers.Constant(), (2,)), np.zeros(2))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
def test_identity_is_eye_times_gain(shape):
    np.testing.assert_array_equal(_draw(initializers.Identity(gain=3.0), shape),
                                  3.0 * np.eye(*shape))


def test_identity_rejects_non_2d_shape():
    with pytest.raises(ValueError, match=r"only for 2-D shapes, got shape=\(2, 2, 2\)"):
        initializers.Identity()((2, 2, 2))


# -- random distributions ----------------------------------------------------------------------
def test_random_normal_has_requested_mean_and_stddev():
    values = _draw(initializers.RandomNormal(mean=1.0, stddev=0.5, seed=3))
    assert abs(values.mean() - 1.0) < 0.01
    assert values.std() == pytest.approx(0.5, rel=0.03)


def test_random_uniform_stays_in_bounds_with_uniform_moments():
    values = _draw(initializers.RandomUniform(minval=-1.0, maxval=3.0, seed=3))
    assert values.min() >= -1.0 and values.max() <= 3.0
    assert values.mean() == pytest.approx(1.0, abs=0.02)
    assert values.var() == pytest.approx(16.0 / 12.0, rel=0.03)


def test_truncated_normal_stays_within_two_stddev():
    values = _draw(initializers.TruncatedNormal(mean=0.5, stddev=0.1, seed=3))
    assert values.min() >= 0.5 - 0.2 - 1e-6 and values.max() <= 0.5 + 0.2 + 1e-6
    assert values.mean() == pytest.approx(0.5, abs=0.002)
    assert values.std() == pytest.approx(0.1 * TRUNCATED_STDDEV, rel=0.03)


def _mean_tolerance(values, stddev):
    # Five standard errors of the sample mean.
    return 5.0 * stddev / math.sqrt(values.size)


def _check_uniform(values, limit):
    assert np.abs(values).max() <= limit * (1 + 1e-6)
    assert np.abs(values).max() > 0.99 * limit  # the draw really spans the whole range
    assert abs(values.mean()) < _mean_tolerance(values, limit / math.sqrt(3.0))
    assert values.var() == pytest.approx(limit**2 / 3.0, rel=0.03)


def _check_truncated(values, stddev):
    # Drawn from a normal with stddev / 0.8796 cut at 2 of those: the result has `stddev`.
    assert np.abs(values).max() <= 2.0 * stddev / TRUNCATED_STDDEV * (1 + 1e-6)
    assert abs(values.mean()) < _mean_tolerance(values, stddev)
    assert values.std() == pytest.approx(stddev, rel=0.03)


def test_glorot_uniform_limit_and_variance():
    _check_uniform(_draw(initializers.GlorotUniform(seed=1)),
                   math.sqrt(6.0 / (FAN_IN + FAN_OUT)))


def test_glorot_normal_is_truncated_with_glorot_stddev():
    _check_truncated(_draw(initializers.GlorotNormal(seed=1)),
                     math.sqrt(2.0 / (FAN_IN + FAN_OUT)))


def test_he_uniform_limit_and_variance():
    _check_uniform(_draw(initializers.HeUniform(seed=1)), math.sqrt(6.0 / FAN_IN))


def test_he_normal_stddev_is_sqrt_two_over_fan_in():
    _check_truncated(_draw(initializers.HeNormal(seed=1)), math.sqrt(2.0 / FAN_IN))


def test_lecun_uniform_limit_and_variance():
    _check_uniform(_draw(initializers.LecunUniform(seed=1)), math.sqrt(3.0 / FAN_IN))


def test_lecun_normal_stddev_is_sqrt_one_over_fan_in():
    _check_truncated(_draw(initializers.LecunNormal(seed=1)), math.sqrt(1.0 / FAN_IN))


def test_variance_scaling_untruncated_normal_fan_out():
    init = initializers.VarianceScaling(scale=3.0, mode="fan_out",
                                        distribution="untruncated_normal", seed=1)
    values = _draw(init)
    assert values.std() == pytest.approx(math.sqrt(3.0 / FAN_OUT), rel=0.03)
    # Untruncated: some values lie beyond two standard deviations.
    assert np.abs(values).max() > 3.0 * math.sqrt(3.0 / FAN_OUT)


def test_variance_scaling_uniform_fan_avg():
    init = initializers.VarianceScaling(scale=0.5, mode="fan_avg", distribution="uniform",
                                        seed=1)
    _check_uniform(_draw(init), math.sqrt(3.0 * 0.5 / ((FAN_IN + FAN_OUT) / 2.0)))


def test_variance_scaling_normal_means_truncated_normal():
    init = initializers.VarianceScaling(distribution="normal")
    assert init.distribution == "truncated_normal"


# -- fans ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,fans", [
    ((), (1, 1)),
    ((7,), (7, 7)),
    ((5, 9), (5, 9)),
    ((4, 6, 8), (24, 32)),
    (CONV, (144, 288)),
    ((2, 3, 3, 16, 32), (288, 576)),
])
def test_compute_fans_counts_receptive_field(shape, fans):
    assert compute_fans(shape) == fans


def test_compute_fans_uses_explicit_axes():
    assert compute_fans((10, 20, 30, 40), input_axes=[0, 1], output_axes=[2, 3]) == (200, 1200)


def test_he_uniform_limit_uses_conv_fan_in():
    values = _draw(initializers.HeUniform(seed=2), CONV_BIG)
    _check_uniform(values, math.sqrt(6.0 / (3 * 3 * 64)))


def test_glorot_normal_stddev_uses_conv_fans():
    values = _draw(initializers.GlorotNormal(seed=2), CONV_BIG)
    _check_truncated(values, math.sqrt(2.0 / (3 * 3 * 64 + 3 * 3 * 128)))


def test_variance_scaling_input_output_axes_set_the_fans():
    init = initializers.VarianceScaling(scale=1.0, mode="fan_in", distribution="uniform",
                                        seed=1, input_axes=[0, 1], output_axes=[2])
    _check_uniform(_draw(init, (20, 30, 400)), math.sqrt(3.0 / 600))


def test_variance_scaling_axes_limit_matches_keras():
    keras = pytest.importorskip("keras")
    kwargs = {"scale": 1.0, "mode": "fan_out", "distribution": "uniform", "seed": 1,
              "input_axes": [0], "output_axes": [1, 2]}
    shape = (50, 20, 30)
    ours = np.abs(_draw(initializers.VarianceScaling(**kwargs), shape)).max()
    theirs = np.abs(keras.ops.convert_to_numpy(
        keras.initializers.VarianceScaling(**kwargs)(shape))).max()
    assert ours == pytest.approx(theirs, rel=0.01)


# -- seeding -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", RANDOM_CLASSES)
def test_seeded_initializer_repeats_across_calls(name):
    init = getattr(initializers, name)(seed=42)
    np.testing.assert_array_equal(_draw(init, SMALL), _draw(init, SMALL))


@pytest.mark.parametrize("name", RANDOM_CLASSES)
def test_same_seed_gives_same_values_across_instances(name):
    cls = getattr(initializers, name)
    np.testing.assert_array_equal(_draw(cls(seed=7), SMALL), _draw(cls(seed=7), SMALL))


@pytest.mark.parametrize("name", RANDOM_CLASSES)
def test_different_seeds_give_different_values(name):
    cls = getattr(initializers, name)
    assert not np.array_equal(_draw(cls(seed=1), SMALL), _draw(cls(seed=2), SMALL))


@pytest.mark.parametrize("name", RANDOM_CLASSES)
def test_unseeded_instances_differ(name):
    cls = getattr(initializers, name)
    assert not np.array_equal(_draw(cls(), SMALL), _draw(cls(), SMALL))


def test_unseeded_initializer_repeats_across_calls_like_keras():
    # Keras 3: "an initializer seeded with an integer or None will produce the same values
    # across multiple calls".
    init = initializers.GlorotUniform()
    np.testing.assert_array_equal(_draw(init, SMALL), _draw(init, SMALL))


def test_seed_generator_gives_new_values_each_call():
    init = initializers.RandomNormal(seed=lamina.random.SeedGenerator(3))
    assert not np.array_equal(_draw(init, SMALL), _draw(init, SMALL))


@pytest.mark.parametrize("name", RANDOM_CLASSES)
def test_set_random_seed_makes_unseeded_initializers_repeatable(name):
    cls = getattr(initializers, name)
    lamina.utils.set_random_seed(123)
    first = _draw(cls(), SMALL)
    lamina.utils.set_random_seed(123)
    np.testing.assert_array_equal(_draw(cls(), SMALL), first)


def test_bad_seed_type_is_rejected():
    with pytest.raises(ValueError, match=r"`seed` must be an int, a SeedGenerator or None, "
                                         r"got 'abc'"):
        initializers.RandomNormal(seed="abc")


# -- orthogonal ----------------------------------------------------------------------------------
def test_orthogonal_square_matrix_is_orthogonal():
    w = _draw(initializers.Orthogonal(seed=1), (6, 6))
    np.testing.assert_allclose(w.T @ w, np.eye(6), atol=1e-5)
    np.testing.assert_allclose(w @ w.T, np.eye(6), atol=1e-5)


def test_orthogonal_tall_matrix_has_orthonormal_columns():
    w = _draw(initializers.Orthogonal(seed=1), (8, 3))
    np.testing.assert_allclose(w.T @ w, np.eye(3), atol=1e-5)


def test_orthogonal_wide_matrix_has_orthonormal_rows():
    w = _draw(initializers.Orthogonal(seed=1), (3, 8))
    np.testing.assert_allclose(w @ w.T, np.eye(3), atol=1e-5)


def test_orthogonal_gain_scales_the_matrix():
    w = _draw(initializers.Orthogonal(gain=2.0, seed=1), (6, 6))
    np.testing.assert_allclose(w.T @ w, 4.0 * np.eye(6), atol=1e-5)


def test_orthogonal_conv_kernel_flattens_to_orthonormal_columns():
    w = _draw(initializers.Orthogonal(seed=1), (2, 2, 2, 3)).reshape(8, 3)
    np.testing.assert_allclose(w.T @ w, np.eye(3), atol=1e-5)


def test_orthogonal_rejects_rank_one_shape():
    with pytest.raises(ValueError, match=r"rank >= 2, got shape=\(5,\)"):
        initializers.Orthogonal()((5,))


# -- argument checks -----------------------------------------------------------------------------
def test_variance_scaling_rejects_non_positive_scale():
    with pytest.raises(ValueError, match="`scale` must be positive, got 0"):
        initializers.VarianceScaling(scale=0.0)


def test_variance_scaling_rejects_unknown_mode():
    with pytest.raises(ValueError, match="`mode` must be one of .*fan_in.*got 'fan_sum'"):
        initializers.VarianceScaling(mode="fan_sum")


def test_variance_scaling_rejects_unknown_distribution():
    with pytest.raises(ValueError, match="`distribution` must be one of .*got 'cauchy'"):
        initializers.VarianceScaling(distribution="cauchy")


def test_variance_scaling_rejects_non_int_axes():
    with pytest.raises(ValueError, match="`input_axes` must be a list of ints"):
        initializers.VarianceScaling(input_axes=["a"], output_axes=[1])


# -- configs -------------------------------------------------------------------------------------
CONFIGURED = [
    initializers.Constant(1.5),
    initializers.Identity(gain=2.0),
    initializers.Ones(),
    initializers.Zeros(),
    initializers.RandomNormal(mean=0.1, stddev=0.2, seed=3),
    initializers.RandomUniform(minval=-2.0, maxval=1.0, seed=3),
    initializers.TruncatedNormal(mean=0.2, stddev=0.3, seed=3),
    initializers.VarianceScaling(scale=2.0, mode="fan_avg", distribution="uniform", seed=3),
    initializers.VarianceScaling(seed=3, input_axes=[0], output_axes=[1]),
    initializers.GlorotUniform(seed=3),
    initializers.GlorotNormal(seed=3),
    initializers.HeUniform(seed=3),
    initializers.HeNormal(seed=3),
    initializers.LecunUniform(seed=3),
    initializers.LecunNormal(seed=3),
    initializers.Orthogonal(gain=0.5, seed=3),
]
CONFIGURED_IDS = [type(i).__name__ for i in CONFIGURED]


@pytest.mark.parametrize("init", CONFIGURED, ids=CONFIGURED_IDS)
def test_config_round_trip_keeps_config(init):
    clone = type(init).from_config(init.get_config())
    assert clone.get_config() == init.get_config()


@pytest.mark.parametrize("init", CONFIGURED, ids=CONFIGURED_IDS)
def test_config_round_trip_keeps_values(init):
    clone = type(init).from_config(init.get_config())
    np.testing.assert_array_equal(_draw(clone, SMALL), _draw(init, SMALL))


@pytest.mark.parametrize("init", CONFIGURED, ids=CONFIGURED_IDS)
def test_serialize_deserialize_round_trip(init):
    restored = initializers.deserialize(initializers.serialize(init))
    assert type(restored) is type(init)
    assert restored.get_config() == init.get_config()


def test_clone_copies_configuration():
    init = initializers.RandomNormal(stddev=0.3, seed=5)
    assert init.clone().get_config() == init.get_config()


@pytest.mark.parametrize("name", sorted(set(ALL_CLASSES) - {"Identity"}))
def test_default_config_matches_keras(name):
    keras = pytest.importorskip("keras")
    kwargs = {"value": 0.0} if name == "Constant" else {}
    ours = getattr(initializers, name)(**kwargs).get_config()
    theirs = getattr(keras.initializers, name)(**kwargs).get_config()
    assert ours == theirs


@pytest.mark.parametrize("name", RANDOM_CLASSES)
def test_from_config_accepts_keras_config(name):
    keras = pytest.importorskip("keras")
    theirs = getattr(keras.initializers, name)(seed=11).get_config()
    ours = getattr(initializers, name).from_config(theirs)
    assert ours.get_config() == theirs


def test_identity_from_config_accepts_keras_config():
    keras = pytest.importorskip("keras")
    # Keras 3.15 writes Identity's config as {} (gain left out): loading must still work.
    config = keras.initializers.Identity().get_config()
    init = initializers.Identity.from_config(config)
    np.testing.assert_array_equal(_draw(init, (2, 2)), np.eye(2))


@pytest.mark.parametrize("name", RANDOM_CLASSES)
def test_deserialize_reads_keras_serialized_dict(name):
    keras = pytest.importorskip("keras")
    config = keras.initializers.serialize(getattr(keras.initializers, name)(seed=4))
    restored = initializers.deserialize(config)
    assert type(restored).__name__ == name
    assert restored.get_config() == config["config"]


@pytest.mark.parametrize("init", CONFIGURED, ids=CONFIGURED_IDS)
def test_serialize_matches_keras_layout(init):
    config = initializers.serialize(init)
    assert config == {"module": "keras.initializers", "class_name": type(init).__name__,
                      "config": init.get_config(), "registered_name": None}


# -- get and string aliases ----------------------------------------------------------------------
@pytest.mark.parametrize("alias", sorted(initializers.ALIASES))
def test_string_alias_gives_an_instance_of_its_class(alias):
    assert type(initializers.get(alias)) is initializers.ALIASES[alias]


@pytest.mark.parametrize("alias", sorted(set(initializers.ALIASES) - {"constant"}))
def test_string_alias_matches_keras(alias):
    keras = pytest.importorskip("keras")
    assert type(initializers.get(alias)).__name__ == type(keras.initializers.get(alias)).__name__


@pytest.mark.parametrize("name", ALL_CLASSES + ["IdentityInitializer", "OrthogonalInitializer"])
def test_class_name_string_gives_an_instance(name):
    assert isinstance(initializers.get(name), initializers.Initializer)


@pytest.mark.parametrize("name", ["glorot_uniform", "he_normal", "zeros", "orthogonal",
                                  "truncated_normal", "variance_scaling", "constant"])
def test_snake_case_class_alias_is_exported_like_keras(name):
    keras = pytest.importorskip("keras")
    assert getattr(initializers, name).__name__ == getattr(keras.initializers, name).__name__


def test_get_passes_an_instance_through():
    init = initializers.HeNormal(seed=1)
    assert initializers.get(init) is init


def test_get_instantiates_a_class():
    assert type(initializers.get(initializers.Ones)) is initializers.Ones


def test_get_reads_a_config_dict():
    init = initializers.get({"class_name": "RandomUniform",
                             "config": {"minval": 0.0, "maxval": 2.0, "seed": 1}})
    assert (init.minval, init.maxval) == (0.0, 2.0)


def test_get_passes_a_plain_callable_through():
    def custom(shape, dtype=None):
        return ops.ones(shape, dtype=dtype)

    assert initializers.get(custom) is custom


def test_get_none_returns_none():
    assert initializers.get(None) is None


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown initializer: 'glorot'") as info:
        initializers.get("glorot")
    for name in ("glorot_uniform", "he_normal", "zeros", "Orthogonal"):
        assert name in str(info.value)


def test_get_uninterpretable_identifier_raises():
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 3"):
        initializers.get(3)
