"""ReduceLROnPlateau: factor, patience, cooldown, min_lr and the learning_rate log."""

import pytest

from lamina import callbacks


def _rates(callback, model, values, key="val_loss"):
    """The optimizer's rate after each epoch whose logs hold ``{key: value}``."""
    callback.set_model(model)
    callback.on_train_begin()
    rates = []
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {key: value})
        rates.append(model.optimizer.current_rate())
    return rates


def test_reduce_lr_multiplies_rate_by_factor_after_patience(model):
    reduce_lr = callbacks.ReduceLROnPlateau(factor=0.5, patience=2)
    rates = _rates(reduce_lr, model, [1.0, 1.0, 1.0, 1.0, 1.0])
    assert rates == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


def test_reduce_lr_keeps_rate_while_improving(model):
    reduce_lr = callbacks.ReduceLROnPlateau(factor=0.5, patience=1)
    assert _rates(reduce_lr, model, [1.0, 0.9, 0.8]) == pytest.approx([0.1] * 3)


def test_reduce_lr_min_delta_decides_what_counts_as_improvement(model):
    reduce_lr = callbacks.ReduceLROnPlateau(factor=0.5, patience=1, min_delta=0.1)
    assert _rates(reduce_lr, model, [1.0, 0.95]) == pytest.approx([0.1, 0.05])


def test_reduce_lr_cooldown_waits_before_counting_again(model):
    reduce_lr = callbacks.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2)
    rates = _rates(reduce_lr, model, [1.0] * 6)
    # Without cooldown the rate would halve every epoch from epoch 1; the cooldown counts
    # down at epochs 2 and 3 and the count of bad epochs restarts at 3, as in Keras.
    assert rates == pytest.approx([0.1, 0.05, 0.05, 0.025, 0.025, 0.0125])


def test_reduce_lr_never_goes_below_min_lr(model):
    reduce_lr = callbacks.ReduceLROnPlateau(factor=0.1, patience=1, min_lr=0.02)
    assert _rates(reduce_lr, model, [1.0] * 4) == pytest.approx([0.1, 0.02, 0.02, 0.02])


def test_reduce_lr_adds_learning_rate_to_logs(model):
    reduce_lr = callbacks.ReduceLROnPlateau()
    reduce_lr.set_model(model)
    logs = {"val_loss": 1.0}
    reduce_lr.on_epoch_end(0, logs)
    assert logs["learning_rate"] == pytest.approx(0.1)
    assert isinstance(logs["learning_rate"], float)


def test_reduce_lr_rejects_factor_of_one_or_more():
    with pytest.raises(ValueError, match="factor must be below 1.0.*factor=1.5"):
        callbacks.ReduceLROnPlateau(factor=1.5)


def test_reduce_lr_accepts_keras2_epsilon_as_min_delta():
    assert callbacks.ReduceLROnPlateau(epsilon=0.01).min_delta == 0.01


def test_reduce_lr_rejects_unknown_keyword():
    with pytest.raises(TypeError, match="unexpected arguments: lr_factor"):
        callbacks.ReduceLROnPlateau(lr_factor=0.5)


def test_reduce_lr_warns_when_monitor_missing(model):
    reduce_lr = callbacks.ReduceLROnPlateau()
    reduce_lr.set_model(model)
    with pytest.warns(UserWarning, match="val_loss.*Available keys: loss, learning_rate"):
        reduce_lr.on_epoch_end(0, {"loss": 1.0})


def test_reduce_lr_verbose_prints_new_rate(model, capsys):
    reduce_lr = callbacks.ReduceLROnPlateau(factor=0.5, patience=0, verbose=1)
    _rates(reduce_lr, model, [1.0, 1.0])
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.05" in capsys.readouterr().out


@pytest.mark.parametrize(
    "kwargs",
    [
        {"factor": 0.5, "patience": 1},
        {"factor": 0.2, "patience": 0, "cooldown": 1},
        {"factor": 0.5, "patience": 1, "min_lr": 0.03},
        {"factor": 0.5, "patience": 1, "mode": "max"},
    ],
)
def test_reduce_lr_matches_keras(model, make_model, kwargs):
    keras = pytest.importorskip("keras")
    values = [1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.9]
    ours = _rates(callbacks.ReduceLROnPlateau(**kwargs), model, values)
    theirs = _rates(keras.callbacks.ReduceLROnPlateau(**kwargs), make_model(), values)
    assert ours == pytest.approx(theirs)
