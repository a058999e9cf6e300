"""keras.config's run caps, logging and feature switches, and the smaller keras.utils /
keras.backend helpers (get_source_inputs, get_uid, clear_session, ...)."""

import logging
import warnings

import numpy as np
import pytest

import lamina as keras
from lamina.config import training_limits
from lamina.layers.core import lambda_layer


@pytest.fixture
def no_caps(monkeypatch):
    """Start without caps (and without the environment's), whatever a test sets."""
    monkeypatch.setattr(training_limits, "_limits",
                        {"epochs": training_limits._UNSET, "steps": training_limits._UNSET})
    for names in training_limits._ENV.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_max_epochs_and_steps_cap_fit_evaluate_predict(no_caps):
    x, y = np.ones((100, 3), "float32"), np.ones((100, 1), "float32")
    keras.config.set_max_epochs(2)
    keras.config.set_max_steps_per_epoch(3)
    assert keras.config.max_epochs() == 2 and keras.config.max_steps_per_epoch() == 3
    model = _model()
    with pytest.warns(UserWarning, match="Limiting epochs to 2"):
        history = model.fit(x, y, epochs=10, batch_size=10, verbose=0)
    assert len(history.history["loss"]) == 2
    assert int(model.optimizer.iterations.numpy()) == 6  # 2 epochs x 3 steps
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
        assert model.predict(x, batch_size=10, verbose=0).shape == (30, 1)
    keras.config.set_max_epochs(None)
    keras.config.set_max_steps_per_epoch(None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(model.fit(x, y, epochs=3, batch_size=50, verbose=0).history["loss"]) == 3
    with pytest.raises(ValueError, match="`max_epochs` must be a positive integer or None"):
        keras.config.set_max_epochs(0)


def test_caps_come_from_the_environment(no_caps, monkeypatch):
    monkeypatch.setenv("KERAS_MAX_EPOCHS", "1")
    monkeypatch.setenv("KERAS_MAX_STEPS_PER_EPOCH", "2")
    assert keras.config.max_epochs() == 1
    assert keras.config.max_steps_per_epoch() == 2
    monkeypatch.setattr(training_limits, "_limits",
                        {"epochs": training_limits._UNSET, "steps": training_limits._UNSET})
    monkeypatch.setenv("LAMINA_MAX_EPOCHS", "4")  # lamina's own spelling wins
    assert keras.config.max_epochs() == 4
    monkeypatch.setattr(training_limits, "_limits",
                        {"epochs": training_limits._UNSET, "steps": training_limits._UNSET})
    monkeypatch.setenv("LAMINA_MAX_EPOCHS", "many")
    with pytest.raises(ValueError, match="LAMINA_MAX_EPOCHS must be a positive integer"):
        keras.config.max_epochs()


def test_interactive_logging_switches_output_to_the_logger(capsys, caplog):
    x, y = np.ones((20, 3), "float32"), np.ones((20, 1), "float32")
    model = _model()
    assert keras.config.is_interactive_logging_enabled()
    keras.config.disable_interactive_logging()
    try:
        assert not keras.utils.is_interactive_logging_enabled()
        with caplog.at_level(logging.INFO, logger="lamina"):
            model.fit(x, y, epochs=2, batch_size=10, verbose=1)
            model.summary()
    finally:
        keras.config.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    messages = [r.getMessage() for r in caplog.records if r.name == "lamina"]
    assert "Epoch 1/2" in messages and "Epoch 2/2" in messages
    assert any("2/2" in m and "loss" in m for m in messages)
    assert any("Total params: 4" in m for m in messages)
    assert not any("\r" in m for m in messages)  # no redrawn terminal lines in the log
    model.fit(x, y, epochs=1, batch_size=10, verbose=2)
    assert "loss" in capsys.readouterr().out


def test_flash_attention_switch_reaches_attention_layers():
    try:
        keras.config.disable_flash_attention()
        assert keras.config.is_flash_attention_enabled() is False
        layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
        assert layer._flash_attention is False
        gqa = keras.layers.GroupQueryAttention(head_dim=4, num_query_heads=2,
                                               num_key_value_heads=1)
        assert gqa._flash_attention is False
    finally:
        keras.config.enable_flash_attention()
    assert keras.config.is_flash_attention_enabled() is None
    assert keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)._flash_attention is None


def test_traceback_and_nnx_switches():
    assert keras.config.is_traceback_filtering_enabled() is False
    keras.config.disable_traceback_filtering()
    with pytest.warns(UserWarning, match="does not filter tracebacks"):
        keras.config.enable_traceback_filtering()
    assert keras.config.is_nnx_enabled() is False


def _stored_lambda_config():
    return {"name": "square", "trainable": True, "dtype": "float32",
            "function": {"class_name": "__lambda__",
                         "config": {"code": "4wEAAAAAAAAA", "defaults": None,
                                    "closure": None}},
            "output_shape": None, "arguments": {}}


def test_unsafe_deserialization_takes_the_users_function(monkeypatch):
    monkeypatch.setattr(lambda_layer, "_DEFAULT_SAFE_MODE", [True])
    config = _stored_lambda_config()
    replacement = {"square": lambda t: t * t}
    with pytest.raises(ValueError, match="stored as Python bytecode"):
        keras.layers.Lambda.from_config(dict(config), custom_objects=replacement)
    keras.config.enable_unsafe_deserialization()
    layer = keras.layers.Lambda.from_config(dict(config), custom_objects=replacement)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(np.array([3.0]))), [9.0])
    # load_model's own safe_mode (True by default) still decides for its file.
    with lambda_layer.safe_mode_scope(True):
        with pytest.raises(ValueError, match="stored as Python bytecode"):
            keras.layers.Lambda.from_config(dict(config), custom_objects=replacement)


def test_get_source_inputs_follows_the_graph():
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    hidden = keras.layers.Dense(2)(b)
    y = keras.layers.Add()([a, hidden])
    z = keras.layers.Concatenate()([y, keras.layers.Dense(2)(a)])
    assert keras.utils.get_source_inputs(z) == [a, b]
    assert keras.utils.get_source_inputs(hidden) == [b]
    assert keras.utils.get_source_inputs(a) == [a]
    with pytest.raises(ValueError, match="expects a symbolic tensor"):
        keras.utils.get_source_inputs(np.zeros(2))


def test_small_utils():
    assert keras.utils.is_keras_tensor(keras.Input((3,)))
    assert not keras.utils.is_keras_tensor(np.zeros(3))
    assert keras.utils.standardize_dtype(np.float32) == "float32"
    assert keras.utils.standardize_dtype("float") == "float32"
    keras.utils.clear_session()
    assert keras.backend.get_uid("block") == 1
    assert keras.backend.get_uid("block") == 2
    assert keras.backend.get_uid("other") == 1
    keras.backend.clear_session(free_memory=False)
    assert keras.backend.get_uid("block") == 1
    assert keras.layers.Dense(2).name == "dense"  # automatic names start over too

    @keras.saving.register_keras_serializable(package="t")
    def unused(x):
        return x

    with keras.utils.CustomObjectScope({"Shout": keras.layers.Dense}):
        layer = keras.layers.deserialize({"class_name": "Shout", "config": {"units": 2}})
    assert isinstance(layer, keras.layers.Dense)
