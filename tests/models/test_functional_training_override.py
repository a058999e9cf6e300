"""A `training` recorded in a Functional graph (layer(x, training=True), as Keras files hold
for augmentation layers) gives way to the model call's own, as in Keras 3."""

import numpy as np
import pytest

import lamina

keras = pytest.importorskip("keras")


def _model(lib):
    inputs = lib.Input((200,))
    x = lib.layers.Dropout(0.5, seed=1)(inputs, training=True)
    return lib.Model(inputs, x)


@pytest.mark.parametrize("lib_name", ["lamina", "keras"])
def test_model_training_flag_overrides_the_recorded_one(lib_name):
    lib = lamina if lib_name == "lamina" else keras
    model = _model(lib)
    x = np.ones((4, 200), "float32")
    inference = lib.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_array_equal(inference, x)  # no dropout when the call says so
    # Without a flag from the call, the recorded training=True holds: dropout is applied.
    default = lib.ops.convert_to_numpy(model(x))
    assert (default == 0).mean() > 0.3
    training = lib.ops.convert_to_numpy(model(x, training=True))
    assert (training == 0).mean() > 0.3


def test_keras_file_with_augmentation_layers_predicts_without_augmenting(tmp_path):
    inputs = keras.Input((6, 6, 1))
    outputs = keras.layers.RandomFlip()(inputs)  # Keras records training=True here
    path = str(tmp_path / "flip.keras")
    keras.Model(inputs, outputs).save(path)
    loaded = lamina.models.load_model(path)
    x = np.arange(72, dtype="float32").reshape(2, 6, 6, 1)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), x)
    np.testing.assert_array_equal(lamina.ops.convert_to_numpy(loaded(x, training=False)), x)
