"""Each optimizer's update against a NumPy implementation of its formula and against Keras 3."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina import optimizers

INITIAL = np.array([1.0, -2.0, 0.5], dtype="float32")
# A large first gradient then small ones, so AMSGrad's running maximum matters.
GRADIENTS = np.array(
    [[1.0, -2.0, 0.5], [0.1, 0.2, -0.1], [0.05, -0.3, 0.2], [-0.4, 0.1, 0.0]], dtype="float32"
)


# -- NumPy references, written from each optimizer's published update rule ---------------
def sgd_reference(w, grads, learning_rate, momentum=0.0, nesterov=False):
    velocity = np.zeros_like(w)
    for g in grads:
        if momentum == 0:
            w = w - learning_rate * g
            continue
        velocity = momentum * velocity - learning_rate * g
        w = w + (momentum * velocity - learning_rate * g if nesterov else velocity)
    return w


def adam_reference(w, grads, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                   amsgrad=False, weight_decay=None):
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    v_max = np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        if weight_decay:
            w = w - w * weight_decay * learning_rate
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        v_max = np.maximum(v_max, v)
        alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w = w - alpha * m / (np.sqrt(v_max if amsgrad else v) + epsilon)
    return w


def adamw_reference(w, grads, learning_rate, weight_decay=0.004, **kwargs):
    return adam_reference(w, grads, learning_rate, weight_decay=weight_decay, **kwargs)


def rmsprop_reference(w, grads, learning_rate, rho=0.9, momentum=0.0, epsilon=1e-7,
                      centered=False):
    v = np.zeros_like(w)
    mean_g = np.zeros_like(w)
    s = np.zeros_like(w)
    for g in grads:
        v = rho * v + (1 - rho) * g**2
        mean_g = rho * mean_g + (1 - rho) * g
        variance = v - mean_g**2 if centered else v
        step = learning_rate * g / np.sqrt(variance + epsilon)
        if momentum > 0:
            s = momentum * s + step
            step = s
        w = w - step
    return w


def adagrad_reference(w, grads, learning_rate, initial_accumulator_value=0.1, epsilon=1e-7):
    acc = np.full_like(w, initial_accumulator_value)
    for g in grads:
        acc = acc + g**2
        w = w - learning_rate * g / np.sqrt(acc + epsilon)
    return w


def adadelta_reference(w, grads, learning_rate, rho=0.95, epsilon=1e-7):
    acc_g = np.zeros_like(w)
    acc_d = np.zeros_like(w)
    for g in grads:
        acc_g = rho * acc_g + (1 - rho) * g**2
        delta = -np.sqrt(acc_d + epsilon) / np.sqrt(acc_g + epsilon) * g
        acc_d = rho * acc_d + (1 - rho) * delta**2
        w = w + learning_rate * delta
    return w


def adamax_reference(w, grads, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = np.zeros_like(w)
    u = np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        u = np.maximum(beta_2 * u, np.abs(g))
        w = w - learning_rate * m / ((1 - beta_1**t) * (u + epsilon))
    return w


def nadam_reference(w, grads, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    def mu(t):
        return beta_1 * (1 - 0.5 * 0.96**t)

    m = np.zeros_like(w)
    v = np.zeros_like(w)
    product = 1.0
    for t, g in enumerate(grads, start=1):
        product = product * mu(t)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        m_hat = mu(t + 1) * m / (1 - product * mu(t + 1)) + (1 - mu(t)) * g / (1 - product)
        v_hat = v / (1 - beta_2**t)
        w = w - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return w


def lion_reference(w, grads, learning_rate, beta_1=0.9, beta_2=0.99):
    m = np.zeros_like(w)
    for g in grads:
        w = w - learning_rate * np.sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g
    return w


REFERENCES = {
    "SGD": sgd_reference, "Adam": adam_reference, "AdamW": adamw_reference,
    "RMSprop": rmsprop_reference, "Adagrad": adagrad_reference,
    "Adadelta": adadelta_reference, "Adamax": adamax_reference, "Nadam": nadam_reference,
    "Lion": lion_reference,
}

CASES = [
    ("SGD", {"learning_rate": 0.1}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"learning_rate": 0.1}),
    ("Adam", {"learning_rate": 0.1, "amsgrad": True}),
    ("AdamW", {"learning_rate": 0.1, "weight_decay": 0.1}),
    ("AdamW", {"learning_rate": 0.1, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {"learning_rate": 0.1}),
    ("RMSprop", {"learning_rate": 0.1, "momentum": 0.5}),
    ("RMSprop", {"learning_rate": 0.1, "centered": True}),
    ("RMSprop", {"learning_rate": 0.1, "momentum": 0.5, "centered": True}),
    ("Adagrad", {"learning_rate": 0.1}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adamax", {"learning_rate": 0.1}),
    ("Nadam", {"learning_rate": 0.1}),
    ("Lion", {"learning_rate": 0.1}),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for name, kw in CASES]


def run_lamina(name, kwargs, initial=INITIAL, grads=GRADIENTS):
    variable = lamina.backend.Variable(initial.copy(), name="w")
    optimizer = getattr(optimizers, name)(**kwargs)
    for g in grads:
        optimizer.apply_gradients([(ops.convert_to_tensor(g), variable)])
    return ops.convert_to_numpy(variable.value)


def run_keras(name, kwargs, initial=INITIAL, grads=GRADIENTS):
    keras = pytest.importorskip("keras")
    variable = keras.Variable(initial.copy(), name="w")
    optimizer = getattr(keras.optimizers, name)(**kwargs)
    for g in grads:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(g), variable)])
    return keras.ops.convert_to_numpy(variable)


@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_update_matches_numpy_reference(name, kwargs):
    expected = REFERENCES[name](INITIAL.astype("float64"), GRADIENTS.astype("float64"),
                                **kwargs)
    # float32 vs float64: 1 - beta_2**t loses digits in float32 on the first steps.
    np.testing.assert_allclose(run_lamina(name, kwargs), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_update_matches_keras(name, kwargs):
    # rtol 1e-5: torch's fused Adam kernel rounds in another order than Keras's ops.
    np.testing.assert_allclose(run_lamina(name, kwargs), run_keras(name, kwargs),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_default_arguments_match_keras(name):
    np.testing.assert_allclose(run_lamina(name, {}), run_keras(name, {}), rtol=1e-6, atol=1e-7)


def test_update_step_matches_keras_on_a_matrix_and_a_vector():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    kernel0 = rng.normal(size=(3, 2)).astype("float32")
    bias0 = rng.normal(size=(2,)).astype("float32")
    grads = [(rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=(2,)).astype("float32"))
             for _ in range(3)]
    kernel, bias = lamina.backend.Variable(kernel0.copy()), lamina.backend.Variable(bias0.copy())
    k_kernel, k_bias = keras.Variable(kernel0.copy()), keras.Variable(bias0.copy())
    ours = optimizers.Nadam(learning_rate=0.05)
    theirs = keras.optimizers.Nadam(learning_rate=0.05)
    for gk, gb in grads:
        ours.apply([ops.convert_to_tensor(gk), ops.convert_to_tensor(gb)], [kernel, bias])
        theirs.apply([keras.ops.convert_to_tensor(gk), keras.ops.convert_to_tensor(gb)],
                     [k_kernel, k_bias])
    np.testing.assert_allclose(kernel.numpy(), keras.ops.convert_to_numpy(k_kernel), atol=1e-6)
    np.testing.assert_allclose(bias.numpy(), keras.ops.convert_to_numpy(k_bias), atol=1e-6)


def test_epsilon_none_means_backend_epsilon_as_in_keras_2():
    assert optimizers.Adam(epsilon=None).epsilon == lamina.backend.epsilon()
