"""MobileNetV2 (``keras.applications.mobilenet_v2``): the inverted-residual network of
Sandler et al. (CVPR 2018), with its ImageNet weights, preprocessing (scaled to [-1, 1])
and decoding.
"""

import warnings

from lamina import backend
from lamina import layers
from lamina.applications import _building
from lamina.applications import _pretrained
from lamina.applications import imagenet_utils

_ORIGIN_FOLDER = _pretrained.KERAS_APPLICATIONS_URL + "mobilenet_v2/"
# Input sides and width multipliers Keras publishes weights for.
_WEIGHT_SIZES = (96, 128, 160, 192, 224)
_WEIGHT_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
# (filters, stride, expansion) of the 17 inverted residual blocks.
_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
           (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6),
           (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6))
# Keras's batch-norm settings for MobileNetV2 (those of the TensorFlow original).
_BN_OPTIONS = {"epsilon": 1e-3, "momentum": 0.999}


def _make_divisible(value, divisor, min_value=None):
    """``value`` rounded to the nearest multiple of ``divisor`` (at least ``min_value``),
    never more than 10% below ``value``: the channel counts of the original network."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def _batch_norm(name):
    return layers.BatchNormalization(axis=_building.channel_axis(), name=name, **_BN_OPTIONS)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    """Expand (1x1, except block 0), filter (3x3 depthwise), project (1x1, linear); add
    the input back when the shapes allow."""
    in_channels = inputs.shape[_building.channel_axis()]
    out_channels = _make_divisible(int(filters * alpha), 8)
    x = inputs
    if block_id:
        prefix = f"block_{block_id}_"
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, activation=None, name=f"{prefix}expand")(x)
        x = _batch_norm(f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=_building.correct_pad(x, 3), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = _batch_norm(f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(out_channels, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=f"{prefix}project")(x)
    x = _batch_norm(f"{prefix}project_BN")(x)
    if in_channels == out_channels and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def _check_input_tensor(input_tensor, input_shape):
    """Keras's extra checks of ``input_tensor`` against ``input_shape`` for MobileNetV2."""
    if not backend.is_keras_tensor(input_tensor):
        raise ValueError(
            f"input_tensor is not a Keras tensor; Received `input_tensor={input_tensor!r}`. "
            "Pass the output of lamina.layers.Input(...)."
        )
    if backend.image_data_format() == "channels_first":
        if input_tensor.shape[1] != input_shape[1]:
            raise ValueError(
                "input_shape[1] must equal shape(input_tensor)[1] when `image_data_format` "
                f"is `channels_first`; Received `input_tensor.shape={input_tensor.shape}`, "
                f"`input_shape={input_shape}`."
            )
    elif input_tensor.shape[2] != input_shape[1]:
        raise ValueError(
            "input_tensor.shape[2] must equal input_shape[1]; Received "
            f"`input_tensor.shape={input_tensor.shape}`, `input_shape={input_shape}`."
        )


