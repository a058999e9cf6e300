"""ProgbarLogger: what fit, evaluate and predict print for each verbosity."""

import re

from lamina import callbacks

_PER_STEP = r"\d+(s|ms|us)/step"


def _fit(verbose, epochs=2, steps=3, validation=True):
    callback_list = callbacks.CallbackList(
        [], add_progbar=verbose != 0, verbose=verbose, epochs=epochs, steps=steps
    )
    callback_list.on_train_begin()
    for epoch in range(epochs):
        callback_list.on_epoch_begin(epoch)
        for step in range(steps or 3):
            callback_list.on_train_batch_begin(step)
            callback_list.on_train_batch_end(step, {"accuracy": 0.5, "loss": 0.25})
        logs = {"accuracy": 0.5, "loss": 0.25}
        if validation:
            callback_list.on_test_begin()
            callback_list.on_test_batch_end(0, {"loss": 9.0})
            callback_list.on_test_end({"loss": 9.0})
            logs.update(val_accuracy=0.75, val_loss=0.125)
        callback_list.on_epoch_end(epoch, logs)
    callback_list.on_train_end()


def test_progbar_logger_prints_epoch_headers_when_several_epochs(capsys):
    _fit(verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2\n" in out and "Epoch 2/2\n" in out


def test_progbar_logger_prints_no_epoch_header_for_single_epoch(capsys):
    _fit(verbose=1, epochs=1)
    assert "Epoch" not in capsys.readouterr().out


def test_progbar_logger_verbose_1_ends_epoch_with_train_and_val_metrics(capsys):
    _fit(verbose=1, epochs=1)
    last_line = capsys.readouterr().out.splitlines()[-1]
    assert re.fullmatch(
        rf"3/3 ━{{20}} \d+s {_PER_STEP} - accuracy: 0\.5000 - loss: 0\.2500"
        r" - val_accuracy: 0\.7500 - val_loss: 0\.1250",
        last_line,
    )


def test_progbar_logger_verbose_2_prints_one_line_per_epoch(capsys):
    _fit(verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert len(lines) == 4
    assert re.fullmatch(
        rf"3/3 - \d+s - {_PER_STEP} - accuracy: 0\.5000 - loss: 0\.2500"
        r" - val_accuracy: 0\.7500 - val_loss: 0\.1250",
        lines[1],
    )


def test_progbar_logger_verbose_0_prints_nothing(capsys):
    callback_list = callbacks.CallbackList(
        [callbacks.ProgbarLogger()], verbose=0, epochs=2, steps=3
    )
    callback_list.on_train_begin()
    callback_list.on_epoch_begin(0)
    callback_list.on_train_batch_end(0, {"loss": 1.0})
    callback_list.on_epoch_end(0, {"loss": 1.0})
    assert capsys.readouterr().out == ""


def test_progbar_logger_keeps_validation_inside_fit_silent(capsys):
    _fit(verbose=2, epochs=1)
    assert "9.0000" not in capsys.readouterr().out


def test_progbar_logger_shows_values_as_given_not_averaged(capsys):
    callback_list = callbacks.CallbackList([], add_progbar=True, verbose=2, epochs=1, steps=2)
    callback_list.on_train_begin()
    callback_list.on_epoch_begin(0)
    callback_list.on_train_batch_end(0, {"loss": 1.0})
    callback_list.on_train_batch_end(1, {"loss": 3.0})
    callback_list.on_epoch_end(0, {"loss": 2.0})
    assert "loss: 2.0000" in capsys.readouterr().out


def test_progbar_logger_draws_bar_for_evaluate(capsys):
    callback_list = callbacks.CallbackList([], add_progbar=True, verbose=1, epochs=1, steps=2)
    callback_list.on_test_begin()
    callback_list.on_test_batch_end(0, {"loss": 1.0})
    callback_list.on_test_batch_end(1, {"loss": 0.5})
    callback_list.on_test_end({"loss": 0.5})
    last_line = capsys.readouterr().out.splitlines()[-1]
    assert re.fullmatch(rf"2/2 ━{{20}} \d+s {_PER_STEP} - loss: 0\.5000", last_line)


def test_progbar_logger_draws_bar_without_outputs_for_predict(capsys):
    callback_list = callbacks.CallbackList([], add_progbar=True, verbose=1, epochs=1, steps=2)
    callback_list.on_predict_begin()
    callback_list.on_predict_batch_end(0, {"outputs": [[1.0]]})
    callback_list.on_predict_batch_end(1, {"outputs": [[1.0]]})
    callback_list.on_predict_end()
    last_line = capsys.readouterr().out.splitlines()[-1]
    assert re.fullmatch(rf"2/2 ━{{20}} \d+s {_PER_STEP}", last_line)


def test_progbar_logger_learns_unknown_epoch_length(capsys):
    _fit(verbose=2, epochs=2, steps=None, validation=False)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("3/3 - ") and lines[3].startswith("3/3 - ")


def test_progbar_logger_auto_verbose_means_1():
    logger = callbacks.ProgbarLogger()
    logger.set_params({"verbose": "auto", "epochs": 1, "steps": 1})
    assert logger.verbose == 1
