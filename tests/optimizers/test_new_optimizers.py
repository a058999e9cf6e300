"""Muon, ScheduleFreeAdamW, MultiOptimizer and OptimizerMap: against Keras 3, a NumPy
reference, fit, config round trips, saved files and argument errors."""

import sys
import warnings

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina import optimizers

RNG = np.random.default_rng(7)
# Paths cover every Muon rule: a wide and a tall matrix (Muon), a vector and a 3-D kernel
# (AdamW by rank), an embedding (AdamW by name) and an excludable "head". Few distinct
# shapes keep JAX's per-shape eager compilation short.
SHAPES = {
    "dense/kernel": (2, 3),
    "tall/kernel": (3, 2),
    "dense/bias": (3,),
    "embedding/embeddings": (3, 2),
    "conv/kernel": (2, 2, 3),
    "head/kernel": (2, 3),
}
INITIAL = {path: RNG.normal(size=shape).astype("float32") for path, shape in SHAPES.items()}
GRADIENTS = [{path: RNG.normal(size=shape).astype("float32") for path, shape in SHAPES.items()}
             for _ in range(3)]


def lamina_variables():
    variables = []
    for path, value in INITIAL.items():
        variable = lamina.backend.Variable(value.copy(), name=path.split("/")[1])
        variable.path = path
        variables.append(variable)
    return variables


def run_lamina(make_optimizer):
    variables = lamina_variables()
    optimizer = make_optimizer(optimizers)
    for grads in GRADIENTS:
        optimizer.apply([ops.convert_to_tensor(grads[p]) for p in INITIAL], variables)
    return [v.numpy() for v in variables], optimizer


def run_keras(make_optimizer):
    keras = pytest.importorskip("keras")
    variables = []
    for path, value in INITIAL.items():
        layer, name = path.split("/")
        with keras.name_scope(layer):
            variables.append(keras.Variable(value.copy(), name=name))
    assert [v.path for v in variables] == list(INITIAL)
    optimizer = make_optimizer(keras.optimizers)
    for grads in GRADIENTS:
        optimizer.apply([keras.ops.convert_to_tensor(grads[p]) for p in INITIAL], variables)
    return [keras.ops.convert_to_numpy(v) for v in variables], optimizer


def assert_same_as_keras(make_optimizer):
    ours, our_optimizer = run_lamina(make_optimizer)
    theirs, their_optimizer = run_keras(make_optimizer)
    for path, a, b in zip(INITIAL, ours, theirs):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5, err_msg=path)
    # Same slots in the same order, so saved optimizer states line up.
    assert len(our_optimizer.variables) == len(their_optimizer.variables)
    for a, b in zip(our_optimizer.variables, their_optimizer.variables):
        np.testing.assert_allclose(a.numpy(), np.asarray(b.numpy()), atol=1e-5, rtol=1e-5)


MUON_CASES = {
    "defaults": {},
    "no_nesterov_no_rms_accumulated": {"learning_rate": 0.05, "nesterov": False,
                                       "rms_rate": None, "gradient_accumulation_steps": 2},
    "exclusions": {"learning_rate": 0.05, "exclude_layers": ["head", "tall"],
                   "exclude_embeddings": False},
    "adam_knobs_and_decays": {"learning_rate": 0.05, "adam_lr_ratio": 0.1, "adam_beta_1": 0.8,
                              "adam_beta_2": 0.99, "epsilon": 1e-5, "weight_decay": 0.1,
                              "adam_weight_decay": None},
    "ns_momentum_clipnorm": {"learning_rate": 0.05, "ns_steps": 3, "momentum": 0.8,
                             "muon_a": 2.0, "muon_b": -1.5, "muon_c": 0.5, "clipnorm": 0.5},
}


@pytest.mark.parametrize("kwargs", list(MUON_CASES.values()), ids=list(MUON_CASES))
def test_muon_matches_keras(kwargs):
    assert_same_as_keras(lambda module: module.Muon(**kwargs))


SCHEDULE_FREE_CASES = {
    "defaults": {},
    "warmup_and_decay": {"learning_rate": 0.1, "warmup_steps": 3, "weight_decay": 0.05},
    "betas_and_ema": {"learning_rate": 0.1, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3,
                      "use_ema": True, "ema_momentum": 0.5},
}


