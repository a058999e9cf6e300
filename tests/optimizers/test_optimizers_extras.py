"""Lamb, Ftrl and Adafactor against Keras 3 (the oracle) and a NumPy Lamb step: updates,
slot variables, configs, names, training and saved state."""

import inspect

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina import ops
from lamina import optimizers

NAMES = ["Lamb", "Ftrl", "Adafactor"]

_rng = np.random.default_rng(7)
# A matrix, a vector and a rank-3 tensor: Adafactor factors the first and last, not the vector.
INITIALS = [_rng.normal(size=(3, 2)).astype("float32"),
            _rng.normal(size=(2,)).astype("float32"),
            _rng.normal(size=(2, 3, 2)).astype("float32")]
GRAD_STEPS = [[_rng.normal(size=x.shape).astype("float32") * scale for x in INITIALS]
              for scale in (2.0, 0.5, 1.0, 0.1, 1.5)]

CASES = [
    ("Lamb", {"learning_rate": 0.1}),
    ("Lamb", {"learning_rate": 0.1, "weight_decay": 0.05}),
    ("Lamb", {"learning_rate": 0.1, "clipnorm": 0.5, "beta_1": 0.8, "epsilon": 1e-3}),
    ("Ftrl", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.05,
              "l2_regularization_strength": 0.1, "beta": 0.5}),
    ("Ftrl", {"learning_rate": 0.1, "l2_shrinkage_regularization_strength": 0.2,
              "learning_rate_power": -0.3, "initial_accumulator_value": 0.5}),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": 0.0, "weight_decay": 0.05,
              "clipnorm": 1.0}),
    ("Adafactor", {"learning_rate": 0.1}),
    ("Adafactor", {"learning_rate": 0.5, "clip_threshold": 0.5, "beta_2_decay": -0.5}),
    ("Adafactor", {"learning_rate": 0.1, "weight_decay": 0.05, "clipnorm": 1.0,
                   "relative_step": False}),
    ("Adafactor", {"learning_rate": 0.01, "epsilon_2": 0.5}),
    # The base optimizer's accumulation and moving average around each update, slots included.
    ("Lamb", {"learning_rate": 0.1, "gradient_accumulation_steps": 2, "use_ema": True}),
    ("Ftrl", {"learning_rate": 0.1, "gradient_accumulation_steps": 2}),
    ("Adafactor", {"learning_rate": 0.1, "gradient_accumulation_steps": 2, "use_ema": True}),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for name, kw in CASES]


def run_lamina(name, kwargs, initials=INITIALS, grad_steps=GRAD_STEPS):
    variables = [lamina.backend.Variable(x.copy(), name=f"w{i}")
                 for i, x in enumerate(initials)]
    optimizer = getattr(optimizers, name)(**kwargs)
    for grads in grad_steps:
        optimizer.apply([ops.convert_to_tensor(g) for g in grads], variables)
    return [ops.convert_to_numpy(v.value) for v in variables], optimizer


def run_keras(name, kwargs, initials=INITIALS, grad_steps=GRAD_STEPS):
    keras = pytest.importorskip("keras")
    variables = [keras.Variable(x.copy(), name=f"w{i}") for i, x in enumerate(initials)]
    optimizer = getattr(keras.optimizers, name)(**kwargs)
    for grads in grad_steps:
        optimizer.apply([keras.ops.convert_to_tensor(g) for g in grads], variables)
    return [keras.ops.convert_to_numpy(v) for v in variables], optimizer


