"""The first application models (VGG, ResNet, ResNet v2, MobileNet v1/v2, DenseNet) against
Keras 3: same layers (names, classes, shapes, weights, order), same outputs on the same
weights, same preprocessing and decoding, the same argument checks, and the ImageNet
weights and class names fetched by the real download code from a local server.
"""

import inspect
import json
import warnings

import h5py
import numpy as np
import pytest

import lamina
from datasets.local_server import LocalServer  # tests/datasets/local_server.py
from datasets.local_server import md5
from lamina import applications
from lamina.applications import imagenet_utils
from lamina.applications._building import keras_layer_order

keras = pytest.importorskip("keras")

_KERAS_IMAGENET_UTILS = "keras.src.applications.imagenet_utils"

# (model function, keyword arguments): small inputs Keras accepts, one case per family
# and option (top, pooling, alpha...).
FAST_CASES = [
    ("VGG16", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("MobileNet", {"input_shape": (32, 32, 3), "classes": 7, "alpha": 0.25}),
    ("MobileNetV2", {"input_shape": (32, 32, 3), "classes": 7, "alpha": 0.35}),
]
SLOW_CASES = [
    ("MobileNet", {"include_top": False, "input_shape": (40, 36, 3), "pooling": "avg",
                   "depth_multiplier": 2, "alpha": 0.25}),
    ("VGG19", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "max"}),
    ("ResNet50", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}),
    ("ResNet101", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("ResNet152", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("ResNet50V2", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("ResNet101V2", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("ResNet152V2", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}),
    ("MobileNetV2", {"include_top": False, "input_shape": (34, 34, 3), "alpha": 1.3,
                     "pooling": "max"}),
    ("DenseNet121", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "max"}),
    ("DenseNet169", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("DenseNet201", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}),
]
# Every model at its full default size with the classifier (the ImageNet layout).
FULL_SIZE = ["VGG16", "VGG19", "ResNet50", "ResNet101", "ResNet152", "ResNet50V2",
             "ResNet101V2", "ResNet152V2", "MobileNet", "MobileNetV2", "DenseNet121",
             "DenseNet169", "DenseNet201"]
# module -> (its model functions, its preprocessing mode)
MODULES = {
    "vgg16": (["VGG16"], "caffe"),
    "vgg19": (["VGG19"], "caffe"),
    "resnet": (["ResNet50", "ResNet101", "ResNet152"], "caffe"),
    "resnet50": (["ResNet50"], "caffe"),
    "resnet_v2": (["ResNet50V2", "ResNet101V2", "ResNet152V2"], "tf"),
    "mobilenet": (["MobileNet"], "tf"),
    "mobilenet_v2": (["MobileNetV2"], "tf"),
    "densenet": (["DenseNet121", "DenseNet169", "DenseNet201"], "torch"),
}


def _case_id(case):
    name, kwargs = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in sorted(kwargs.items()))


def _build_both(name, **kwargs):
    """The same model from Keras and from lamina, automatic names counted from zero."""
    keras.utils.clear_session()
    lamina.utils.clear_session()
    reference = getattr(keras.applications, name)(weights=None, **kwargs)
    model = getattr(applications, name)(weights=None, **kwargs)
    return reference, model


def _keras_order(model):
    """The model's layers in Keras's order. lamina's Functional.layers lists branched
    graphs (ResNet's shortcuts) in another order, so it is compared through this."""
    if isinstance(model, keras.Model):
        return model.layers
    return keras_layer_order(model.inputs, model.outputs)


def _structure(model):
    return [(layer.name, type(layer).__name__, tuple(layer.output.shape),
             [tuple(w.shape) for w in layer.weights]) for layer in _keras_order(model)]


def _assert_same_structure(reference, model):
    expected, got = _structure(reference), _structure(model)
    for i, (want, have) in enumerate(zip(expected, got)):
        assert have == want, f"layer {i} differs"
    assert len(got) == len(expected)
    assert model.name == reference.name
    assert model.count_params() == reference.count_params()