# Keras 3.15 on torch reads its `momentum` slot after updating it in place, which changes
# x's recovery from the second step on; Keras on NumPy (and JAX) computes the published
# formula, which lamina follows on both backends. So the multi-step parity runs Keras on
# its NumPy backend, in a child process (a process picks one Keras backend).
_KERAS_NUMPY_SCRIPT = """
import json, sys
import numpy as np
import keras
data = np.load(sys.argv[1])
paths = json.loads(sys.argv[2])
cases = json.loads(sys.argv[3])
out = {}
for case, kwargs in cases.items():
    variables = []
    for i, path in enumerate(paths):
        layer, name = path.split("/")
        with keras.name_scope(layer):
            variables.append(keras.Variable(data[f"w{i}"], name=name))
    optimizer = keras.optimizers.ScheduleFreeAdamW(**kwargs)
    for step in range(int(data["steps"])):
        optimizer.apply([data[f"g{step}_{i}"] for i in range(len(paths))], variables)
    for i, v in enumerate(variables):
        out[f"{case}/{i}"] = np.asarray(v.numpy())
np.savez(sys.argv[4], **out)
"""


@pytest.fixture(scope="module")
def keras_numpy_schedule_free(tmp_path_factory):
    """``{case: [weights after every step]}`` from Keras on its NumPy backend."""
    import json
    import os
    import subprocess
    import sys

    pytest.importorskip("keras")
    folder = tmp_path_factory.mktemp("keras_numpy")
    arrays = {f"w{i}": w for i, w in enumerate(INITIAL.values())}
    arrays.update({f"g{s}_{i}": g[p] for s, g in enumerate(GRADIENTS)
                   for i, p in enumerate(INITIAL)})
    np.savez(folder / "in.npz", steps=len(GRADIENTS), **arrays)
    env = dict(os.environ, KERAS_BACKEND="numpy")
    subprocess.run([sys.executable, "-c", _KERAS_NUMPY_SCRIPT, str(folder / "in.npz"),
                    json.dumps(list(INITIAL)), json.dumps(SCHEDULE_FREE_CASES),
                    str(folder / "out.npz")], check=True, env=env, timeout=120)
    result = np.load(folder / "out.npz")
    return {case: [result[f"{case}/{i}"] for i in range(len(INITIAL))]
            for case in SCHEDULE_FREE_CASES}


@pytest.mark.parametrize("case", list(SCHEDULE_FREE_CASES))
def test_schedule_free_adamw_matches_keras(case, keras_numpy_schedule_free):
    ours, _ = run_lamina(lambda module: module.ScheduleFreeAdamW(**SCHEDULE_FREE_CASES[case]))
    for path, a, b in zip(INITIAL, ours, keras_numpy_schedule_free[case]):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5, err_msg=path)


@pytest.mark.parametrize("kwargs", list(SCHEDULE_FREE_CASES.values()),
                         ids=list(SCHEDULE_FREE_CASES))
def test_schedule_free_adamw_first_step_matches_keras_on_torch(kwargs, monkeypatch):
    # On the first step x is replaced outright (averaging weight 1), so Keras-on-torch's
    # aliasing does not show: its weights and slots must match exactly.
    monkeypatch.setattr(sys.modules[__name__], "GRADIENTS", GRADIENTS[:1])
    assert_same_as_keras(lambda module: module.ScheduleFreeAdamW(**kwargs))


def schedule_free_reference(w, grads, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                            warmup_steps=0):
    """Schedule-free AdamW (Defazio et al., 2024) in float64, from the paper's recursions."""
    z, x, v = w.copy(), w.copy(), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        rate = learning_rate * (min(t / warmup_steps, 1.0) if warmup_steps else 1.0)
        v = beta_2 * v + (1 - beta_2) * g**2
        z = z - rate * g / (np.sqrt(v / (1 - beta_2**t)) + epsilon)
        x = (1 - 1 / t) * x + z / t
        w = (1 - beta_1) * z + beta_1 * x
    return w


def test_schedule_free_adamw_matches_numpy_reference():
    kwargs = {"learning_rate": 0.1, "beta_1": 0.8, "warmup_steps": 2}
    ours, _ = run_lamina(lambda module: module.ScheduleFreeAdamW(**kwargs))
    for i, path in enumerate(INITIAL):
        expected = schedule_free_reference(INITIAL[path].astype("float64"),
                                           [g[path].astype("float64") for g in GRADIENTS],
                                           **kwargs)
        np.testing.assert_allclose(ours[i], expected, atol=1e-5, err_msg=path)


