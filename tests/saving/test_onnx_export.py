"""model.export(format="onnx"): onnxruntime runs the file with lamina's predictions
(<= 1e-5), for any batch size; other formats and the JAX backend give clear errors."""

import numpy as np
import onnxruntime
import pytest

import lamina
from lamina import layers


def _run_onnx(path, feeds):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    if not isinstance(feeds, dict):
        feeds = dict(zip(names, feeds if isinstance(feeds, list) else [feeds]))
    return session.run(None, feeds), session


def _mlp():
    lamina.utils.set_random_seed(1)
    return lamina.Sequential([lamina.Input((6,)), layers.Dense(16, activation="relu"),
                              layers.Dropout(0.5), layers.Dense(3, activation="softmax")])


def _cnn():
    lamina.utils.set_random_seed(2)
    model = lamina.Sequential([
        lamina.Input((12, 12, 3)),
        layers.Conv2D(4, 3, activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(),
        layers.Conv2D(6, 3, padding="same"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(2),
    ])
    # Non-trivial moving statistics, so inference-mode batch norm is really checked.
    rng = np.random.default_rng(0)
    bn = model.layers[1]
    bn.moving_mean.assign(rng.normal(size=(4,)).astype("float32"))
    bn.moving_variance.assign(rng.uniform(0.5, 2.0, size=(4,)).astype("float32"))
    return model


@pytest.mark.torch_only
@pytest.mark.parametrize("make, shape", [(_mlp, (6,)), (_cnn, (12, 12, 3))],
                         ids=["mlp", "cnn"])
def test_onnxruntime_matches_lamina_predictions_for_any_batch_size(tmp_path, make, shape):
    model = make()
    path = tmp_path / "model.onnx"
    model.export(path, format="onnx")
    for batch in (1, 5):
        x = np.random.default_rng(batch).normal(size=(batch,) + shape).astype("float32")
        (outputs,), _ = _run_onnx(path, x)
        np.testing.assert_allclose(outputs, model.predict(x, verbose=0), atol=1e-5, rtol=0)


@pytest.mark.torch_only
def test_functional_model_with_two_inputs_and_dict_outputs_exports_by_name(tmp_path):
    a = lamina.Input((3,), name="a")
    b = lamina.Input((2,), name="b")
    hidden = layers.Dense(4, activation="tanh")(layers.Concatenate()([a, b]))
    model = lamina.Model([a, b], {"reg": layers.Dense(2)(hidden),
                                  "cls": layers.Dense(1, activation="sigmoid")(hidden)})
    path = tmp_path / "two.onnx"
    model.export(path, format="onnx")
    rng = np.random.default_rng(3)
    xa = rng.normal(size=(4, 3)).astype("float32")
    xb = rng.normal(size=(4, 2)).astype("float32")
    outputs, session = _run_onnx(path, {"a": xa, "b": xb})
    expected = model.predict([xa, xb], verbose=0)
    names = [o.name for o in session.get_outputs()]
    assert names == ["cls", "reg"]
    for name, value in zip(names, outputs):
        np.testing.assert_allclose(value, expected[name], atol=1e-5, rtol=0)


@pytest.mark.torch_only
def test_subclassed_model_exports_with_an_input_signature(tmp_path):
    class Tiny(lamina.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x) * 2.0

    model = Tiny()
    path = tmp_path / "tiny.onnx"
    model.export(path, format="onnx",
                 input_signature=[lamina.layers.InputSpec(shape=(None, 5), dtype="float32")])
    x = np.random.default_rng(4).normal(size=(3, 5)).astype("float32")
    (outputs,), _ = _run_onnx(path, x)
    np.testing.assert_allclose(outputs, model.predict(x, verbose=0), atol=1e-5, rtol=0)


@pytest.mark.torch_only
def test_unbuilt_subclassed_model_asks_for_an_input_signature(tmp_path):
    class Tiny(lamina.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    with pytest.raises(ValueError, match="Pass input_signature="):
        Tiny().export(tmp_path / "tiny.onnx", format="onnx")


@pytest.mark.parametrize("format", ["tf_saved_model", "litert", "openvino"])
def test_formats_other_than_onnx_are_refused_with_the_supported_list(tmp_path, format):
    with pytest.raises(ValueError, match="not supported by lamina. Supported: 'onnx'"):
        _mlp().export(tmp_path / "model", format=format)


def test_default_format_is_keras_tf_saved_model_and_explains_the_alternative(tmp_path):
    with pytest.raises(ValueError, match="no TF SavedModel.*format='onnx'"):
        _mlp().export(tmp_path / "model")


@pytest.mark.jax_only
def test_onnx_export_on_jax_explains_the_torch_workflow(tmp_path):
    with pytest.raises(RuntimeError, match="needs the torch backend.*LAMINA_BACKEND=torch"):
        _mlp().export(tmp_path / "model.onnx", format="onnx")
