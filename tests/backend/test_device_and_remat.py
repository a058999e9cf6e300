"""lamina.device (placement scopes), lamina.remat and RematScope (recomputation in the
backward pass): same values and gradients, and the recomputation really happens."""

import numpy as np
import pytest

import lamina


def test_device_scope_places_tensors_and_rejects_unknown_devices():
    with lamina.device("cpu:0"):
        x = lamina.ops.ones((2, 3))
    np.testing.assert_array_equal(lamina.ops.convert_to_numpy(x), np.ones((2, 3)))
    with pytest.raises(ValueError, match="'type' or 'type:index'.*Received: 'abc:x'"):
        with lamina.device("abc:x"):
            pass
    with pytest.raises(ValueError, match="'gpu:7' is not available on this machine"):
        with lamina.device("gpu:7"):
            pass


@pytest.mark.jax_only
def test_device_scope_on_the_second_cpu_device():
    import jax

    if len(jax.devices("cpu")) < 2:
        pytest.skip("needs XLA_FLAGS=--xla_force_host_platform_device_count=2")
    with lamina.device("cpu:1"):
        x = lamina.ops.ones((2,))
        variable = lamina.Variable(np.zeros(3, "float32"))
    assert x.devices() == {jax.devices("cpu")[1]}
    assert variable.value.devices() == {jax.devices("cpu")[1]}
    assert lamina.ops.ones((2,)).devices() == {jax.devices("cpu")[0]}


def test_remat_keeps_values_and_gradients():
    def f(x, scale=2.0, training=False):
        return lamina.ops.sum(lamina.ops.tanh(x) ** 2) * scale * (3.0 if training else 1.0)

    x = lamina.Variable(np.linspace(-1, 1, 5).astype("float32"))
    plain = lamina.backend.value_and_grad(lambda: f(x.value, training=True), [x])
    rematted = lamina.backend.value_and_grad(
        lambda: lamina.remat(f)(x.value, training=True), [x])
    (value_a, grad_a), (value_b, grad_b) = plain, rematted
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(value_b),
                               lamina.ops.convert_to_numpy(value_a), rtol=1e-6)
    t = np.tanh(x.numpy())
    expected = 2.0 * 3.0 * 2 * t * (1 - t ** 2)  # the analytic gradient
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(grad_b[0]), expected, rtol=1e-5)
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(grad_a[0]), expected, rtol=1e-5)


@pytest.mark.torch_only
def test_torch_recomputes_in_the_backward_pass():
    import torch

    calls = []

    def f(x):
        calls.append(1)
        return torch.sin(x) * 2

    x = torch.ones(3, requires_grad=True)
    lamina.remat(f)(x).sum().backward()
    assert len(calls) == 2  # forward, then again in backward
    calls.clear()
    f(x).sum().backward()
    assert len(calls) == 1


@pytest.mark.jax_only
def test_jax_graph_holds_a_checkpoint():
    import jax

    jaxpr = str(jax.make_jaxpr(jax.grad(lambda x: lamina.remat(jax.numpy.sin)(x).sum()))(
        np.ones(3, "float32")))
    assert "checkpoint" in jaxpr or "remat" in jaxpr


class _Counting(lamina.layers.Layer):
    """A layer counting how often its call runs (forward and recomputation)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = 0

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="ones")

    def call(self, x):
        self.calls += 1
        return lamina.ops.tanh(lamina.ops.matmul(x, self.w))


def _train(layer_factory, scope=None):
    lamina.utils.set_random_seed(0)
    if scope is not None:
        with scope:
            layer = layer_factory()
    else:
        layer = layer_factory()
    model = lamina.Sequential([lamina.Input((3,)), layer, lamina.layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.SGD(0.1), loss="mse", run_eagerly=True)
    x = np.arange(12, dtype="float32").reshape(4, 3) / 10
    model.fit(x, np.ones((4, 1), "float32"), batch_size=2, epochs=1, verbose=0,
              shuffle=False)
    return layer, model.get_weights()


@pytest.mark.parametrize("scope_args", [
    {"mode": "full"},
    {"mode": "list_of_layers", "layer_names": ["counted"]},
    {"mode": "larger_than", "output_size_threshold": 3},
])
def test_remat_scope_same_training_and_recomputation(scope_args):
    plain, expected = _train(lambda: _Counting(name="counted"))
    rematted, weights = _train(lambda: _Counting(name="counted"),
                               lamina.RematScope(**scope_args))
    for got, want in zip(weights, expected):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    if lamina.backend.backend() == "torch":
        # Eager torch steps: the rematerialized call runs again in each of the two
        # training steps' backward pass ("larger_than" decided on the model's symbolic
        # build, whose output has 4 > 3 values).
        assert rematted.calls == plain.calls + 2


def test_remat_scope_modes_and_nesting():
    with lamina.RematScope("full"):
        outer = lamina.layers.Dense(2)
        with lamina.RematScope(None):
            inner = lamina.layers.Dense(2)
    assert outer._remat_mode.mode == "full" and inner._remat_mode is None
    assert lamina.layers.Dense(2)._remat_mode is None
    with pytest.raises(ValueError, match="`mode` must be one of"):
        lamina.RematScope("sometimes")