def _multi_with_map(module):
    mapping = module.OptimizerMap(
        module.SGD(0.1, momentum=0.9),
        {"dense/.*": module.Adam(0.05), "head/kernel": module.Muon(0.05)})
    return module.MultiOptimizer(mapping)


def _multi_with_function(module):
    adam, sgd = module.Adam(0.05), module.SGD(0.1)
    return module.MultiOptimizer(lambda v: adam if len(v.shape) == 2 else sgd)


@pytest.mark.parametrize("make", [_multi_with_map, _multi_with_function],
                         ids=["optimizer_map", "function"])
def test_multi_optimizer_matches_keras(make):
    assert_same_as_keras(make)


# -- NumPy reference ----------------------------------------------------------------------
def newton_schulz_reference(x, steps, a=3.4445, b=-4.775, c=2.0315):
    """Quintic Newton-Schulz on the wide orientation, in float64."""
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tall else x


@pytest.mark.parametrize("shape", [(2, 3), (3, 2)])
def test_one_muon_step_matches_numpy_newton_schulz(shape):
    w0 = RNG.normal(size=shape)
    g = RNG.normal(size=shape)
    lr, momentum, rms_rate, decay = 0.1, 0.95, 0.2, 0.01
    variable = lamina.backend.Variable(w0.astype("float32"))
    variable.path = "dense/kernel"
    optimizer = optimizers.Muon(learning_rate=lr, momentum=momentum, rms_rate=rms_rate,
                                weight_decay=decay)
    optimizer.apply_gradients([(ops.convert_to_tensor(g.astype("float32")), variable)])
    w = w0 - w0 * decay * lr
    m = g  # momentum starts at zero: m = momentum * 0 + g
    update = newton_schulz_reference(g + momentum * m, 5)
    expected = w - lr * update * np.sqrt(max(shape)) * rms_rate
    np.testing.assert_allclose(variable.numpy(), expected, atol=1e-5)


def test_newton_schulz_brings_singular_values_near_one():
    x = RNG.normal(size=(3, 2)).astype("float32") * 10.0
    result = optimizers.Muon().zeropower_via_newtonschulz5(ops.convert_to_tensor(x), 5)
    singular_values = np.linalg.svd(ops.convert_to_numpy(result), compute_uv=False)
    assert singular_values.min() > 0.5 and singular_values.max() < 1.3


def test_newton_schulz_rejects_a_vector():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        optimizers.Muon().zeropower_via_newtonschulz5(ops.ones((3,)), 5)


def test_muon_gives_adamw_to_vectors_embeddings_and_excluded_layers():
    variables = lamina_variables()
    optimizer = optimizers.Muon(exclude_layers=["head"])
    optimizer.build(variables)
    uses_adamw = {v.path: optimizer._velocities[i] is not None
                  for i, v in enumerate(variables)}
    assert uses_adamw == {"dense/kernel": False, "tall/kernel": False, "dense/bias": True,
                          "embedding/embeddings": True, "conv/kernel": True,
                          "head/kernel": True}


def test_schedule_free_momentum_starts_at_the_weights():
    variables = lamina_variables()
    optimizer = optimizers.ScheduleFreeAdamW()
    optimizer.build(variables)
    for variable, z in zip(variables, optimizer._momentums):
        np.testing.assert_array_equal(z.numpy(), variable.numpy())


# -- MultiOptimizer behaviour -------------------------------------------------------------
def test_optimizer_map_prefers_exact_keys_then_one_full_match():
    sgd, adam, rms = optimizers.SGD(), optimizers.Adam(), optimizers.RMSprop()
    mapping = optimizers.OptimizerMap(default_optimizer=rms)
    mapping["encoder/dense"] = adam
    mapping["encoder/.*"] = sgd
    assert mapping["encoder/dense"] is adam
    assert mapping["encoder/attention/query"] is sgd
    assert mapping["decoder/encoder/kernel"] is rms  # a pattern must match the whole path
    assert len(mapping) == 2 and list(mapping) == ["encoder/dense", "encoder/.*"]
    del mapping["encoder/.*"]
    assert mapping["encoder/attention/query"] is rms


