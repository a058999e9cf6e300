"""Shared helpers for the layer tests: finite differences, lamina gradients, Keras oracle.

Gradients are checked against central differences of a float64 NumPy reference, for the
scalar loss ``sum(output * projection)`` with a fixed random ``projection`` (so every output
element matters with its own weight).
"""

import json

import numpy as np
import pytest

import lamina
from lamina import ops


def to_numpy(x):
    """A lamina / backend tensor (or a list of them) as NumPy."""
    if isinstance(x, (list, tuple)):
        return [to_numpy(v) for v in x]
    return np.asarray(ops.convert_to_numpy(x))


def random_array(*shape, seed=0, low=-1.0, high=1.0):
    """A float32 array of ``shape`` with values uniform in ``[low, high)``."""
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype("float32")


def numeric_grad(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function ``f`` at ``x`` (in float64)."""
    x = np.array(x, dtype="float64")
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = f(x)
        x[index] = original - eps
        minus = f(x)
        x[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def lamina_grads(fn, arrays, variables=(), projection=None):
    """Gradients of ``sum(fn(*inputs) * projection)`` w.r.t. the inputs, then ``variables``.

    Each array in ``arrays`` is wrapped in a ``lamina.backend.Variable`` so the input
    gradient comes from the backend's autodiff; ``fn`` receives those Variables.
    """
    inputs = [lamina.backend.Variable(np.asarray(a, dtype="float32")) for a in arrays]
    projection = np.asarray(projection, dtype="float32")

    def loss():
        return ops.sum(ops.multiply(fn(*inputs), projection))

    _, grads = lamina.backend.value_and_grad(loss, inputs + list(variables))
    return to_numpy(grads)


def reference_loss(reference, projection):
    """The float64 loss matching :func:`lamina_grads`, for finite differences."""
    projection = np.asarray(projection, dtype="float64")
    return lambda *args: float(np.sum(reference(*args) * projection))


def keras():
    """The Keras 3 package (the oracle), or skip the test when it is not installed."""
    return pytest.importorskip("keras")


def keras_output(layer, inputs, **kwargs):
    """Call a Keras layer and return its output as NumPy."""
    k = keras()
    return np.asarray(k.ops.convert_to_numpy(layer(inputs, **kwargs)))


def config_round_trip(layer, inputs, **call_kwargs):
    """Rebuild ``layer`` from its (JSON-encoded) config, copy the weights, and return both
    layers' outputs on ``inputs``."""
    expected = to_numpy(layer(inputs, **call_kwargs))
    config = json.loads(json.dumps(layer.get_config()))
    config.pop("name")
    clone = type(layer).from_config(config)
    clone(inputs, **call_kwargs)
    clone.set_weights(layer.get_weights())
    return expected, to_numpy(clone(inputs, **call_kwargs))


def weight_signature(layer):
    """``[(name, shape), ...]`` of a lamina or Keras layer's weights, in order."""
    return [(w.name, tuple(w.shape)) for w in layer.weights]
