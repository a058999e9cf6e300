"""Test set-up: the backend comes from LAMINA_BACKEND; each test starts from fixed seeds."""

import os
import random

import numpy as np  # noqa: E402
import pytest  # noqa: E402

# Keras 3 (a test-only dependency, used as an oracle) runs on torch.
os.environ.setdefault("KERAS_BACKEND", "torch")

import lamina  # noqa: E402


def pytest_collection_modifyitems(config, items):
    active = lamina.backend.backend()
    for item in items:
        if "torch_only" in item.keywords and active != "torch":
            item.add_marker(pytest.mark.skip(reason="torch backend only"))
        if "jax_only" in item.keywords and active != "jax":
            item.add_marker(pytest.mark.skip(reason="JAX backend only"))


@pytest.fixture(autouse=True)
def _fixed_seeds():
    random.seed(1337)
    np.random.seed(1337)
    yield


@pytest.fixture
def backend_name():
    """The active backend's name."""
    return lamina.backend.backend()
