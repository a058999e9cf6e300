"""fit / evaluate / predict: data kinds, options, callbacks and output, on both backends."""

import numpy as np
import pytest

import lamina as keras
from lamina import layers


def _model(compile_model=True, metrics=("accuracy",)):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                              layers.Dense(3, activation="softmax")])
    if compile_model:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=list(metrics))
    return model


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 1).astype("int64")
    return x, y


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def _note(self, name):
        def hook(*args, **kwargs):
            self.events.append(name)
        return hook

    def __getattribute__(self, name):
        if name.startswith("on_") and name not in ("on_batch_begin", "on_batch_end"):
            return object.__getattribute__(self, "_note")(name)
        return object.__getattribute__(self, name)


def test_recording_callback_pins_hook_order_of_short_fit():
    x, y = _data(8)
    recorder = Recorder()
    _model().fit(x, y, batch_size=4, epochs=1, validation_data=(x[:4], y[:4]), verbose=0,
                 callbacks=[recorder])
    assert recorder.events == [
        "on_train_begin", "on_epoch_begin",
        "on_train_batch_begin", "on_train_batch_end",
        "on_train_batch_begin", "on_train_batch_end",
        "on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_end",
        "on_epoch_end", "on_train_end",
    ]


def test_validation_split_takes_last_fraction_and_logs_val_metrics():
    x, y = _data(50)
    history = _model().fit(x, y, epochs=2, validation_split=0.2, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["val_loss"]) == 2
    assert history.epoch == [0, 1]


def test_validation_freq_skips_epochs():
    x, y = _data(32)
    history = _model().fit(x, y, epochs=4, validation_data=(x, y), validation_freq=2,
                           verbose=0)
    assert len(history.history["val_loss"]) == 2


def test_initial_epoch_resumes_numbering():
    x, y = _data(16)
    history = _model().fit(x, y, epochs=3, initial_epoch=1, verbose=0)
    assert history.epoch == [1, 2]


def test_generator_with_steps_per_epoch_trains():
    x, y = _data(64)

    def batches():
        while True:
            for i in range(0, 64, 16):
                yield x[i:i + 16], y[i:i + 16]

    history = _model().fit(batches(), steps_per_epoch=4, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_py_dataset_calls_on_epoch_end_and_trains():
    x, y = _data(48)

    class Data(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epochs_seen = 0

        def __len__(self):
            return 3

        def __getitem__(self, index):
            return x[index * 16:(index + 1) * 16], y[index * 16:(index + 1) * 16]

        def on_epoch_end(self):
            self.epochs_seen += 1

    data = Data()
    model = _model()
    model.fit(data, epochs=2, verbose=0)
    assert data.epochs_seen == 2
    loss, accuracy = model.evaluate(data, verbose=0)
    assert np.isfinite(loss) and 0 <= accuracy <= 1
    assert model.predict(data, verbose=0).shape == (48, 3)


def test_sample_weight_zero_ignores_samples():
    x, y = _data(32)
    model = _model(metrics=())
    weights = np.zeros(32, dtype="float32")
    weights[:16] = 1.0
    full = model.evaluate(x[:16], y[:16], verbose=0)
    weighted = model.evaluate(x, y, sample_weight=weights, batch_size=32, verbose=0)
    assert weighted == pytest.approx(full / 2, rel=1e-5)


def test_class_weight_scales_the_loss_of_a_class():
    x, y = _data(32)
    model = _model(metrics=())
    model.optimizer.learning_rate = 0.0
    base = model.fit(x, y, epochs=1, batch_size=32, verbose=0).history["loss"][0]
    doubled = model.fit(x, y, epochs=1, batch_size=32, verbose=0,
                        class_weight={0: 2.0, 1: 2.0, 2: 2.0}).history["loss"][0]
    assert doubled == pytest.approx(2 * base, rel=1e-5)


def test_evaluate_return_dict_and_list_forms():
    x, y = _data(16)
    model = _model()
    logs = model.evaluate(x, y, return_dict=True, verbose=0)
    assert list(logs) == ["loss", "accuracy"]
    assert model.evaluate(x, y, verbose=0) == pytest.approx([logs["loss"], logs["accuracy"]])
    assert model.metrics_names == ["loss", "accuracy"]


def test_accuracy_resolves_to_the_right_kind():
    x, y = _data(16)
    sparse = _model()
    sparse.fit(x, y, verbose=0)
    assert type(sparse.metrics[-1]).__name__ == "SparseCategoricalAccuracy"
    onehot = _model(compile_model=False)
    onehot.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["acc"])
    history = onehot.fit(x, keras.utils.to_categorical(y, 3), verbose=0)
    assert "acc" in history.history
    assert type(onehot.metrics[-1]).__name__ == "CategoricalAccuracy"
    binary = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
    binary.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    binary.fit(x, (y > 0).astype("float32"), verbose=0)
    assert type(binary.metrics[-1]).__name__ == "BinaryAccuracy"


def test_predict_batches_concatenate_in_order():
    x, _ = _data(37)
    model = _model()
    whole = model.predict(x, batch_size=37, verbose=0)
    batched = model.predict(x, batch_size=5, verbose=0)
    np.testing.assert_allclose(whole, batched, rtol=1e-5, atol=1e-6)


def test_backend_tensors_are_accepted_as_data():
    x, y = _data(16)
    model = _model()
    history = model.fit(keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(y),
                        verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_early_stopping_stops_and_restores_best_weights():
    x, y = _data(32)
    model = _model()
    model.optimizer.learning_rate = 0.0  # the loss never improves after the first epoch
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=1e-3,
                                            restore_best_weights=True)
    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[stopper])
    assert len(history.history["loss"]) == 2
    assert stopper.stopped_epoch == 1


