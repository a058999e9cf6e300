"""StatelessScope, Layer.stateless_call and Optimizer.stateless_apply: Keras code run as a
pure function of weight values (the building blocks of a hand-written JAX training loop)."""

import numpy as np
import pytest

import lamina as keras
from lamina import layers


def _np(x):
    return keras.ops.convert_to_numpy(x)


# -- StatelessScope ---------------------------------------------------------------------

def test_scope_binds_values_and_keeps_assignments_to_itself():
    v = keras.Variable(np.array([1.0, 2.0], "float32"), name="v")
    w = keras.Variable(np.array([10.0], "float32"), name="w")
    with keras.StatelessScope(state_mapping=[(v, np.array([3.0, 4.0], "float32"))]) as scope:
        np.testing.assert_allclose(_np(v.value), [3.0, 4.0])
        v.assign(v.value * 2)
        v.assign_add(np.array([1.0, 1.0], "float32"))
        w.assign_sub(np.array([1.0], "float32"))  # not in the mapping: kept in the scope too
        np.testing.assert_allclose(_np(scope.get_current_value(v)), [7.0, 9.0])
    np.testing.assert_allclose(v.numpy(), [1.0, 2.0])
    np.testing.assert_allclose(w.numpy(), [10.0])
    np.testing.assert_allclose(_np(scope.get_current_value(v)), [7.0, 9.0])
    np.testing.assert_allclose(_np(scope.get_current_value(w)), [9.0])
    untouched = keras.Variable(1.0)
    assert scope.get_current_value(untouched) is None
    # Outside the scope, assignments reach the variable again (in place on torch).
    v.assign(np.array([5.0, 6.0], "float32"))
    np.testing.assert_allclose(v.numpy(), [5.0, 6.0])


def test_scope_leaves_the_given_arrays_alone():
    # On torch, an assignment inside the scope must not write into the tensor handed in.
    v = keras.Variable(np.zeros((3,), "float32"))
    given = keras.ops.convert_to_tensor(np.ones((3,), "float32"))
    with keras.StatelessScope(state_mapping=[(v, given)]):
        v.assign_add(np.full((3,), 2.0, "float32"))
        v.assign(v.value + 1.0)
    np.testing.assert_allclose(_np(given), np.ones(3))
    np.testing.assert_allclose(v.numpy(), np.zeros(3))


def test_nested_scopes_restore_in_order():
    v = keras.Variable(1.0)
    with keras.StatelessScope(state_mapping=[(v, 2.0)]) as outer:
        with keras.StatelessScope(state_mapping=[(v, 5.0)]) as inner:
            v.assign(v.value + 1.0)
        assert float(_np(v.value)) == 2.0
        v.assign(v.value * 10.0)
    assert float(_np(inner.get_current_value(v))) == 6.0
    assert float(_np(outer.get_current_value(v))) == 20.0
    assert float(v.numpy()) == 1.0


def test_scope_rejects_bad_mappings():
    v = keras.Variable(np.zeros((2, 3), "float32"), name="kernel")
    with pytest.raises(ValueError, match=r"'kernel' has shape \(3, 2\); the variable has "
                                         r"shape \(2, 3\)"):
        keras.StatelessScope(state_mapping=[(v, np.zeros((3, 2), "float32"))])
    with pytest.raises(ValueError, match="must be a Variable; entry 0 starts with ndarray"):
        keras.StatelessScope(state_mapping=[(np.zeros(2), np.zeros(2))])
    with pytest.raises(ValueError, match=r"list of \(variable, value\) pairs; entry 0"):
        keras.StatelessScope(state_mapping=[v])


def test_symbolic_scope_drops_assignments():
    v = keras.Variable(1.0)
    with keras.SymbolicScope():
        v.assign(3.0)
    assert float(v.numpy()) == 1.0


def test_name_scope_prefixes_variable_paths():
    with keras.name_scope("outer"):
        with keras.name_scope("inner"):
            v = keras.Variable(1.0, name="scale")
        with keras.name_scope("outer"):  # re-entering the same name does not repeat it
            w = keras.Variable(1.0, name="w")
    assert v.path == "outer/inner/scale"
    assert w.path == "outer/w"
    assert keras.Variable(1.0, name="free").path == "free"
    with keras.name_scope("a"):
        with keras.name_scope("b", override_parent="root"):
            u = keras.Variable(1.0, name="u")
        x = keras.Variable(1.0, name="x")
    assert u.path == "root/b/u"
    assert x.path == "a/x"
    with pytest.raises(ValueError, match="non-empty string"):
        keras.name_scope("")


