"""EarlyStopping: patience, min_delta, mode, baseline, restored weights, warm-up."""

import numpy as np
import pytest

from lamina import callbacks


def test_early_stopping_stops_after_patience_epochs_without_improvement(model, drive):
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=2)
    epochs = drive(stop, model, [1.0, 0.9, 0.95, 0.96, 0.5])
    # Best at epoch 1; epochs 2 and 3 don't improve, so training stops at epoch 3.
    assert epochs == 4
    assert stop.stopped_epoch == 3
    assert model.stop_training is True


def test_early_stopping_does_not_stop_while_improving(model, drive):
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=0)
    assert drive(stop, model, [5.0, 4.0, 3.0, 2.0]) == 4
    assert stop.stopped_epoch == 0


def test_early_stopping_ignores_changes_smaller_than_min_delta(model, drive):
    stop = callbacks.EarlyStopping(monitor="val_loss", min_delta=0.1, patience=1)
    # 0.95 is below 1.0 but by less than 0.1: no improvement, so patience 1 runs out.
    assert drive(stop, model, [1.0, 0.95, 0.91, 0.5]) == 2


def test_early_stopping_in_max_mode_treats_increase_as_improvement(model, drive):
    stop = callbacks.EarlyStopping(monitor="val_score", mode="max", patience=0)
    assert drive(stop, model, [0.1, 0.2, 0.15, 0.3], key="val_score") == 3


def test_early_stopping_auto_mode_maximizes_accuracy(model, drive):
    stop = callbacks.EarlyStopping(monitor="val_accuracy", patience=0)
    assert drive(stop, model, [0.5, 0.6, 0.7], key="val_accuracy") == 3


def test_early_stopping_auto_mode_uses_metric_declared_direction(model, drive):
    class Metric:
        name = "score"
        _direction = "up"

    model.metrics = [Metric()]
    stop = callbacks.EarlyStopping(monitor="val_score", patience=0)
    assert drive(stop, model, [0.5, 0.6, 0.4], key="val_score") == 3
    assert stop.stopped_epoch == 2


def test_early_stopping_auto_mode_unknown_metric_raises_asking_for_mode(model, drive):
    stop = callbacks.EarlyStopping(monitor="val_zork")
    with pytest.raises(ValueError, match="mode='max'.*mode='min'"):
        drive(stop, model, [0.5], key="val_zork")


def test_early_stopping_unknown_mode_warns_and_uses_auto():
    with pytest.warns(UserWarning, match="mode='lowest' is unknown"):
        stop = callbacks.EarlyStopping(mode="lowest")
    assert stop.mode == "auto"


def test_early_stopping_baseline_not_beaten_does_not_restart_patience(model, drive):
    values = [0.9, 0.95, 0.97, 0.99]
    with_baseline = callbacks.EarlyStopping(monitor="val_loss", baseline=0.5, patience=2)
    without = callbacks.EarlyStopping(monitor="val_loss", patience=2)
    # Epoch 0 is the first best but above the baseline, so it already counts as waiting.
    assert drive(with_baseline, model, values) == 2
    model.stop_training = False
    assert drive(without, model, values) == 3


def test_early_stopping_baseline_beaten_resets_patience(model, drive):
    stop = callbacks.EarlyStopping(monitor="val_loss", baseline=0.5, patience=1)
    assert drive(stop, model, [0.4, 0.3, 0.2, 0.1]) == 4


def test_early_stopping_restores_weights_of_best_epoch(model, drive):
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    drive(stop, model, [1.0, 0.5, 0.7, 0.8, 0.9])
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])


def test_early_stopping_restores_best_weights_when_training_ends_without_stopping(
    model, drive
):
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
    drive(stop, model, [1.0, 0.2, 0.7])
    assert stop.stopped_epoch == 0
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])


def test_early_stopping_keeps_last_weights_without_restore(model, drive):
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=1)
    drive(stop, model, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])  # epoch 1 was the last run


def test_early_stopping_start_from_epoch_skips_warm_up_epochs(model, drive):
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=0, start_from_epoch=3)
    # Epochs 0-2 get worse but are not watched.
    assert drive(stop, model, [1.0, 2.0, 3.0, 4.0, 5.0]) == 5


def test_early_stopping_warns_listing_available_keys_when_monitor_missing(model):
    stop = callbacks.EarlyStopping(monitor="val_loss")
    stop.set_model(model)
    stop.on_train_begin()
    with pytest.warns(UserWarning, match="val_loss.*Available keys: loss, accuracy"):
        stop.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.9})
    assert model.stop_training is False


def test_early_stopping_resets_between_fits(model, drive):
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=0)
    drive(stop, model, [1.0, 2.0])
    model.stop_training = False
    assert drive(stop, model, [3.0, 2.0, 1.0]) == 3


def test_early_stopping_verbose_prints_stop_and_restore_epochs(model, drive, capsys):
    stop = callbacks.EarlyStopping(patience=0, verbose=1, restore_best_weights=True)
    drive(stop, model, [1.0, 2.0])
    out = capsys.readouterr().out
    assert "Epoch 2: early stopping" in out
    assert "best epoch: 1." in out


@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": 0},
        {"patience": 2},
        {"patience": 1, "min_delta": 0.05},
        {"patience": 1, "mode": "max"},
        {"patience": 2, "baseline": 0.45},
        {"patience": 1, "restore_best_weights": True},
        {"patience": 1, "start_from_epoch": 2},
    ],
)
def test_early_stopping_matches_keras(model, make_model, drive, kwargs):
    keras = pytest.importorskip("keras")
    values = [0.9, 0.5, 0.48, 0.52, 0.47, 0.6, 0.61, 0.62, 0.3]
    ours = callbacks.EarlyStopping(monitor="val_loss", **kwargs)
    ours_epochs = drive(ours, model, values)
    ours_weights = model.get_weights()

    keras_model = make_model()  # the same stand-in, driven through Keras's callback
    theirs = keras.callbacks.EarlyStopping(monitor="val_loss", **kwargs)
    theirs_epochs = drive(theirs, keras_model, values)
    assert ours_epochs == theirs_epochs
    assert ours.stopped_epoch == theirs.stopped_epoch
    np.testing.assert_array_equal(ours_weights[0], keras_model.weights[0])
