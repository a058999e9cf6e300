"""layers.JaxLayer: a JAX model function trained as a lamina layer, checked against the
same function called and differentiated by hand with JAX."""

import numpy as np
import pytest

import lamina


def _functions():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy

    def call_fn(params, inputs):
        return jnp.tanh(inputs @ params["w"] + params["b"])

    def init_fn(rng, inputs):
        return {"w": jax.random.normal(rng, (inputs.shape[-1], 3)) * 0.5,
                "b": jnp.zeros((3,))}

    return jax, call_fn, init_fn


@pytest.mark.jax_only
def test_outputs_and_one_sgd_step_match_plain_jax():
    jax, call_fn, init_fn = _functions()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = rng.normal(size=(16, 3)).astype("float32")
    params = init_fn(jax.random.PRNGKey(0), x)
    layer = lamina.layers.JaxLayer(call_fn, params=params)
    assert layer.built and len(layer.trainable_weights) == 2
    np.testing.assert_allclose(np.asarray(layer(x)), np.asarray(call_fn(params, x)),
                               rtol=1e-6)

    model = lamina.Sequential([lamina.Input((4,)), layer])
    model.compile(optimizer=lamina.optimizers.SGD(0.1), loss="mse")
    model.train_on_batch(x, y)

    def loss(p):
        return ((call_fn(p, x) - y) ** 2).mean()

    grads = jax.grad(loss)(params)
    expected = jax.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)
    np.testing.assert_allclose(layer.params["w"].numpy(), np.asarray(expected["w"]),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.params["b"].numpy(), np.asarray(expected["b"]),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.jax_only
def test_init_fn_state_rng_and_training():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    seen = {}

    def call_fn(params, state, rng, inputs, training):
        seen["rng"], seen["training"] = rng, training
        out = inputs * params["scale"]
        if training:
            out = out * jax.random.bernoulli(rng, 0.5, out.shape) * 2.0
        return out, {"calls": state["calls"] + 1}

    def init_fn(rng, inputs, training):
        seen["init_shape"], seen["init_training"] = inputs.shape, training
        return {"scale": jnp.ones(inputs.shape[-1:])}, {"calls": jnp.zeros(())}

    layer = lamina.layers.JaxLayer(call_fn, init_fn, seed=3)
    model = lamina.Sequential([lamina.Input((5,)), layer])
    assert seen["init_shape"] == (1, 5) and seen["init_training"] is True
    assert [w.trainable for w in layer.weights] == [True, False]
    x = np.ones((4, 5), "float32")
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, x, batch_size=2, epochs=1, verbose=0)
    assert float(layer.state["calls"].numpy()) == 2  # two training steps
    assert seen["rng"] is not None
    out = model.predict(x, verbose=0)
    np.testing.assert_allclose(out, x * layer.params["scale"].numpy())  # no dropout
    assert seen["rng"] is None and not seen["training"]


@pytest.mark.jax_only
def test_save_and_load_with_registered_functions(tmp_path):
    _, call_fn, init_fn = _functions()
    lamina.saving.register_keras_serializable(package="JaxLayerTest")(call_fn)
    lamina.saving.register_keras_serializable(package="JaxLayerTest")(init_fn)
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.JaxLayer(call_fn, init_fn,
                                                                          seed=1)])
    x = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    expected = model.predict(x, verbose=0)
    path = str(tmp_path / "jax_layer.keras")
    model.save(path)
    loaded = lamina.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)


@pytest.mark.jax_only
def test_bad_functions_are_refused():
    _, call_fn, _ = _functions()
    with pytest.raises(ValueError, match="cannot all be None when `call_fn` takes `params`"):
        lamina.layers.JaxLayer(call_fn)
    with pytest.raises(ValueError, match="must take an argument named `inputs`"):
        lamina.layers.JaxLayer(lambda params, x: x, params={})
    with pytest.raises(ValueError, match="unsupported argument `key` in `call_fn`"):
        lamina.layers.JaxLayer(lambda params, key, inputs: inputs, params={})


@pytest.mark.torch_only
def test_needs_the_jax_backend():
    with pytest.raises(ValueError, match="needs the JAX backend; the active backend is 'torch'"):
        lamina.layers.JaxLayer(lambda inputs: inputs)
