"""Regularization layers: SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
AlphaDropout and ActivityRegularization."""

import math

import numpy as np
import pytest

import lamina
from lamina import layers

from .layer_checks import config_round_trip
from .layer_checks import keras
from .layer_checks import random_array
from .layer_checks import to_numpy

RANDOM_LAYERS = [
    lambda: layers.SpatialDropout1D(0.5, seed=3),
    lambda: layers.SpatialDropout2D(0.5, seed=3),
    lambda: layers.SpatialDropout3D(0.5, seed=3),
    lambda: layers.GaussianNoise(0.5, seed=3),
    lambda: layers.GaussianDropout(0.5, seed=3),
    lambda: layers.AlphaDropout(0.5, seed=3),
]
SHAPES = {"SpatialDropout1D": (2, 3, 4), "SpatialDropout2D": (2, 3, 3, 4),
          "SpatialDropout3D": (2, 2, 2, 2, 4)}
SELU_ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


def _input_for(layer, seed=0):
    return random_array(*SHAPES.get(type(layer).__name__, (4, 6)), seed=seed, low=0.5,
                        high=1.5)


# -- behaviour shared by the random layers -----------------------------------------------------
@pytest.mark.parametrize("make", RANDOM_LAYERS)
@pytest.mark.parametrize("training", [False, None])
def test_random_layers_are_the_identity_when_not_training(make, training):
    layer = make()
    x = _input_for(layer)
    np.testing.assert_array_equal(to_numpy(layer(x, training=training)), x)


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_change_inputs_while_training(make):
    layer = make()
    x = _input_for(layer)
    assert not np.allclose(to_numpy(layer(x, training=True)), x)


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_repeat_with_the_same_seed(make):
    first, second = make(), make()
    x = _input_for(first)
    np.testing.assert_array_equal(to_numpy(first(x, training=True)),
                                  to_numpy(second(x, training=True)))


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_draw_anew_on_each_call(make):
    layer = make()
    x = _input_for(layer)
    assert not np.array_equal(to_numpy(layer(x, training=True)),
                              to_numpy(layer(x, training=True)))


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_support_masking(make):
    assert make().supports_masking


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_symbolic_output_shape(make):
    layer = make()
    shape = _input_for(layer).shape[1:]
    assert tuple(layer(lamina.Input(shape)).shape) == (None,) + tuple(shape)


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_config_has_keras_keys(make):
    layer = make()
    config = layer.get_config()
    k_layer = getattr(keras().layers, type(layer).__name__).from_config(config)
    assert set(config) == set(k_layer.get_config())


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_config_round_trip(make):
    layer = make()
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_random_layers_train_in_a_compiled_fit():
    # One model holds them all, so the compiled (jitted on JAX) step is traced once;
    # SpatialDropout2D/3D share SpatialDropout1D's code path.
    model = lamina.Sequential([
        lamina.Input((3, 4)),
        layers.SpatialDropout1D(0.3, seed=1),
        layers.GaussianNoise(0.1, seed=2),
        layers.GaussianDropout(0.2, seed=3),
        layers.AlphaDropout(0.1, seed=4),
        layers.Dense(1),
    ])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(random_array(4, 3, 4), np.zeros((4, 3, 1), "float32"), epochs=3,
                        verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and len(set(losses)) == 3


# -- SpatialDropout --------------------------------------------------------------------------
@pytest.mark.parametrize("layer_cls, shape, data_format, channel_axis", [
    (layers.SpatialDropout1D, (40, 3, 25), None, -1),
    (layers.SpatialDropout2D, (40, 2, 3, 25), "channels_last", -1),
    (layers.SpatialDropout2D, (40, 25, 2, 3), "channels_first", 1),
    (layers.SpatialDropout3D, (40, 2, 2, 2, 25), "channels_last", -1),
    (layers.SpatialDropout3D, (40, 25, 2, 2, 2), "channels_first", 1),
])
def test_spatial_dropout_drops_whole_channels_at_the_rate(layer_cls, shape, data_format,
                                                          channel_axis):
    kwargs = {} if data_format is None else {"data_format": data_format}
    rate = 0.3
    layer = layer_cls(rate, seed=1, **kwargs)
    x = random_array(*shape, low=1.0, high=2.0)
    out = to_numpy(layer(x, training=True))
    # (batch, channels, everything else): each channel is all dropped or all kept.
    per_channel = np.moveaxis(out / x, channel_axis, 1).reshape(shape[0], 25, -1)
    dropped = np.all(per_channel == 0, axis=-1)
    kept = np.all(np.isclose(per_channel, 1 / (1 - rate), rtol=1e-5), axis=-1)
    assert np.all(dropped | kept)
    assert dropped.mean() == pytest.approx(rate, abs=0.05)  # 1000 channels


@pytest.mark.parametrize("layer_cls, ndim", [(layers.SpatialDropout1D, 3),
                                             (layers.SpatialDropout2D, 4),
                                             (layers.SpatialDropout3D, 5)])
def test_spatial_dropout_rejects_wrong_rank_naming_the_layer(layer_cls, ndim):
    layer = layer_cls(0.5, name="sd")
    with pytest.raises(ValueError, match=rf'layer "sd".*expected ndim={ndim}, found ndim=2'):
        layer(random_array(2, 3))


@pytest.mark.parametrize("rate", [-0.1, 1.0, "half"])
def test_spatial_dropout_rejects_rate_outside_unit_interval(rate):
    with pytest.raises(ValueError, match=r"SpatialDropout2D: `rate` must be a number in \[0, 1\)"):
        layers.SpatialDropout2D(rate)


def test_spatial_dropout_is_a_dropout_like_in_keras():
    assert isinstance(layers.SpatialDropout1D(0.2), layers.Dropout)


def test_spatial_dropout_data_format_defaults_to_the_image_data_format():
    assert layers.SpatialDropout2D(0.2).get_config()["data_format"] == \
        lamina.backend.image_data_format()


def test_spatial_dropout_rejects_unknown_data_format():
    with pytest.raises(ValueError, match=r"data_format must be one of"):
        layers.SpatialDropout3D(0.2, data_format="channels_middle")


# -- GaussianNoise ---------------------------------------------------------------------------
def test_gaussian_noise_adds_zero_mean_noise_with_stddev():
    x = np.full((100, 200), 3.0, dtype="float32")
    noise = to_numpy(layers.GaussianNoise(0.4, seed=2)(x, training=True)) - x
    assert noise.mean() == pytest.approx(0.0, abs=0.02)
    assert noise.std() == pytest.approx(0.4, rel=0.03)


def test_gaussian_noise_with_zero_stddev_is_the_identity_while_training():
    x = random_array(3, 4)
    np.testing.assert_array_equal(to_numpy(layers.GaussianNoise(0.0)(x, training=True)), x)


@pytest.mark.parametrize("stddev", [-0.1, 1.5])
def test_gaussian_noise_rejects_stddev_outside_keras_range(stddev):
    with pytest.raises(ValueError, match=r"GaussianNoise: `stddev` must be a number in \[0, 1\]"):
        layers.GaussianNoise(stddev)


# -- GaussianDropout -------------------------------------------------------------------------
def test_gaussian_dropout_multiplies_by_one_centred_noise():
    rate = 0.2
    x = np.full((100, 200), 2.0, dtype="float32")
    factor = to_numpy(layers.GaussianDropout(rate, seed=2)(x, training=True)) / x
    assert factor.mean() == pytest.approx(1.0, abs=0.02)
    assert factor.std() == pytest.approx(math.sqrt(rate / (1 - rate)), rel=0.03)


@pytest.mark.parametrize("rate", [-0.1, 1.0])
def test_gaussian_dropout_rejects_rate_outside_unit_interval(rate):
    with pytest.raises(ValueError, match=r"GaussianDropout: `rate` must be a number in \[0, 1\)"):
        layers.GaussianDropout(rate)


# -- AlphaDropout ----------------------------------------------------------------------------
def _alpha_dropout_affine(rate):
    a = ((1 - rate) * (1 + rate * SELU_ALPHA_P ** 2)) ** -0.5
    return a, -a * SELU_ALPHA_P * rate


def test_alpha_dropout_keeps_or_saturates_each_entry_then_rescales():
    rate = 0.3
    x = random_array(50, 40, seed=4)
    out = to_numpy(layers.AlphaDropout(rate, seed=5)(x, training=True))
    a, b = _alpha_dropout_affine(rate)
    kept = np.isclose(out, a * x + b, rtol=1e-5, atol=1e-6)
    dropped = np.isclose(out, a * SELU_ALPHA_P + b, rtol=1e-5, atol=1e-6)
    assert np.all(kept | dropped)
    assert dropped.mean() == pytest.approx(rate, abs=0.03)


def test_alpha_dropout_preserves_zero_mean_and_unit_variance():
    x = np.random.default_rng(0).standard_normal((200, 200)).astype("float32")
    out = to_numpy(layers.AlphaDropout(0.2, seed=1)(x, training=True))
    assert out.mean() == pytest.approx(0.0, abs=0.03)
    assert out.std() == pytest.approx(1.0, abs=0.03)


def test_alpha_dropout_noise_shape_shares_the_mask_along_broadcast_axes():
    rate = 0.5
    x = random_array(8, 5, 6, seed=2)
    out = to_numpy(layers.AlphaDropout(rate, noise_shape=(None, 1, 6), seed=3)(
        x, training=True))
    a, b = _alpha_dropout_affine(rate)
    dropped = np.isclose(out, a * SELU_ALPHA_P + b, rtol=1e-5, atol=1e-6)
    assert np.all(dropped == dropped[:, :1, :])


def test_alpha_dropout_noise_shape_of_wrong_rank_raises():
    layer = layers.AlphaDropout(0.5, noise_shape=(None, 1), name="ad")
    with pytest.raises(ValueError, match=r'"ad": noise_shape=\(None, 1\) must have one entry'):
        layer(random_array(2, 3, 4), training=True)


@pytest.mark.parametrize("rate", [-0.1, 1.0])
def test_alpha_dropout_rejects_rate_outside_unit_interval(rate):
    with pytest.raises(ValueError, match=r"AlphaDropout: `rate` must be a number in \[0, 1\)"):
        layers.AlphaDropout(rate)


# -- ActivityRegularization ------------------------------------------------------------------
def _activity_penalty(x, l1, l2):
    return (l1 * np.abs(x).sum() + l2 * np.square(x).sum()) / x.shape[0]


def test_activity_regularization_passes_inputs_through():
    x = random_array(3, 4)
    np.testing.assert_array_equal(to_numpy(layers.ActivityRegularization(0.1)(x)), x)


@pytest.mark.parametrize("l1, l2", [(0.1, 0.0), (0.0, 0.2), (0.05, 0.3)])
def test_activity_regularization_penalty_is_in_layer_losses(l1, l2):
    layer = layers.ActivityRegularization(l1=l1, l2=l2)
    x = random_array(3, 4)
    layer(x)
    assert len(layer.losses) == 1
    assert float(to_numpy(layer.losses[0])) == pytest.approx(_activity_penalty(x, l1, l2),
                                                             rel=1e-5)


def test_activity_regularization_penalty_matches_keras():
    x = random_array(5, 3, 2)
    k_layer = keras().layers.ActivityRegularization(l1=0.1, l2=0.2)
    k_layer(x)
    layer = layers.ActivityRegularization(l1=0.1, l2=0.2)
    layer(x)
    expected = float(keras().ops.convert_to_numpy(k_layer.losses[0]))
    assert float(to_numpy(layer.losses[0])) == pytest.approx(expected, rel=1e-5)


def test_activity_regularization_penalty_joins_a_compiled_model_loss():
    x = random_array(4, 3)
    y = random_array(4, 3, seed=1)
    model = lamina.Sequential([lamina.Input((3,)), layers.ActivityRegularization(l1=0.1,
                                                                                 l2=0.2)])
    model.compile(optimizer="sgd", loss="mse")
    loss = model.evaluate(x, y, batch_size=4, verbose=0)
    expected = np.mean(np.square(x - y)) + _activity_penalty(x, 0.1, 0.2)
    assert loss == pytest.approx(expected, rel=1e-5)


def test_activity_regularization_losses_reset_on_each_call():
    layer = layers.ActivityRegularization(l1=0.1)
    layer(random_array(2, 3))
    layer(random_array(2, 3, seed=1))
    assert len(layer.losses) == 1


def test_activity_regularization_config_has_keras_keys_and_round_trips():
    layer = layers.ActivityRegularization(l1=0.1, l2=0.2)
    config = layer.get_config()
    assert set(config) == set(keras().layers.ActivityRegularization(0.1, 0.2).get_config())
    expected, rebuilt = config_round_trip(layer, random_array(2, 3))
    np.testing.assert_array_equal(rebuilt, expected)
    assert (config["l1"], config["l2"]) == (0.1, 0.2)


def test_activity_regularization_rejects_negative_factors():
    with pytest.raises(ValueError, match=r"`l1` must be a non-negative number"):
        layers.ActivityRegularization(l1=-1.0)