def test_multi_optimizer_variables_are_its_own_then_each_sub_optimizers():
    variables = lamina_variables()
    optimizer = _multi_with_map(optimizers)
    optimizer.build(variables)
    adam, muon, sgd = optimizer.optimizers
    assert [type(o).__name__ for o in (adam, muon, sgd)] == ["Adam", "Muon", "SGD"]
    expected = optimizer._variables + adam.variables + muon.variables + sgd.variables
    assert [id(v) for v in optimizer.variables] == [id(v) for v in expected]
    assert [v.path for v in adam._trainable_variables] == ["dense/kernel", "dense/bias"]


def test_multi_optimizer_counts_its_own_steps_and_each_sub_optimizers():
    variables = lamina_variables()
    optimizer = _multi_with_map(optimizers)
    grads = [ops.convert_to_tensor(GRADIENTS[0][p]) for p in INITIAL]
    optimizer.apply(grads, variables)
    optimizer.apply(grads)
    assert int(optimizer.iterations.numpy()) == 2
    assert all(int(o.iterations.numpy()) == 2 for o in optimizer.optimizers)


def test_multi_optimizer_loss_scale_factor_reaches_sub_optimizers():
    optimizer = _multi_with_map(optimizers)
    optimizer.loss_scale_factor = 4.0
    assert all(o.loss_scale_factor == 4.0 for o in optimizer.optimizers)
    assert float(ops.convert_to_numpy(optimizer.scale_loss(ops.convert_to_tensor(2.0)))) == 8.0


def test_multi_optimizer_has_no_learning_rate():
    optimizer = _multi_with_map(optimizers)
    with pytest.raises(AttributeError, match="sub-optimizers"):
        optimizer.learning_rate  # noqa: B018
    with pytest.raises(AttributeError, match="sub-optimizers"):
        optimizer.learning_rate = 0.1


def test_multi_optimizer_set_weights_fills_every_sub_optimizer():
    variables = lamina_variables()
    optimizer = _multi_with_map(optimizers)
    optimizer.build(variables)
    weights = [np.full(tuple(v.shape), 3, dtype=str(v.dtype)) for v in optimizer.variables]
    optimizer.set_weights(weights)
    assert all(np.all(v.numpy() == 3) for v in optimizer.optimizers[0].variables)


# -- fit ----------------------------------------------------------------------------------
def _optimizer_for_fit(name):
    if name == "Muon":
        return optimizers.Muon(learning_rate=0.02, exclude_layers=["out"])
    if name == "ScheduleFreeAdamW":
        return optimizers.ScheduleFreeAdamW(learning_rate=0.02)
    mapping = optimizers.OptimizerMap(optimizers.SGD(0.05, momentum=0.9),
                                      {".*hidden.*": optimizers.Muon(learning_rate=0.02)})
    return optimizers.MultiOptimizer(mapping)


def _small_model():
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([
        lamina.Input((6,)),
        lamina.layers.Dense(8, activation="relu", name="hidden"),
        lamina.layers.Dense(1, name="out"),
    ])
    return model


def _regression_data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = (x @ rng.normal(size=(6, 1))).astype("float32")
    return x, y


@pytest.mark.parametrize("name", ["Muon", "ScheduleFreeAdamW", "MultiOptimizer"])
def test_fit_lowers_the_loss(name):
    x, y = _regression_data()
    model = _small_model()
    model.compile(optimizer=_optimizer_for_fit(name), loss="mse")
    history = model.fit(x, y, epochs=6, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.7 * losses[0], losses


def test_fit_finalizes_a_sub_optimizers_moving_average():
    x, y = _regression_data()
    model = _small_model()
    adam = optimizers.Adam(0.01, use_ema=True)
    model.compile(optimizer=optimizers.MultiOptimizer(
        optimizers.OptimizerMap(optimizers.SGD(0.01), {"out/.*": adam})), loss="mse")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    out_kernel = model.get_layer("out").kernel
    np.testing.assert_allclose(out_kernel.numpy(),
                               adam._model_variables_moving_average[0].numpy())


# -- config and saving --------------------------------------------------------------------
CONFIG_CASES = {
    "Muon": lambda: optimizers.Muon(learning_rate=0.01, exclude_layers=["out"], ns_steps=4,
                                    rms_rate=None, nesterov=False),
    "ScheduleFreeAdamW": lambda: optimizers.ScheduleFreeAdamW(warmup_steps=10, beta_1=0.8),
    "MultiOptimizer": lambda: optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.1), {"enc/.*": optimizers.Adam(0.01)}), loss_scale_factor=2.0),
}


