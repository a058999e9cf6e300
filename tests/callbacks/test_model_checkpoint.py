"""ModelCheckpoint: file names, save_best_only, save_freq, suffix checks."""

import os

import pytest

from lamina import callbacks


def _fit(checkpoint, model, epoch_logs, steps=0):
    checkpoint.set_model(model)
    checkpoint.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        checkpoint.on_epoch_begin(epoch)
        for batch in range(steps):
            checkpoint.on_train_batch_end(batch, dict(logs))
        checkpoint.on_epoch_end(epoch, dict(logs))
    checkpoint.on_train_end()


def test_checkpoint_formats_epoch_one_based_and_logs_keys(model, tmp_path):
    path = tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.keras"
    _fit(callbacks.ModelCheckpoint(path), model, [{"val_loss": 0.5}, {"val_loss": 0.25}])
    assert sorted(os.listdir(tmp_path)) == ["ckpt-01-0.50.keras", "ckpt-02-0.25.keras"]


def test_checkpoint_saves_whole_model_with_overwrite(model, tmp_path):
    path = tmp_path / "model.keras"
    _fit(callbacks.ModelCheckpoint(path), model, [{"val_loss": 1.0}])
    assert model.saved == [("model", str(path))]


def test_checkpoint_save_weights_only_calls_save_weights(model, tmp_path):
    path = tmp_path / "w.weights.h5"
    _fit(callbacks.ModelCheckpoint(path, save_weights_only=True), model, [{"val_loss": 1.0}])
    assert model.saved == [("weights", str(path))]


def test_checkpoint_save_best_only_saves_only_improvements(model, tmp_path):
    path = tmp_path / "{epoch}.keras"
    checkpoint = callbacks.ModelCheckpoint(path, save_best_only=True)
    _fit(checkpoint, model, [{"val_loss": v} for v in [1.0, 0.5, 0.7, 0.4]])
    assert sorted(os.listdir(tmp_path)) == ["1.keras", "2.keras", "4.keras"]
    assert checkpoint.best == 0.4


def test_checkpoint_save_best_only_in_max_mode(model, tmp_path):
    path = tmp_path / "{epoch}.keras"
    checkpoint = callbacks.ModelCheckpoint(path, monitor="val_accuracy", save_best_only=True)
    _fit(checkpoint, model, [{"val_accuracy": v} for v in [0.5, 0.4, 0.6]])
    assert sorted(os.listdir(tmp_path)) == ["1.keras", "3.keras"]


def test_checkpoint_initial_value_threshold_must_be_beaten(model, tmp_path):
    path = tmp_path / "{epoch}.keras"
    checkpoint = callbacks.ModelCheckpoint(
        path, save_best_only=True, initial_value_threshold=0.3
    )
    _fit(checkpoint, model, [{"val_loss": v} for v in [0.5, 0.2]])
    assert os.listdir(tmp_path) == ["2.keras"]


def test_checkpoint_save_best_only_warns_and_saves_when_monitor_missing(model, tmp_path):
    checkpoint = callbacks.ModelCheckpoint(tmp_path / "m.keras", save_best_only=True)
    with pytest.warns(UserWarning, match="val_loss.*loss"):
        _fit(checkpoint, model, [{"loss": 1.0}])
    assert len(model.saved) == 1


def test_checkpoint_integer_save_freq_saves_every_n_batches(model, tmp_path):
    path = tmp_path / "e{epoch}-b{batch}.keras"
    _fit(callbacks.ModelCheckpoint(path, save_freq=2), model, [{"loss": 1.0}] * 2, steps=3)
    # Batches are counted across epochs: saves after 2, 4 and 6 batches in all.
    assert sorted(os.listdir(tmp_path)) == ["e1-b2.keras", "e2-b1.keras", "e2-b3.keras"]


def test_checkpoint_creates_missing_parent_directories(model, tmp_path):
    path = tmp_path / "a" / "b" / "model.keras"
    _fit(callbacks.ModelCheckpoint(path), model, [{"val_loss": 1.0}])
    assert path.exists()


def test_checkpoint_weights_only_requires_weights_h5_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"must end in '\.weights\.h5'.*model\.h5"):
        callbacks.ModelCheckpoint(tmp_path / "model.h5", save_weights_only=True)


def test_checkpoint_full_save_requires_keras_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"must end in '\.keras'.*save_weights_only=True"):
        callbacks.ModelCheckpoint(tmp_path / "model.ckpt")


def test_checkpoint_rejects_unknown_save_freq(tmp_path):
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a positive int"):
        callbacks.ModelCheckpoint(tmp_path / "m.keras", save_freq="batch")


def test_checkpoint_missing_format_field_raises_key_error_naming_it(model, tmp_path):
    checkpoint = callbacks.ModelCheckpoint(tmp_path / "{val_acc:.2f}.keras")
    with pytest.raises(KeyError, match="val_acc"):
        _fit(checkpoint, model, [{"loss": 1.0}])


def test_checkpoint_verbose_reports_improvement(model, tmp_path, capsys):
    checkpoint = callbacks.ModelCheckpoint(tmp_path / "m.keras", save_best_only=True, verbose=1)
    _fit(checkpoint, model, [{"val_loss": 0.5}, {"val_loss": 0.6}])
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from None to 0.50000" in out
    assert "Epoch 2: val_loss did not improve from 0.50000" in out
