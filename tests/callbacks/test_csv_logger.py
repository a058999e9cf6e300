"""CSVLogger: header, rows, separator, appending, and Keras's exact file."""

import pytest

from lamina import callbacks


def _fit(logger, epoch_logs):
    logger.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        logger.on_epoch_end(epoch, logs)
    logger.on_train_end()


def _lines(path):
    return path.read_text().splitlines()


def test_csv_logger_writes_header_of_sorted_keys_and_one_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    logs = [
        {"val_loss": 0.6, "loss": 0.5, "accuracy": 0.25},
        {"val_loss": 0.3, "loss": 0.4, "accuracy": 0.5},
    ]
    _fit(callbacks.CSVLogger(path), logs)
    assert _lines(path) == [
        "epoch,accuracy,loss,val_loss",
        "0,0.25,0.5,0.6",
        "1,0.5,0.4,0.3",
    ]


def test_csv_logger_adds_val_columns_as_na_when_first_epoch_has_none(tmp_path):
    path = tmp_path / "log.csv"
    _fit(callbacks.CSVLogger(path), [{"loss": 0.5}])
    assert _lines(path) == ["epoch,loss,val_loss", "0,0.5,NA"]


def test_csv_logger_uses_separator(tmp_path):
    path = tmp_path / "log.tsv"
    _fit(callbacks.CSVLogger(path, separator="\t"), [{"loss": 0.5, "val_loss": 1.0}])
    assert _lines(path) == ["epoch\tloss\tval_loss", "0\t0.5\t1.0"]


def test_csv_logger_append_keeps_rows_and_writes_header_once(tmp_path):
    path = tmp_path / "log.csv"
    _fit(callbacks.CSVLogger(path, append=True), [{"loss": 0.5, "val_loss": 1.0}])
    _fit(callbacks.CSVLogger(path, append=True), [{"loss": 0.25, "val_loss": 2.0}])
    assert _lines(path) == ["epoch,loss,val_loss", "0,0.5,1.0", "0,0.25,2.0"]


def test_csv_logger_without_append_replaces_file(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("old\n")
    _fit(callbacks.CSVLogger(path), [{"loss": 0.5, "val_loss": 1.0}])
    assert _lines(path)[0] == "epoch,loss,val_loss"


def test_csv_logger_closes_file_at_train_end(tmp_path):
    logger = callbacks.CSVLogger(tmp_path / "log.csv")
    _fit(logger, [{"loss": 0.5}])
    assert logger.csv_file.closed


def test_csv_logger_file_matches_keras_byte_for_byte(tmp_path):
    keras = pytest.importorskip("keras")
    logs = [{"loss": 0.5, "accuracy": 0.25}, {"loss": 0.4, "accuracy": [1, 2]}]
    _fit(callbacks.CSVLogger(tmp_path / "ours.csv"), [dict(d) for d in logs])
    _fit(keras.callbacks.CSVLogger(str(tmp_path / "theirs.csv")), [dict(d) for d in logs])
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "theirs.csv").read_bytes()
