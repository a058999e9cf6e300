"""The second group of application models (EfficientNet, EfficientNetV2, MobileNetV3,
InceptionV3, Xception, ConvNeXt, InceptionResNetV2, NASNet) against Keras 3: same layers
(names, classes, shapes, weights, order), same outputs on the same weights, same
preprocessing, the same argument checks, and the ImageNet files asked for under Keras's
URLs and hashes.
"""

import importlib
import inspect

import numpy as np
import pytest

import lamina
from lamina.applications import _pretrained
from lamina.applications._building import keras_layer_order

keras = pytest.importorskip("keras")

# module -> its model functions
MODULES = {
    "efficientnet": ["EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3",
                     "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7"],
    "efficientnet_v2": ["EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2",
                        "EfficientNetV2B3", "EfficientNetV2S", "EfficientNetV2M",
                        "EfficientNetV2L"],
    "mobilenet_v3": ["MobileNetV3Small", "MobileNetV3Large"],
    "inception_v3": ["InceptionV3"],
    "xception": ["Xception"],
    "convnext": ["ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge",
                 "ConvNeXtXLarge"],
    "inception_resnet_v2": ["InceptionResNetV2"],
    "nasnet": ["NASNetMobile", "NASNetLarge"],
}
_MODULE_OF = {name: module for module, names in MODULES.items() for name in names}

