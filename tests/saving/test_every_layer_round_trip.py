"""Every public layer class saves to ``.keras`` and loads back with the same predictions and
the same config.

The cases live in ``layer_cases.py``; a layer class without a case fails
``test_every_public_layer_class_has_a_round_trip_case``, so a new layer cannot skip this.
"""

import json

import numpy as np
import pytest

import lamina
from lamina import ops

from .layer_cases import CASES
from .layer_cases import EXEMPT
from .layer_cases import public_layer_classes


def test_every_public_layer_class_has_a_round_trip_case():
    classes = set(public_layer_classes(lamina.layers))
    missing = sorted(classes - set(CASES) - set(EXEMPT))
    assert not missing, f"add a case to tests/saving/layer_cases.py for: {missing}"
    unknown = sorted(set(CASES) - classes)
    assert not unknown, f"cases for classes lamina.layers does not export: {unknown}"


def _randomize(model, seed=0):
    """Random weights (positive where a variance or count is stored), so copies matter."""
    rng = np.random.default_rng(seed)
    values = []
    for weight in model.weights:
        shape = tuple(weight.shape)
        if not str(weight.dtype).startswith("float"):
            values.append(np.asarray(weight.numpy()))
        elif "variance" in weight.name:
            values.append(rng.uniform(0.5, 1.5, size=shape).astype(weight.dtype))
        else:
            values.append((0.5 * rng.normal(size=shape)).astype(weight.dtype))
    model.set_weights(values)


def _as_json(value):
    return json.loads(json.dumps(value, default=lambda v: v.tolist() if hasattr(v, "tolist")
                                 else list(v)))


def _predict(model, x):
    return np.asarray(ops.convert_to_numpy(model(x, training=False)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_round_trips_through_a_keras_file(tmp_path, name):
    case = CASES[name]
    model = case.model(lamina)
    _randomize(model)
    x = case.data()
    expected = _predict(model, x)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = lamina.models.load_model(path)
    np.testing.assert_allclose(_predict(loaded, x), expected, rtol=1e-6, atol=1e-6)
    layer, reloaded = model.layers[-1], loaded.layers[-1]
    assert type(reloaded) is type(layer)
    assert _as_json(reloaded.get_config()) == _as_json(layer.get_config())
