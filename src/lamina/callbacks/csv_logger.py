"""``CSVLogger``: writes each epoch's logs as a row of a CSV file."""

import csv
import os

import numpy as np

from lamina.callbacks.callback import Callback


def _cell(value):
    """One CSV cell: numbers and text as they are, a list as a quoted "[a, b]"."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """Stream the epoch results to a CSV file: a header, then one row per epoch.

    The columns are ``epoch`` (0-based) and the logs keys in sorted order, as found at the
    first epoch. When that epoch has no validation results, ``val_`` columns are added for
    every key anyway (validation may start later, with ``validation_freq``); missing values
    are written as ``NA``. Rows end in ``\\r\\n`` like Keras's files (the ``csv`` module's
    Excel dialect).

    Args:
        filename: the CSV file's path.
        separator: the character between cells. Defaults to ``","``.
        append: add to an existing file (writing the header only if it is empty) instead
            of replacing it. Defaults to False.

    Example:
        >>> csv_logger = CSVLogger("training.log")
        >>> model.fit(x, y, epochs=3, callbacks=[csv_logger])   # then read training.log
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        """Open the file, for appending or afresh."""
        self.append_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as existing:
                self.append_header = not existing.readline()
        self._close()
        # newline="" lets the csv module write its own line endings untouched.
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        """Write the epoch's row (and the header before the first one)."""
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self.writer is None:
            dialect = type("_Dialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(
                self.csv_file, fieldnames=["epoch"] + self.keys, dialect=dialect
            )
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        # Flushed per epoch so the file is readable while training runs.
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        """Close the file."""
        self._close()
        self.writer = None

    def _close(self):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
