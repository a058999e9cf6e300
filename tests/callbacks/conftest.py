"""Fixtures for callback tests: a small stand-in model driven through the hooks by hand."""

import os

import numpy as np
import pytest

from lamina import backend
from lamina import ops


class FakeOptimizer:
    """An optimizer whose ``learning_rate`` is a lamina Variable, as real ones keep it."""

    def __init__(self, learning_rate=0.1, name="sgd"):
        self.name = name
        self._learning_rate = backend.Variable(
            learning_rate, dtype="float32", trainable=False, name="learning_rate"
        )

    @property
    def learning_rate(self):
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate.assign(value)

    def current_rate(self):
        return float(ops.convert_to_numpy(self._learning_rate))


class FakeModel:
    """What callbacks touch on a model: stop flag, optimizer, weights, saving."""

    def __init__(self, learning_rate=0.1):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights = [np.zeros((2,), "float32")]
        self.saved = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]

    def save(self, filepath, overwrite=True):
        self._write(filepath, "model", overwrite)

    def save_weights(self, filepath, overwrite=True):
        self._write(filepath, "weights", overwrite)

    def _write(self, filepath, kind, overwrite):
        assert overwrite is True
        with open(filepath, "w") as f:
            f.write(kind)
        self.saved.append((kind, os.fspath(filepath)))


@pytest.fixture
def model():
    """A fresh FakeModel with learning rate 0.1."""
    return FakeModel()


def run_epochs(callback, model, values, key="val_loss"):
    """Drive ``callback`` through a fit whose epoch ``i`` logs ``{key: values[i]}``.

    Before each epoch's end the model's weights are set to the epoch number, so restored
    weights tell which epoch they came from. Returns the number of epochs run.
    """
    callback.set_model(model)
    callback.on_train_begin()
    epochs_run = 0
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch)
        model.set_weights([np.full((2,), epoch, "float32")])
        callback.on_epoch_end(epoch, {key: value})
        epochs_run += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return epochs_run


@pytest.fixture
def drive():
    """The ``run_epochs`` helper, for tests to call."""
    return run_epochs


@pytest.fixture
def make_model():
    """The FakeModel class, for tests that need a second model."""
    return FakeModel