def _default_size(input_shape, input_tensor):
    """The side of the weights to load: the input's, when square and published, else 224."""
    if input_shape is not None:
        sides = input_shape[1:3] if backend.image_data_format() == "channels_first" \
            else input_shape[0:2]
    elif input_tensor is not None and backend.is_keras_tensor(input_tensor):
        sides = input_tensor.shape[2:4] if backend.image_data_format() == "channels_first" \
            else input_tensor.shape[1:3]
    else:
        return 224
    rows, cols = sides
    return rows if rows == cols and rows in _WEIGHT_SIZES else 224


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000,
                classifier_activation="softmax", name=None):
    """Build MobileNetV2, optionally with its ImageNet weights.

    Feed it images prepared by ``mobilenet_v2.preprocess_input`` (scaled to [-1, 1]).
    ImageNet weights exist for square inputs of side 96, 128, 160, 192 or 224 and
    ``alpha`` 0.35, 0.5, 0.75, 1.0, 1.3 or 1.4; other sizes get the 224 weights, with a
    warning.

    Args:
        input_shape: the shape of one image (3 channels, sides of at least 32); None
            gives ``(224, 224, 3)`` with the classifier, any size without it.
        alpha: the width multiplier: every block has about ``alpha`` times the filters.
            Defaults to 1.0.
        include_top: whether to end with the classifier. Defaults to True.
        weights: None (random), ``"imagenet"`` (the default: downloaded once into
            ``~/.keras/models/``), or the path of a weights file.
        input_tensor: an optional symbolic tensor to use as the image input.
        pooling: with ``include_top=False``: None (4D features), ``"avg"`` or ``"max"``.
        classes: the number of classes; 1000 with ImageNet weights.
        classifier_activation: the classifier's activation; None gives logits. Only None
            or ``"softmax"`` with pretrained weights.
        name: the model's name; None gives ``"mobilenetv2_{alpha:.2f}_{rows}"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: for bad ``weights``, ``classes``, ``input_shape`` or ``input_tensor``,
            or an unpublished ``alpha`` with ImageNet weights.

    Example:
        >>> model = MobileNetV2(input_shape=(32, 32, 3), weights=None, include_top=False)
        >>> model.name, model.output_shape
        ('mobilenetv2_1.00_32', (None, 1, 1, 1280))
    """
    _building.check_weights_and_classes(weights, include_top, classes)
    if not include_top:
        _building.check_pooling(pooling)
    if input_shape is not None and input_tensor is not None:
        _check_input_tensor(input_tensor, input_shape)
    input_shape = _building.obtain_input_shape(
        input_shape, default_size=_default_size(input_shape, input_tensor), min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top,
        weights=weights)
    if backend.image_data_format() == "channels_first":
        rows, cols = input_shape[1], input_shape[2]
    else:
        rows, cols = input_shape[0], input_shape[1]
    if weights == "imagenet":
        if alpha not in _WEIGHT_ALPHAS:
            raise ValueError(
                "If imagenet weights are being loaded, alpha must be one of `0.35`, `0.50`, "
                f"`0.75`, `1.0`, `1.3` or `1.4` only; Received `alpha={alpha}`. Pass "
                "weights=None for another width."
            )
        if rows != cols or rows not in _WEIGHT_SIZES:
            rows = 224
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not in [96, 128, "
                "160, 192, 224]. Weights for input shape (224, 224) will be loaded as the "
                "default.",
                stacklevel=2,
            )
    img_input = _building.image_input(input_tensor, input_shape)
    x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                      padding="same", use_bias=False, name="Conv1")(img_input)
    x = _batch_norm("bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride,
                                expansion=expansion, block_id=block_id)
    # Wider networks widen the last convolution too; narrower ones keep 1280 channels.
    last_filters = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = _batch_norm("Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        _building.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _building.pool_features(x, pooling)
    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{rows}"
    model = _building.make_model(input_tensor, img_input, x, name)
    if weights == "imagenet":
        suffix = "" if include_top else "_no_top"
        file_name = (f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_"
                     f"{rows}{suffix}.h5")
        # Keras publishes no hash for these files.
        _pretrained.load_weights(model, weights, file_name, _ORIGIN_FOLDER + file_name)
    else:
        _pretrained.load_weights(model, weights, None, None)
    return model


def preprocess_input(x, data_format=None):
    """Prepare RGB images (0-255) for MobileNetV2: scaled to [-1, 1].

    Args:
        x: a NumPy array or tensor, one image (3D) or a batch (4D).
        data_format: None (``image_data_format()``), ``"channels_last"`` or
            ``"channels_first"``.

    Returns:
        The preprocessed array (NumPy in, NumPy out) or tensor.

    Example:
        >>> preprocess_input(np.zeros((1, 1, 1, 3), "float32"))[0, 0, 0]
        array([-1., -1., -1.], dtype=float32)
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """Name the ``top`` ImageNet classes of each row of ``preds`` (shape ``(n, 1000)``).

    Returns:
        One list per sample of ``(class_id, class_name, score)``, best first.

    Example:
        >>> decode_predictions(model.predict(images), top=3)
    """
    return imagenet_utils.decode_predictions(preds, top=top)
