"""MobileNetV3Small and MobileNetV3Large (``keras.applications.mobilenet_v3``): the
searched mobile networks of Howard et al. (ICCV 2019), with their ImageNet weights. The
model scales its input to [-1, 1] itself (``include_preprocessing``), so
``preprocess_input`` passes its input through unchanged.
"""

import warnings

from lamina import backend
from lamina import layers
from lamina.applications import _building
from lamina.applications import _pretrained
from lamina.applications import imagenet_utils

_ORIGIN_FOLDER = _pretrained.KERAS_APPLICATIONS_URL + "mobilenet_v3/"
# md5 digests of the Keras weight files: (with the classifier, without).
_FILE_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb",
                             "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7",
                            "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c",
                                         "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7",
                             "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862",
                            "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37",
                                         "cde8136e733e811080d9fcd8a252f7e4"),
}
# Keras's batch-norm settings for MobileNetV3 (those of the TensorFlow original).
_BN_OPTIONS = {"epsilon": 1e-3, "momentum": 0.999}
# The blocks as (expansion, filters before alpha, kernel, stride, has squeeze-excite,
# activation): kernel None is the network's kernel (5, or 3 when minimalistic); the
# activation "relu" is always ReLU, None the network's (hard swish, or ReLU when
# minimalistic).
_SMALL_BLOCKS = ((1, 16, 3, 2, True, "relu"), (72.0 / 16, 24, 3, 2, False, "relu"),
                 (88.0 / 24, 24, 3, 1, False, "relu"), (4, 40, None, 2, True, None),
                 (6, 40, None, 1, True, None), (6, 40, None, 1, True, None),
                 (3, 48, None, 1, True, None), (3, 48, None, 1, True, None),
                 (6, 96, None, 2, True, None), (6, 96, None, 1, True, None),
                 (6, 96, None, 1, True, None))
