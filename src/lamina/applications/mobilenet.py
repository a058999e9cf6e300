"""MobileNet (``keras.applications.mobilenet``): the depthwise-separable network of Howard
et al. (2017), with its ImageNet weights, preprocessing (scaled to [-1, 1]) and decoding.
"""

import warnings

from lamina import backend
from lamina import layers
from lamina.applications import _building
from lamina.applications import _pretrained
from lamina.applications import imagenet_utils

_ORIGIN_FOLDER = _pretrained.KERAS_APPLICATIONS_URL + "mobilenet/"
# Input sides and width multipliers Keras publishes weights for.
_WEIGHT_SIZES = (128, 160, 192, 224)
_WEIGHT_ALPHAS = (0.25, 0.5, 0.75, 1.0)
# How the weight files spell each width multiplier.
_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
# (pointwise filters, stride) of the 13 depthwise-separable blocks.
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def _image_sides(input_shape):
    """(rows, cols) of an image shape under ``image_data_format()``."""
    if backend.image_data_format() == "channels_first":
        return input_shape[1], input_shape[2]
    return input_shape[0], input_shape[1]


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    """The stem: a convolution, batch norm and ReLU6."""
    x = layers.Conv2D(int(filters * alpha), kernel, padding="same", use_bias=False,
                      strides=strides, name="conv1")(inputs)
    x = layers.BatchNormalization(axis=_building.channel_axis(), name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_filters, alpha, depth_multiplier, stride,
                          block_id):
    """A 3x3 depthwise convolution and a 1x1 pointwise one, each with batch norm, ReLU6.

    A stride-2 block pads one row and column at the bottom and right first and then
    convolves 'valid', which samples as TensorFlow's 'same' padding did in training.
    """
    axis = _building.channel_axis()
    x = inputs
    if stride != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid",
                               depth_multiplier=depth_multiplier, strides=(stride, stride),
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_filters * alpha), (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3,
              include_top=True, weights="imagenet", input_tensor=None, pooling=None,
              classes=1000, classifier_activation="softmax", name=None):
    """Build MobileNet, optionally with its ImageNet weights.

    Feed it images prepared by ``mobilenet.preprocess_input`` (scaled to [-1, 1]).
    ImageNet weights exist for square inputs of side 128, 160, 192 or 224 and ``alpha``
    0.25, 0.5, 0.75 or 1.0; other sizes get the 224 weights, with a warning.

    Args:
        input_shape: the shape of one image (3 channels, sides of at least 32); None
            gives ``(224, 224, 3)`` with the classifier, any size without it.
        alpha: the width multiplier: every layer has ``alpha`` times the filters.
            Defaults to 1.0.
        depth_multiplier: the depthwise convolutions' channel multiplier (1 with ImageNet
            weights). Defaults to 1.
        dropout: the dropout rate before the classifier. Defaults to 0.001.
        include_top: whether to end with the classifier. Defaults to True.
        weights: None (random), ``"imagenet"`` (the default: downloaded once into
            ``~/.keras/models/``), or the path of a weights file.
        input_tensor: an optional symbolic tensor to use as the image input.
        pooling: with ``include_top=False``: None (4D features), ``"avg"`` or ``"max"``.
        classes: the number of classes; 1000 with ImageNet weights.
        classifier_activation: the classifier's activation; None gives logits. Only None
            or ``"softmax"`` with pretrained weights.
        name: the model's name; None gives ``"mobilenet_{alpha:.2f}_{rows}"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: for bad ``weights``, ``classes`` or ``input_shape``, or, with
            ImageNet weights, a ``depth_multiplier`` other than 1 or an unpublished
            ``alpha``.

    Example:
        >>> model = MobileNet(input_shape=(32, 32, 3), weights=None, include_top=False)
        >>> model.name, model.output_shape
        ('mobilenet_1.00_32', (None, 1, 1, 1024))
    """
    _building.check_weights_and_classes(weights, include_top, classes)
    if not include_top:
        _building.check_pooling(pooling)
    default_size = 224
    if input_shape is not None:
        rows, cols = _image_sides(input_shape)
        if rows == cols and rows in _WEIGHT_SIZES:
            default_size = rows
    input_shape = _building.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top,
        weights=weights)
    rows, cols = _image_sides(input_shape)
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError(
                "If imagenet weights are being loaded, depth multiplier must be 1.  "
                f"Received depth_multiplier={depth_multiplier}. Pass weights=None to "
                "train a model with another multiplier."
            )
        if alpha not in _WEIGHT_ALPHAS:
            raise ValueError(
                "If imagenet weights are being loaded, alpha can be one of `0.25`, `0.50`, "
                f"`0.75` or `1.0` only.  Received alpha={alpha}. Pass weights=None for "
                "another width."
            )
        if rows != cols or rows not in _WEIGHT_SIZES:
            rows = 224
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not in [128, 160, "
                "192, 224]. Weights for input shape (224, 224) will be loaded as the "
                "default.",
                stacklevel=2,
            )
    img_input = _building.image_input(input_tensor, input_shape)
    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, stride, block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        _building.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _building.pool_features(x, pooling)
    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows}"
    model = _building.make_model(input_tensor, img_input, x, name)
    if weights == "imagenet":
        suffix = "tf" if include_top else "tf_no_top"
        file_name = f"mobilenet_{_ALPHA_TEXT[alpha]}_{rows}_{suffix}.h5"
        # Keras publishes no hash for these files.
        _pretrained.load_weights(model, weights, file_name, _ORIGIN_FOLDER + file_name)
    else:
        _pretrained.load_weights(model, weights, None, None)
    return model


def preprocess_input(x, data_format=None):
    """Prepare RGB images (0-255) for MobileNet: scaled to [-1, 1].

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
