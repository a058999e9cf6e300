"""fit's training arrays kept on the device, each step gathering its rows inside the compiled
step (JAX on an accelerator; forced here on the CPU): the same training as host batches."""

import collections

import numpy as np
import pytest

import lamina as keras
from lamina import backend
from lamina import layers
from lamina.backend.common.device_rows import DeviceRows
from lamina.backend.common.device_rows import has_device_rows
from lamina.backend.common.device_rows import materialize_batch
from lamina.data import EpochIterator


def _force_device_data(monkeypatch, on):
    monkeypatch.setattr(backend.core, "DEVICE_DATA", on)


class _OwnStep(keras.Model):
    """A subclassed model with its own train_step: it sees the gathered batch."""

    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(8, activation="tanh")
        self.out = layers.Dense(3)

    def call(self, x):
        return self.out(self.hidden(x))

    def train_step(self, data):
        x, y = data
        return super().train_step((x * 2.0, y))


def _fit(kind, monkeypatch, on):
    _force_device_data(monkeypatch, on)
    keras.utils.set_random_seed(3)
    np.random.seed(3)
    rng = np.random.default_rng(0)
    n = 100  # batches of 16: the last one has 4 samples
    x = rng.normal(size=(n, 5))  # float64: narrowed to float32 on the device
    y = rng.integers(0, 3, n)
    fit_args = dict(batch_size=16, epochs=3, verbose=0)
    if kind == "own_step":
        model = _OwnStep()
    else:
        model = keras.Sequential([keras.Input((5,)), layers.Dense(8, activation="relu"),
                                  layers.Dropout(0.1), layers.Dense(3)])
    if kind == "multi_io":
        a = keras.Input((5,), name="a")
        b = keras.Input((2,), name="b")
        h = layers.Dense(8, activation="relu")(layers.Concatenate()([a, b]))
        model = keras.Model({"a": a, "b": b}, [layers.Dense(3, name="c")(h),
                                               layers.Dense(1, name="r")(h)])
        model.compile("adam", ["sparse_categorical_crossentropy", "mse"])
        x = {"a": x, "b": rng.normal(size=(n, 2)).astype("float32")}
        y = [y, rng.normal(size=(n, 1)).astype("float32")]
    else:
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"],
                      steps_per_execution=3 if kind == "steps_per_execution" else 1)
    if kind == "no_shuffle":
        fit_args["shuffle"] = False
    if kind == "batch_shuffle":
        fit_args["shuffle"] = "batch"
    if kind == "weights":
        fit_args["sample_weight"] = rng.random(n)
        fit_args["class_weight"] = {0: 1.0, 1: 2.0, 2: 0.5}
    if kind == "steps_per_epoch":  # 4 steps of a 7-batch pass: passes span epochs
        fit_args["steps_per_epoch"] = 4
    if kind == "validation":
        fit_args["validation_split"] = 0.2
    history = model.fit(x, y, **fit_args)
    return model, history.history


@pytest.mark.jax_only
@pytest.mark.parametrize("kind", ["plain", "no_shuffle", "batch_shuffle", "weights",
                                  "steps_per_execution", "steps_per_epoch", "validation",
                                  "multi_io", "own_step"])
