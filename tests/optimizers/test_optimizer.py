"""The base Optimizer: clipping, weight decay, learning rate, legacy arguments, state, errors."""

import inspect
import re

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina import optimizers
from lamina.optimizers import schedules


def variable(values, name="w"):
    return lamina.backend.Variable(np.array(values, dtype="float32"), name=name)


def apply(optimizer, grads, variables):
    optimizer.apply([ops.convert_to_tensor(np.array(g, dtype="float32")) for g in grads],
                    variables)


def values(v):
    return ops.convert_to_numpy(v.value)


def run_keras(make_optimizer, initials, grad_steps):
    """Run Keras 3 on copies of ``initials``; returns the final values."""
    keras = pytest.importorskip("keras")
    kvars = [keras.Variable(np.array(x, dtype="float32")) for x in initials]
    optimizer = make_optimizer(keras.optimizers)
    for grads in grad_steps:
        optimizer.apply([keras.ops.convert_to_tensor(np.array(g, dtype="float32"))
                         for g in grads], kvars)
    return [keras.ops.convert_to_numpy(v) for v in kvars]


def run_lamina(make_optimizer, initials, grad_steps):
    lvars = [variable(x, name=f"v{i}") for i, x in enumerate(initials)]
    optimizer = make_optimizer(optimizers)
    for grads in grad_steps:
        apply(optimizer, grads, lvars)
    return [values(v) for v in lvars]


INITIALS = [[1.0, -2.0, 0.5], [0.3, 0.7]]
GRAD_STEPS = [
    [[3.0, 4.0, 0.0], [0.1, -0.2]],
    [[0.5, -0.5, 2.0], [-3.0, 1.0]],
    [[-0.2, 0.1, 0.3], [0.0, 0.0]],
]


# -- clipping -----------------------------------------------------------------------------
def test_clipnorm_rescales_each_gradient_to_the_norm():
    w, b = variable([0.0, 0.0]), variable([0.0])
    apply(optimizers.SGD(learning_rate=1.0, clipnorm=1.0), [[3.0, 4.0], [0.5]], [w, b])
    np.testing.assert_allclose(values(w), [-0.6, -0.8], rtol=1e-6)
    np.testing.assert_allclose(values(b), [-0.5], rtol=1e-6)  # under the norm: unchanged


def test_clipvalue_clips_each_element():
    w = variable([0.0, 0.0, 0.0])
    apply(optimizers.SGD(learning_rate=1.0, clipvalue=0.5), [[3.0, -4.0, 0.25]], [w])
    np.testing.assert_allclose(values(w), [-0.5, 0.5, -0.25], rtol=1e-6)


def test_global_clipnorm_rescales_all_gradients_together():
    w, b = variable([0.0, 0.0]), variable([0.0])
    apply(optimizers.SGD(learning_rate=1.0, global_clipnorm=2.5), [[3.0, 0.0], [4.0]], [w, b])
    np.testing.assert_allclose(values(w), [-1.5, 0.0], rtol=1e-6)
    np.testing.assert_allclose(values(b), [-2.0], rtol=1e-6)


@pytest.mark.parametrize("clip", [{"clipnorm": 1.0}, {"clipvalue": 0.4},
                                  {"global_clipnorm": 1.5}])
def test_clipping_matches_keras(clip):
    def make(module):
        return module.Adam(learning_rate=0.1, **clip)

    for ours, theirs in zip(run_lamina(make, INITIALS, GRAD_STEPS),
                            run_keras(make, INITIALS, GRAD_STEPS)):
        # 5e-6: torch's fused Adam kernel rounds in another order than Keras's ops.
        np.testing.assert_allclose(ours, theirs, atol=5e-6)


