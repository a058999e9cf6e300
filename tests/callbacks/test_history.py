"""History: per-key lists of epoch logs, epoch numbers, and model.history."""

from lamina import callbacks


def test_history_collects_each_key_per_epoch(model):
    history = callbacks.History()
    history.set_model(model)
    history.on_train_begin()
    history.on_epoch_end(0, {"loss": 1.0, "val_loss": 2.0})
    history.on_epoch_end(1, {"loss": 0.5, "val_loss": 1.5})
    assert history.history == {"loss": [1.0, 0.5], "val_loss": [2.0, 1.5]}
    assert history.epoch == [0, 1]


def test_history_becomes_model_history(model):
    history = callbacks.History()
    history.set_model(model)
    history.on_epoch_end(0, {"loss": 1.0})
    assert model.history is history


def test_history_train_begin_restarts_epoch_list(model):
    history = callbacks.History()
    history.set_model(model)
    history.on_train_begin()
    history.on_epoch_end(0, {"loss": 1.0})
    history.on_train_begin()
    history.on_epoch_end(0, {"loss": 0.5})
    assert history.epoch == [0]


def test_history_keeps_params(model):
    history = callbacks.History()
    callbacks.CallbackList([history], model=model, verbose=0, epochs=3, steps=2)
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 2}
