"""TerminateOnNaN: stops (or raises) on a NaN or infinite batch loss."""

import math

import pytest

from lamina import callbacks


@pytest.mark.parametrize("loss", [math.nan, math.inf, -math.inf])
def test_terminate_on_nan_stops_training_on_non_finite_loss(model, loss, capsys):
    terminate = callbacks.TerminateOnNaN()
    terminate.set_model(model)
    terminate.on_train_batch_end(7, {"loss": loss})
    assert model.stop_training is True
    assert "Batch 7: Invalid loss, terminating training" in capsys.readouterr().out


def test_terminate_on_nan_leaves_finite_loss_alone(model):
    terminate = callbacks.TerminateOnNaN()
    terminate.set_model(model)
    terminate.on_train_batch_end(0, {"loss": 1e30})
    assert model.stop_training is False


def test_terminate_on_nan_raise_error_raises_runtime_error(model):
    terminate = callbacks.TerminateOnNaN(raise_error=True)
    terminate.set_model(model)
    with pytest.raises(RuntimeError, match="loss is nan at batch 3"):
        terminate.on_train_batch_end(3, {"loss": math.nan})


def test_terminate_on_nan_reached_through_callback_list(model):
    callback_list = callbacks.CallbackList([callbacks.TerminateOnNaN()], model=model)
    callback_list.on_train_batch_end(0, {"loss": math.nan})
    assert model.stop_training is True