def _random_weights(model, seed=0):
    """``{layer name: arrays}``: random values for every weight, positive for the moving
    variances, so batch norm, biases and the classifier all matter (fresh weights leave
    most of them trivial)."""
    rng = np.random.default_rng(seed)
    values = {}
    for layer in _keras_order(model):
        arrays = []
        for variable in layer.weights:
            shape = tuple(variable.shape)
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            value = rng.normal(0.0, 1.0 / np.sqrt(fan_in), shape)
            if "variance" in variable.name:
                value = rng.uniform(0.5, 1.5, shape)
            arrays.append(value.astype("float32"))
        if arrays:
            values[layer.name] = arrays
    return values


def _set_weights(model, values):
    for name, arrays in values.items():
        model.get_layer(name).set_weights(arrays)


def _assert_same_outputs(reference, model, batch_shape):
    weights = _random_weights(reference)
    _set_weights(reference, weights)
    _set_weights(model, weights)
    x = np.random.default_rng(1).uniform(-1, 1, batch_shape).astype("float32")
    expected = keras.ops.convert_to_numpy(reference(x, training=False))
    # predict() runs one compiled step (on JAX, op-by-op eager calls compile every op).
    got = model.predict(x, verbose=0)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


# -- structure and outputs ---------------------------------------------------------------
@pytest.mark.parametrize("case", FAST_CASES, ids=_case_id)
def test_model_matches_keras_layer_by_layer_and_in_outputs(case):
    name, kwargs = case
    reference, model = _build_both(name, **kwargs)
    _assert_same_structure(reference, model)
    _assert_same_outputs(reference, model, (2,) + tuple(kwargs["input_shape"]))


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW_CASES, ids=_case_id)
def test_deep_model_matches_keras_layer_by_layer_and_in_outputs(case):
    name, kwargs = case
    reference, model = _build_both(name, **kwargs)
    _assert_same_structure(reference, model)
    _assert_same_outputs(reference, model, (1,) + tuple(kwargs["input_shape"]))


@pytest.mark.slow
@pytest.mark.parametrize("name", FULL_SIZE)
def test_full_size_model_with_classifier_matches_keras(name):
    reference, model = _build_both(name)
    _assert_same_structure(reference, model)
    assert model.input_shape == (None, 224, 224, 3)
    assert model.output_shape == (None, 1000)


def _clear_sessions():
    keras.utils.clear_session()
    lamina.utils.clear_session()


def test_densenet_builder_matches_keras_on_short_blocks():
    from keras.src.applications import densenet as keras_densenet

    _clear_sessions()
    reference = keras_densenet.DenseNet([1, 2, 1, 1], include_top=True, weights=None,
                                        input_shape=(32, 32, 3), classes=5)
    model = applications.densenet.DenseNet([1, 2, 1, 1], include_top=True, weights=None,
                                           input_shape=(32, 32, 3), classes=5)
    _assert_same_structure(reference, model)
    _assert_same_outputs(reference, model, (2, 32, 32, 3))


@pytest.mark.parametrize("version", [1, 2])
def test_resnet_builder_matches_keras_on_short_stacks(version):
    """ResNet v1 and v2 with one or two blocks per stack (the full depths are slow)."""
    from keras.src.applications import resnet as keras_resnet

    def stacks(module, blocks):
        stack = getattr(module, f"stack_residual_blocks_v{version}")

        def stack_fn(x):
            strides = (1, 2, 2, 2) if version == 1 else (2, 2, 2, 1)
            # Few channels, the same in every stack: small and quick to build.
            for i, (filters, count) in enumerate(zip((4, 4, 4, 4), blocks)):
                x = stack(x, filters, count, stride1=strides[i], name=f"conv{i + 2}")
            return x

        return stack_fn

    is_preact = version == 2
    # A v2 stack needs two blocks at least (its first and last blocks differ).
    blocks = (1, 2, 1, 2) if version == 1 else (2, 2, 2, 2)
    kwargs = {"include_top": True, "weights": None, "input_tensor": None,
              "input_shape": (32, 32, 3), "pooling": None, "classes": 6,
              "classifier_activation": "softmax", "name": f"short_v{version}"}
    _clear_sessions()
    reference = keras_resnet.ResNet(stacks(keras_resnet, blocks), is_preact, True,
                                    weights_name=None, **kwargs)
    model = applications.resnet.build_resnet(
        stacks(applications.resnet, blocks), is_preact, True, "resnet50", **kwargs)
    _assert_same_structure(reference, model)
    _assert_same_outputs(reference, model, (2, 32, 32, 3))