# -- numerics -----------------------------------------------------------------------------
@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_updates_match_keras_over_several_steps(name, kwargs):
    ours, _ = run_lamina(name, kwargs)
    theirs, _ = run_keras(name, kwargs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_slot_values_match_keras(name, kwargs):
    _, ours = run_lamina(name, kwargs)
    _, theirs = run_keras(name, kwargs)
    keras = pytest.importorskip("keras")
    assert len(ours.variables) == len(theirs.variables)
    for a, b in zip(ours.variables, theirs.variables):
        np.testing.assert_allclose(a.numpy(), keras.ops.convert_to_numpy(b), rtol=1e-5,
                                   atol=1e-6, err_msg=a.path)


def lamb_step_reference(w, g, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """The first Lamb step from the paper's rule with Keras's epsilon placement (float64)."""
    m = (1 - beta_1) * g
    v = (1 - beta_2) * g**2
    update = (m / (1 - beta_1)) / (np.sqrt(v / (1 - beta_2)) + epsilon)
    w_norm, u_norm = np.linalg.norm(w), np.linalg.norm(update)
    ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
    return w - ratio * learning_rate * update


@pytest.mark.parametrize("initial", [INITIALS[0], np.zeros((3, 2), "float32")],
                         ids=["nonzero", "zero-weights"])
def test_one_lamb_step_matches_numpy_reference(initial):
    grad = GRAD_STEPS[0][0]
    variable = lamina.backend.Variable(initial.copy())
    optimizer = optimizers.Lamb(learning_rate=0.1, beta_1=0.8, beta_2=0.99)
    optimizer.apply_gradients([(ops.convert_to_tensor(grad), variable)])
    expected = lamb_step_reference(initial.astype("float64"), grad.astype("float64"), 0.1,
                                   beta_1=0.8, beta_2=0.99)
    np.testing.assert_allclose(variable.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_lamb_step_norm_is_learning_rate_times_weight_norm():
    initial = INITIALS[0]
    variable = lamina.backend.Variable(initial.copy())
    optimizer = optimizers.Lamb(learning_rate=0.1)
    optimizer.apply_gradients([(ops.convert_to_tensor(GRAD_STEPS[0][0]), variable)])
    step = np.linalg.norm(variable.numpy() - initial)
    np.testing.assert_allclose(step, 0.1 * np.linalg.norm(initial), rtol=1e-5)


def test_ftrl_l1_holds_small_linear_terms_at_exactly_zero():
    variable = lamina.backend.Variable(np.zeros((2,), "float32"))
    optimizer = optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=0.01)
    optimizer.apply_gradients([(ops.convert_to_tensor(np.array([1.0, 0.001], "float32")),
                                variable)])
    assert variable.numpy()[1] == 0.0 and variable.numpy()[0] < 0.0


@pytest.mark.parametrize("arg, value", [
    ("learning_rate_power", 0.5), ("initial_accumulator_value", -0.1),
    ("l1_regularization_strength", -1.0), ("l2_regularization_strength", -1.0),
    ("l2_shrinkage_regularization_strength", -1.0),
])
def test_ftrl_rejects_out_of_range_arguments_naming_them(arg, value):
    with pytest.raises(ValueError, match=rf"`{arg}`.*Received: {arg}={value}"):
        optimizers.Ftrl(**{arg: value})


# -- state, names and config --------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_slot_variables_are_named_shaped_and_ordered_like_keras(name):
    _, ours = run_lamina(name, {}, grad_steps=GRAD_STEPS[:1])
    _, theirs = run_keras(name, {}, grad_steps=GRAD_STEPS[:1])
    base = ours.name
    ours_rows = [(v.path.replace(base, "opt", 1), v.name, tuple(v.shape), v.dtype)
                 for v in ours.variables[1:]]  # our step counter is int64, Keras's int32
    theirs_rows = [(v.path.replace(theirs.name, "opt", 1), v.name, tuple(v.shape), v.dtype)
                   for v in theirs.variables[1:]]
    assert ours_rows == theirs_rows
    assert ours.variables[0].path == f"{base}/iteration"


def test_adafactor_factors_matrices_and_keeps_vectors_whole():
    _, optimizer = run_lamina("Adafactor", {}, grad_steps=GRAD_STEPS[:1])
    shapes = [tuple(v.shape) for v in optimizer.variables[2:]]
    assert shapes == [(3,), (2,), (3, 2),  # matrix: rows, columns, velocity
                      (), (), (2,),  # vector: two placeholders, velocity
                      (2, 3), (2, 2), (2, 3, 2)]  # rank 3: last two axes factored


@pytest.mark.parametrize("name", NAMES)
def test_constructor_signature_matches_keras(name):
    keras = pytest.importorskip("keras")
    ours = inspect.signature(getattr(optimizers, name).__init__)
    theirs = inspect.signature(getattr(keras.optimizers, name).__init__)
    assert str(ours) == str(theirs)


@pytest.mark.parametrize("name", NAMES)
def test_get_config_matches_keras(name):
    keras = pytest.importorskip("keras")
    ours = getattr(optimizers, name)(learning_rate=0.25, clipnorm=1.0).get_config()
    theirs = getattr(keras.optimizers, name)(learning_rate=0.25, clipnorm=1.0).get_config()
    ours.pop("name"), theirs.pop("name")  # numbered differently when names repeat
    assert ours == theirs


@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_from_config_round_trips(name, kwargs):
    optimizer = getattr(optimizers, name)(**kwargs)
    restored = type(optimizer).from_config(optimizer.get_config())
    assert type(restored) is type(optimizer)
    assert restored.get_config() == optimizer.get_config()


@pytest.mark.parametrize("identifier, name", [
    ("ftrl", "Ftrl"), ("Ftrl", "Ftrl"), ("adafactor", "Adafactor"),
    ("Adafactor", "Adafactor"), ("lamb", "Lamb"), ("Lamb", "Lamb"),
])
def test_get_resolves_the_name(identifier, name):
    assert type(optimizers.get(identifier)) is getattr(optimizers, name)


@pytest.mark.parametrize("name", NAMES)
def test_deserialize_reads_what_keras_serializes(name):
    keras = pytest.importorskip("keras")
    config = keras.optimizers.serialize(getattr(keras.optimizers, name)(learning_rate=0.3))
    optimizer = optimizers.deserialize(config)
    assert type(optimizer) is getattr(optimizers, name)
    assert optimizer.get_config()["learning_rate"] == pytest.approx(0.3)


# -- training and saving ------------------------------------------------------------------
def _model():
    # Conv1D's kernel is rank 3, so Adafactor factors it; the biases stay whole.
    return lamina.Sequential([lamina.Input((4, 2)), layers.Conv1D(3, 2),
                              layers.Flatten(), layers.Dense(1)])


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4, 2)).astype("float32")
    y = (x.sum(axis=(1, 2), keepdims=False)[:, None] * 0.5).astype("float32")
    return x, y


