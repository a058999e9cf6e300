"""RMSNormalization: NumPy reference, Keras 3 parity with the same weights, config and
errors."""

import numpy as np
import pytest

import lamina
from lamina import ops


def _reference(x, scale, axes, epsilon):
    mean_square = np.mean(np.square(x.astype("float64")), axis=tuple(axes), keepdims=True)
    shape = [x.shape[a] if a in [b % x.ndim for b in axes] else 1 for a in range(x.ndim)]
    return x / np.sqrt(mean_square + epsilon) * np.reshape(scale, shape)


@pytest.mark.parametrize("axis", [-1, 1, [1, 2], (-2, -1)])
def test_rms_normalization_matches_numpy_reference(axis):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    layer = lamina.layers.RMSNormalization(axis=axis, epsilon=1e-3)
    layer.build(x.shape)
    scale = rng.uniform(0.5, 1.5, size=tuple(layer.scale.shape)).astype("float32")
    layer.scale.assign(scale)
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    expected = _reference(x, scale, sorted(axes), 1e-3)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected, rtol=1e-5, atol=1e-5)


def test_rms_normalization_has_one_scale_weight_of_ones():
    layer = lamina.layers.RMSNormalization()
    layer.build((None, 5))
    assert [w.name for w in layer.weights] == ["scale"]
    assert layer.trainable_weights[0] is layer.scale
    np.testing.assert_array_equal(layer.scale.numpy(), np.ones(5, "float32"))


def test_rms_normalization_config_matches_keras_defaults():
    layer = lamina.layers.RMSNormalization()
    config = layer.get_config()
    assert config["axis"] == -1 and config["epsilon"] == 1e-6
    layer.build((2, 3))
    assert layer.get_config()["axis"] == [-1]  # stored as a list after build, as in Keras
    clone = lamina.layers.RMSNormalization.from_config(layer.get_config())
    assert clone.get_config()["axis"] == [-1]


def test_rms_normalization_matches_keras_with_the_same_weights():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 2, 6)).astype("float32")
    scale = rng.normal(size=(6,)).astype("float32")
    reference = keras.layers.RMSNormalization(epsilon=1e-4)
    reference.build(x.shape)
    reference.scale.assign(scale)
    layer = lamina.layers.RMSNormalization(epsilon=1e-4)
    layer.build(x.shape)
    layer.scale.assign(scale)
    expected = keras.ops.convert_to_numpy(reference(x))
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected, rtol=1e-5, atol=1e-6)
    assert layer.get_config()["axis"] == reference.get_config()["axis"]


def test_rms_normalization_trains_in_a_model():
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.RMSNormalization(),
                               lamina.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(2).normal(size=(8, 4)).astype("float32")
    before = model.layers[0].scale.numpy().copy()
    model.fit(x, x[:, :1], epochs=1, batch_size=4, verbose=0)
    assert not np.allclose(model.layers[0].scale.numpy(), before)


def test_rms_normalization_rejects_out_of_range_axis():
    with pytest.raises(ValueError, match="out of bounds"):
        lamina.layers.RMSNormalization(axis=3)(np.zeros((2, 3), "float32"))
    with pytest.raises(TypeError, match="`axis` must be an int"):
        lamina.layers.RMSNormalization(axis="last")