@pytest.mark.parametrize("name", list(CONFIG_CASES))
def test_config_round_trip(name):
    optimizer = CONFIG_CASES[name]()
    restored = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(restored) is type(optimizer)
    assert restored.get_config() == optimizer.get_config()


@pytest.mark.parametrize("name", list(CONFIG_CASES))
def test_get_config_matches_keras(name):
    keras = pytest.importorskip("keras")
    ours = optimizers.serialize(CONFIG_CASES[name]())
    theirs = keras.optimizers.deserialize(ours).get_config()
    assert optimizers.deserialize({"class_name": name, "config": theirs}).get_config() == \
        ours["config"]


def test_get_knows_the_new_optimizers_by_name():
    assert type(optimizers.get("muon")) is optimizers.Muon
    assert type(optimizers.get("ScheduleFreeAdamW")) is optimizers.ScheduleFreeAdamW


def test_multi_optimizer_with_a_registered_function_round_trips():
    @lamina.saving.register_keras_serializable(package="test_new_optimizers")
    def pick_optimizer(variable):
        return pick_optimizer.adam

    pick_optimizer.adam = optimizers.Adam()
    config = optimizers.serialize(optimizers.MultiOptimizer(pick_optimizer))
    assert optimizers.deserialize(config)._optimizer_map is pick_optimizer


@pytest.mark.parametrize("name", list(CONFIG_CASES))
def test_keras_file_round_trip_keeps_optimizer_state(name, tmp_path):
    x, y = _regression_data()
    model = _small_model()
    optimizer = CONFIG_CASES[name]()
    if isinstance(optimizer, optimizers.MultiOptimizer):
        optimizer.loss_scale_factor = None
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = lamina.saving.load_model(path)
    assert type(loaded.optimizer) is type(model.optimizer)
    assert len(loaded.optimizer.variables) == len(model.optimizer.variables)
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("name", list(CONFIG_CASES))
def test_keras_loads_a_lamina_file_with_the_optimizer_state(name, tmp_path):
    keras = pytest.importorskip("keras")
    x, y = _regression_data()
    model = _small_model()
    optimizer = CONFIG_CASES[name]()
    if isinstance(optimizer, optimizers.MultiOptimizer):
        optimizer.loss_scale_factor = None
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    with warnings.catch_warnings():
        # Keras also looks for each sub-optimizer's own copy of its variables, which lamina
        # does not write (the flat list it does write already restores them).
        warnings.simplefilter("ignore")
        loaded = keras.saving.load_model(path)
    assert type(loaded.optimizer).__name__ == name
    theirs = [np.asarray(keras.ops.convert_to_numpy(v)) for v in loaded.optimizer.variables]
    ours = [v.numpy() for v in model.optimizer.variables]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def _keras_compiled_model(keras, name):
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, name="hidden"),
                              keras.layers.Dense(1, name="out")])
    if name == "Muon":
        optimizer = keras.optimizers.Muon(learning_rate=0.01, exclude_layers=["out"])
    elif name == "ScheduleFreeAdamW":
        optimizer = keras.optimizers.ScheduleFreeAdamW(learning_rate=0.01)
    else:
        optimizer = keras.optimizers.MultiOptimizer(keras.optimizers.OptimizerMap(
            keras.optimizers.SGD(0.1, momentum=0.9), {".*hidden.*": keras.optimizers.Adam()}))
    model.compile(optimizer=optimizer, loss="mse")
    return model


@pytest.mark.parametrize("name", list(CONFIG_CASES))
def test_loads_optimizer_state_from_a_keras_file(name, tmp_path):
    keras = pytest.importorskip("keras")
    x, y = _regression_data()
    model = _keras_compiled_model(keras, name)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    path = str(tmp_path / "keras_model.keras")
    model.save(path)
    loaded = lamina.saving.load_model(path)
    assert type(loaded.optimizer).__name__ == name
    theirs = [np.asarray(keras.ops.convert_to_numpy(v)) for v in model.optimizer.variables]
    ours = [v.numpy() for v in loaded.optimizer.variables]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6)


