"""keras.Function and keras.Operation: graphs over bare KerasTensors and custom operations,
with the same results as Keras 3."""

import numpy as np
import pytest

import lamina


def _sigmoid_sum(lib):
    a = lib.KerasTensor((None, 2, 3))
    b = lib.KerasTensor((None, 2, 3))
    return lib.Function(inputs=[a, b], outputs=lib.ops.sigmoid(a + b))


def test_function_runs_its_graph_like_keras():
    x = np.random.default_rng(0).normal(size=(4, 2, 3)).astype("float32")
    y = np.random.default_rng(1).normal(size=(4, 2, 3)).astype("float32")
    fn = _sigmoid_sum(lamina)
    out = lamina.ops.convert_to_numpy(fn([x, y]))
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-(x + y))), rtol=1e-6)
    assert isinstance(fn, lamina.Function) and len(fn.inputs) == 2 and len(fn.outputs) == 1
    assert fn.operations[-1].name == "sigmoid"
    keras = pytest.importorskip("keras")
    theirs = keras.ops.convert_to_numpy(_sigmoid_sum(keras)([x, y]))
    np.testing.assert_allclose(out, theirs, rtol=1e-6)
    spec = fn.compute_output_spec([lamina.KerasTensor((5, 2, 3)), lamina.KerasTensor((5, 2, 3))])
    assert tuple(spec.shape) == (5, 2, 3)


def test_functional_models_are_functions_and_take_bare_keras_tensors():
    a = lamina.KerasTensor((None, 3))
    model = lamina.Model(a, lamina.layers.Dense(2, kernel_initializer="ones")(a))
    assert isinstance(model, lamina.Function)
    np.testing.assert_allclose(model.predict(np.ones((1, 3)), verbose=0), [[3.0, 3.0]])


class _Double(lamina.Operation):
    def call(self, x):
        return lamina.ops.multiply(x, 2.0)


class _FirstColumn(lamina.Operation):
    def call(self, x):
        return x[:, :1]

    def compute_output_spec(self, x):
        return lamina.KerasTensor((x.shape[0], 1), x.dtype)


def test_custom_operations_eager_and_in_a_functional_model():
    assert np.allclose(lamina.ops.convert_to_numpy(_Double()(np.ones(2, "float32"))), 2.0)
    inputs = lamina.Input((3,))
    outputs = _FirstColumn(name="first")(_Double()(inputs))
    assert outputs.shape == (None, 1)
    model = lamina.Model(inputs, outputs)
    np.testing.assert_allclose(model.predict(np.arange(6.0).reshape(2, 3), verbose=0),
                               [[0.0], [6.0]])
    assert isinstance(lamina.layers.Dense(1), lamina.Operation)
    op = _Double(name="twice")
    assert op.get_config() == {"name": "twice"}
    assert _Double.from_config(op.get_config()).name == "twice"


def test_operation_without_call_says_so():
    with pytest.raises(NotImplementedError, match="must implement call"):
        lamina.Operation()(np.ones(2))
