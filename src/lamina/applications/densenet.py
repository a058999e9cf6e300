"""DenseNet121, DenseNet169 and DenseNet201 (``keras.applications.densenet``): the densely
connected networks of Huang et al. (CVPR 2017), with their ImageNet weights, preprocessing
("torch" mode: scaled to [0, 1], then normalized per channel) and decoding.
"""

from lamina import backend
from lamina import layers
from lamina.applications import _building
from lamina.applications import _pretrained
from lamina.applications import imagenet_utils

_ORIGIN_FOLDER = _pretrained.KERAS_APPLICATIONS_URL + "densenet/"
# md5 digests of the Keras weight files: (with the classifier, without).
_FILE_HASHES = {
    "densenet121": ("9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    "densenet169": ("d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    "densenet201": ("1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
_BN_EPSILON = 1.001e-5
# Channels each convolution block adds to the running concatenation.
_GROWTH_RATE = 32
_CHANNELS_FIRST_REFUSED = (
    "DenseNet does not support the `channels_first` image data format. Switch to "
    "`channels_last` with lamina.backend.set_image_data_format('channels_last') (or in "
    "~/.lamina/lamina.json)."
)


def _batch_norm(name):
    return layers.BatchNormalization(axis=_building.channel_axis(), epsilon=_BN_EPSILON,
                                     name=name)


def conv_block(x, growth_rate, name):
    """Batch norm, ReLU, 1x1 conv (4 * ``growth_rate``), batch norm, ReLU, 3x3 conv
    (``growth_rate``); the result is concatenated to the block's input."""
    y = _batch_norm(f"{name}_0_bn")(x)
    y = layers.Activation("relu", name=f"{name}_0_relu")(y)
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(y)
    y = _batch_norm(f"{name}_1_bn")(y)
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False,
                      name=f"{name}_2_conv")(y)
    return layers.Concatenate(axis=_building.channel_axis(), name=f"{name}_concat")([x, y])


def dense_block(x, blocks, name):
    """``blocks`` convolution blocks in a row."""
    for i in range(1, blocks + 1):
        x = conv_block(x, _GROWTH_RATE, name=f"{name}_block{i}")
    return x


def transition_block(x, reduction, name):
    """Batch norm, ReLU, a 1x1 conv keeping ``reduction`` of the channels, 2x2 average
    pooling."""
    axis = _building.channel_axis()
    x = _batch_norm(f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[axis] * reduction), 1, use_bias=False,
                      name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None,
             input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
             name="densenet"):
    """Build a DenseNet with ``blocks`` convolution blocks in each of its four dense blocks.

    ImageNet weights exist for ``[6, 12, 24, 16]`` (121), ``[6, 12, 32, 32]`` (169) and
    ``[6, 12, 48, 32]`` (201).

    Args:
        blocks: four ints, the number of convolution blocks per dense block.
        include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation, name: as ``DenseNet121``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: under the ``channels_first`` data format, for bad ``weights``,
            ``classes`` or ``input_shape``, or ImageNet weights for other ``blocks``.

    Example:
        >>> DenseNet([1, 1, 1, 1], weights=None, include_top=False,
        ...          input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 120)
    """
    if backend.image_data_format() == "channels_first":
        raise ValueError(_CHANNELS_FIRST_REFUSED)
    _building.check_weights_and_classes(weights, include_top, classes)
    if not include_top:
        _building.check_pooling(pooling)
    weights_name = {(6, 12, 24, 16): "densenet121", (6, 12, 32, 32): "densenet169",
                    (6, 12, 48, 32): "densenet201"}.get(tuple(blocks))
    if weights == "imagenet" and weights_name is None:
        raise ValueError(
            f"ImageNet weights exist only for DenseNet121, 169 and 201; received "
            f"blocks={blocks}. Pass weights=None for another depth."
        )
    input_shape = _building.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = _building.image_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)  # unnamed, as in Keras
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = _batch_norm("conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, count in enumerate(blocks, start=2):
        x = dense_block(x, count, name=f"conv{stage}")
        if stage < 5:
            x = transition_block(x, 0.5, name=f"pool{stage}")
    x = _batch_norm("bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        _building.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _building.pool_features(x, pooling, avg_name="avg_pool", max_name="max_pool")
    model = _building.make_model(input_tensor, img_input, x, name)
    if weights == "imagenet":
        suffix = "" if include_top else "_notop"
        file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        file_hash = _FILE_HASHES[weights_name][0 if include_top else 1]
        _pretrained.load_weights(model, weights, file_name, _ORIGIN_FOLDER + file_name,
                                 file_hash)
    else:
        _pretrained.load_weights(model, weights, None, None)
    return model


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet121"):
    """Build DenseNet121, optionally with its ImageNet weights.

    Feed it images prepared by ``densenet.preprocess_input`` (scaled to [0, 1], then
    normalized with ImageNet's per-channel mean and deviation). The default input is
    224x224 RGB; only the ``channels_last`` data format is supported.

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
        name: the model's name. Defaults to ``"densenet121"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: under ``channels_first``, or for bad ``weights``, ``classes`` or
            ``input_shape``.

    Example:
        >>> DenseNet121(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1024)
    """
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape,
                    pooling, classes, classifier_activation, name=name)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet169"):
    """Build DenseNet169 (dense blocks of 6, 12, 32, 32), optionally with ImageNet weights.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation: as ``DenseNet121``.
        name: the model's name. Defaults to ``"densenet169"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> DenseNet169(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1664)
    """
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape,
                    pooling, classes, classifier_activation, name=name)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet201"):
    """Build DenseNet201 (dense blocks of 6, 12, 48, 32), optionally with ImageNet weights.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation: as ``DenseNet121``.
        name: the model's name. Defaults to ``"densenet201"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> DenseNet201(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1920)
    """
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape,
                    pooling, classes, classifier_activation, name=name)


def preprocess_input(x, data_format=None):
    """Prepare RGB images (0-255) for DenseNet: scaled to [0, 1], then normalized with
    ImageNet's per-channel mean and standard deviation.

    Args:
        x: a NumPy array or tensor, one image (3D) or a batch (4D).
        data_format: None (``image_data_format()``), ``"channels_last"`` or
            ``"channels_first"``.

    Returns:
        The preprocessed array (NumPy in, NumPy out) or tensor.

    Example:
        >>> preprocess_input(np.zeros((1, 1, 1, 3), "float32"))[0, 0, 0]
        array([-2.117904 , -2.0357144, -1.8044444], dtype=float32)
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


def decode_predictions(preds, top=5):
    """Name the ``top`` ImageNet classes of each row of ``preds`` (shape ``(n, 1000)``).

    Returns:
        One list per sample of ``(class_id, class_name, score)``, best first.

    Example:
        >>> decode_predictions(model.predict(images), top=3)
    """
    return imagenet_utils.decode_predictions(preds, top=top)
