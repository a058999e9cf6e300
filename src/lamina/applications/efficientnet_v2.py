"""EfficientNetV2B0 to B3, S, M and L (``keras.applications.efficientnet_v2``): the
faster-training EfficientNets of Tan and Le (ICML 2021), with their ImageNet weights.
Their preprocessing is part of the model (``include_preprocessing``), so
``preprocess_input`` passes its input through unchanged.
"""

import copy
import math

from lamina import backend
from lamina import initializers
from lamina import layers
from lamina.applications import _blocks
from lamina.applications import _building
from lamina.applications import _pretrained
from lamina.applications import imagenet_utils

_ORIGIN_FOLDER = _pretrained.KERAS_APPLICATIONS_URL + "efficientnet_v2/"
# md5 digests of the Keras weight files: (with the classifier, without).
_FILE_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}
_STAGE_KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters",
               "expand_ratio", "se_ratio", "strides", "conv_type")
# Stages as (kernel, repeats, filters in, filters out, expansion, squeeze ratio, stride,
# conv type: 1 fused, 0 depthwise); the B sizes share one table scaled by width and depth.
_B_STAGES = ((3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1),
             (3, 2, 32, 48, 4, 0, 2, 1), (3, 3, 48, 96, 4, 0.25, 2, 0),
             (3, 5, 96, 112, 6, 0.25, 1, 0), (3, 8, 112, 192, 6, 0.25, 2, 0))
_STAGES = {
    "efficientnetv2-s": ((3, 2, 24, 24, 1, 0, 1, 1), (3, 4, 24, 48, 4, 0, 2, 1),
                         (3, 4, 48, 64, 4, 0, 2, 1), (3, 6, 64, 128, 4, 0.25, 2, 0),
                         (3, 9, 128, 160, 6, 0.25, 1, 0),
                         (3, 15, 160, 256, 6, 0.25, 2, 0)),
    "efficientnetv2-m": ((3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1),
                         (3, 5, 48, 80, 4, 0, 2, 1), (3, 7, 80, 160, 4, 0.25, 2, 0),
                         (3, 14, 160, 176, 6, 0.25, 1, 0),
                         (3, 18, 176, 304, 6, 0.25, 2, 0),
                         (3, 5, 304, 512, 6, 0.25, 1, 0)),
    "efficientnetv2-l": ((3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1),
                         (3, 7, 64, 96, 4, 0, 2, 1), (3, 10, 96, 192, 4, 0.25, 2, 0),
                         (3, 19, 192, 224, 6, 0.25, 1, 0),
                         (3, 25, 224, 384, 6, 0.25, 2, 0),
                         (3, 7, 384, 640, 6, 0.25, 1, 0)),
    "efficientnetv2-b0": _B_STAGES, "efficientnetv2-b1": _B_STAGES,
    "efficientnetv2-b2": _B_STAGES, "efficientnetv2-b3": _B_STAGES,
}
# The stages of each network as Keras lists them: one dict per stage.
DEFAULT_BLOCKS_ARGS = {name: [dict(zip(_STAGE_KEYS, stage)) for stage in stages]
                       for name, stages in _STAGES.items()}
CONV_KERNEL_INITIALIZER = _blocks.CONV_KERNEL_INITIALIZER
DENSE_KERNEL_INITIALIZER = _blocks.DENSE_KERNEL_INITIALIZER
# ImageNet's statistics (0-1 scale), which the B sizes were trained with.
_IMAGENET_MEAN_RGB = (0.485, 0.456, 0.406)
_IMAGENET_VARIANCE_RGB = (0.229**2, 0.224**2, 0.225**2)


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """``filters * width_coefficient`` rounded to the nearest multiple of
    ``depth_divisor``, at least ``min_depth`` (or the divisor when it is falsy)."""
    filters *= width_coefficient
    smallest = min_depth or depth_divisor
    return int(max(smallest, int(filters + depth_divisor / 2) // depth_divisor
                   * depth_divisor))


def round_repeats(repeats, depth_coefficient):
    """``repeats * depth_coefficient``, rounded up."""
    return int(math.ceil(depth_coefficient * repeats))


def _expand(x, filters, kernel_size, strides, bn_momentum, activation, name):
    """The expansion conv, its batch norm and activation (``{name}expand_*``)."""
    x = layers.Conv2D(filters, kernel_size=kernel_size, strides=strides,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                      use_bias=False, name=f"{name}expand_conv")(x)
    x = layers.BatchNormalization(axis=_building.channel_axis(), momentum=bn_momentum,
                                  name=f"{name}expand_bn")(x)
    return layers.Activation(activation, name=f"{name}expand_activation")(x)


def MBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1,
                se_ratio=0.0, bn_momentum=0.9, activation="swish", survival_probability=0.8,
                name=None):
    """An inverted bottleneck: expand (1x1), depthwise conv, squeeze and excite, project
    (1x1); the input is added back (after drop-connect) when the shapes allow.

    Args:
        input_filters, output_filters: channels in and out.
        expand_ratio: the expansion before the depthwise conv.
        kernel_size, strides: of the depthwise conv.
        se_ratio: the squeeze ratio, relative to ``input_filters`` (0 for none).
        bn_momentum: of every batch norm.
        activation: of every conv but the projection.
        survival_probability: the drop-connect rate of the branch (Keras's name).
        name: the prefix of the layer names; None picks a unique ``block0_N``.

    Returns:
        A function from the input tensor to the output tensor.
    """
    if name is None:
        name = backend.get_uid("block0")

    def apply(inputs):
        axis = _building.channel_axis()
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _expand(x, filters, 1, 1, bn_momentum, activation, name)
        x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides,
                                   depthwise_initializer=CONV_KERNEL_INITIALIZER,
                                   padding="same", use_bias=False, name=f"{name}dwconv2")(x)
        x = layers.BatchNormalization(axis=axis, momentum=bn_momentum, name=f"{name}bn")(x)
        x = layers.Activation(activation, name=f"{name}activation")(x)
        if 0 < se_ratio <= 1:
            x = _blocks.squeeze_excite(x, filters, max(1, int(input_filters * se_ratio)),
                                       activation, name)
        x = layers.Conv2D(output_filters, kernel_size=1, strides=1,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                          use_bias=False, name=f"{name}project_conv")(x)
        x = layers.BatchNormalization(axis=axis, momentum=bn_momentum,
                                      name=f"{name}project_bn")(x)
        if strides == 1 and input_filters == output_filters:
            x = _blocks.drop_connect_add(x, inputs, survival_probability, name)
        return x

    return apply


def FusedMBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3,
                     strides=1, se_ratio=0.0, bn_momentum=0.9, activation="swish",
                     survival_probability=0.8, name=None):
    """A fused inverted bottleneck: one full ``kernel_size`` conv expands and filters,
    then squeeze and excite and a 1x1 projection; without expansion the projection is
    the ``kernel_size`` conv itself (followed by the activation). Arguments as
    ``MBConvBlock``.

    Returns:
        A function from the input tensor to the output tensor.
    """
    if name is None:
        name = backend.get_uid("block0")

    def apply(inputs):
        axis = _building.channel_axis()
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _expand(x, filters, kernel_size, strides, bn_momentum, activation, name)
        if 0 < se_ratio <= 1:
            x = _blocks.squeeze_excite(x, filters, max(1, int(input_filters * se_ratio)),
                                       activation, name)
        is_expanded = expand_ratio != 1
        x = layers.Conv2D(output_filters, kernel_size=1 if is_expanded else kernel_size,
                          strides=1 if is_expanded else strides,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                          use_bias=False, name=f"{name}project_conv")(x)
        x = layers.BatchNormalization(axis=axis, momentum=bn_momentum,
                                      name=f"{name}project_bn")(x)
        if not is_expanded:
            x = layers.Activation(activation, name=f"{name}project_activation")(x)
        if strides == 1 and input_filters == output_filters:
            x = _blocks.drop_connect_add(x, inputs, survival_probability, name)
        return x

    return apply


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                   drop_connect_rate=0.2, depth_divisor=8, min_depth=8, bn_momentum=0.9,
                   activation="swish", blocks_args="default", name="efficientnetv2",
                   include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", include_preprocessing=True,
                   weights_name=None):
    """Build an EfficientNetV2 from its stages, widths scaled by ``width_coefficient`` and
    repeats by ``depth_coefficient``.

    Args:
        width_coefficient, depth_coefficient: the factors on channels and repeats.
        default_size: the image side the weights were trained on.
        dropout_rate: the dropout before the classifier.
        drop_connect_rate: the largest drop-connect rate (it grows over the blocks).
        depth_divisor, min_depth: channel counts are multiples of ``depth_divisor``, at
            least ``min_depth``.
        bn_momentum: of every batch norm.
        activation: of the whole network.
        blocks_args: ``"default"`` (the stages of ``weights_name``'s network, or of
            ``name`` as in Keras) or a list of stage dicts like ``DEFAULT_BLOCKS_ARGS``'s.
        name: the model's name.
        include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation, include_preprocessing: as ``EfficientNetV2B0``.
        weights_name: which ImageNet files to load (``"b0"`` ... ``"b3"``, ``"-s"``,
            ``"-m"``, ``"-l"``).

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: for bad ``weights``, ``classes``, ``input_shape`` or ``pooling``, or a
            stage of no blocks.

    Example:
        >>> EfficientNetV2(1.0, 1.0, 224, name="efficientnetv2-b0", weights=None,
        ...                include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1280)
    """
    is_b_size = name.split("-")[-1].startswith("b")
    if isinstance(blocks_args, str) and blocks_args == "default":
        # Keras looks the stages up by `name`; the size's own name is tried first here, so
        # a renamed model still gets its stages.
        key = f"efficientnetv2-{weights_name.lstrip('-')}" if weights_name else name
        blocks_args = DEFAULT_BLOCKS_ARGS[key if key in DEFAULT_BLOCKS_ARGS else name]
        is_b_size = key.split("-")[-1].startswith("b")
    _building.check_weights_and_classes(weights, include_top, classes)
    if not include_top:
        _building.check_pooling(pooling)
    input_shape = _building.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top,
        weights=weights)
    img_input = _building.image_input(input_tensor, input_shape)
    axis = _building.channel_axis()

    def filters_of(count):
        return round_filters(count, width_coefficient, min_depth, depth_divisor)

    x = img_input
    if include_preprocessing:
        # The B sizes were trained on ImageNet-normalized images (when RGB), the others on
        # images scaled to [-1, 1).
        if is_b_size and input_shape[axis - 1] == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=list(_IMAGENET_MEAN_RGB),
                                     variance=list(_IMAGENET_VARIANCE_RGB), axis=axis)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)
    x = layers.Conv2D(filters_of(blocks_args[0]["input_filters"]), kernel_size=3, strides=2,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                      use_bias=False, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=axis, momentum=bn_momentum, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    blocks_args = copy.deepcopy(blocks_args)
    # Keras spreads the drop-connect rate over the unscaled number of blocks.
    total = float(sum(args["num_repeat"] for args in blocks_args))
    done = 0
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError(
                "The number of repeats in `EfficientNetV2` must be > 0. Received: "
                f"num_repeat={args['num_repeat']}. Give every stage at least one block."
            )
        args["input_filters"] = filters_of(args["input_filters"])
        args["output_filters"] = filters_of(args["output_filters"])
        make_block = FusedMBConvBlock if args.pop("conv_type") == 1 else MBConvBlock
        for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
            if j > 0:  # only a stage's first block changes the stride and the width
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = make_block(activation=activation, bn_momentum=bn_momentum,
                           survival_probability=drop_connect_rate * done / total,
                           name=f"block{i + 1}{chr(j + 97)}_", **args)(x)
            done += 1

    x = layers.Conv2D(filters_of(1280), kernel_size=1, strides=1,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                      use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(axis=axis, momentum=bn_momentum, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        _building.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation,
                         kernel_initializer=DENSE_KERNEL_INITIALIZER,
                         bias_initializer=initializers.Constant(0.0), name="predictions")(x)
    else:
        x = _building.pool_features(x, pooling, avg_name="avg_pool", max_name="max_pool")
    model = _building.make_model(input_tensor, img_input, x, name)
    if weights == "imagenet":
        # Keras names the file after the model's `name`; the size's own name is used here,
        # so a renamed model still finds its weights.
        suffix = ".h5" if include_top else "_notop.h5"
        file_name = f"efficientnetv2-{weights_name.lstrip('-')}{suffix}"
        file_hash = _FILE_HASHES[weights_name][0 if include_top else 1]
        _pretrained.load_weights(model, weights, file_name, _ORIGIN_FOLDER + file_name,
                                 file_hash)
    else:
        _pretrained.load_weights(model, weights, None, None)
    return model


# (width, depth, default side) of each size, by its weights name.
_SIZES = {"b0": (1.0, 1.0, 224), "b1": (1.0, 1.1, 240), "b2": (1.1, 1.2, 260),
          "b3": (1.2, 1.4, 300), "-s": (1.0, 1.0, 384), "-m": (1.0, 1.0, 480),
          "-l": (1.0, 1.0, 480)}


def _sized(size, include_top, weights, input_tensor, input_shape, pooling, classes,
           classifier_activation, include_preprocessing, name):
    width, depth, side = _SIZES[size]
    return EfficientNetV2(width_coefficient=width, depth_coefficient=depth,
                          default_size=side, name=name, include_top=include_top,
                          weights=weights, input_tensor=input_tensor,
                          input_shape=input_shape, pooling=pooling, classes=classes,
                          classifier_activation=classifier_activation,
                          include_preprocessing=include_preprocessing, weights_name=size)


def EfficientNetV2B0(include_top=True, weights="imagenet", input_tensor=None,
                     input_shape=None, pooling=None, classes=1000,
                     classifier_activation="softmax", include_preprocessing=True,
                     name="efficientnetv2-b0"):
    """Build EfficientNetV2B0 (224x224 images), optionally with its ImageNet weights.

    Feed it RGB images with values in 0-255: with ``include_preprocessing`` (the default)
    the model rescales and normalizes them itself (``efficientnet_v2.preprocess_input``
    does nothing).

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
        include_preprocessing: whether the model starts with its rescaling and
            normalization layers. Defaults to True.
        name: the model's name. Defaults to ``"efficientnetv2-b0"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: for bad ``weights``, ``classes``, ``input_shape`` or ``pooling``.

    Example:
        >>> EfficientNetV2B0(weights=None, include_top=False,
        ...                  input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1280)
    """
    return _sized("b0", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, include_preprocessing, name)


def EfficientNetV2B1(include_top=True, weights="imagenet", input_tensor=None,
                     input_shape=None, pooling=None, classes=1000,
                     classifier_activation="softmax", include_preprocessing=True,
                     name="efficientnetv2-b1"):
    """Build EfficientNetV2B1 (240x240 images), optionally with its ImageNet weights.

    Args: as ``EfficientNetV2B0``; ``name`` defaults to ``"efficientnetv2-b1"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> EfficientNetV2B1(weights=None, include_top=False).output_shape
        (None, None, None, 1280)
    """
    return _sized("b1", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, include_preprocessing, name)


def EfficientNetV2B2(include_top=True, weights="imagenet", input_tensor=None,
                     input_shape=None, pooling=None, classes=1000,
                     classifier_activation="softmax", include_preprocessing=True,
                     name="efficientnetv2-b2"):
    """Build EfficientNetV2B2 (260x260 images), optionally with its ImageNet weights.

    Args: as ``EfficientNetV2B0``; ``name`` defaults to ``"efficientnetv2-b2"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> EfficientNetV2B2(weights=None, include_top=False).output_shape
        (None, None, None, 1408)
    """
    return _sized("b2", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, include_preprocessing, name)


def EfficientNetV2B3(include_top=True, weights="imagenet", input_tensor=None,
                     input_shape=None, pooling=None, classes=1000,
                     classifier_activation="softmax", include_preprocessing=True,
                     name="efficientnetv2-b3"):
    """Build EfficientNetV2B3 (300x300 images), optionally with its ImageNet weights.

    Args: as ``EfficientNetV2B0``; ``name`` defaults to ``"efficientnetv2-b3"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> EfficientNetV2B3(weights=None, include_top=False).output_shape
        (None, None, None, 1536)
    """
    return _sized("b3", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, include_preprocessing, name)


def EfficientNetV2S(include_top=True, weights="imagenet", input_tensor=None,
                    input_shape=None, pooling=None, classes=1000,
                    classifier_activation="softmax", include_preprocessing=True,
                    name="efficientnetv2-s"):
    """Build EfficientNetV2S (384x384 images), optionally with its ImageNet weights.

    Args: as ``EfficientNetV2B0``; ``name`` defaults to ``"efficientnetv2-s"``. Its
    built-in preprocessing scales the images to [-1, 1).

    Returns:
        A ``lamina.Model``.

    Example:
        >>> EfficientNetV2S(weights=None, include_top=False).output_shape
        (None, None, None, 1280)
    """
    return _sized("-s", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, include_preprocessing, name)


def EfficientNetV2M(include_top=True, weights="imagenet", input_tensor=None,
                    input_shape=None, pooling=None, classes=1000,
                    classifier_activation="softmax", include_preprocessing=True,
                    name="efficientnetv2-m"):
    """Build EfficientNetV2M (480x480 images), optionally with its ImageNet weights.

    Args: as ``EfficientNetV2B0``; ``name`` defaults to ``"efficientnetv2-m"``. Its
    built-in preprocessing scales the images to [-1, 1).

    Returns:
        A ``lamina.Model``.

    Example:
        >>> EfficientNetV2M(weights=None, include_top=False).output_shape
        (None, None, None, 1280)
    """
    return _sized("-m", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, include_preprocessing, name)


def EfficientNetV2L(include_top=True, weights="imagenet", input_tensor=None,
                    input_shape=None, pooling=None, classes=1000,
                    classifier_activation="softmax", include_preprocessing=True,
                    name="efficientnetv2-l"):
    """Build EfficientNetV2L (480x480 images), optionally with its ImageNet weights.

    Args: as ``EfficientNetV2B0``; ``name`` defaults to ``"efficientnetv2-l"``. Its
    built-in preprocessing scales the images to [-1, 1).

    Returns:
        A ``lamina.Model``.

    Example:
        >>> EfficientNetV2L(weights=None, include_top=False).output_shape
        (None, None, None, 1280)
    """
    return _sized("-l", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, include_preprocessing, name)


def preprocess_input(x, data_format=None):
    """Return ``x`` unchanged: EfficientNetV2 models preprocess their input themselves
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