# -- Layer.stateless_call -----------------------------------------------------------------

def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((5,)),
        layers.Dense(6, activation="relu", kernel_regularizer=keras.regularizers.L2(0.01)),
        layers.BatchNormalization(),
        layers.Dense(3, activity_regularizer=keras.regularizers.L1(0.1)),
    ])
    return model


def _random_like(variables, rng):
    return [rng.normal(size=v.shape).astype("float32") if v.trainable else
            np.abs(rng.normal(size=v.shape)).astype("float32") + 0.5 for v in variables]


@pytest.mark.parametrize("training", [False, True])
def test_stateless_call_matches_a_call_with_the_weights_set(training):
    rng = np.random.default_rng(1)
    model = _model()
    x = rng.normal(size=(8, 5)).astype("float32")
    before = [v.numpy() for v in model.variables]
    trainable = _random_like(model.trainable_variables, rng)
    non_trainable = _random_like(model.non_trainable_variables, rng)

    out, new_non_trainable, losses = model.stateless_call(
        trainable, non_trainable, x, training=training, return_losses=True)
    for v, b in zip(model.variables, before):  # nothing written
        np.testing.assert_array_equal(v.numpy(), b)

    # The reference: the same model with those values assigned, called statefully.
    reference = _model()
    for v, value in zip(reference.trainable_variables, trainable):
        v.assign(value)
    for v, value in zip(reference.non_trainable_variables, non_trainable):
        v.assign(value)
    expected = reference(x, training=training)
    np.testing.assert_allclose(_np(out), _np(expected), rtol=1e-5, atol=1e-6)
    for new, v in zip(new_non_trainable, reference.non_trainable_variables):
        np.testing.assert_allclose(_np(new), v.numpy(), rtol=1e-5, atol=1e-6)
    if training:  # batch-norm statistics moved
        assert not np.allclose(_np(new_non_trainable[0]), non_trainable[0])
    # Losses: the activity penalty of this call and the kernel penalty of the given kernel.
    kernel = trainable[0]
    activity = 0.1 * np.abs(_np(out)).sum() / x.shape[0]
    expected_losses = sorted([0.01 * float((kernel ** 2).sum()), activity])
    np.testing.assert_allclose(sorted(float(_np(loss)) for loss in losses), expected_losses,
                               rtol=1e-5)


def test_stateless_call_leaves_no_call_losses_behind():
    model = _model()
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 5)).astype("float32")
    model.stateless_call([v.value for v in model.trainable_variables],
                         [v.value for v in model.non_trainable_variables], x,
                         return_losses=True)
    # Only the weight penalty remains (computed from the model's own kernel).
    kernel = model.trainable_variables[0].numpy()
    np.testing.assert_allclose([float(_np(loss)) for loss in model.losses],
                               [0.01 * float((kernel ** 2).sum())], rtol=1e-5)


def test_stateless_call_errors():
    layer = layers.Dense(2)
    with pytest.raises(ValueError, match="stateless_call needs the layer's variables"):
        layer.stateless_call([], [], np.zeros((1, 3), "float32"))
    layer.build((None, 3))
    with pytest.raises(ValueError, match=r"got 1 trainable values, but the layer has 2 "
                                         r"trainable variables"):
        layer.stateless_call([np.zeros((3, 2), "float32")], [], np.zeros((1, 3), "float32"))


# -- Optimizer.stateless_apply --------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: keras.optimizers.Adam(0.01),
    lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    lambda: keras.optimizers.AdamW(0.01, weight_decay=0.1),
])
def test_stateless_apply_matches_the_stateful_update(make):
    rng = np.random.default_rng(3)
    weights = [rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(3,)).astype("f4")]
    grads_per_step = [[rng.normal(size=w.shape).astype("float32") for w in weights]
                      for _ in range(3)]

    variables = [keras.Variable(w) for w in weights]
    optimizer = make()
    optimizer.build(variables)
    state = [v.value for v in optimizer.variables]
    values = [v.value for v in variables]
    for grads in grads_per_step:
        values, state = optimizer.stateless_apply(
            state, [keras.ops.convert_to_tensor(g) for g in grads], values)
    for v, w in zip(variables, weights):  # the Variables kept their values
        np.testing.assert_array_equal(v.numpy(), w)
    assert int(optimizer.iterations.numpy()) == 0

    reference = [keras.Variable(w) for w in weights]
    stateful = make()
    for grads in grads_per_step:
        stateful.apply([keras.ops.convert_to_tensor(g) for g in grads], reference)
    for got, v in zip(values, reference):
        np.testing.assert_allclose(_np(got), v.numpy(), rtol=1e-6, atol=1e-7)
    for got, v in zip(state, stateful.variables):
        np.testing.assert_allclose(_np(got), v.numpy(), rtol=1e-6, atol=1e-7)
    # A stateful step afterwards still works from the untouched state (fused paths included).
    optimizer.apply([keras.ops.convert_to_tensor(g) for g in grads_per_step[0]], variables)
    assert int(optimizer.iterations.numpy()) == 1