_LARGE_BLOCKS = ((1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"),
                 (3, 24, 3, 1, False, "relu"), (3, 40, None, 2, True, "relu"),
                 (3, 40, None, 1, True, "relu"), (3, 40, None, 1, True, "relu"),
                 (6, 80, 3, 2, False, None), (2.5, 80, 3, 1, False, None),
                 (2.3, 80, 3, 1, False, None), (2.3, 80, 3, 1, False, None),
                 (6, 112, 3, 1, True, None), (6, 112, 3, 1, True, None),
                 (6, 160, None, 2, True, None), (6, 160, None, 1, True, None),
                 (6, 160, None, 1, True, None))


def _relu(x):
    return layers.ReLU()(x)


def _hard_sigmoid(x):
    # relu6(x + 3) / 6, written with tensor arithmetic as Keras writes it, so only the
    # ReLU is a layer of the model (pretrained files and layer lists rely on that).
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def _hard_swish(x):
    return layers.Activation("hard_swish")(x)


def _depth(value, divisor=8, min_value=None):
    """``value`` rounded to the nearest multiple of ``divisor``, never 10% below."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def _batch_norm(name):
    return layers.BatchNormalization(axis=_building.channel_axis(), name=name, **_BN_OPTIONS)


def _se_block(inputs, filters, se_ratio, prefix):
    """Squeeze and excite with a hard-sigmoid gate (``{prefix}squeeze_excite_*``)."""
    x = layers.GlobalAveragePooling2D(keepdims=True,
                                      name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv_1")(x)
    x = _hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation,
                        block_id):
    """Expand (1x1, except block 0), depthwise filter, optional squeeze and excite, project
    (1x1, linear); the input is added back when the shapes allow."""
    shortcut = x
    in_channels = x.shape[_building.channel_axis()]
    prefix = "expanded_conv_"
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(_depth(in_channels * expansion), kernel_size=1, padding="same",
                          use_bias=False, name=f"{prefix}expand")(x)
        x = _batch_norm(f"{prefix}expand_bn")(x)
        x = activation(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=_building.correct_pad(x, kernel_size),
                                 name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride,
                               padding="same" if stride == 1 else "valid", use_bias=False,
                               name=f"{prefix}depthwise")(x)
    x = _batch_norm(f"{prefix}depthwise_bn")(x)
    x = activation(x)
    if se_ratio:
        x = _se_block(x, _depth(in_channels * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False,
                      name=f"{prefix}project")(x)
    x = _batch_norm(f"{prefix}project_bn")(x)
    if stride == 1 and in_channels == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _check_input_tensor(input_tensor, input_shape):
    """Keras's checks of ``input_tensor`` against ``input_shape`` for MobileNetV3."""
    if not backend.is_keras_tensor(input_tensor):
        raise ValueError(
            f"input_tensor specified: {input_tensor!r} is not a keras tensor. Pass the "
            "output of lamina.layers.Input(...)."
        )
    if input_shape is None:
        return
    if backend.image_data_format() == "channels_first":
        if input_tensor.shape[1] != input_shape[1]:
            raise ValueError(
                "When backend.image_data_format()=channels_first, input_shape[1] must "
                f"equal input_tensor.shape[1].  Received input_shape={input_shape}, "
                f"input_tensor.shape={input_tensor.shape}"
            )
    elif input_tensor.shape[2] != input_shape[1]:
        raise ValueError(
            "input_shape[1] must equal input_tensor.shape[2].  Received "
            f"input_shape={input_shape}, input_tensor.shape={input_tensor.shape}"
        )


def _input_shape(input_shape, input_tensor):
    """The shape of one image: given, else the input tensor's (with Keras's swap of rows
    and columns), else any size with 3 channels."""
    is_channels_first = backend.image_data_format() == "channels_first"
    if input_shape is None and input_tensor is not None:
        if is_channels_first:
            rows, cols = input_tensor.shape[2], input_tensor.shape[3]
            return (3, cols, rows)
        rows, cols = input_tensor.shape[1], input_tensor.shape[2]
        return (cols, rows, 3)
    if input_shape is None:
        return (3, None, None) if is_channels_first else (None, None, 3)
    return tuple(input_shape)


def MobileNetV3(stack_fn, last_point_ch, input_shape=None, alpha=1.0, model_type="large",
                minimalistic=False, include_top=True, weights="imagenet", input_tensor=None,
                classes=1000, pooling=None, dropout_rate=0.2,
                classifier_activation="softmax", include_preprocessing=True, name=None):
    """Build a MobileNetV3 around the blocks ``stack_fn`` adds.

    Args:
        stack_fn: ``stack_fn(x, kernel, activation, se_ratio)`` adds the inverted residual
            blocks and returns their output.
        last_point_ch: the channels of the classifier's hidden 1x1 conv (before ``alpha``
            widens it).
        model_type: ``"small"`` or ``"large"``: which ImageNet files to load.
        input_shape, alpha, minimalistic, include_top, weights, input_tensor, classes,
        pooling, dropout_rate, classifier_activation, include_preprocessing, name: as
            ``MobileNetV3Small``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: as ``MobileNetV3Small``.

    Example:
        >>> MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=5).output_shape
        (None, 5)
    """
    _building.check_weights_and_classes(weights, include_top, classes)
    if not include_top:
        _building.check_pooling(pooling)
    if input_tensor is not None:
        _check_input_tensor(input_tensor, input_shape)
    input_shape = _input_shape(input_shape, input_tensor)
    if backend.image_data_format() == "channels_last":
        rows, cols = input_shape[0], input_shape[1]
    else:
        rows, cols = input_shape[1], input_shape[2]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(
            f"Input size must be at least 32x32; Received `input_shape={input_shape}`. "
            "Resize the images (for example with lamina.layers.Resizing)."
        )
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic
                                                                 and alpha != 1.0):
            raise ValueError(
                "If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` "
                "for non minimalistic or `1.0` for minimalistic only. Received "
                f"alpha={alpha}, minimalistic={minimalistic}; pass weights=None otherwise."
            )
        if rows != cols or rows != 224:
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not 224. Weights "
                "for input shape (224, 224) will be loaded as the default.",
                stacklevel=3,
            )
    img_input = _building.image_input(input_tensor, input_shape)
    axis = _building.channel_axis()
    if minimalistic:
        kernel, activation, se_ratio = 3, _relu, None
    else:
        kernel, activation, se_ratio = 5, _hard_swish, 0.25

    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                      name="conv")(x)
    x = _batch_norm("conv_bn")(x)
    x = activation(x)
    x = stack_fn(x, kernel, activation, se_ratio)
    last_conv_ch = _depth(x.shape[axis] * 6)
    if alpha > 1.0:  # wider networks widen the classifier's hidden layer too
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False,
                      name="conv_1")(x)
    x = _batch_norm("conv_1_bn")(x)
    x = activation(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True,
                          name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        _building.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _building.pool_features(x, pooling, avg_name="avg_pool", max_name="max_pool")
    model = _building.make_model(input_tensor, img_input, x, name)
    if weights == "imagenet":
        variant = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
        if include_top:
            file_name = f"weights_mobilenet_v3_{variant}.h5"
        else:
            file_name = f"weights_mobilenet_v3_{variant}_no_top_v2.h5"
        file_hash = _FILE_HASHES[variant][0 if include_top else 1]
        _pretrained.load_weights(model, weights, file_name, _ORIGIN_FOLDER + file_name,
                                 file_hash)
    else:
        _pretrained.load_weights(model, weights, None, None)
    return model


def _stack(blocks, alpha):
    """The ``stack_fn`` of MobileNetV3 for a table of blocks."""

    def stack_fn(x, kernel, activation, se_ratio):
        for block_id, (expansion, filters, size, stride, has_se, act) in enumerate(blocks):
            x = _inverted_res_block(x, expansion, _depth(filters * alpha),
                                    kernel if size is None else size, stride,
                                    se_ratio if has_se else None,
                                    _relu if act == "relu" else activation, block_id)
        return x

    return stack_fn


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                     weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                     dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Small"):
    """Build MobileNetV3Small, optionally with its ImageNet weights.

    Feed it RGB images with values in 0-255: with ``include_preprocessing`` (the default)
    the model scales them to [-1, 1] itself (``mobilenet_v3.preprocess_input`` does
    nothing). ImageNet weights exist for 224x224 inputs and ``alpha`` 0.75 or 1.0 (1.0
    only when minimalistic); other sizes get them too, with a warning.

    Args:
        input_shape: the shape of one image (sides of at least 32); None takes the
            input tensor's, or any size.
        alpha: the width multiplier of every block. Defaults to 1.0.
        minimalistic: use 3x3 kernels, ReLU and no squeeze-excite (faster on some
            hardware). Defaults to False.
        include_top: whether to end with the classifier. Defaults to True.
        weights: None (random), ``"imagenet"`` (the default: downloaded once into
            ``~/.keras/models/``), or the path of a weights file.
        input_tensor: an optional symbolic tensor to use as the image input.
        classes: the number of classes; 1000 with ImageNet weights.
        pooling: with ``include_top=False``: None (4D features), ``"avg"`` or ``"max"``.
        dropout_rate: the dropout before the last layer. Defaults to 0.2.
        classifier_activation: the classifier's activation; None gives logits. Only None
            or ``"softmax"`` with pretrained weights.
        include_preprocessing: whether the model starts with a ``Rescaling`` to [-1, 1].
            Defaults to True.
        name: the model's name. Defaults to ``"MobileNetV3Small"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: for bad ``weights``, ``classes``, ``input_shape``, ``input_tensor``
            or ``pooling``, or an unpublished ``alpha`` with ImageNet weights.

    Example:
        >>> MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=5).output_shape
        (None, 5)
    """
    return MobileNetV3(_stack(_SMALL_BLOCKS, alpha), 1024, input_shape, alpha, "small",
                       minimalistic, include_top, weights, input_tensor, classes, pooling,
                       dropout_rate, classifier_activation, include_preprocessing,
                       name=name)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                     weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                     dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Large"):
    """Build MobileNetV3Large, optionally with its ImageNet weights.

    Args: as ``MobileNetV3Small``; ``name`` defaults to ``"MobileNetV3Large"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> MobileNetV3Large(weights=None, input_shape=(32, 32, 3), classes=5).output_shape
        (None, 5)
    """
    return MobileNetV3(_stack(_LARGE_BLOCKS, alpha), 1280, input_shape, alpha, "large",
                       minimalistic, include_top, weights, input_tensor, classes, pooling,
                       dropout_rate, classifier_activation, include_preprocessing,
                       name=name)


def preprocess_input(x, data_format=None):
    """Return ``x`` unchanged: MobileNetV3 models scale their input themselves
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