def test_layers_come_in_keras_order_on_branched_graphs():
    """lamina's Functional lists branches in argument order; the pretrained-weights
    loader uses Keras's order by depth (weight files are written in that order)."""
    def build(lib):
        layers = lib.layers
        x, other = layers.Input((4,), name="x"), layers.Input((3,), name="other")
        shortcut = layers.Dense(3, name="shortcut")(x)
        h = layers.Dense(3, name="b")(layers.Dense(5, name="a")(x))
        y = layers.Add(name="add")([shortcut, h])
        shared = layers.Dense(3, name="shared")
        joined = layers.Concatenate(name="cat")([shared(other), shared(y), h])
        return [x, other], [joined, y]

    keras_inputs, keras_outputs = build(keras)
    expected = [layer.name for layer in keras.Model(keras_inputs, keras_outputs).layers]
    inputs, outputs = build(lamina)
    got = [layer.name for layer in keras_layer_order(inputs, outputs)]
    assert got == expected == ["x", "a", "shortcut", "b", "other", "add", "shared", "cat"]


@pytest.fixture
def channels_first():
    """Both libraries in the channels_first image format for one test."""
    previous = (keras.backend.image_data_format(), lamina.backend.image_data_format())
    keras.backend.set_image_data_format("channels_first")
    lamina.backend.set_image_data_format("channels_first")
    yield
    keras.backend.set_image_data_format(previous[0])
    lamina.backend.set_image_data_format(previous[1])


@pytest.mark.slow
def test_model_in_channels_first_matches_keras(channels_first):
    kwargs = {"input_shape": (3, 32, 32), "classes": 5, "alpha": 0.35}
    reference, model = _build_both("MobileNetV2", **kwargs)
    _assert_same_structure(reference, model)
    _assert_same_outputs(reference, model, (2, 3, 32, 32))


def test_preprocess_input_follows_the_global_image_format(channels_first):
    images = _images((2, 3, 4, 4))
    expected = keras.applications.vgg16.preprocess_input(images.copy())
    np.testing.assert_array_equal(applications.vgg16.preprocess_input(images), expected)


def test_model_is_built_on_a_given_input_tensor():
    _clear_sessions()
    reference = keras.applications.MobileNetV2(
        weights=None, include_top=False, alpha=0.35, input_tensor=keras.Input((96, 96, 3)))
    image = lamina.Input((96, 96, 3))
    model = applications.MobileNetV2(weights=None, include_top=False, alpha=0.35,
                                     input_tensor=image)
    assert model.inputs[0] is image
    # The side of the tensor picks the name (and the weights), as in Keras.
    _assert_same_structure(reference, model)


def test_model_on_an_intermediate_tensor_takes_the_source_input():
    image = lamina.Input((32, 32, 3))
    scaled = lamina.layers.Rescaling(1 / 255.0)(image)
    model = applications.MobileNet(weights=None, include_top=False, alpha=0.25,
                                   input_tensor=scaled)
    assert model.inputs[0] is image
    assert model.layers[1].name == "rescaling"


def test_unnamed_model_gets_keras_name_from_alpha_and_size():
    model = applications.MobileNet(weights=None, alpha=0.25, input_shape=(128, 128, 3),
                                   include_top=False)
    assert model.name == "mobilenet_0.25_128"
    assert applications.MobileNet(weights=None, alpha=0.25, include_top=False,
                                  name="m").name == "m"