def test_stop_training_flag_ends_fit():
    x, y = _data(16)
    model = _model()
    stopper = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: setattr(model, "stop_training", True))
    history = model.fit(x, y, epochs=5, verbose=0, callbacks=[stopper])
    assert len(history.history["loss"]) == 1


def test_terminate_on_nan_stops_without_raising():
    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([[1.0, np.nan]] * 8, dtype="float32")
    history = model.fit(x, np.ones((8, 1)), verbose=0, epochs=3,
                        callbacks=[keras.callbacks.TerminateOnNaN()])
    assert len(history.history.get("loss", [])) <= 1


def test_reduce_lr_on_plateau_lowers_learning_rate_in_fit():
    x, y = _data(16)
    model = _model()
    model.optimizer.learning_rate = 0.0
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[
        keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5,
                                          min_delta=1.0)])
    assert "learning_rate" in history.history


def test_verbose_1_prints_progress_bar_and_verbose_0_is_silent(capsys):
    x, y = _data(32)
    model = _model()
    model.fit(x, y, epochs=2, batch_size=8, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "4/4" in out and "step" in out and "loss:" in out and "accuracy:" in out
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_verbose_2_prints_one_line_per_epoch(capsys):
    x, y = _data(32)
    _model().fit(x, y, epochs=2, batch_size=8, verbose=2)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert lines[0] == "Epoch 1/2"
    assert lines[1].startswith("4/4 - ") and "loss:" in lines[1]
    assert lines[2] == "Epoch 2/2"
    assert len(lines) == 4


def test_learning_rate_scheduler_sets_rate_each_epoch():
    x, y = _data(16)
    model = _model()
    rates = []
    model.fit(x, y, epochs=3, verbose=0, callbacks=[
        keras.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1)),
        keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: rates.append(
            float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))))])
    assert rates == pytest.approx([0.1, 0.05, 0.1 / 3])


def test_csv_logger_writes_each_epoch(tmp_path):
    x, y = _data(16)
    path = tmp_path / "log.csv"
    _model().fit(x, y, epochs=2, verbose=0, callbacks=[keras.callbacks.CSVLogger(str(path))])
    rows = path.read_text().strip().splitlines()
    # As in Keras, val_ columns are written (as NA) even without validation data.
    assert rows[0] == "epoch,accuracy,loss,val_accuracy,val_loss"
    assert rows[1].endswith(",NA,NA")
    assert len(rows) == 3


def test_dropout_is_active_in_fit_but_not_in_predict():
    model = keras.Sequential([keras.Input((100,)), layers.Dropout(0.5)])
    x = np.ones((4, 100), dtype="float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    out = model(x, training=True)
    assert 0.3 < float(np.mean(keras.ops.convert_to_numpy(out) == 0)) < 0.7


def test_stateful_lstm_trains_in_fit_and_keeps_state_between_batches():
    model = keras.Sequential([keras.Input((5, 3), batch_size=4),
                              layers.LSTM(4, stateful=True), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).random((8, 5, 3)).astype("float32")
    y = np.random.default_rng(1).random((8, 1)).astype("float32")
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert all(np.isfinite(history.history["loss"]))
    states = model.layers[0].states
    assert len(model.variables) > len(model.weights)
    assert any(np.abs(keras.ops.convert_to_numpy(s)).sum() > 0 for s in states)
