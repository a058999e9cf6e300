"""EfficientNetB0 to B7 (``keras.applications.efficientnet``): the compound-scaled networks
of Tan and Le (ICML 2019), with their ImageNet weights. Their preprocessing is part of the
model (a ``Rescaling`` and a ``Normalization`` layer), so ``preprocess_input`` passes its
input through unchanged.
"""

import copy
import math

from lamina import backend
from lamina import layers
from lamina.applications import _blocks
from lamina.applications import _building
from lamina.applications import _pretrained
from lamina.applications import imagenet_utils

# EfficientNet's files live in another bucket folder than the other applications'.
_ORIGIN_FOLDER = "https://storage.googleapis.com/keras-applications/"
# md5 digests of the Keras weight files: (with the classifier, without).
_FILE_HASHES = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}


def _stage(kernel_size, repeats, filters_in, filters_out, expand_ratio, strides):
    return {"kernel_size": kernel_size, "repeats": repeats, "filters_in": filters_in,
            "filters_out": filters_out, "expand_ratio": expand_ratio, "id_skip": True,
            "strides": strides, "se_ratio": 0.25}


# The seven stages of EfficientNetB0; the other sizes scale their widths and repeats.
DEFAULT_BLOCKS_ARGS = [
    _stage(3, 1, 32, 16, 1, 1),
    _stage(3, 2, 16, 24, 6, 2),
    _stage(5, 2, 24, 40, 6, 2),
    _stage(3, 3, 40, 80, 6, 2),
    _stage(5, 3, 80, 112, 6, 1),
    _stage(5, 4, 112, 192, 6, 2),
    _stage(3, 1, 192, 320, 6, 1),
]
CONV_KERNEL_INITIALIZER = _blocks.CONV_KERNEL_INITIALIZER
DENSE_KERNEL_INITIALIZER = _blocks.DENSE_KERNEL_INITIALIZER
# ImageNet's per-channel deviation (0-1 scale); the published weights divide by it twice.
_IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)