# -- argument checks ---------------------------------------------------------------------
ERROR_CASES = [
    ("VGG16", {"weights": "no/such/file.h5"}, "`weights` argument should be either"),
    ("ResNet50", {"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ("VGG19", {"weights": None, "include_top": False, "input_shape": (16, 16, 3)},
     "Input size must be at least 32x32"),
    ("ResNet50V2", {"weights": "imagenet", "input_shape": (64, 64, 3)},
     "`input_shape` should be (224, 224, 3)"),
    ("DenseNet121", {"weights": None, "input_shape": (None, None, 3)},
     "you should specify a static `input_shape`"),
    ("MobileNetV2", {"weights": "imagenet", "include_top": False, "input_shape": (64, 64, 1)},
     "The input must have 3 channels"),
    ("VGG16", {"weights": None, "include_top": False, "input_shape": (64, 64)},
     "`input_shape` must be a tuple of three integers"),
    ("MobileNet", {"weights": "imagenet", "depth_multiplier": 2, "include_top": False},
     "depth multiplier must be 1"),
    ("MobileNet", {"weights": "imagenet", "alpha": 0.6, "include_top": False},
     "alpha can be one of"),
    ("MobileNetV2", {"weights": "imagenet", "alpha": 0.6, "include_top": False},
     "alpha must be one of"),
    ("MobileNet", {"weights": "imagenet", "alpha": 0.25, "input_shape": (128, 128, 3),
                   "classifier_activation": "relu"},
     "Only `None` and `softmax` activations are allowed"),
    ("ResNet50", {"weights": None, "input_tensor": np.zeros((1, 32, 32, 3), "float32"),
                  "include_top": False},
     "`input_tensor` must be a KerasTensor"),
]


@pytest.mark.parametrize("name, kwargs, message", ERROR_CASES,
                         ids=[f"{c[0]}-{c[2][:24]}" for c in ERROR_CASES])
def test_bad_arguments_raise_the_error_keras_raises(name, kwargs, message):
    with pytest.raises(ValueError) as keras_error:
        getattr(keras.applications, name)(**kwargs)
    with pytest.raises(ValueError) as error:
        getattr(applications, name)(**kwargs)
    assert message in str(keras_error.value)
    assert message in str(error.value)


def test_mobilenet_v2_input_tensor_must_agree_with_input_shape():
    with pytest.raises(ValueError, match="must equal input_shape"):
        applications.MobileNetV2(weights=None, include_top=False,
                                 input_tensor=lamina.Input((64, 64, 3)),
                                 input_shape=(32, 32, 3))


def test_densenet_refuses_channels_first():
    previous = lamina.backend.image_data_format()
    lamina.backend.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="does not support the `channels_first`"):
            applications.DenseNet121(weights=None)
    finally:
        lamina.backend.set_image_data_format(previous)


def test_unknown_pooling_is_refused():
    # Keras ignores it silently (and returns the 4D feature map); lamina says so.
    with pytest.raises(ValueError, match="`pooling` should be None, 'avg' or 'max'"):
        applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3),
                           pooling="mean")


def test_unusual_channel_count_warns_as_keras_does():
    with pytest.warns(UserWarning, match="usually expects 1 or 3 input channels"):
        applications.MobileNetV2(weights=None, alpha=0.35, include_top=False,
                                 input_shape=(32, 32, 5))


def test_mobilenet_imagenet_weights_for_unpublished_size_warn(monkeypatch):
    from lamina.applications import _pretrained

    monkeypatch.setattr(_pretrained, "load_legacy_h5", lambda model, path: None)
    monkeypatch.setattr(_pretrained, "fetch", lambda *args: None)
    with pytest.warns(UserWarning, match="Weights for input shape \\(224, 224\\)"):
        model = applications.MobileNet(alpha=0.25, include_top=False,
                                       input_shape=(64, 64, 3))
    assert model.name == "mobilenet_0.25_224"


# -- public names and signatures --------------------------------------------------------
def test_public_names_match_keras():
    part1 = {"vgg16", "vgg19", "resnet", "resnet50", "resnet_v2", "mobilenet",
             "mobilenet_v2", "densenet", "imagenet_utils"}
    functions = {f for names, _ in MODULES.values() for f in names}
    expected = part1 | functions
    public = {n for n in dir(applications) if not n.startswith("_")}
    assert expected <= public
    assert expected <= set(dir(keras.applications))
    assert "applications" in dir(lamina)
    for module, (names, _) in MODULES.items():
        mine = {n for n in dir(getattr(applications, module)) if not n.startswith("_")}
        assert set(names) | {"preprocess_input", "decode_predictions"} <= mine


@pytest.mark.parametrize("module", sorted(MODULES))
def test_signatures_match_keras(module):
    names, _ = MODULES[module]
    for name in names + ["preprocess_input", "decode_predictions"]:
        mine = getattr(getattr(applications, module), name)
        theirs = getattr(getattr(keras.applications, module), name)
        assert inspect.signature(mine) == inspect.signature(theirs), f"{module}.{name}"
        assert mine.__doc__
        if name[0].isupper():
            assert getattr(applications, name) is mine
    assert inspect.signature(imagenet_utils.preprocess_input) == inspect.signature(
        keras.applications.imagenet_utils.preprocess_input)


