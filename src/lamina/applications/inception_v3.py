"""InceptionV3 (``keras.applications.inception_v3``): the factorized Inception network of
Szegedy et al. (CVPR 2016), with its ImageNet weights, preprocessing (scaled to [-1, 1])
and decoding.

Most of its layers are unnamed, as in Keras: they take automatic names (``conv2d_12``) in
the order they are created, so the branches below are built in Keras's order.
"""

from lamina import backend
from lamina import layers
from lamina.applications import _building
from lamina.applications import _pretrained
from lamina.applications import imagenet_utils

_ORIGIN_FOLDER = _pretrained.KERAS_APPLICATIONS_URL + "inception_v3/"
_FILE_NAMES = ("inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
               "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")
# md5 digests of the Keras weight files: (with the classifier, without).
_FILE_HASHES = ("9a0d58056eeedaa3f26cb7ebd46da564", "bcbd6486424b2319ff4ef7d526e38f63")


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Convolution (no bias), batch norm (no scale: the ReLU follows), ReLU.

    Args:
        x: the input tensor.
        filters: the output channels.
        num_row, num_col: the kernel's height and width.
        padding, strides: of the convolution.
        name: None (automatic names), or the prefix: ``{name}_conv``, ``{name}_bn`` and
            ``{name}`` for the activation.

    Returns:
        The output tensor.
    """
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=None if name is None else f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=_building.channel_axis(), scale=False,
                                  name=None if name is None else f"{name}_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _avg_pool_branch(x, filters):
    pooled = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(pooled, filters, 1, 1)


def _mixed_35(x, pool_filters, name):
    """The 35x35 module: 1x1; 1x1 then 5x5; 1x1 then two 3x3; pooled 1x1."""
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(x, 48, 1, 1)
    branch5x5 = conv2d_bn(branch5x5, 64, 5, 5)
    branch3x3dbl = conv2d_bn(x, 64, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch_pool = _avg_pool_branch(x, pool_filters)
    return layers.concatenate([branch1x1, branch5x5, branch3x3dbl, branch_pool],
                              axis=_building.channel_axis(), name=name)


def _mixed_17(x, filters_7x7, name):
    """The 17x17 module: 1x1; 1x1, 1x7, 7x1; 1x1 then 7x1, 1x7 twice; pooled 1x1."""
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, filters_7x7, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, filters_7x7, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, filters_7x7, 1, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, filters_7x7, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, filters_7x7, 1, 7)
    branch7x7dbl = conv2d_bn(branch7x7dbl, filters_7x7, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, 192, 1, 7)
    branch_pool = _avg_pool_branch(x, 192)
    return layers.concatenate([branch1x1, branch7x7, branch7x7dbl, branch_pool],
                              axis=_building.channel_axis(), name=name)


def _mixed_8(x, index):
    """The 8x8 module: 1x1; 1x1 split into 1x3 and 3x1; 1x1, 3x3 split likewise;
    pooled 1x1."""
    axis = _building.channel_axis()
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3_1 = conv2d_bn(branch3x3, 384, 1, 3)
    branch3x3_2 = conv2d_bn(branch3x3, 384, 3, 1)
    branch3x3 = layers.concatenate([branch3x3_1, branch3x3_2], axis=axis,
                                   name=f"mixed9_{index}")
    branch3x3dbl = conv2d_bn(x, 448, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 384, 3, 3)
    branch3x3dbl_1 = conv2d_bn(branch3x3dbl, 384, 1, 3)
    branch3x3dbl_2 = conv2d_bn(branch3x3dbl, 384, 3, 1)
    branch3x3dbl = layers.concatenate([branch3x3dbl_1, branch3x3dbl_2], axis=axis)
    branch_pool = _avg_pool_branch(x, 192)
    return layers.concatenate([branch1x1, branch3x3, branch3x3dbl, branch_pool], axis=axis,
                              name=f"mixed{9 + index}")


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="inception_v3"):
    """Build InceptionV3, optionally with its ImageNet weights.

    Feed it images prepared by ``inception_v3.preprocess_input`` (scaled to [-1, 1]). The
    default input is 299x299 RGB.

    Args:
        include_top: whether to end with the classifier. Defaults to True.
        weights: None (random), ``"imagenet"`` (the default: downloaded once into
            ``~/.keras/models/``), or the path of a weights file.
        input_tensor: an optional symbolic tensor to use as the image input.
        input_shape: the shape of one image, only with ``include_top=False``; 3 channels,
            sides of at least 75.
        pooling: with ``include_top=False``: None (4D features), ``"avg"`` or ``"max"``.
        classes: the number of classes; 1000 with ImageNet weights.
        classifier_activation: the classifier's activation; None gives logits. Only None
            or ``"softmax"`` with pretrained weights.
        name: the model's name. Defaults to ``"inception_v3"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: for bad ``weights``, ``classes``, ``input_shape`` or ``pooling``.

    Example:
        >>> InceptionV3(weights=None, include_top=False,
        ...             input_shape=(75, 75, 3)).output_shape
        (None, 1, 1, 2048)
    """
    _building.check_weights_and_classes(weights, include_top, classes)
    if not include_top:
        _building.check_pooling(pooling)
    input_shape = _building.obtain_input_shape(
        input_shape, default_size=299, min_size=75, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = _building.image_input(input_tensor, input_shape)
    axis = _building.channel_axis()

    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)

    # 35 x 35: mixed0 to mixed2.
    for i, pool_filters in enumerate((32, 64, 64)):
        x = _mixed_35(x, pool_filters, name=f"mixed{i}")
    # Down to 17 x 17: mixed3.
    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = conv2d_bn(x, 64, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch3x3dbl, branch_pool], axis=axis,
                           name="mixed3")
    # 17 x 17: mixed4 to mixed7.
    for i, filters_7x7 in enumerate((128, 160, 160, 192)):
        x = _mixed_17(x, filters_7x7, name=f"mixed{4 + i}")
    # Down to 8 x 8: mixed8.
    branch3x3 = conv2d_bn(x, 192, 1, 1)
    branch3x3 = conv2d_bn(branch3x3, 320, 3, 3, strides=(2, 2), padding="valid")
    branch7x7x3 = conv2d_bn(x, 192, 1, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 1, 7)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch7x7x3, branch_pool], axis=axis,
                           name="mixed8")
    # 8 x 8: mixed9 and mixed10.
    for i in range(2):
        x = _mixed_8(x, i)

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
    """Prepare RGB images (0-255) for InceptionV3: scaled to [-1, 1].

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