# -- argument errors ----------------------------------------------------------------------
@pytest.mark.parametrize("make, error, message", [
    (lambda: optimizers.Muon(ns_steps=-1), ValueError, "`ns_steps` must be an integer"),
    (lambda: optimizers.Muon(ns_steps=2.5), ValueError, "`ns_steps` must be an integer"),
    (lambda: optimizers.Muon(momentum=1.5), ValueError, "`momentum` must be a number in"),
    (lambda: optimizers.Muon(rms_rate=-0.1), ValueError, "`rms_rate` must be a number > 0"),
    (lambda: optimizers.Muon(muon_a="3"), TypeError, "`muon_a` must be a number"),
    (lambda: optimizers.Muon(exclude_layers=[1]), TypeError,
     "`exclude_layers` must be a list of strings"),
    (lambda: optimizers.Muon(betas=0.9), TypeError, "unexpected keyword argument"),
    (lambda: optimizers.ScheduleFreeAdamW(beta_1=0.0), ValueError,
     r"`beta_1` must be a number in \(0, 1\]"),
    (lambda: optimizers.ScheduleFreeAdamW(beta_2=1.0), ValueError,
     r"`beta_2` must be a number in \[0, 1\)"),
    (lambda: optimizers.ScheduleFreeAdamW(warmup_steps=-5), ValueError,
     "`warmup_steps` must be an integer >= 0"),
    (lambda: optimizers.OptimizerMap("adam"), TypeError,
     "`default_optimizer` must be a lamina"),
    (lambda: optimizers.OptimizerMap(optimizers.SGD(), [("a", optimizers.Adam())]),
     TypeError, "`optimizer_map` must be a dict"),
    (lambda: optimizers.OptimizerMap(optimizers.SGD(), {"a": "adam"}), ValueError,
     "must be a lamina"),
    (lambda: optimizers.OptimizerMap(optimizers.SGD(), {"a": optimizers.LossScaleOptimizer(
        optimizers.Adam())}), ValueError, "cannot be a LossScaleOptimizer"),
    (lambda: optimizers.MultiOptimizer(42), TypeError, "must be an OptimizerMap or a"),
])
def test_bad_arguments_raise(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_optimizer_map_rejects_a_duplicate_key_and_a_non_string_key():
    mapping = optimizers.OptimizerMap(optimizers.SGD(), {"a": optimizers.Adam()})
    with pytest.raises(ValueError, match="already mapped"):
        mapping["a"] = optimizers.Adam()
    with pytest.raises(ValueError, match="keys must be strings"):
        mapping[3] = optimizers.Adam()


def test_optimizer_map_rejects_a_path_matching_two_patterns():
    mapping = optimizers.OptimizerMap(optimizers.SGD(),
                                      {"enc/.*": optimizers.Adam(), ".*/kernel": optimizers.Lion()})
    with pytest.raises(ValueError, match="matches several patterns"):
        mapping["enc/kernel"]  # noqa: B018


def test_multi_optimizer_rejects_a_nested_multi_optimizer_at_build():
    inner = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD()))
    optimizer = optimizers.MultiOptimizer(lambda variable: inner)
    with pytest.raises(ValueError, match="cannot be a MultiOptimizer"):
        optimizer.build(lamina_variables())


def test_multi_optimizer_with_an_unregistered_function_cannot_be_rebuilt():
    config = optimizers.serialize(optimizers.MultiOptimizer(lambda v: optimizers.SGD()))
    with pytest.raises(ValueError, match="must be registered"):
        optimizers.deserialize(config)


def test_multi_optimizer_stateless_apply_matches_apply_and_leaves_state_alone():
    grads = [ops.convert_to_tensor(GRADIENTS[0][p]) for p in INITIAL]
    variables = lamina_variables()
    stateful = _multi_with_map(optimizers)
    stateful.apply(grads, variables)
    variables = lamina_variables()
    stateless = _multi_with_map(optimizers)
    stateless.build(variables)
    state = [v.numpy() for v in stateless.variables]
    new_weights, new_state = stateless.stateless_apply(
        [v.value for v in stateless.variables], grads, [v.value for v in variables])
    for variable, path in zip(variables, INITIAL):
        np.testing.assert_array_equal(variable.numpy(), INITIAL[path])
    for before, variable in zip(state, stateless.variables):
        np.testing.assert_array_equal(variable.numpy(), before)
    for ours, expected in zip(new_weights, [v for v in stateful._trainable_variables]):
        np.testing.assert_allclose(ops.convert_to_numpy(ours), expected.numpy(), atol=1e-6)
    for ours, expected in zip(new_state, stateful.variables):
        np.testing.assert_allclose(ops.convert_to_numpy(ours), expected.numpy(), atol=1e-6)
