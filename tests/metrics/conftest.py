"""Shared fixtures for the metric tests: small fixed batches and runners for lamina and Keras."""

import warnings

import numpy as np
import pytest

from lamina import ops


def _run(metric, batches):
    for args, kwargs in batches:
        metric.update_state(*args, **kwargs)
    return ops.convert_to_numpy(metric.result())


@pytest.fixture
def run_metric():
    """``run_metric(metric, batches)``: feed ``[(args, kwargs), ...]``, return the result."""
    return _run


@pytest.fixture
def keras_result():
    """``keras_result(class_name, kwargs, batches)``: the same run on Keras 3's metric."""
    keras = pytest.importorskip("keras")

    def run(class_name, kwargs, batches):
        # Keras's torch backend trips a NumPy 2 deprecation warning on its own tensors.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            metric = getattr(keras.metrics, class_name)(**kwargs)
            for args, call_kwargs in batches:
                metric.update_state(*args, **call_kwargs)
            return keras.ops.convert_to_numpy(metric.result())

    return run


@pytest.fixture
def data():
    """Small random batches: binary, one-hot, sparse and regression targets with weights."""
    rng = np.random.default_rng(7)
    n, classes = 8, 4
    sparse = rng.integers(0, classes, size=(n,))
    return {
        "binary_true": rng.integers(0, 2, size=(n, 3)).astype("float32"),
        "binary_pred": rng.random((n, 3)).astype("float32"),
        "onehot_true": np.eye(classes, dtype="float32")[sparse],
        "sparse_true": sparse,
        "class_pred": rng.random((n, classes)).astype("float32"),
        "reg_true": rng.normal(size=(n, 3)).astype("float32"),
        "reg_pred": rng.normal(size=(n, 3)).astype("float32"),
        "weight": rng.random(n).astype("float32"),
        "rng": rng,
    }