def test_stateless_apply_errors():
    optimizer = keras.optimizers.SGD()
    with pytest.raises(ValueError, match=r"optimizer.build\(model.trainable_variables\)"):
        optimizer.stateless_apply([], [], [])
    v = keras.Variable(np.zeros(2, "float32"))
    optimizer.build([v])
    with pytest.raises(ValueError, match=r"got 0 values in `grads`, expected 1"):
        optimizer.stateless_apply([w.value for w in optimizer.variables], [], [v.value])


# -- hand-written training loops, as Keras users write them --------------------------------

def _data():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(32, 5)).astype("float32")
    y = rng.normal(size=(32, 3)).astype("float32")
    return x, y


def _fit_reference(x, y):
    model = _model()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    return model


@pytest.mark.jax_only
def test_jitted_jax_loop_trains_like_fit():
    # The loop of Keras's "training loop from scratch in JAX" guide.
    import jax

    x, y = _data()
    model = _model()
    optimizer = keras.optimizers.Adam(0.01)
    loss_fn = keras.losses.MeanSquaredError()
    optimizer.build(model.trainable_variables)

    def compute_loss_and_updates(trainable, non_trainable, xb, yb):
        y_pred, non_trainable, losses = model.stateless_call(
            trainable, non_trainable, xb, training=True, return_losses=True)
        loss = loss_fn(yb, y_pred) + sum(losses)
        return loss, non_trainable

    grad_fn = jax.value_and_grad(compute_loss_and_updates, has_aux=True)

    @jax.jit
    def train_step(state, xb, yb):
        trainable, non_trainable, optimizer_state = state
        (loss, non_trainable), grads = grad_fn(trainable, non_trainable, xb, yb)
        trainable, optimizer_state = optimizer.stateless_apply(optimizer_state, grads,
                                                               trainable)
        return loss, (trainable, non_trainable, optimizer_state)

    state = ([v.value for v in model.trainable_variables],
             [v.value for v in model.non_trainable_variables],
             [v.value for v in optimizer.variables])
    for start in range(0, 32, 8):
        _, state = train_step(state, x[start:start + 8], y[start:start + 8])
    for variable, value in zip(model.trainable_variables, state[0]):
        variable.assign(value)
    for variable, value in zip(model.non_trainable_variables, state[1]):
        variable.assign(value)

    reference = _fit_reference(x, y)
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.torch_only
def test_torch_autograd_loop_trains_like_fit():
    import torch

    x, y = _data()
    model = _model()
    optimizer = keras.optimizers.Adam(0.01)
    loss_fn = keras.losses.MeanSquaredError()
    optimizer.build(model.trainable_variables)
    trainable = [v.value.detach().clone() for v in model.trainable_variables]
    non_trainable = [v.value.detach().clone() for v in model.non_trainable_variables]
    optimizer_state = [v.value.detach().clone() for v in optimizer.variables]
    for start in range(0, 32, 8):
        leaves = [t.detach().requires_grad_() for t in trainable]
        y_pred, non_trainable, losses = model.stateless_call(
            leaves, non_trainable, x[start:start + 8], training=True, return_losses=True)
        loss = loss_fn(y[start:start + 8], y_pred) + sum(losses)
        grads = torch.autograd.grad(loss, leaves)
        trainable, optimizer_state = optimizer.stateless_apply(
            optimizer_state, list(grads), [t.detach() for t in leaves])
    for variable, value in zip(model.trainable_variables, trainable):
        variable.assign(value)
    for variable, value in zip(model.non_trainable_variables, non_trainable):
        variable.assign(value.detach())

    reference = _fit_reference(x, y)
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
