"""Xception (``keras.applications.xception``): the depthwise-separable Inception of
Chollet (CVPR 2017), with its ImageNet weights, preprocessing (scaled to [-1, 1]) and
decoding.

The shortcut convolutions and their batch norms are unnamed, as in Keras: they take
automatic names (``conv2d``, ``batch_normalization_1``) in the order they are created.
"""

from lamina import backend
from lamina import layers
from lamina.applications import _building
from lamina.applications import _pretrained
from lamina.applications import imagenet_utils

_ORIGIN_FOLDER = _pretrained.KERAS_APPLICATIONS_URL + "xception/"
_FILE_NAMES = ("xception_weights_tf_dim_ordering_tf_kernels.h5",
               "xception_weights_tf_dim_ordering_tf_kernels_notop.h5")
# md5 digests of the Keras weight files: (with the classifier, without).
_FILE_HASHES = ("0a58e3b7378bc2990ea3b43d5981f1f6", "b0042744bf5b25fce3cb969f33bebb97")


def _batch_norm(name=None):
    return layers.BatchNormalization(axis=_building.channel_axis(), name=name)


def _sepconv_bn(x, filters, name):
    """3x3 separable conv (no bias) and its batch norm: ``{name}`` and ``{name}_bn``."""
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False,
                               name=name)(x)
    return _batch_norm(f"{name}_bn")(x)


def _shortcut(x, filters):
    """The strided 1x1 projection of a downsampling block and its batch norm (unnamed)."""
    residual = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same",
                             use_bias=False)(x)
    return _batch_norm()(residual)


def _downsampling_block(x, filters, block, is_first=False):
    """Two separable convs, a strided max pool, and the projected shortcut added back.
    The first such block takes the stem's activation instead of its own first ReLU."""
    residual = _shortcut(x, filters[1])
    if not is_first:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sepconv_bn(x, filters[0], f"block{block}_sepconv1")
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sepconv_bn(x, filters[1], f"block{block}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same",
                            name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="xception"):
    """Build Xception, optionally with its ImageNet weights.

    Feed it images prepared by ``xception.preprocess_input`` (scaled to [-1, 1]). The
    default input is 299x299 RGB.

    Args:
        include_top: whether to end with the classifier. Defaults to True.
        weights: None (random), ``"imagenet"`` (the default: downloaded once into
            ``~/.keras/models/``), or the path of a weights file.
        input_tensor: an optional symbolic tensor to use as the image input.
        input_shape: the shape of one image, only with ``include_top=False``; 3 channels,
            sides of at least 71.
        pooling: with ``include_top=False``: None (4D features), ``"avg"`` or ``"max"``.
        classes: the number of classes; 1000 with ImageNet weights.
        classifier_activation: the classifier's activation; None gives logits. Only None
            or ``"softmax"`` with pretrained weights.
        name: the model's name. Defaults to ``"xception"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: for bad ``weights``, ``classes``, ``input_shape`` or ``pooling``.

    Example:
        >>> Xception(weights=None, include_top=False, input_shape=(71, 71, 3)).output_shape
        (None, 3, 3, 2048)
    """
    _building.check_weights_and_classes(weights, include_top, classes)
    if not include_top:
        _building.check_pooling(pooling)
    input_shape = _building.obtain_input_shape(
        input_shape, default_size=299, min_size=71, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = _building.image_input(input_tensor, input_shape)

    # Entry flow.
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False,
                      name="block1_conv1")(img_input)
    x = _batch_norm("block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = _batch_norm("block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _downsampling_block(x, (128, 128), 2, is_first=True)
    x = _downsampling_block(x, (256, 256), 3)
    x = _downsampling_block(x, (728, 728), 4)
    # Middle flow: eight residual blocks of three separable convs.
    for block in range(5, 13):
        residual = x
        for conv in (1, 2, 3):
            x = layers.Activation("relu", name=f"block{block}_sepconv{conv}_act")(x)
            x = _sepconv_bn(x, 728, f"block{block}_sepconv{conv}")
        x = layers.add([x, residual])
    # Exit flow.
    x = _downsampling_block(x, (728, 1024), 13)
    x = _sepconv_bn(x, 1536, "block14_sepconv1")
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sepconv_bn(x, 2048, "block14_sepconv2")
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        _building.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _building.pool_features(x, pooling)
    model = _building.make_model(input_tensor, img_input, x, name)
    if weights == "imagenet":
        which = 0 if include_top else 1
        _pretrained.load_weights(model, weights, _FILE_NAMES[which],
                                 _ORIGIN_FOLDER + _FILE_NAMES[which], _FILE_HASHES[which])
    else:
        _pretrained.load_weights(model, weights, None, None)
    return model


def preprocess_input(x, data_format=None):
    """Prepare RGB images (0-255) for Xception: scaled to [-1, 1].

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
