"""ConvNeXtTiny, Small, Base, Large and XLarge (``keras.applications.convnext``): the
modernized ResNets of Liu et al. (CVPR 2022), with their ImageNet weights. The model
normalizes its input itself (``include_preprocessing``), so ``preprocess_input`` passes
its input through unchanged. Also here: the two layers ConvNeXt's blocks use,
``LayerScale`` and ``StochasticDepth``.
"""

import numpy as np

from lamina import backend
from lamina import initializers
from lamina import layers
from lamina import ops
from lamina import random
from lamina.applications import _building
from lamina.applications import _pretrained
from lamina.applications import imagenet_utils
from lamina.layers.layer import Layer
from lamina.models import sequential

_ORIGIN_FOLDER = _pretrained.KERAS_APPLICATIONS_URL + "convnext/"
# sha256 digests of the Keras weight files: (with the classifier, without).
_FILE_HASHES = {
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}
# Blocks per stage and channels per stage of each size (all trained on 224x224 images).
MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768],
             "default_size": 224},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768],
              "default_size": 224},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024],
             "default_size": 224},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536],
              "default_size": 224},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048],
               "default_size": 224},
}
# ImageNet's per-channel statistics on the 0-255 scale.
_MEAN_RGB = [0.485 * 255, 0.456 * 255, 0.406 * 255]
_VARIANCE_RGB = [(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2]
_CHANNELS_FIRST_REFUSED = (
    "ConvNeXt does not support the `channels_first` image data format. Switch to "
    "`channels_last` with lamina.backend.set_image_data_format('channels_last') (or in "
    "~/.lamina/lamina.json)."
)


class StochasticDepth(Layer):
    """Drop a residual branch for whole samples while training (probability
    ``drop_path_rate``), scaling the kept samples up; the identity at inference.

    Args:
        drop_path_rate: the probability of dropping a sample's branch.

    Example:
        >>> StochasticDepth(0.1)(np.ones((2, 3)), training=False)  # unchanged
    """

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate
        self.seed_generator = random.SeedGenerator()

    def call(self, x, training=None):
        if not training:
            return x
        keep_prob = 1 - self.drop_path_rate
        # One draw per sample: (batch, 1, ..., 1).
        shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
        mask = ops.floor(keep_prob + random.uniform(shape, 0, 1, seed=self.seed_generator))
        return (x / keep_prob) * mask

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"drop_path_rate": self.drop_path_rate})
        return config


class LayerScale(Layer):
    """Multiply each of the last axis's ``projection_dim`` channels by a learned factor
    (``gamma``), starting at ``init_values``.

    Args:
        init_values: the starting factor (e.g. 1e-6: the branch starts nearly off).
        projection_dim: the number of channels.

    Example:
        >>> LayerScale(0.5, 3)(np.ones((1, 3)))  # [[0.5, 0.5, 0.5]]
    """

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, _):
        self.gamma = self.add_weight(shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values),
                                     trainable=True)

    def call(self, x):
        return x * self.gamma

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"init_values": self.init_values,
                       "projection_dim": self.projection_dim})
        return config


def ConvNeXtBlock(projection_dim, drop_path_rate=0.0, layer_scale_init_value=1e-6,
                  name=None):
    """One ConvNeXt block: 7x7 depthwise conv, layer norm, an MLP (4x wider, GELU),
    optional layer scale, stochastic depth; the input is added back.

    Args:
        projection_dim: the channels.
        drop_path_rate: the stochastic depth rate (0: an identity ``Activation``).
        layer_scale_init_value: the start of the layer scale; None for none.
        name: the prefix of the layer names; None picks a unique ``prestemN``.

    Returns:
        A function from the input tensor to the output tensor.
    """
    if name is None:
        name = f"prestem{backend.get_uid('prestem')}"

    def apply(inputs):
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same",
                          groups=projection_dim, name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim,
                           name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            last = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            last = layers.Activation("linear", name=f"{name}_identity")
        # Tensor arithmetic, not an Add layer, as in Keras.
        return inputs + last(x)

    return apply


def PreStem(name=None):
    """Normalize 0-255 RGB images with ImageNet's statistics (``{name}_prestem_
    normalization``).

    Returns:
        A function from the input tensor to the output tensor.
    """
    if name is None:
        name = f"prestem{backend.get_uid('prestem')}"

    def apply(x):
        return layers.Normalization(mean=_MEAN_RGB, variance=_VARIANCE_RGB,
                                    name=f"{name}_prestem_normalization")(x)

    return apply