def block(inputs, activation="swish", drop_rate=0.0, name="", filters_in=32,
          filters_out=16, kernel_size=3, strides=1, expand_ratio=1, se_ratio=0.0,
          id_skip=True):
    """One mobile inverted bottleneck: expand (1x1), depthwise filter, squeeze and excite,
    project (1x1); the input is added back (after drop-connect) when the shapes allow.

    Args:
        inputs: the symbolic input tensor.
        activation: the activation after each convolution but the projection.
        drop_rate: the drop-connect rate of the residual branch.
        name: the prefix of the block's layer names (e.g. ``"block2a_"``).
        filters_in, filters_out: channels in and out.
        kernel_size, strides: of the depthwise convolution.
        expand_ratio: the expansion of the channels before the depthwise convolution.
        se_ratio: the squeeze ratio, relative to ``filters_in`` (0 for none).
        id_skip: whether to add the input back when the shapes allow.

    Returns:
        The block's output tensor.
    """
    axis = _building.channel_axis()
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False,
                          kernel_initializer=CONV_KERNEL_INITIALIZER,
                          name=f"{name}expand_conv")(x)
        x = layers.BatchNormalization(axis=axis, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    if strides == 2:
        x = layers.ZeroPadding2D(padding=_building.correct_pad(x, kernel_size),
                                 name=f"{name}dwconv_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides,
                               padding="valid" if strides == 2 else "same", use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=axis, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = _blocks.squeeze_excite(x, filters, max(1, int(filters_in * se_ratio)),
                                   activation, name)
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=axis, name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        x = _blocks.drop_connect_add(x, inputs, drop_rate, name)
    return x


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                 drop_connect_rate=0.2, depth_divisor=8, activation="swish",
                 blocks_args="default", name="efficientnet", include_top=True,
                 weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax", weights_name=None):
    """Build an EfficientNet: B0's stages with widths scaled by ``width_coefficient`` and
    repeats by ``depth_coefficient``.

    Args:
        width_coefficient: the factor on every stage's channels.
        depth_coefficient: the factor on every stage's number of blocks (rounded up).
        default_size: the image side the weights were trained on.
        dropout_rate: the dropout before the classifier.
        drop_connect_rate: the largest drop-connect rate (of the last block; it grows
            linearly from 0 over the blocks).
        depth_divisor: channel counts are multiples of it.
        activation: the activation of the whole network.
        blocks_args: ``"default"`` (B0's stages) or a list of stage dicts like
            ``DEFAULT_BLOCKS_ARGS``.
        name: the model's name.
        include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation: as ``EfficientNetB0``.
        weights_name: which ImageNet files to load (``"b0"`` ... ``"b7"``).

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: for bad ``weights``, ``classes``, ``input_shape`` or ``pooling``, or a
            stage of no blocks.

    Example:
        >>> EfficientNet(1.0, 1.0, 224, weights=None, include_top=False,
        ...              input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1280)
    """
    if isinstance(blocks_args, str) and blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS
    _building.check_weights_and_classes(weights, include_top, classes)
    if not include_top:
        _building.check_pooling(pooling)
    input_shape = _building.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top,
        weights=weights)
    img_input = _building.image_input(input_tensor, input_shape)
    axis = _building.channel_axis()

    def round_filters(filters):
        return _round_filters(filters * width_coefficient, depth_divisor)

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=axis)(x)
    if weights == "imagenet":
        # The weight files hold the deviation where Normalization's variance belongs, so
        # Normalization divides by its square root only; this divides by the other square
        # root, so the whole divides by the deviation (as Keras does).
        x = layers.Rescaling([1.0 / math.sqrt(s) for s in _IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=_building.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=axis, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    blocks_args = copy.deepcopy(blocks_args)
    total = float(sum(round_repeats(args["repeats"]) for args in blocks_args))
    done = 0
    for i, args in enumerate(blocks_args):
        if args["repeats"] <= 0:
            raise ValueError(
                "The number of repeats in `EfficientNet` must be > 0. Received: "
                f"repeats={args['repeats']}. Give every stage at least one block."
            )
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
        for j in range(round_repeats(args.pop("repeats"))):
            if j > 0:  # only a stage's first block changes the stride and the width
                args["strides"] = 1
                args["filters_in"] = args["filters_out"]
            x = block(x, activation, drop_connect_rate * done / total,
                      name=f"block{i + 1}{chr(j + 97)}_", **args)
            done += 1

    x = layers.Conv2D(round_filters(1280), 1, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name="top_conv")(x)
    x = layers.BatchNormalization(axis=axis, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        _building.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation,
                         kernel_initializer=DENSE_KERNEL_INITIALIZER, name="predictions")(x)
    else:
        x = _building.pool_features(x, pooling, avg_name="avg_pool", max_name="max_pool")
    model = _building.make_model(input_tensor, img_input, x, name)
    if weights == "imagenet":
        # Keras names the file after the model's `name`; the size's own name is used
        # here, so a renamed model still finds its weights.
        suffix = ".h5" if include_top else "_notop.h5"
        file_name = f"efficientnet{weights_name}{suffix}"
        file_hash = _FILE_HASHES[weights_name][0 if include_top else 1]
        _pretrained.load_weights(model, weights, file_name, _ORIGIN_FOLDER + file_name,
                                 file_hash)
    else:
        _pretrained.load_weights(model, weights, None, None)
    return model


def _round_filters(filters, divisor):
    """``filters`` rounded to the nearest multiple of ``divisor``, never 10% below."""
    rounded = max(divisor, int(filters + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * filters:
        rounded += divisor
    return int(rounded)


# (width, depth, default side, dropout) of each size.
_SIZES = {
    "b0": (1.0, 1.0, 224, 0.2), "b1": (1.0, 1.1, 240, 0.2), "b2": (1.1, 1.2, 260, 0.3),
    "b3": (1.2, 1.4, 300, 0.3), "b4": (1.4, 1.8, 380, 0.4), "b5": (1.6, 2.2, 456, 0.4),
    "b6": (1.8, 2.6, 528, 0.5), "b7": (2.0, 3.1, 600, 0.5),
}


def _sized(size, include_top, weights, input_tensor, input_shape, pooling, classes,
           classifier_activation, name):
    width, depth, side, dropout = _SIZES[size]
    return EfficientNet(width, depth, side, dropout, name=name, include_top=include_top,
                        weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                        pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation, weights_name=size)


def EfficientNetB0(include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", name="efficientnetb0"):
    """Build EfficientNetB0 (224x224 images), optionally with its ImageNet weights.

    Feed it RGB images with values in 0-255: the model rescales and normalizes them
    itself (``efficientnet.preprocess_input`` does nothing).

    Args:
        include_top: whether to end with the classifier. Defaults to True.
        weights: None (random), ``"imagenet"`` (the default: downloaded once into
            ``~/.keras/models/``), or the path of a weights file.
        input_tensor: an optional symbolic tensor to use as the image input.
        input_shape: the shape of one image, only with ``include_top=False``; 3 channels,
            sides of at least 32.
        pooling: with ``include_top=False``: None (4D features), ``"avg"`` or ``"max"``.
        classes: the number of classes; 1000 with ImageNet weights.
        classifier_activation: the classifier's activation; None gives logits. Only None
            or ``"softmax"`` with pretrained weights.
        name: the model's name. Defaults to ``"efficientnetb0"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: for bad ``weights``, ``classes``, ``input_shape`` or ``pooling``.

    Example:
        >>> EfficientNetB0(weights=None, include_top=False,
        ...                input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1280)
    """
    return _sized("b0", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)


def EfficientNetB1(include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", name="efficientnetb1"):
    """Build EfficientNetB1 (240x240 images), optionally with its ImageNet weights.

    Args: as ``EfficientNetB0``; ``name`` defaults to ``"efficientnetb1"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> EfficientNetB1(weights=None, include_top=False).output_shape
        (None, None, None, 1280)
    """
    return _sized("b1", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)


def EfficientNetB2(include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", name="efficientnetb2"):
    """Build EfficientNetB2 (260x260 images), optionally with its ImageNet weights.

    Args: as ``EfficientNetB0``; ``name`` defaults to ``"efficientnetb2"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> EfficientNetB2(weights=None, include_top=False).output_shape
        (None, None, None, 1408)
    """
    return _sized("b2", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)


def EfficientNetB3(include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", name="efficientnetb3"):
    """Build EfficientNetB3 (300x300 images), optionally with its ImageNet weights.

    Args: as ``EfficientNetB0``; ``name`` defaults to ``"efficientnetb3"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> EfficientNetB3(weights=None, include_top=False).output_shape
        (None, None, None, 1536)
    """
    return _sized("b3", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)


def EfficientNetB4(include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", name="efficientnetb4"):
    """Build EfficientNetB4 (380x380 images), optionally with its ImageNet weights.

    Args: as ``EfficientNetB0``; ``name`` defaults to ``"efficientnetb4"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> EfficientNetB4(weights=None, include_top=False).output_shape
        (None, None, None, 1792)
    """
    return _sized("b4", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)


def EfficientNetB5(include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", name="efficientnetb5"):
    """Build EfficientNetB5 (456x456 images), optionally with its ImageNet weights.

    Args: as ``EfficientNetB0``; ``name`` defaults to ``"efficientnetb5"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> EfficientNetB5(weights=None, include_top=False).output_shape
        (None, None, None, 2048)
    """
    return _sized("b5", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)


def EfficientNetB6(include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", name="efficientnetb6"):
    """Build EfficientNetB6 (528x528 images), optionally with its ImageNet weights.

    Args: as ``EfficientNetB0``; ``name`` defaults to ``"efficientnetb6"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> EfficientNetB6(weights=None, include_top=False).output_shape
        (None, None, None, 2304)
    """
    return _sized("b6", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)


def EfficientNetB7(include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", name="efficientnetb7"):
    """Build EfficientNetB7 (600x600 images), optionally with its ImageNet weights.

    Args: as ``EfficientNetB0``; ``name`` defaults to ``"efficientnetb7"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> EfficientNetB7(weights=None, include_top=False).output_shape
        (None, None, None, 2560)
    """
    return _sized("b7", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)


def preprocess_input(x, data_format=None):
    """Return ``x`` unchanged: EfficientNet models rescale and normalize their input
    themselves (kept so code written for other applications runs unchanged).

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