# (model function, keyword arguments): small inputs Keras accepts.
FAST_CASES = [
    ("MobileNetV3Small", {"input_shape": (32, 32, 3), "classes": 5}),
]
SLOW_CASES = [
    ("EfficientNetB0", {"input_shape": (32, 32, 3), "classes": 5}),
    ("EfficientNetV2B0", {"include_top": False, "input_shape": (32, 32, 3),
                          "pooling": "avg"}),
    ("EfficientNetB1", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "max"}),
    ("EfficientNetB2", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("EfficientNetB3", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("EfficientNetB4", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("EfficientNetB5", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("EfficientNetB6", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("EfficientNetB7", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("EfficientNetV2B1", {"input_shape": (32, 32, 3), "classes": 4}),
    ("EfficientNetV2B2", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("EfficientNetV2B3", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("EfficientNetV2S", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "max"}),
    ("EfficientNetV2M", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("EfficientNetV2L", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("EfficientNetV2B0", {"include_top": False, "input_shape": (32, 32, 3),
                          "include_preprocessing": False}),
    ("MobileNetV3Large", {"input_shape": (32, 32, 3), "classes": 5, "alpha": 0.75}),
    ("MobileNetV3Large", {"include_top": False, "input_shape": (40, 36, 3),
                          "minimalistic": True, "pooling": "avg"}),
    ("MobileNetV3Small", {"include_top": False, "input_shape": (32, 32, 3), "alpha": 1.25,
                          "include_preprocessing": False}),
    ("MobileNetV3Small", {"input_shape": (32, 32, 3), "classes": 3, "minimalistic": True,
                          "dropout_rate": 0.0, "classifier_activation": None}),
    ("InceptionV3", {"include_top": False, "input_shape": (75, 75, 3), "pooling": "avg"}),
    ("InceptionV3", {"input_shape": (80, 76, 3), "classes": 3}),
    ("Xception", {"include_top": False, "input_shape": (71, 71, 3)}),
    ("Xception", {"input_shape": (72, 80, 3), "classes": 3}),
    ("InceptionResNetV2", {"include_top": False, "input_shape": (75, 75, 3),
                           "pooling": "max"}),
    ("NASNetLarge", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}),
    ("ConvNeXtTiny", {"input_shape": (32, 32, 3), "classes": 4}),
    ("ConvNeXtSmall", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}),
    ("ConvNeXtBase", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "max"}),
    ("ConvNeXtLarge", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("ConvNeXtXLarge", {"include_top": False, "input_shape": (32, 32, 3),
                        "include_preprocessing": False}),
]
# Models small enough to build at their full default size with the classifier.
FULL_SIZE = ["EfficientNetB0", "EfficientNetV2B0", "MobileNetV3Small", "MobileNetV3Large",
             "InceptionV3", "Xception", "ConvNeXtTiny", "InceptionResNetV2", "NASNetLarge"]


def _case_id(case):
    name, kwargs = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in sorted(kwargs.items()))


def _function(name):
    return getattr(importlib.import_module(f"lamina.applications.{_MODULE_OF[name]}"), name)


def _clear_sessions():
    keras.utils.clear_session()
    lamina.utils.clear_session()


def _build_both(name, **kwargs):
    """The same model from Keras and from lamina, automatic names counted from zero."""
    _clear_sessions()
    reference = getattr(keras.applications, name)(weights=None, **kwargs)
    model = _function(name)(weights=None, **kwargs)
    return reference, model


def _keras_order(model):
    """The model's layers in Keras's order (lamina's Functional.layers lists branched
    graphs in another order; the weights loader uses Keras's order explicitly)."""
    if isinstance(model, keras.Model):
        return model.layers
    return keras_layer_order(model.inputs, model.outputs)


def _structure(model):
    # Keras lists tensor arithmetic (MobileNetV3's hard sigmoid: x + 3, * 1/6) among its
    # operations, not its layers; lamina lists it as SymbolicOperator layers. Those hold
    # no weights and are left out here.
    return [(layer.name, type(layer).__name__, tuple(layer.output.shape),
             [tuple(w.shape) for w in layer.weights]) for layer in _keras_order(model)
            if type(layer).__name__ != "SymbolicOperator"]


def _assert_same_structure(reference, model):
    expected, got = _structure(reference), _structure(model)
    for i, (want, have) in enumerate(zip(expected, got)):
        assert have == want, f"layer {i} differs"
    assert len(got) == len(expected)
    assert model.name == reference.name
    assert model.count_params() == reference.count_params()


def _random_weights(reference, seed=0):
    """``{layer name: arrays}``: random values for every weight, positive for the
    variances (batch norm's and the input Normalization's), so every weight matters."""
    rng = np.random.default_rng(seed)
    values = {}
    for layer in reference.layers:
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


def _assert_same_outputs(reference, model, batch_shape, scale=1.0):
    weights = _random_weights(reference)
    _set_weights(reference, weights)
    _set_weights(model, weights)
    x = np.random.default_rng(1).uniform(-scale, scale, batch_shape).astype("float32")
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
    assert model.output_shape == (None, 1000)


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
    kwargs = {"input_shape": (3, 32, 32), "classes": 5}
    reference, model = _build_both("MobileNetV3Small", **kwargs)
    _assert_same_structure(reference, model)
    _assert_same_outputs(reference, model, (2, 3, 32, 32))


@pytest.mark.parametrize("version", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_efficientnet_in_channels_first_matches_keras(channels_first, version):
    reference, model = _tiny_both(version, input_shape=(3, 32, 32), classes=3)
    _assert_same_structure(reference, model)
    _assert_same_outputs(reference, model, (2, 3, 32, 32), scale=255.0)


# Two short stages (every kind of block: expanded or not, strided or residual, with and
# without squeeze-excite): the full networks are slow to build.
_TINY_V1_STAGES = [
    dict(kernel_size=3, repeats=2, filters_in=32, filters_out=32, expand_ratio=1,
         id_skip=True, strides=1, se_ratio=0.25),
    dict(kernel_size=5, repeats=2, filters_in=32, filters_out=48, expand_ratio=3,
         id_skip=True, strides=2, se_ratio=0.0),
]
_TINY_V2_STAGES = [
    dict(kernel_size=3, num_repeat=2, input_filters=32, output_filters=16, expand_ratio=1,
         se_ratio=0.0, strides=1, conv_type=1),
    dict(kernel_size=3, num_repeat=2, input_filters=16, output_filters=24, expand_ratio=4,
         se_ratio=0.0, strides=2, conv_type=1),
    dict(kernel_size=3, num_repeat=2, input_filters=24, output_filters=32, expand_ratio=4,
         se_ratio=0.25, strides=2, conv_type=0),
]


def _tiny(lib_module, version, **kwargs):
    if version == 1:
        return lib_module.EfficientNet(0.5, 1.2, 32, blocks_args=_TINY_V1_STAGES,
                                       name="tiny", **kwargs)
    return lib_module.EfficientNetV2(0.5, 1.2, 32, blocks_args=_TINY_V2_STAGES,
                                     name="efficientnetv2-b0", **kwargs)


def _tiny_both(version, **kwargs):
    module = "efficientnet" if version == 1 else "efficientnet_v2"
    _clear_sessions()
    reference = _tiny(importlib.import_module(f"keras.src.applications.{module}"), version,
                      weights=None, **kwargs)
    model = _tiny(importlib.import_module(f"lamina.applications.{module}"), version,
                  weights=None, **kwargs)
    return reference, model


@pytest.mark.parametrize("version, kwargs", [
    (1, {"input_shape": (32, 32, 3), "classes": 4}),
    pytest.param(1, {"include_top": False, "input_shape": (32, 32, 3), "activation": "relu",
                     "pooling": "max"}, marks=pytest.mark.slow),
    (2, {"input_shape": (32, 32, 3), "classes": 4}),
    pytest.param(2, {"include_top": False, "input_shape": (32, 32, 3),
                     "include_preprocessing": False, "pooling": "avg"},
                 marks=pytest.mark.slow),
], ids=["v1", "v1-notop", "v2", "v2-notop"])
def test_efficientnet_builders_match_keras_on_short_stages(version, kwargs):
    reference, model = _tiny_both(version, **kwargs)
    _assert_same_structure(reference, model)
    _assert_same_outputs(reference, model, (2, 32, 32, 3), scale=255.0)


@pytest.mark.parametrize("kwargs", [
    {"input_shape": (32, 32, 3), "classes": 4},
    pytest.param({"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg",
                  "drop_path_rate": 0.1, "layer_scale_init_value": None},
                 marks=pytest.mark.slow),
], ids=["top", "notop"])
def test_convnext_builder_matches_keras_on_short_stages(kwargs):
    from keras.src.applications import convnext as keras_convnext

    from lamina.applications import convnext

    kwargs = dict(kwargs, name="tiny", weights=None)
    _clear_sessions()
    reference = keras_convnext.ConvNeXt([1, 2, 1, 1], [8, 16, 16, 24], **kwargs)
    model = convnext.ConvNeXt([1, 2, 1, 1], [8, 16, 16, 24], **kwargs)
    _assert_same_structure(reference, model)
    _assert_same_outputs(reference, model, (2, 32, 32, 3), scale=255.0)


def test_convnext_stochastic_depth_drops_whole_samples_only_in_training():
    from lamina.applications import convnext

    layer = convnext.StochasticDepth(0.5)
    x = np.ones((64, 3, 2), "float32")
    np.testing.assert_array_equal(lamina.ops.convert_to_numpy(layer(x, training=False)), x)
    out = lamina.ops.convert_to_numpy(layer(x, training=True))
    per_sample = out.reshape(64, -1)
    assert set(np.unique(per_sample)) <= {0.0, 2.0}
    assert (per_sample.min(axis=1) == per_sample.max(axis=1)).all()
    assert 0 < (per_sample[:, 0] == 0).sum() < 64


def test_inception_resnet_block_matches_keras():
    """One block of each type on a small input (the whole network is slow to build)."""
    from keras.src.applications import inception_resnet_v2 as keras_irv2

    from lamina.applications import inception_resnet_v2

    def build(lib, module):
        image = lib.Input((9, 9, 16))
        x = module.inception_resnet_block(image, 0.17, "block35", 1)
        x = module.inception_resnet_block(x, 0.1, "block17", 1)
        x = module.inception_resnet_block(x, 1.0, "block8", 10, activation=None)
        return lib.Model(image, x, name="blocks")

    _clear_sessions()
    reference = build(keras, keras_irv2)
    model = build(lamina, inception_resnet_v2)
    _assert_same_structure(reference, model)
    _assert_same_outputs(reference, model, (2, 9, 9, 16))
    with pytest.raises(ValueError, match="Unknown Inception-ResNet block type"):
        inception_resnet_v2.inception_resnet_block(lamina.Input((9, 9, 16)), 1.0, "x", 1)


def _nasnet_both(**kwargs):
    from keras.src.applications import nasnet as keras_nasnet

    from lamina.applications import nasnet

    _clear_sessions()
    return keras_nasnet.NASNet(weights=None, **kwargs), nasnet.NASNet(weights=None, **kwargs)


def test_nasnet_builder_matches_keras_on_short_stacks():
    reference, model = _nasnet_both(input_shape=(32, 32, 3), penultimate_filters=96,
                                    num_blocks=1, stem_block_filters=8,
                                    skip_reduction=False, classes=3)
    _assert_same_structure(reference, model)
    _assert_same_outputs(reference, model, (2, 32, 32, 3))


@pytest.mark.slow
def test_nasnet_mobile_matches_keras_builder():
    # Keras refuses NASNetMobile on its torch backend; its builder, given the mobile
    # configuration, builds the same network.
    kwargs = dict(input_shape=(32, 32, 3), penultimate_filters=1056, num_blocks=4,
                  stem_block_filters=32, skip_reduction=False, filter_multiplier=2,
                  include_top=False, default_size=224, name="nasnet_mobile")
    reference, model = _nasnet_both(**kwargs)
    _clear_sessions()
    mobile = _function("NASNetMobile")(weights=None, include_top=False,
                                       input_shape=(32, 32, 3))
    _assert_same_structure(reference, mobile)
    _assert_same_outputs(reference, model, (1, 32, 32, 3))


def test_nasnet_refuses_channels_first(channels_first):
    with pytest.raises(ValueError, match="NASNet does not support the `channels_first`"):
        keras.applications.NASNetLarge(weights=None)
    with pytest.raises(ValueError, match="NASNet does not support the `channels_first`"):
        _function("NASNetLarge")(weights=None)


def test_nasnet_checks_its_arguments_as_keras_does():
    from keras.src.applications import nasnet as keras_nasnet

    from lamina.applications import nasnet

    for kwargs, message in [
        ({"penultimate_filters": 100, "weights": None, "input_shape": (32, 32, 3),
          "include_top": False}, "must be a multiple of 24"),
        ({"input_shape": (None, None, 3), "include_top": False},
         "the input_shape argument must be static"),
    ]:
        with pytest.raises(ValueError, match=message):
            keras_nasnet.NASNet(**kwargs)
        with pytest.raises(ValueError, match=message):
            nasnet.NASNet(**kwargs)


def test_convnext_refuses_channels_first(channels_first):
    with pytest.raises(ValueError, match="does not support the `channels_first`"):
        keras.applications.ConvNeXtTiny(weights=None)
    with pytest.raises(ValueError, match="does not support the `channels_first`"):
        _function("ConvNeXtTiny")(weights=None)


def test_model_is_built_on_a_given_input_tensor():
    _clear_sessions()
    reference = keras.applications.MobileNetV3Small(
        weights=None, include_top=False, input_tensor=keras.Input((48, 40, 3)))
    image = lamina.Input((48, 40, 3))
    model = _function("MobileNetV3Small")(weights=None, include_top=False,
                                          input_tensor=image)
    assert model.inputs[0] is image
    _assert_same_structure(reference, model)


@pytest.mark.slow
def test_renamed_efficientnet_v2_keeps_its_stages():
    # Keras looks the stages up by the model's name (a KeyError for any other name).
    model = _function("EfficientNetV2B0")(weights=None, include_top=False,
                                          input_shape=(32, 32, 3), name="mine")
    reference = _function("EfficientNetV2B0")(weights=None, include_top=False,
                                              input_shape=(32, 32, 3))
    assert model.name == "mine"
    assert model.count_params() == reference.count_params()


# -- argument checks ---------------------------------------------------------------------
ERROR_CASES = [
    ("EfficientNetB0", {"weights": "no/such/file.h5"}, "`weights` argument should be either"),
    ("EfficientNetV2B0", {"weights": "no/such/file.h5"},
     "`weights` argument should be either"),
    ("MobileNetV3Small", {"weights": "no/such/file.h5"},
     "`weights` argument should be either"),
    ("EfficientNetB0", {"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ("EfficientNetV2S", {"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ("MobileNetV3Large", {"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ("EfficientNetB0", {"weights": None, "include_top": False, "input_shape": (16, 16, 3)},
     "Input size must be at least 32x32"),
    ("EfficientNetV2B0", {"weights": None, "include_top": False,
                          "input_shape": (16, 16, 3)}, "Input size must be at least 32x32"),
    ("MobileNetV3Small", {"weights": None, "include_top": False, "input_shape": (16, 40, 3)},
     "Input size must be at least 32x32"),
    ("EfficientNetB1", {"weights": "imagenet", "input_shape": (64, 64, 3)},
     "`input_shape` should be (240, 240, 3)"),
    ("EfficientNetV2B0", {"weights": None, "input_shape": (None, None, 3)},
     "you should specify a static `input_shape`"),
    ("InceptionV3", {"weights": None, "include_top": False, "input_shape": (74, 80, 3)},
     "Input size must be at least 75x75"),
    ("Xception", {"weights": None, "include_top": False, "input_shape": (70, 80, 3)},
     "Input size must be at least 71x71"),
    ("InceptionV3", {"weights": "imagenet", "input_shape": (224, 224, 3)},
     "`input_shape` should be (299, 299, 3)"),
    ("Xception", {"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ("InceptionResNetV2", {"weights": None, "include_top": False,
                           "input_shape": (80, 60, 3)}, "Input size must be at least 75x75"),
    ("ConvNeXtTiny", {"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ("ConvNeXtTiny", {"weights": None, "include_top": False, "input_shape": (16, 40, 3)},
     "Input size must be at least 32x32"),
    ("ConvNeXtTiny", {"weights": "no/such/file.h5"}, "`weights` argument should be either"),
    ("MobileNetV3Small", {"weights": "imagenet", "alpha": 0.5}, "alpha can be one of"),
    ("MobileNetV3Large", {"weights": "imagenet", "alpha": 0.75, "minimalistic": True},
     "alpha can be one of"),
]


@pytest.mark.parametrize("name, kwargs, message", ERROR_CASES,
                         ids=[f"{c[0]}-{c[2][:24]}" for c in ERROR_CASES])
def test_bad_arguments_raise_the_error_keras_raises(name, kwargs, message):
    with pytest.raises(ValueError) as keras_error:
        getattr(keras.applications, name)(**kwargs)
    with pytest.raises(ValueError) as error:
        _function(name)(**kwargs)
    assert message in str(keras_error.value)
    assert message in str(error.value)


def test_mobilenet_v3_input_tensor_must_agree_with_input_shape():
    with pytest.raises(ValueError, match="must equal"):
        keras.applications.MobileNetV3Small(weights=None, include_top=False,
                                            input_tensor=keras.Input((64, 64, 3)),
                                            input_shape=(32, 32, 3))
    with pytest.raises(ValueError, match="must equal"):
        _function("MobileNetV3Small")(weights=None, include_top=False,
                                      input_tensor=lamina.Input((64, 64, 3)),
                                      input_shape=(32, 32, 3))


def test_unknown_pooling_is_refused():
    # Keras ignores it silently (and returns the 4D feature map); lamina says so.
    with pytest.raises(ValueError, match="`pooling` should be None, 'avg' or 'max'"):
        _function("EfficientNetB0")(weights=None, include_top=False,
                                    input_shape=(32, 32, 3), pooling="mean")


@pytest.mark.parametrize("module", ["inception_resnet_v2", "inception_v3", "nasnet",
                                    "xception"])
@pytest.mark.parametrize("data_format, shape", [
    ("channels_last", (2, 5, 4, 3)), ("channels_first", (3, 5, 4)),
])
def test_preprocess_input_scales_to_minus_one_one_as_keras_does(module, data_format, shape):
    images = np.random.default_rng(2).uniform(0, 255, shape).astype("float32")
    mine = importlib.import_module(f"lamina.applications.{module}")
    expected = getattr(keras.applications, module).preprocess_input(
        images.copy(), data_format=data_format)
    got = mine.preprocess_input(images, data_format=data_format)
    np.testing.assert_array_equal(got, expected)
    tensor = mine.preprocess_input(lamina.ops.convert_to_tensor(images),
                                   data_format=data_format)
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(tensor), expected, atol=1e-6)


# -- ImageNet weights: Keras's files and hashes ------------------------------------------
@pytest.fixture
def fetched(monkeypatch):
    """Record what would be downloaded, and load nothing."""
    calls = []
    monkeypatch.setattr(_pretrained, "fetch", lambda *args: calls.append(args) or "w.h5")
    monkeypatch.setattr(_pretrained, "load_legacy_h5", lambda model, path: None)
    return calls


_URL = "https://storage.googleapis.com/"


@pytest.mark.parametrize("name, kwargs, file_name, origin, file_hash", [
    ("MobileNetV3Small", {"input_shape": (224, 224, 3)},
     "weights_mobilenet_v3_small_224_1.0_float.h5",
     "tensorflow/keras-applications/mobilenet_v3/weights_mobilenet_v3_small_224_1.0_float.h5",
     "8768d4c2e7dee89b9d02b2d03d65d862"),
    pytest.param(
        "MobileNetV3Large", {"include_top": False, "input_shape": (224, 224, 3),
                             "minimalistic": True},
        "weights_mobilenet_v3_large_minimalistic_224_1.0_float_no_top_v2.h5",
        "tensorflow/keras-applications/mobilenet_v3/"
        "weights_mobilenet_v3_large_minimalistic_224_1.0_float_no_top_v2.h5",
        "ec5221f64a2f6d1ef965a614bdae7973", marks=pytest.mark.slow),
])
def test_imagenet_weights_come_from_keras_url_with_keras_hash(fetched, name, kwargs,
                                                              file_name, origin, file_hash):
    _function(name)(**kwargs)
    assert fetched == [(file_name, _URL + origin, file_hash)]


@pytest.mark.parametrize("version, size, include_top, origin, file_hash", [
    (1, "b0", False, "keras-applications/efficientnetb0_notop.h5",
     "50bc09e76180e00e4465e1a485ddc09d"),
    (1, "b5", True, "keras-applications/efficientnetb5.h5",
     "ace28f2a6363774853a83a0b21b9421a"),
    (2, "b0", False, "tensorflow/keras-applications/efficientnet_v2/efficientnetv2-b0_notop.h5",
     "893217f2bb855e2983157299931e43ff"),
    (2, "-l", True, "tensorflow/keras-applications/efficientnet_v2/efficientnetv2-l.h5",
     "27e6d408b53c7ebc868fefa357689935"),
])
def test_efficientnet_imagenet_weights_come_from_keras_url_with_keras_hash(
        fetched, version, size, include_top, origin, file_hash):
    module = importlib.import_module(
        "lamina.applications." + ("efficientnet" if version == 1 else "efficientnet_v2"))
    # The sizes' own files, on short networks (the file names follow the size).
    _tiny(module, version, weights="imagenet", weights_name=size, include_top=include_top,
          input_shape=None if include_top else (32, 32, 3))
    assert fetched == [(origin.rsplit("/", 1)[1], _URL + origin, file_hash)]


@pytest.mark.parametrize("module, name, include_top, file_name, file_hash", [
    ("inception_v3", "InceptionV3", False,
     "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
     "bcbd6486424b2319ff4ef7d526e38f63"),
    ("xception", "Xception", True, "xception_weights_tf_dim_ordering_tf_kernels.h5",
     "0a58e3b7378bc2990ea3b43d5981f1f6"),
    ("inception_resnet_v2", "InceptionResNetV2", False,
     "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
     "d19885ff4a710c122648d3b5c3b684e4"),
])
@pytest.mark.slow
def test_inception_imagenet_weights_come_from_keras_url_with_keras_hash(
        fetched, module, name, include_top, file_name, file_hash):
    _function(name)(include_top=include_top)
    origin = f"tensorflow/keras-applications/{module}/{file_name}"
    assert fetched == [(file_name, _URL + origin, file_hash)]


@pytest.mark.parametrize("size, include_top, file_hash", [
    ("tiny", False, "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    pytest.param("xlarge", True,
                 "c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                 marks=pytest.mark.slow),
])
def test_convnext_imagenet_weights_come_from_keras_url_with_keras_hash(
        fetched, monkeypatch, size, include_top, file_hash):
    from lamina.applications import convnext

    # The size's own file, on a short network (the architecture check is bypassed).
    monkeypatch.setitem(convnext.MODEL_CONFIGS, size, {
        "depths": [1, 1, 1, 1], "projection_dims": [8, 8, 8, 8], "default_size": 32})
    convnext.ConvNeXt([1, 1, 1, 1], [8, 8, 8, 8], default_size=32, name=f"convnext_{size}",
                      include_top=include_top, weights="imagenet",
                      weights_name=f"convnext_{size}")
    file_name = f"convnext_{size}{'' if include_top else '_notop'}.h5"
    origin = f"tensorflow/keras-applications/convnext/{file_name}"
    assert fetched == [(file_name, _URL + origin, file_hash)]


def test_convnext_imagenet_weights_need_the_size_in_the_name(fetched):
    from keras.src.applications import convnext as keras_convnext

    from lamina.applications import convnext

    kwargs = dict(depths=[3, 3, 9, 3], projection_dims=[96, 192, 384, 768],
                  name="mine", weights="imagenet", weights_name="convnext_tiny",
                  include_top=False, input_shape=(32, 32, 3))
    message = 'Model name "mine" does not match weights variant'
    with pytest.raises(ValueError, match=message):
        keras_convnext.ConvNeXt(**kwargs)
    with pytest.raises(ValueError, match=message):
        convnext.ConvNeXt(**kwargs)


@pytest.mark.parametrize("default_size, include_top, file_name, published, file_hash", [
    (224, True, "nasnet_mobile.h5", "NASNet-mobile.h5", "020fb642bf7360b370c678b08e0adf61"),
    (331, False, "nasnet_large_no_top.h5", "NASNet-large-no-top.h5",
     "d81d89dc07e6e56530c4e77faddd61b5"),
])
def test_nasnet_imagenet_weights_come_from_keras_url_with_keras_hash(
        fetched, default_size, include_top, file_name, published, file_hash):
    from lamina.applications import nasnet

    # The sizes' own files, on a short network (the file follows `default_size`).
    nasnet.NASNet(None if include_top else (32, 32, 3), penultimate_filters=96,
                  num_blocks=1, stem_block_filters=8, include_top=include_top,
                  default_size=default_size)
    origin = f"tensorflow/keras-applications/nasnet/{published}"
    assert fetched == [(file_name, _URL + origin, file_hash)]


def test_efficientnet_with_imagenet_weights_divides_by_the_deviation_once_more(fetched):
    from lamina.applications import efficientnet

    model = _tiny(efficientnet, 1, weights="imagenet", weights_name="b0",
                  include_top=False, input_shape=(32, 32, 3))
    assert [type(layer).__name__ for layer in model.layers[1:4]] == [
        "Rescaling", "Normalization", "Rescaling"]
    np.testing.assert_allclose(model.layers[3].scale,
                               [1 / np.sqrt(s) for s in (0.229, 0.224, 0.225)])


def test_mobilenet_v3_imagenet_weights_for_unpublished_size_warn(fetched):
    with pytest.warns(UserWarning, match="Weights for input shape \\(224, 224\\)"):
        _function("MobileNetV3Small")(include_top=False, input_shape=(64, 64, 3))


# -- public names, signatures, preprocessing ---------------------------------------------
@pytest.mark.parametrize("module", sorted(MODULES))
def test_signatures_match_keras(module):
    mine_module = importlib.import_module(f"lamina.applications.{module}")
    for name in MODULES[module] + ["preprocess_input", "decode_predictions"]:
        mine = getattr(mine_module, name)
        # Keras exports MobileNetV3's functions from keras.applications only.
        theirs = getattr(getattr(keras.applications, module), name, None) or getattr(
            keras.applications, name)
        assert inspect.signature(mine) == inspect.signature(theirs), f"{module}.{name}"
        assert mine.__doc__


_IDENTITY_MODULES = ["convnext", "efficientnet", "efficientnet_v2", "mobilenet_v3"]


@pytest.mark.parametrize("module", _IDENTITY_MODULES)
def test_preprocess_input_passes_input_through_as_keras_does(module):
    images = np.random.default_rng(2).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    mine = importlib.import_module(f"lamina.applications.{module}")
    expected = getattr(keras.applications, module).preprocess_input(images.copy())
    np.testing.assert_array_equal(mine.preprocess_input(images), expected)
    assert mine.preprocess_input(images, data_format="channels_first") is images


@pytest.mark.parametrize("module", sorted(MODULES))
def test_decode_predictions_delegates_to_imagenet_utils(module, monkeypatch):
    from lamina.applications import imagenet_utils

    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    monkeypatch.setattr(imagenet_utils, "_class_index", index)
    preds = np.eye(1000, dtype="float32")[[3, 7]]
    mine = importlib.import_module(f"lamina.applications.{module}")
    assert mine.decode_predictions(preds, top=1) == [
        [("n00000003", "class_3", np.float32(1.0))], [("n00000007", "class_7", 1.0)]]


def test_models_and_modules_are_exported_from_applications():
    from lamina import applications

    for module, names in MODULES.items():
        mine = importlib.import_module(f"lamina.applications.{module}")
        assert getattr(applications, module) is mine
        assert module in applications.__all__
        for name in names:
            assert getattr(applications, name) is getattr(mine, name)
            assert name in applications.__all__
            assert getattr(keras.applications, name)