def test_device_resident_data_trains_as_host_batches(kind, monkeypatch):
    host_model, host_history = _fit(kind, monkeypatch, False)
    model, history = _fit(kind, monkeypatch, True)
    keys = [k for k in model._step_functions["train"].compiled if isinstance(k, tuple)]
    assert keys, "the compiled step did not receive device-resident rows"
    for a, b in zip(host_model.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    assert history.keys() == host_history.keys()
    for key in history:
        np.testing.assert_allclose(history[key], host_history[key], rtol=1e-6, atol=1e-6)


@pytest.mark.jax_only
def test_automatic_steps_per_execution_gathers_stacked_rows(monkeypatch):
    # Tiny steps: from the second epoch fit runs several steps per compiled call.
    results = []
    for on in (False, True):
        _force_device_data(monkeypatch, on)
        keras.utils.set_random_seed(1)
        np.random.seed(1)
        rng = np.random.default_rng(2)
        x, y = rng.normal(size=(640, 4)), rng.normal(size=(640, 1))
        model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
        model.compile("sgd", "mse")
        model.fit(x, y, batch_size=8, epochs=3, verbose=0)
        results.append((model.get_weights(), list(model._step_functions["train"].compiled)))
    (host, _), (device, keys) = results
    for a, b in zip(host, device):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    if "many" in results[0][1]:  # the machine was fast enough for automatic executions
        assert ("many", (0, 1)) in keys


@pytest.mark.jax_only
def test_numpy_data_stays_on_the_host_on_cpu_and_device_arrays_are_used_in_place():
    import jax.numpy as jnp

    x = np.arange(20.0).reshape(10, 2)
    device_y = jnp.arange(10.0)
    iterator = EpochIterator(x, device_y, batch_size=4, shuffle=True, gather_in_step=True)
    sources = iterator.data_adapter._sources
    assert sources[0] is None  # NumPy: gathered on the host, not copied to the device
    assert sources[1] is device_y
    _, (xb, yb, _) = next(iter(iterator.enumerate_epoch()))
    assert isinstance(xb, np.ndarray) and isinstance(yb, DeviceRows)
    np.testing.assert_array_equal(np.asarray(yb.materialize()), xb[:, 0] / 2)


@pytest.mark.jax_only
def test_device_data_is_used_only_when_it_fits_the_device(monkeypatch):
    monkeypatch.setattr(backend.core, "get_device", lambda: "gpu")
    x = np.ones((64, 8), "float32")
    monkeypatch.setattr(backend.core, "DEVICE_DATA_FRACTION", 1e-12)
    assert backend.core.device_resident_sources([x]) == [None]
    monkeypatch.setattr(backend.core, "DEVICE_DATA_FRACTION", 0.25)
    (source,) = backend.core.device_resident_sources([x])
    np.testing.assert_array_equal(np.asarray(source), x)
    # Strings and other non-numeric data never move.
    assert backend.core.device_resident_sources([np.array(["a", "b"])]) == [None]


def test_steps_that_run_eagerly_get_plain_batches(monkeypatch):
    if backend.backend() == "jax":
        _force_device_data(monkeypatch, True)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse", run_eagerly=True)
    assert not model._gathers_in_step()
    seen = []

    class Spy(keras.callbacks.Callback):
        pass

    original = model.train_step

    def train_step(data):
        seen.append(has_device_rows(data))
        return original(data)

    model.train_step = train_step
    model.fit(np.ones((8, 3)), np.ones((8, 1)), batch_size=4, verbose=0, callbacks=[Spy()])
    assert seen == [False, False]


def test_torch_keeps_no_data_resident_for_the_step():
    if backend.backend() != "torch":
        pytest.skip("torch's gather stays an eager index_select")
    assert backend.core.device_resident_sources([np.ones((4, 2)), None]) == [None, None]


def test_device_rows_materialize_in_their_structure():
    source = np.arange(24.0).reshape(6, 4)
    rows = np.array([4, 1], "int32")
    leaf = DeviceRows(source, rows, host=source)
    assert leaf.shape == (2, 4) and leaf.ndim == 2 and len(leaf) == 2
    assert leaf.dtype == source.dtype
    np.testing.assert_array_equal(leaf.materialize(), source[[4, 1]])
    no_host = DeviceRows(source, rows, take=lambda s, r: s[r] * 10)
    np.testing.assert_array_equal(no_host.materialize(), source[[4, 1]] * 10)
    stacked = leaf.stacked([DeviceRows(source, np.array([0, 5], "int32"), source)])
    assert stacked.shape == (2, 2, 4)

    Pair = collections.namedtuple("Pair", "x y")
    batch = (Pair(leaf, None), {"k": [leaf, 3]})
    out = materialize_batch(batch)
    assert isinstance(out[0], Pair) and out[0].y is None
    np.testing.assert_array_equal(out[1]["k"][0], source[[4, 1]])
    assert out[1]["k"][1] == 3
    assert has_device_rows(batch) and not has_device_rows(out)


@pytest.mark.jax_only
def test_evaluate_and_predict_on_device_resident_data_match_host_batches(monkeypatch):
    rng = np.random.default_rng(5)
    x = {"a": rng.normal(size=(70, 5)), "b": rng.normal(size=(70, 2)).astype("float32")}
    y = [rng.integers(0, 3, 70), rng.normal(size=(70, 1)).astype("float32")]
    results = []
    for on in (False, True):
        _force_device_data(monkeypatch, on)
        keras.utils.set_random_seed(0)
        a, b = keras.Input((5,), name="a"), keras.Input((2,), name="b")
        h = layers.Dense(8, activation="relu")(layers.Concatenate()([a, b]))
        model = keras.Model({"a": a, "b": b}, [layers.Dense(3, name="c")(h),
                                               layers.Dense(1, name="r")(h)])
        model.compile("adam", ["sparse_categorical_crossentropy", "mse"])
        scores = model.evaluate(x, y, batch_size=16, verbose=0)
        outputs = model.predict(x, batch_size=16, verbose=0)
        keys = [k for k in model._step_functions["predict"].compiled if isinstance(k, tuple)]
        results.append((scores, outputs, keys))
    (host_scores, host_outputs, _), (scores, outputs, keys) = results
    assert keys, "predict's compiled step did not receive device-resident rows"
    np.testing.assert_allclose(scores, host_scores, rtol=1e-6, atol=1e-6)
    for got, expected in zip(outputs, host_outputs):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
