"""LambdaCallback: functions become hooks; unknown hook names are refused."""

import pytest

from lamina import callbacks


def test_lambda_callback_calls_given_functions_with_hook_arguments():
    calls = []
    callback = callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, logs["loss"])),
        on_train_begin=lambda logs: calls.append(("train_begin",)),
        on_train_end=lambda logs: calls.append(("train_end",)),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch)),
    )
    callback_list = callbacks.CallbackList([callback])
    callback_list.on_train_begin()
    callback_list.on_epoch_begin(0)
    callback_list.on_train_batch_begin(0)
    callback_list.on_train_batch_end(0, {"loss": 1.0})
    callback_list.on_epoch_end(0, {"loss": 0.5})
    callback_list.on_train_end()
    assert calls == [
        ("train_begin",),
        ("epoch_begin", 0),
        ("batch_begin", 0),
        ("batch_end", 0),
        ("epoch_end", 0, 0.5),
        ("train_end",),
    ]


def test_lambda_callback_accepts_other_hooks_by_keyword():
    seen = []
    callback = callbacks.LambdaCallback(on_test_end=lambda logs: seen.append(logs))
    callback.on_test_end({"loss": 1.0})
    assert seen == [{"loss": 1.0}]


def test_lambda_callback_leaves_other_hooks_doing_nothing():
    callback = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: None)
    assert callback.on_epoch_begin(0) is None


def test_lambda_callback_rejects_unknown_hook_name():
    with pytest.raises(TypeError, match="unknown hooks: on_epoch_ends.*on_epoch_end"):
        callbacks.LambdaCallback(on_epoch_ends=print)


def test_lambda_callback_rejects_non_callable():
    with pytest.raises(TypeError, match="on_epoch_end must be a function"):
        callbacks.LambdaCallback(on_epoch_end=3)