def test_only_one_clip_argument_is_allowed():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue`"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


# -- weight decay -------------------------------------------------------------------------
def test_weight_decay_is_decoupled_and_applied_before_the_update():
    w = variable([1.0])
    apply(optimizers.SGD(learning_rate=0.1, weight_decay=0.5), [[1.0]], [w])
    # 1 - 1 * 0.5 * 0.1 = 0.95, then 0.95 - 0.1 * 1
    np.testing.assert_allclose(values(w), [0.85], rtol=1e-6)


def test_weight_decay_matches_keras():
    def make(module):
        return module.SGD(learning_rate=0.1, momentum=0.9, weight_decay=0.05)

    for ours, theirs in zip(run_lamina(make, INITIALS, GRAD_STEPS),
                            run_keras(make, INITIALS, GRAD_STEPS)):
        # 5e-6: torch's fused Adam kernel rounds in another order than Keras's ops.
        np.testing.assert_allclose(ours, theirs, atol=5e-6)


def test_exclude_from_weight_decay_by_name_skips_matching_variables():
    kernel, bias = variable([1.0], name="kernel"), variable([1.0], name="bias")
    optimizer = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    apply(optimizer, [[0.0], [0.0]], [kernel, bias])
    np.testing.assert_allclose(values(kernel), [0.95], rtol=1e-6)
    np.testing.assert_allclose(values(bias), [1.0], rtol=1e-6)


def test_exclude_from_weight_decay_by_variable_skips_it():
    kernel, bias = variable([1.0], name="kernel"), variable([1.0], name="bias")
    optimizer = optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_list=[kernel])
    apply(optimizer, [[0.0], [0.0]], [kernel, bias])
    np.testing.assert_allclose(values(kernel), [1.0], rtol=1e-6)
    np.testing.assert_allclose(values(bias), [0.95], rtol=1e-6)


def test_exclude_from_weight_decay_after_build_raises():
    optimizer = optimizers.AdamW()
    optimizer.build([variable([1.0])])
    with pytest.raises(ValueError, match="before the optimizer is built"):
        optimizer.exclude_from_weight_decay(var_names=["bias"])


def test_adamw_without_weight_decay_raises():
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)


# -- learning rate ------------------------------------------------------------------------
def test_learning_rate_is_a_float32_variable_by_default():
    optimizer = optimizers.Adam(learning_rate=0.01)
    np.testing.assert_allclose(ops.convert_to_numpy(optimizer.learning_rate), 0.01)
    assert optimizer.learning_rate.dtype == "float32"
    assert optimizer.learning_rate in optimizer.variables


def test_setting_learning_rate_changes_the_next_step():
    w = variable([1.0])
    optimizer = optimizers.SGD(learning_rate=0.1)
    apply(optimizer, [[1.0]], [w])
    optimizer.learning_rate = 0.5
    np.testing.assert_allclose(ops.convert_to_numpy(optimizer.learning_rate), 0.5)
    apply(optimizer, [[1.0]], [w])
    np.testing.assert_allclose(values(w), [0.4], rtol=1e-6)


def test_learning_rate_variable_assign_is_seen_by_the_step():
    w = variable([1.0])
    optimizer = optimizers.SGD(learning_rate=0.1)
    optimizer.learning_rate.assign(0.25)
    apply(optimizer, [[1.0]], [w])
    np.testing.assert_allclose(values(w), [0.75], rtol=1e-6)


def test_schedule_is_evaluated_at_the_iteration_count():
    w = variable([0.0])
    schedule = schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5)
    optimizer = optimizers.SGD(learning_rate=schedule)
    for _ in range(3):
        apply(optimizer, [[1.0]], [w])
    np.testing.assert_allclose(values(w), [-(1.0 + 0.5 + 0.25)], rtol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(optimizer.learning_rate), 0.125)


def test_setting_a_number_on_a_schedule_raises():
    optimizer = optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.9))
    with pytest.raises(TypeError, match="cannot be set to a number"):
        optimizer.learning_rate = 0.5


def test_setting_a_schedule_replaces_the_learning_rate_variable():
    optimizer = optimizers.SGD(learning_rate=0.1)
    optimizer.learning_rate = schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5)
    np.testing.assert_allclose(ops.convert_to_numpy(optimizer.learning_rate), 1.0)
    assert len(optimizer.variables) == 1  # only iterations is left


def test_callable_learning_rate_is_called_each_step():
    w = variable([0.0])
    optimizer = optimizers.SGD(learning_rate=lambda: 0.5)
    apply(optimizer, [[1.0]], [w])
    np.testing.assert_allclose(values(w), [-0.5], rtol=1e-6)


def test_learning_rate_of_the_wrong_type_raises():
    with pytest.raises(ValueError, match="`learning_rate` should be a float"):
        optimizers.SGD(learning_rate="fast")


# -- Keras 2 arguments --------------------------------------------------------------------
def test_legacy_lr_sets_the_learning_rate():
    optimizer = optimizers.Adam(lr=0.5)
    np.testing.assert_allclose(ops.convert_to_numpy(optimizer.learning_rate), 0.5)
    np.testing.assert_allclose(ops.convert_to_numpy(optimizer.lr), 0.5)


def test_legacy_sgd_with_decay_runs_and_decays_the_learning_rate():
    w = variable([1.0, -1.0])
    optimizer = optimizers.SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=False)
    for _ in range(3):
        apply(optimizer, [[1.0, 1.0]], [w])
    np.testing.assert_allclose(ops.convert_to_numpy(optimizer.learning_rate),
                               0.01 / (1 + 1e-6 * 3), rtol=1e-6)
    assert values(w)[0] < 1.0


def test_legacy_decay_follows_keras_2_time_based_formula():
    w = variable([0.0])
    optimizer = optimizers.SGD(lr=1.0, decay=0.5, momentum=0.9)
    expected, velocity = 0.0, 0.0
    for t in range(4):
        apply(optimizer, [[1.0]], [w])
        velocity = 0.9 * velocity - 1.0 / (1 + 0.5 * t)
        expected += velocity
    np.testing.assert_allclose(values(w), [expected], rtol=1e-6)


def test_legacy_decay_round_trips_through_config():
    optimizer = optimizers.SGD(lr=0.1, decay=0.01)
    restored = optimizers.SGD.from_config(optimizer.get_config())
    assert restored.decay == 0.01


def test_unknown_keyword_argument_raises_type_error_naming_it():
    expected = r"Adam\(\) got unexpected keyword argument\(s\): learnin_rate"
    with pytest.raises(TypeError, match=expected):
        optimizers.Adam(learnin_rate=0.1)


def test_tf_keras_config_keys_are_ignored():
    optimizer = optimizers.Adam(jit_compile=True, is_legacy_optimizer=False)
    assert optimizer.get_config()["learning_rate"] == pytest.approx(0.001)


# -- the step -----------------------------------------------------------------------------
def test_constraint_is_applied_after_the_update():
    w = variable([0.5, 0.5])
    w.constraint = lambda x: ops.clip(x, 0.0, 1.0)
    apply(optimizers.SGD(learning_rate=1.0), [[-2.0, 2.0]], [w])
    np.testing.assert_allclose(values(w), [1.0, 0.0])


def test_none_gradient_skips_its_variable_with_a_warning():
    w, b = variable([1.0]), variable([1.0], name="b")
    optimizer = optimizers.SGD(learning_rate=1.0)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        optimizer.apply([ops.convert_to_tensor(np.ones(1, "float32")), None], [w, b])
    np.testing.assert_allclose(values(w), [0.0])
    np.testing.assert_allclose(values(b), [1.0])


def test_all_none_gradients_raise():
    with pytest.raises(ValueError, match="No gradients provided"):
        optimizers.SGD().apply([None], [variable([1.0])])


def test_unknown_variable_raises():
    optimizer = optimizers.SGD()
    optimizer.build([variable([1.0])])
    with pytest.raises(ValueError, match="Unknown variable"):
        apply(optimizer, [[1.0]], [variable([1.0], name="other")])


def test_apply_without_variables_needs_a_built_optimizer():
    with pytest.raises(ValueError, match="must already be built"):
        optimizers.SGD().apply([ops.ones((1,))])


def test_apply_without_variables_uses_the_built_ones():
    w = variable([1.0])
    optimizer = optimizers.SGD(learning_rate=1.0)
    optimizer.build([w])
    optimizer.apply([ops.ones((1,))])
    np.testing.assert_allclose(values(w), [0.0])


def test_iterations_counts_steps():
    optimizer = optimizers.Adam()
    w = variable([1.0])
    for _ in range(3):
        apply(optimizer, [[1.0]], [w])
    assert int(ops.convert_to_numpy(optimizer.iterations.value)) == 3
    assert lamina.backend.is_int_dtype(ops.dtype(optimizer.iterations.value))


def test_loss_scale_factor_divides_gradients():
    w = variable([0.0])
    optimizer = optimizers.SGD(learning_rate=1.0, loss_scale_factor=4.0)
    assert float(ops.convert_to_numpy(optimizer.scale_loss(ops.convert_to_tensor(2.0)))) == 8.0
    apply(optimizer, [[4.0]], [w])
    np.testing.assert_allclose(values(w), [-1.0])


def test_ema_matches_keras():
    def make(module):
        return module.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.5,
                          ema_overwrite_frequency=2)

    for ours, theirs in zip(run_lamina(make, INITIALS, GRAD_STEPS),
                            run_keras(make, INITIALS, GRAD_STEPS)):
        # 5e-6: torch's fused Adam kernel rounds in another order than Keras's ops.
        np.testing.assert_allclose(ours, theirs, atol=5e-6)


def test_finalize_variable_values_writes_the_moving_average():
    w = variable([0.0])
    optimizer = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    apply(optimizer, [[1.0]], [w])  # w = -1, average = -1 (first step copies)
    apply(optimizer, [[1.0]], [w])  # w = -2, average = -1.5
    optimizer.finalize_variable_values([w])
    np.testing.assert_allclose(values(w), [-1.5])


@pytest.mark.parametrize("name", ["SGD", "Adam", "Nadam"])
def test_gradient_accumulation_matches_keras(name):
    steps = GRAD_STEPS + GRAD_STEPS[:1]

    def make(module):
        kwargs = {"momentum": 0.9} if name == "SGD" else {}
        return getattr(module, name)(learning_rate=0.1, gradient_accumulation_steps=2,
                                     **kwargs)

    for ours, theirs in zip(run_lamina(make, INITIALS, steps), run_keras(make, INITIALS, steps)):
        # 5e-6: torch's fused Adam kernel rounds in another order than Keras's ops.
        np.testing.assert_allclose(ours, theirs, atol=5e-6)


def test_gradient_accumulation_steps_must_be_at_least_two():
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.SGD(gradient_accumulation_steps=1)


# -- state and config ---------------------------------------------------------------------
def test_variables_are_in_keras_order_and_named_like_keras():
    kernel, bias = variable([[1.0]], name="kernel"), variable([1.0], name="bias")
    kernel.path, bias.path = "dense/kernel", "dense/bias"
    optimizer = optimizers.Adam(name="adam", amsgrad=True)
    optimizer.build([kernel, bias])
    assert [v.path for v in optimizer.variables] == [
        "adam/iteration", "adam/learning_rate",
        "adam/dense_kernel_momentum", "adam/dense_kernel_velocity",
        "adam/dense_bias_momentum", "adam/dense_bias_velocity",
        "adam/dense_kernel_velocity_hat", "adam/dense_bias_velocity_hat",
    ]


@pytest.mark.parametrize("cls, base", [
    ("SGD", "sgd"), ("Adam", "adam"), ("AdamW", "adam_w"), ("RMSprop", "rm_sprop"),
    ("Adagrad", "adagrad"), ("Adadelta", "adadelta"), ("Adamax", "adamax"),
    ("Nadam", "nadam"), ("Lion", "lion"),
])
def test_default_name_is_the_snake_case_class_name_as_in_keras(cls, base):
    assert re.fullmatch(rf"{base}(_\d+)?", getattr(optimizers, cls)().name)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                  "Adamax", "Nadam", "Lion"])
def test_get_config_matches_keras(name):
    keras = pytest.importorskip("keras")
    ours = getattr(optimizers, name)(learning_rate=0.25, clipnorm=1.0).get_config()
    theirs = getattr(keras.optimizers, name)(learning_rate=0.25, clipnorm=1.0).get_config()
    ours.pop("name"), theirs.pop("name")
    assert ours == theirs


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                  "Adamax", "Nadam", "Lion"])
def test_from_config_round_trips(name):
    optimizer = getattr(optimizers, name)(learning_rate=0.25, global_clipnorm=2.0)
    restored = type(optimizer).from_config(optimizer.get_config())
    assert restored.get_config() == optimizer.get_config()


def test_schedule_in_config_is_serialized_as_keras_does():
    keras = pytest.importorskip("keras")
    ours = optimizers.SGD(learning_rate=schedules.CosineDecay(0.1, 100)).get_config()
    theirs = keras.optimizers.SGD(
        learning_rate=keras.optimizers.schedules.CosineDecay(0.1, 100)).get_config()
    assert ours["learning_rate"] == theirs["learning_rate"]
    restored = optimizers.SGD.from_config(ours)
    assert isinstance(restored._learning_rate, schedules.CosineDecay)


def test_save_and_load_own_variables_restore_the_state():
    w = variable([1.0, 2.0])
    optimizer = optimizers.Adam()
    apply(optimizer, [[1.0, -1.0]], [w])
    store = {}
    optimizer.save_own_variables(store)
    fresh = optimizers.Adam()
    fresh.build([w])
    fresh.load_own_variables(store)
    for a, b in zip(fresh.variables, optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.jax_only
def test_apply_traces_under_jax_jit():
    jax = pytest.importorskip("jax")
    w = variable([1.0, -2.0, 0.5])
    w.constraint = lambda x: ops.clip(x, -1.5, 1.5)
    optimizer = optimizers.Adam(learning_rate=0.1, clipnorm=1.0, weight_decay=0.01,
                                use_ema=True, gradient_accumulation_steps=2)
    optimizer.build([w])
    state = [w] + optimizer.variables

    def step(state_values, grad):
        def run():
            optimizer.apply([grad], [w])
        _, final, _ = lamina.backend.core.run_with_values(run, state, state_values)
        return final

    eager_w = variable([1.0, -2.0, 0.5], name="eager")
    eager_w.constraint = w.constraint
    eager = optimizers.Adam(learning_rate=0.1, clipnorm=1.0, weight_decay=0.01,
                            use_ema=True, gradient_accumulation_steps=2)
    compiled = jax.jit(step)
    state_values = [v.value for v in state]
    for grads in GRAD_STEPS:
        g = ops.convert_to_tensor(np.array(grads[0], dtype="float32"))
        state_values = compiled(state_values, g)
        eager.apply([g], [eager_w])
    np.testing.assert_allclose(np.asarray(state_values[0]), values(eager_w), atol=1e-6)


@pytest.mark.parametrize("name", ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad",
                                  "Adadelta", "Adamax", "Nadam", "Lion"])
def test_constructor_signature_matches_keras(name):
    keras = pytest.importorskip("keras")
    ours = inspect.signature(getattr(optimizers, name).__init__)
    theirs = inspect.signature(getattr(keras.optimizers, name).__init__)
    assert str(ours) == str(theirs)