# -- preprocessing -----------------------------------------------------------------------
def _images(shape, dtype="float32"):
    return np.random.default_rng(2).uniform(0, 255, shape).astype(dtype)


@pytest.mark.parametrize("module", sorted(MODULES))
@pytest.mark.parametrize("data_format, shape", [
    ("channels_last", (2, 5, 4, 3)), ("channels_last", (5, 4, 3)),
    ("channels_first", (2, 3, 5, 4)), ("channels_first", (3, 5, 4)),
])
def test_preprocess_input_equals_keras_for_arrays(module, data_format, shape):
    images = _images(shape)
    expected = getattr(keras.applications, module).preprocess_input(
        images.copy(), data_format=data_format)
    got = getattr(applications, module).preprocess_input(images, data_format=data_format)
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(images, _images(shape))  # the input is left alone


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_preprocess_input_converts_integer_arrays_and_keeps_float64(mode):
    images = _images((2, 4, 4, 3)).astype("uint8")
    expected = keras.applications.imagenet_utils.preprocess_input(images.copy(), mode=mode)
    got = imagenet_utils.preprocess_input(images, mode=mode)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)
    doubles = _images((2, 4, 4, 3), "float64")
    expected = keras.applications.imagenet_utils.preprocess_input(doubles.copy(), mode=mode)
    got = imagenet_utils.preprocess_input(doubles, mode=mode)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format, shape", [
    ("channels_last", (2, 5, 4, 3)), ("channels_first", (2, 3, 5, 4)),
    ("channels_first", (3, 5, 4)),
])
def test_preprocess_input_equals_keras_for_tensors(mode, data_format, shape):
    images = _images(shape)
    expected = keras.ops.convert_to_numpy(keras.applications.imagenet_utils.preprocess_input(
        keras.ops.convert_to_tensor(images), data_format=data_format, mode=mode))
    tensor = lamina.ops.convert_to_tensor(images)
    got = imagenet_utils.preprocess_input(tensor, data_format=data_format, mode=mode)
    assert lamina.ops.is_tensor(got)
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(got), expected, rtol=1e-6,
                               atol=1e-5)
    np.testing.assert_array_equal(lamina.ops.convert_to_numpy(tensor), images)


def test_preprocess_input_on_a_symbolic_tensor_keeps_its_shape():
    image = lamina.Input((None, None, 3))
    out = applications.resnet50.preprocess_input(image)
    assert lamina.backend.is_keras_tensor(out)
    assert tuple(out.shape) == (None, None, None, 3)


def test_preprocess_input_rejects_unknown_mode_and_data_format():
    images = _images((1, 2, 2, 3))
    for kwargs, message in [({"mode": "keras"}, "Expected mode to be one of"),
                            ({"data_format": "nhwc"}, "Expected data_format to be one of")]:
        with pytest.raises(ValueError, match=message):
            keras.applications.imagenet_utils.preprocess_input(images.copy(), **kwargs)
        with pytest.raises(ValueError, match=message):
            imagenet_utils.preprocess_input(images, **kwargs)


# -- downloads: class names and weights --------------------------------------------------
@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """A fresh download cache, so no test reads or writes ``~/.keras``."""
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


@pytest.fixture
def server(monkeypatch, keras_home):
    """A running local HTTP server; proxies are bypassed so requests stay on 127.0.0.1."""
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    with LocalServer() as running:
        yield running


def _fake_class_index():
    return {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}


@pytest.fixture
def class_index(server, monkeypatch):
    """Serve a made-up class index and point both libraries at the same one."""
    index = _fake_class_index()
    data = json.dumps(index).encode()
    server.files["imagenet_class_index.json"] = data
    monkeypatch.setattr(imagenet_utils, "_CLASS_INDEX_URL",
                        server.url("imagenet_class_index.json"))
    monkeypatch.setattr(imagenet_utils, "_CLASS_INDEX_HASH", md5(data))
    monkeypatch.setattr(imagenet_utils, "_class_index", None)
    import keras.src.applications.imagenet_utils as keras_imagenet_utils

    monkeypatch.setattr(keras_imagenet_utils, "CLASS_INDEX", index)
    return index