def Head(num_classes=1000, classifier_activation=None, name=None):
    """The classifier: global average pooling, layer norm, dense.

    Returns:
        A function from the feature map to the class scores.
    """
    if name is None:
        name = str(backend.get_uid("head"))

    def apply(x):
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        return layers.Dense(num_classes, activation=classifier_activation,
                            name=f"{name}_head_dense")(x)

    return apply


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6,
             default_size=224, name="convnext", include_preprocessing=True,
             include_top=True, weights=None, input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax",
             weights_name=None):
    """Build a ConvNeXt of four stages of ``depths`` blocks, ``projection_dims`` wide.

    Args:
        depths: four ints, the blocks per stage.
        projection_dims: four ints, the channels per stage.
        drop_path_rate: the last block's stochastic depth rate (it grows linearly from 0).
        layer_scale_init_value: the start of each block's layer scale; None for none.
        default_size: the image side the weights were trained on.
        name: the model's name, and the prefix of its layer names.
        include_preprocessing, include_top, weights, input_tensor, input_shape, pooling,
        classes, classifier_activation: as ``ConvNeXtTiny``.
        weights_name: which ImageNet files to load (``"convnext_tiny"``...).

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: under ``channels_first``; for bad ``weights``, ``classes``,
            ``input_shape`` or ``pooling``; with ImageNet weights, for another
            architecture or a name without the size's.

    Example:
        >>> ConvNeXt([1, 1, 1, 1], [8, 8, 16, 16], weights=None, include_top=False,
        ...          input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 16)
    """
    if backend.image_data_format() == "channels_first":
        raise ValueError(_CHANNELS_FIRST_REFUSED)
    _building.check_weights_and_classes(weights, include_top, classes)
    if not include_top:
        _building.check_pooling(pooling)
    input_shape = _building.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top,
        weights=weights)
    img_input = _building.image_input(input_tensor, input_shape)
    if weights == "imagenet":
        expected = MODEL_CONFIGS[weights_name.split("convnext_")[-1]]
        if (list(depths) != expected["depths"]
                or list(projection_dims) != expected["projection_dims"]):
            raise ValueError(
                f"Architecture configuration does not match {weights_name} variant. When "
                "using pre-trained weights, the model architecture must match the "
                f"pre-trained configuration exactly. Expected depths: "
                f"{expected['depths']}, got: {depths}. Expected projection_dims: "
                f"{expected['projection_dims']}, got: {projection_dims}."
            )
        if weights_name not in name:
            raise ValueError(
                f'Model name "{name}" does not match weights variant "{weights_name}". '
                "When using imagenet weights, model name must contain the weights "
                f'variant (e.g., "convnext_{weights_name.split("convnext_")[-1]}").'
            )

    x = img_input
    if include_preprocessing and input_shape[-1] == 3:
        x = PreStem(name=name)(x)
    # The stem and the three downsampling steps are nested Sequential models, as in Keras
    # (their weights sit under those names in the files).
    downsample_layers = [sequential.Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4,
                      name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
    ], name=f"{name}_stem")]
    for i in range(3):
        downsample_layers.append(sequential.Sequential([
            layers.LayerNormalization(epsilon=1e-6,
                                      name=f"{name}_downsampling_layernorm_{i}"),
            layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                          name=f"{name}_downsampling_conv_{i}"),
        ], name=f"{name}_downsampling_block_{i}"))
    drop_rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    done = 0
    for i in range(4):
        x = downsample_layers[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dim=projection_dims[i],
                              drop_path_rate=drop_rates[done + j],
                              layer_scale_init_value=layer_scale_init_value,
                              name=f"{name}_stage_{i}_block_{j}")(x)
        done += depths[i]

    if include_top:
        _building.validate_activation(classifier_activation, weights)
        x = Head(num_classes=classes, classifier_activation=classifier_activation,
                 name=name)(x)
    else:
        x = _building.pool_features(x, pooling)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    model = _building.make_model(input_tensor, img_input, x, name)
    if weights == "imagenet":
        suffix = ".h5" if include_top else "_notop.h5"
        # Keras names the file after the model; the name contains the size's (checked
        # above), and the size's own file is fetched here.
        file_name = weights_name + suffix
        file_hash = _FILE_HASHES[weights_name][0 if include_top else 1]
        _pretrained.load_weights(model, weights, file_name, _ORIGIN_FOLDER + file_name,
                                 file_hash)
    else:
        _pretrained.load_weights(model, weights, None, None)
    return model


def _sized(size, include_top, include_preprocessing, weights, input_tensor, input_shape,
           pooling, classes, classifier_activation, name):
    config = MODEL_CONFIGS[size]
    return ConvNeXt(weights_name=f"convnext_{size}", depths=config["depths"],
                    projection_dims=config["projection_dims"], drop_path_rate=0.0,
                    layer_scale_init_value=1e-6, default_size=config["default_size"],
                    name=name, include_top=include_top,
                    include_preprocessing=include_preprocessing, weights=weights,
                    input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                    classes=classes, classifier_activation=classifier_activation)


