"""LearningRateScheduler: both schedule signatures, checks and the learning_rate log."""

import numpy as np
import pytest

from lamina import callbacks


def _start_epoch(scheduler, model, epoch):
    scheduler.set_model(model)
    scheduler.on_epoch_begin(epoch)
    return model.optimizer.current_rate()


def test_scheduler_passes_epoch_and_current_rate(model):
    scheduler = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 + epoch)
    assert _start_epoch(scheduler, model, 2) == pytest.approx(0.05 + 2)


def test_scheduler_accepts_epoch_only_schedule(model):
    scheduler = callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    assert _start_epoch(scheduler, model, 3) == pytest.approx(0.04)


def test_scheduler_sets_rate_at_each_epoch_begin(model):
    scheduler = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    scheduler.set_model(model)
    for epoch in range(3):
        scheduler.on_epoch_begin(epoch)
    assert model.optimizer.current_rate() == pytest.approx(0.0125)


def test_scheduler_accepts_numpy_float_result(model):
    scheduler = callbacks.LearningRateScheduler(lambda epoch: np.float32(0.25))
    assert _start_epoch(scheduler, model, 0) == pytest.approx(0.25)


def test_scheduler_rejects_non_number_result(model):
    scheduler = callbacks.LearningRateScheduler(lambda epoch: "0.1")
    with pytest.raises(ValueError, match="must return the learning rate as a float.*'0.1'"):
        _start_epoch(scheduler, model, 0)


def test_scheduler_rejects_non_callable_schedule():
    with pytest.raises(TypeError, match="`schedule` must be a function"):
        callbacks.LearningRateScheduler(0.1)


def test_scheduler_logs_learning_rate_at_epoch_end(model):
    scheduler = callbacks.LearningRateScheduler(lambda epoch: 0.5)
    _start_epoch(scheduler, model, 0)
    logs = {"loss": 1.0}
    scheduler.on_epoch_end(0, logs)
    assert logs["learning_rate"] == pytest.approx(0.5)


def test_scheduler_verbose_prints_rate(model, capsys):
    scheduler = callbacks.LearningRateScheduler(lambda epoch: 0.5, verbose=1)
    _start_epoch(scheduler, model, 1)
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.5." in (
        capsys.readouterr().out
    )


def test_scheduler_sets_each_optimizer_of_a_wrapper(model, make_model):
    class Wrapper:
        def __init__(self, optimizers):
            self.optimizers = optimizers

    first, second = make_model().optimizer, make_model().optimizer
    first.name, second.name = "a", "b"
    model.optimizer = Wrapper([first, second])
    scheduler = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 2)
    scheduler.set_model(model)
    scheduler.on_epoch_begin(0)
    logs = {}
    scheduler.on_epoch_end(0, logs)
    assert logs == pytest.approx({"learning_rate_a": 0.2, "learning_rate_b": 0.2})