@pytest.mark.parametrize("module", sorted(MODULES))
def test_decode_predictions_equals_keras(class_index, server, keras_home, module):
    preds = np.random.default_rng(3).random((3, 1000)).astype("float32")
    preds[1, 10] = preds[1, 20] = 2.0  # a tie
    expected = getattr(keras.applications, module).decode_predictions(preds, top=4)
    got = getattr(applications, module).decode_predictions(
        lamina.ops.convert_to_tensor(preds), top=4)
    assert got == expected
    assert server.requests["imagenet_class_index.json"] == 1
    assert (keras_home / "models" / "imagenet_class_index.json").exists()


def test_decode_predictions_downloads_the_class_index_once(class_index, server):
    preds = np.eye(1000, dtype="float32")[:2]
    assert imagenet_utils.decode_predictions(preds, top=1) == [
        [("n00000000", "class_0", np.float32(1.0))], [("n00000001", "class_1", 1.0)]]
    imagenet_utils.decode_predictions(preds)
    assert server.requests["imagenet_class_index.json"] == 1


def test_decode_predictions_rejects_other_shapes():
    for preds in (np.zeros((2, 10)), np.zeros((1000,))):
        with pytest.raises(ValueError, match="expects a batch of predictions"):
            keras.applications.imagenet_utils.decode_predictions(preds)
        with pytest.raises(ValueError, match="expects a batch of predictions"):
            imagenet_utils.decode_predictions(preds)


def _write_keras2_weights(path, model, values, rename=None, is_reversed=False):
    """A weights file laid out as Keras 2's ``save_weights("w.h5")``, layers in Keras's
    order: one group per layer, ``layer_names`` and ``weight_names`` attributes. ``rename``
    maps layer names to other names in the file (as old Keras files spell a few);
    ``is_reversed`` lists the layers last to first."""
    rename = rename or {}
    entries = []
    for layer in _keras_order(model):
        name = rename.get(layer.name, layer.name)
        arrays = values.get(layer.name, [])
        entries.append((name, [(f"{name}/{w.name}:0", value)
                               for w, value in zip(layer.weights, arrays)]))
    if is_reversed:
        entries.reverse()
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.asarray([name.encode() for name, _ in entries])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        for name, weights in entries:
            group = f.create_group(name)
            group.attrs["weight_names"] = np.asarray([n.encode() for n, _ in weights],
                                                     dtype="S")
            for weight_name, value in weights:
                group.create_dataset(weight_name, data=value)


def _publish_weights(server, monkeypatch, module, file_name, data, hashes=None):
    server.files[file_name] = data
    monkeypatch.setattr(module, "_ORIGIN_FOLDER", server.url())
    if hashes is not None:
        monkeypatch.setattr(module, "_FILE_HASHES", hashes)


def _assert_weights_equal(model, values):
    assert {layer.name for layer in model.layers if layer.weights} == set(values)
    for name, arrays in values.items():
        got = model.get_layer(name).get_weights()
        assert len(got) == len(arrays)
        for have, want in zip(got, arrays):
            np.testing.assert_array_equal(have, want)


def test_imagenet_weights_are_downloaded_checked_and_loaded_by_name(
        server, keras_home, monkeypatch, tmp_path):
    module = applications.mobilenet_v2
    template = module.MobileNetV2(weights=None, alpha=0.35, input_shape=(96, 96, 3),
                                  include_top=False)
    values = _random_weights(template)
    source = tmp_path / "w.h5"
    # The file lists its layers in another order: matching is by name.
    _write_keras2_weights(source, template, values, is_reversed=True)
    file_name = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"
    _publish_weights(server, monkeypatch, module, file_name, source.read_bytes())
    model = module.MobileNetV2(weights="imagenet", alpha=0.35, input_shape=(96, 96, 3),
                               include_top=False)
    _assert_weights_equal(model, values)
    assert (keras_home / "models" / file_name).exists()
    module.MobileNetV2(weights="imagenet", alpha=0.35, input_shape=(96, 96, 3),
                       include_top=False)
    assert server.requests[file_name] == 1  # cached