FIT_OPTIMIZERS = {
    "Lamb": lambda: optimizers.Lamb(learning_rate=0.05),
    "Ftrl": lambda: optimizers.Ftrl(learning_rate=0.5),
    "Adafactor": lambda: optimizers.Adafactor(learning_rate=0.1),
}


@pytest.mark.parametrize("name", NAMES)
def test_fit_reduces_the_loss(name):
    lamina.utils.set_random_seed(1)
    model = _model()
    model.compile(optimizer=FIT_OPTIMIZERS[name](), loss="mse")
    x, y = _data()
    history = model.fit(x, y, epochs=8, batch_size=8, shuffle=False, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses))
    assert losses[-1] < 0.8 * losses[0]


@pytest.mark.parametrize("name", NAMES)
def test_saved_model_keeps_the_optimizer_state(name, tmp_path):
    lamina.utils.set_random_seed(1)
    model = _model()
    model.compile(optimizer=FIT_OPTIMIZERS[name](), loss="mse")
    x, y = _data()
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = lamina.models.load_model(path)
    assert type(loaded.optimizer) is type(model.optimizer)
    assert len(loaded.optimizer.variables) == len(model.optimizer.variables)
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_keras_loads_the_optimizer_state_lamina_saved(name, tmp_path):
    keras = pytest.importorskip("keras")
    lamina.utils.set_random_seed(1)
    model = _model()
    model.compile(optimizer=FIT_OPTIMIZERS[name](), loss="mse")
    x, y = _data()
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    theirs = keras.saving.load_model(path)
    assert type(theirs.optimizer).__name__ == name
    assert len(theirs.optimizer.variables) == len(model.optimizer.variables)
    for a, b in zip(model.optimizer.variables, theirs.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), keras.ops.convert_to_numpy(b),
                                      err_msg=a.path)


@pytest.mark.parametrize("name", NAMES)
def test_lamina_loads_the_optimizer_state_keras_saved(name, tmp_path):
    keras = pytest.importorskip("keras")
    theirs = keras.Sequential([keras.Input((4, 2)), keras.layers.Conv1D(3, 2),
                               keras.layers.Flatten(), keras.layers.Dense(1)])
    theirs.compile(optimizer=getattr(keras.optimizers, name)(learning_rate=0.05), loss="mse")
    x, y = _data()
    theirs.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    path = tmp_path / "model.keras"
    theirs.save(path)
    ours = lamina.models.load_model(path)
    assert type(ours.optimizer) is getattr(optimizers, name)
    assert len(ours.optimizer.variables) == len(theirs.optimizer.variables)
    for a, b in zip(ours.optimizer.variables, theirs.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), keras.ops.convert_to_numpy(b), err_msg=a.path)
