"""CallbackList: hook order, default callbacks, params, model, and log conversion."""

import numpy as np
import pytest

from lamina import callbacks
from lamina import ops
from lamina.callbacks import callback_list as callback_list_module

_HOOKS_WITH_INDEX = (
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)
_HOOKS_WITHOUT_INDEX = (
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
)


class Recorder(callbacks.Callback):
    """Records (name, hook, index) for every hook call into a shared list."""

    def __init__(self, name, events):
        super().__init__()
        self.name = name
        self.events = events

    def __getattribute__(self, attr):
        if attr in _HOOKS_WITH_INDEX:
            return lambda index, logs=None: self.events.append((self.name, attr, index))
        if attr in _HOOKS_WITHOUT_INDEX:
            return lambda logs=None: self.events.append((self.name, attr))
        return super().__getattribute__(attr)


def _short_fit(callback_list, epochs=2, steps=2):
    """The hook sequence of a fit with validation, as the trainer calls it."""
    callback_list.on_train_begin()
    for epoch in range(epochs):
        callback_list.on_epoch_begin(epoch)
        for step in range(steps):
            callback_list.on_train_batch_begin(step)
            callback_list.on_train_batch_end(step, {"loss": 1.0})
        callback_list.on_test_begin()
        callback_list.on_test_batch_begin(0)
        callback_list.on_test_batch_end(0, {"loss": 1.0})
        callback_list.on_test_end({"loss": 1.0})
        callback_list.on_epoch_end(epoch, {"loss": 1.0, "val_loss": 1.0})
    callback_list.on_train_end({"loss": 1.0})


def test_callback_list_calls_each_hook_on_callbacks_in_order():
    events = []
    callback_list = callbacks.CallbackList([Recorder("a", events), Recorder("b", events)])
    _short_fit(callback_list, epochs=1, steps=1)
    assert events == [
        ("a", "on_train_begin"),
        ("b", "on_train_begin"),
        ("a", "on_epoch_begin", 0),
        ("b", "on_epoch_begin", 0),
        ("a", "on_train_batch_begin", 0),
        ("b", "on_train_batch_begin", 0),
        ("a", "on_train_batch_end", 0),
        ("b", "on_train_batch_end", 0),
        ("a", "on_test_begin"),
        ("b", "on_test_begin"),
        ("a", "on_test_batch_begin", 0),
        ("b", "on_test_batch_begin", 0),
        ("a", "on_test_batch_end", 0),
        ("b", "on_test_batch_end", 0),
        ("a", "on_test_end"),
        ("b", "on_test_end"),
        ("a", "on_epoch_end", 0),
        ("b", "on_epoch_end", 0),
        ("a", "on_train_end"),
        ("b", "on_train_end"),
    ]


def test_callback_list_forwards_predict_hooks():
    events = []
    callback_list = callbacks.CallbackList([Recorder("a", events)])
    callback_list.on_predict_begin()
    callback_list.on_predict_batch_begin(0)
    callback_list.on_predict_batch_end(0, {"outputs": np.zeros((2, 1))})
    callback_list.on_predict_end()
    assert [event[1] for event in events] == [
        "on_predict_begin",
        "on_predict_batch_begin",
        "on_predict_batch_end",
        "on_predict_end",
    ]


def test_train_batch_hooks_reach_keras2_batch_hooks():
    seen = []

    class Keras2Style(callbacks.Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs["loss"]))

    callback_list = callbacks.CallbackList([Keras2Style()])
    callback_list.on_train_batch_begin(3)
    callback_list.on_train_batch_end(3, {"loss": 0.5})
    assert seen == [("begin", 3), ("end", 3, 0.5)]


def test_callback_list_add_history_appends_history_last():
    other = callbacks.Callback()
    callback_list = callbacks.CallbackList([other], add_history=True)
    assert callback_list.callbacks[0] is other
    assert isinstance(callback_list.callbacks[1], callbacks.History)


def test_callback_list_add_history_keeps_users_history():
    history = callbacks.History()
    callback_list = callbacks.CallbackList([history], add_history=True)
    assert callback_list.callbacks == [history]


def test_callback_list_add_progbar_appends_progbar_logger():
    callback_list = callbacks.CallbackList(None, add_history=True, add_progbar=True)
    assert [type(cb).__name__ for cb in callback_list.callbacks] == ["History", "ProgbarLogger"]


def test_callback_list_without_flags_adds_nothing():
    assert callbacks.CallbackList().callbacks == []


def test_callback_list_flattens_nested_lists():
    a, b, c = callbacks.Callback(), callbacks.Callback(), callbacks.Callback()
    assert callbacks.CallbackList([a, [b, (c,)]]).callbacks == [a, b, c]


def test_callback_list_sets_model_and_model_history(model):
    callback = callbacks.Callback()
    callback_list = callbacks.CallbackList([callback], add_history=True, model=model)
    assert callback.model is model
    assert model.history is callback_list.callbacks[-1]


def test_callback_list_hands_params_to_every_callback():
    callback = callbacks.Callback()
    callbacks.CallbackList([callback], verbose=2, epochs=5, steps=10)
    assert callback.params == {"verbose": 2, "epochs": 5, "steps": 10}


def test_callback_list_rejects_non_callback_with_fix():
    with pytest.raises(TypeError, match="item 1 is 'oops'.*Subclass lamina.callbacks.Callback"):
        callbacks.CallbackList([callbacks.Callback(), "oops"])


def test_callback_list_converts_logs_to_sorted_python_floats():
    seen = []
    callback_list = callbacks.CallbackList(
        [callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs))]
    )
    callback_list.on_epoch_end(
        0,
        {
            "loss": ops.convert_to_tensor(0.5),
            "accuracy": np.float32(0.25),
            "nested": {"val_loss": ops.convert_to_tensor(1.5)},
        },
    )
    (logs,) = seen
    assert list(logs) == ["accuracy", "loss", "val_loss"]
    assert logs == {"accuracy": 0.25, "loss": 0.5, "val_loss": 1.5}
    assert all(type(value) is float for value in logs.values())


def test_callback_list_keeps_non_scalar_values():
    logs = callback_list_module.pythonify_logs({"outputs": np.zeros((2, 3))})
    assert logs["outputs"].shape == (2, 3)


def test_callback_list_skips_log_conversion_when_no_callback_listens(monkeypatch):
    def fail(logs):
        raise AssertionError("logs converted although no callback listens")

    monkeypatch.setattr(callback_list_module, "pythonify_logs", fail)
    callback_list = callbacks.CallbackList([callbacks.Callback(), callbacks.History()])
    callback_list.on_train_batch_end(0, {"loss": ops.convert_to_tensor(1.0)})


def test_callback_list_later_callbacks_see_keys_added_by_earlier_ones(model):
    callback_list = callbacks.CallbackList(
        [callbacks.ReduceLROnPlateau(monitor="loss")], add_history=True, model=model
    )
    _short_fit(callback_list, epochs=1, steps=1)
    assert model.history.history["learning_rate"] == pytest.approx([0.1])


def test_callback_list_records_short_fit_in_history(model):
    callback_list = callbacks.CallbackList([], add_history=True, model=model)
    _short_fit(callback_list, epochs=3)
    assert model.history.epoch == [0, 1, 2]
    assert model.history.history == {"loss": [1.0] * 3, "val_loss": [1.0] * 3}