def test_imagenet_weights_with_a_wrong_hash_are_refused(server, keras_home, monkeypatch,
                                                        tmp_path):
    module = applications.resnet
    name = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    _publish_weights(server, monkeypatch, module, name, b"not the weights",
                     {"resnet50": ("0" * 32, "0" * 32)})
    with pytest.raises(ValueError, match="hash"):
        # ResNet50's file, on a one-block network: the download fails before loading.
        module.build_resnet(
            lambda x: module.stack_residual_blocks_v1(x, 4, 1, name="conv2"), False, True,
            "resnet50", include_top=False, weights="imagenet", input_tensor=None,
            input_shape=(32, 32, 3), pooling=None, classes=1000,
            classifier_activation="softmax", name="tiny")
    assert not (keras_home / "models" / name).exists()


def test_imagenet_weights_with_other_layer_names_load_by_order(
        server, keras_home, monkeypatch, tmp_path):
    module = applications.mobilenet
    template = module.MobileNet(weights=None, alpha=0.25, input_shape=(128, 128, 3))
    values = _random_weights(template, seed=4)
    source = tmp_path / "w.h5"
    # Old Keras files spell some names differently (DenseNet's "conv1/conv").
    _write_keras2_weights(source, template, values, rename={"conv1": "conv1/conv"})
    file_name = "mobilenet_2_5_128_tf.h5"
    _publish_weights(server, monkeypatch, module, file_name, source.read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a published size: no fallback warning
        model = module.MobileNet(weights="imagenet", alpha=0.25, input_shape=(128, 128, 3))
    assert model.name == "mobilenet_0.25_128"
    _assert_weights_equal(model, values)


def test_weights_with_other_names_load_in_keras_order_on_branched_graphs(tmp_path):
    from lamina.applications import _pretrained

    def build():
        return applications.resnet.build_resnet(
            lambda x: applications.resnet.stack_residual_blocks_v1(x, 4, 2, name="conv2"),
            False, True, "resnet50", include_top=True, weights=None, input_tensor=None,
            input_shape=(32, 32, 3), pooling=None, classes=3,
            classifier_activation="softmax", name="tiny")

    template = build()
    values = _random_weights(template, seed=6)
    source = tmp_path / "w.h5"
    _write_keras2_weights(source, template, values, rename={"conv1_conv": "conv1/conv"})
    model = build()
    _pretrained.load_legacy_h5(model, source)
    _assert_weights_equal(model, values)


def test_application_model_round_trips_through_a_keras_file(tmp_path):
    model = applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3),
                                     classes=3)
    _set_weights(model, _random_weights(model, seed=7))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = lamina.models.load_model(path)
    x = np.random.default_rng(8).uniform(-1, 1, (1, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_imagenet_weights_of_vgg_come_from_keras_url_with_keras_hash(monkeypatch):
    from lamina.applications import _pretrained

    calls = []
    monkeypatch.setattr(_pretrained, "fetch", lambda *args: calls.append(args) or "w.h5")
    monkeypatch.setattr(_pretrained, "load_legacy_h5", lambda model, path: None)
    applications.VGG19(include_top=False, input_shape=(32, 32, 3))
    assert calls == [(
        "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
        "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "253f8cb515780f3b799900260a226db6")]
    calls.clear()
    applications.DenseNet169(include_top=False, input_shape=(32, 32, 3))
    assert calls[0][1].endswith("densenet/densenet169_weights_tf_dim_ordering_tf_kernels_"
                                "notop.h5")
    assert calls[0][2] == "b8c4d4c20dd625c148057b9ff1c1176b"


def test_imagenet_weights_of_mobilenet_v2_come_from_keras_url(monkeypatch):
    from lamina.applications import _pretrained

    calls = []
    monkeypatch.setattr(_pretrained, "fetch", lambda *args: calls.append(args) or "w.h5")
    monkeypatch.setattr(_pretrained, "load_legacy_h5", lambda model, path: None)
    applications.MobileNetV2(alpha=0.35, input_shape=(128, 128, 3))
    name = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_128.h5"
    assert calls == [(name, "https://storage.googleapis.com/tensorflow/keras-applications/"
                            f"mobilenet_v2/{name}", None)]


def test_weights_from_a_file_path_are_loaded(tmp_path):
    source = applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3),
                                      classes=3)
    values = _random_weights(source, seed=5)
    _set_weights(source, values)
    path = str(tmp_path / "m.weights.h5")
    source.save_weights(path)
    model = applications.MobileNetV2(weights=path, alpha=0.35, input_shape=(32, 32, 3),
                                     classes=3)
    _assert_weights_equal(model, values)