def ConvNeXtTiny(include_top=True, include_preprocessing=True, weights="imagenet",
                 input_tensor=None, input_shape=None, pooling=None, classes=1000,
                 classifier_activation="softmax", name="convnext_tiny"):
    """Build ConvNeXtTiny (stages of 3, 3, 9, 3 blocks), optionally with ImageNet weights.

    Feed it RGB images with values in 0-255: with ``include_preprocessing`` (the default)
    the model normalizes them itself (``convnext.preprocess_input`` does nothing). Only the
    ``channels_last`` data format is supported.

    Args:
        include_top: whether to end with the classifier. Defaults to True.
        include_preprocessing: whether the model starts with a ``Normalization`` by
            ImageNet's statistics. Defaults to True.
        weights: None (random), ``"imagenet"`` (the default: downloaded once into
            ``~/.keras/models/``), or the path of a weights file.
        input_tensor: an optional symbolic tensor to use as the image input.
        input_shape: the shape of one image, only with ``include_top=False``; sides of at
            least 32.
        pooling: with ``include_top=False``: None (4D features), ``"avg"`` or ``"max"``.
        classes: the number of classes; 1000 with ImageNet weights.
        classifier_activation: the classifier's activation; None gives logits. Only None
            or ``"softmax"`` with pretrained weights.
        name: the model's name. Defaults to ``"convnext_tiny"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: under ``channels_first``, or for bad ``weights``, ``classes``,
            ``input_shape`` or ``pooling``.

    Example:
        >>> ConvNeXtTiny(weights=None, include_top=False,
        ...              input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 768)
    """
    return _sized("tiny", include_top, include_preprocessing, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name)


def ConvNeXtSmall(include_top=True, include_preprocessing=True, weights="imagenet",
                  input_tensor=None, input_shape=None, pooling=None, classes=1000,
                  classifier_activation="softmax", name="convnext_small"):
    """Build ConvNeXtSmall (stages of 3, 3, 27, 3 blocks, 96 to 768 channels).

    Args: as ``ConvNeXtTiny``; ``name`` defaults to ``"convnext_small"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> ConvNeXtSmall(weights=None, include_top=False).output_shape
        (None, None, None, 768)
    """
    return _sized("small", include_top, include_preprocessing, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name)


def ConvNeXtBase(include_top=True, include_preprocessing=True, weights="imagenet",
                 input_tensor=None, input_shape=None, pooling=None, classes=1000,
                 classifier_activation="softmax", name="convnext_base"):
    """Build ConvNeXtBase (stages of 3, 3, 27, 3 blocks, 128 to 1024 channels).

    Args: as ``ConvNeXtTiny``; ``name`` defaults to ``"convnext_base"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> ConvNeXtBase(weights=None, include_top=False).output_shape
        (None, None, None, 1024)
    """
    return _sized("base", include_top, include_preprocessing, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name)


def ConvNeXtLarge(include_top=True, include_preprocessing=True, weights="imagenet",
                  input_tensor=None, input_shape=None, pooling=None, classes=1000,
                  classifier_activation="softmax", name="convnext_large"):
    """Build ConvNeXtLarge (stages of 3, 3, 27, 3 blocks, 192 to 1536 channels).

    Args: as ``ConvNeXtTiny``; ``name`` defaults to ``"convnext_large"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> ConvNeXtLarge(weights=None, include_top=False).output_shape
        (None, None, None, 1536)
    """
    return _sized("large", include_top, include_preprocessing, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name)


def ConvNeXtXLarge(include_top=True, include_preprocessing=True, weights="imagenet",
                   input_tensor=None, input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", name="convnext_xlarge"):
    """Build ConvNeXtXLarge (stages of 3, 3, 27, 3 blocks, 256 to 2048 channels).

    Args: as ``ConvNeXtTiny``; ``name`` defaults to ``"convnext_xlarge"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> ConvNeXtXLarge(weights=None, include_top=False).output_shape
        (None, None, None, 2048)
    """
    return _sized("xlarge", include_top, include_preprocessing, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """Return ``x`` unchanged: ConvNeXt models normalize their input themselves
    (``include_preprocessing``); kept so code written for other applications runs.

    Args:
        x: a NumPy array or tensor of RGB images with values in 0-255.
        data_format: ignored (accepted as the other modules accept it).

    Returns:
        ``x`` itself.

    Example:
        >>> preprocess_input(np.zeros((1, 2, 2, 3))).shape
        (1, 2, 2, 3)
    """
    return x


def decode_predictions(preds, top=5):
    """Name the ``top`` ImageNet classes of each row of ``preds`` (shape ``(n, 1000)``).

    Returns:
        One list per sample of ``(class_id, class_name, score)``, best first.

    Example:
        >>> decode_predictions(model.predict(images), top=3)
    """
    return imagenet_utils.decode_predictions(preds, top=top)
