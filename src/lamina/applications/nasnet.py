"""NASNetMobile and NASNetLarge (``keras.applications.nasnet``): the architecture-searched
networks of Zoph et al. (CVPR 2018), with their ImageNet weights, preprocessing (scaled to
[-1, 1]) and decoding.

Every ReLU and a few other layers are unnamed, as in Keras: they take automatic names
(``activation_12``) in the order they are created, so the cells below build their layers
in Keras's order.
"""

from lamina import backend
from lamina import layers
from lamina.applications import _building
from lamina.applications import _pretrained
from lamina.applications import imagenet_utils

_ORIGIN_FOLDER = _pretrained.KERAS_APPLICATIONS_URL + "nasnet/"
# default side -> ((cache name, published name, md5) with the classifier, without).
_FILES = {
    224: (("nasnet_mobile.h5", "NASNet-mobile.h5", "020fb642bf7360b370c678b08e0adf61"),
          ("nasnet_mobile_no_top.h5", "NASNet-mobile-no-top.h5",
           "1ed92395b5b598bdda52abe5c0dbfd63")),
    331: (("nasnet_large.h5", "NASNet-large.h5", "11577c9a518f0070763c2b964a382f17"),
          ("nasnet_large_no_top.h5", "NASNet-large-no-top.h5",
           "d81d89dc07e6e56530c4e77faddd61b5")),
}
# The batch-norm settings of the TensorFlow original.
_BN_OPTIONS = {"momentum": 0.9997, "epsilon": 1e-3}
_CHANNELS_FIRST_REFUSED = (
    "NASNet does not support the `channels_first` image data format. Switch to "
    "`channels_last` with lamina.backend.set_image_data_format('channels_last') (or in "
    "~/.lamina/lamina.json)."
)


def _batch_norm(name):
    return layers.BatchNormalization(axis=-1, name=name, **_BN_OPTIONS)


def _conv1x1(filters, name):
    return layers.Conv2D(filters, (1, 1), strides=(1, 1), padding="same", use_bias=False,
                         kernel_initializer="he_normal", name=name)


def _separable_conv_block(ip, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """ReLU, separable conv (strided: after TensorFlow-style padding), batch norm, ReLU,
    separable conv, batch norm."""
    x = layers.Activation("relu")(ip)
    if strides == (2, 2):
        x = layers.ZeroPadding2D(padding=_building.correct_pad(x, kernel_size),
                                 name=f"separable_conv_1_pad_{block_id}")(x)
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides,
                               name=f"separable_conv_1_{block_id}",
                               padding="valid" if strides == (2, 2) else "same",
                               use_bias=False)(x)
    x = _batch_norm(f"separable_conv_1_bn_{block_id}")(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(filters, kernel_size, name=f"separable_conv_2_{block_id}",
                               padding="same", use_bias=False)(x)
    return _batch_norm(f"separable_conv_2_bn_{block_id}")(x)


def _adjust_block(p, ip, filters, block_id=None):
    """Bring the previous cell's output ``p`` to the grid and channels of ``ip``: halve a
    larger grid with two offset strided 1x1 paths, or project other channels."""
    if p is None:
        return ip
    if p.shape[-2] != ip.shape[-2]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False,
                           name=f"adjust_conv_1_{block_id}",
                           kernel_initializer="he_normal")(p1)
        # The second path samples the grid shifted by one pixel.
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False,
                           name=f"adjust_conv_2_{block_id}",
                           kernel_initializer="he_normal")(p2)
        p = layers.concatenate([p1, p2], axis=-1)
        return _batch_norm(f"adjust_bn_{block_id}")(p)
    if p.shape[-1] != filters:
        p = layers.Activation("relu")(p)
        p = _conv1x1(filters, f"adjust_conv_projection_{block_id}")(p)
        return _batch_norm(f"adjust_bn_{block_id}")(p)
    return p


def _avg_pool_same(name):
    return layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=name)


def _normal_a_cell(ip, p, filters, block_id=None):
    """A normal cell (same grid): five pairs of operations summed, all concatenated with
    the adjusted previous output. Returns ``(output, ip)``."""
    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation("relu")(ip)
    h = _conv1x1(filters, f"normal_conv_1_{block_id}")(h)
    h = _batch_norm(f"normal_bn_1_{block_id}")(h)
    x1_1 = _separable_conv_block(h, filters, kernel_size=(5, 5),
                                 block_id=f"normal_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, block_id=f"normal_right1_{block_id}")
    x1 = layers.add([x1_1, x1_2], name=f"normal_add_1_{block_id}")
    x2_1 = _separable_conv_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}")
    x2_2 = _separable_conv_block(p, filters, (3, 3), block_id=f"normal_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"normal_add_2_{block_id}")
    x3 = _avg_pool_same(f"normal_left3_{block_id}")(h)
    x3 = layers.add([x3, p], name=f"normal_add_3_{block_id}")
    x4_1 = _avg_pool_same(f"normal_left4_{block_id}")(p)
    x4_2 = _avg_pool_same(f"normal_right4_{block_id}")(p)
    x4 = layers.add([x4_1, x4_2], name=f"normal_add_4_{block_id}")
    x5 = _separable_conv_block(h, filters, block_id=f"normal_left5_{block_id}")
    x5 = layers.add([x5, h], name=f"normal_add_5_{block_id}")
    x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1,
                           name=f"normal_concat_{block_id}")
    return x, ip


def _reduction_a_cell(ip, p, filters, block_id=None):
    """A reduction cell (halves the grid): strided separable convs and pools, summed in
    pairs and concatenated. Returns ``(output, ip)``."""
    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation("relu")(ip)
    h = _conv1x1(filters, f"reduction_conv_1_{block_id}")(h)
    h = _batch_norm(f"reduction_bn_1_{block_id}")(h)
    h3 = layers.ZeroPadding2D(padding=_building.correct_pad(h, 3),
                              name=f"reduction_pad_1_{block_id}")(h)
    x1_1 = _separable_conv_block(h, filters, (5, 5), strides=(2, 2),
                                 block_id=f"reduction_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2),
                                 block_id=f"reduction_right1_{block_id}")
    x1 = layers.add([x1_1, x1_2], name=f"reduction_add_1_{block_id}")
    x2_1 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid",
                               name=f"reduction_left2_{block_id}")(h3)
    x2_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2),
                                 block_id=f"reduction_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"reduction_add_2_{block_id}")
    x3_1 = layers.AveragePooling2D((3, 3), strides=(2, 2), padding="valid",
                                   name=f"reduction_left3_{block_id}")(h3)
    x3_2 = _separable_conv_block(p, filters, (5, 5), strides=(2, 2),
                                 block_id=f"reduction_right3_{block_id}")
    x3 = layers.add([x3_1, x3_2], name=f"reduction_add3_{block_id}")
    x4 = _avg_pool_same(f"reduction_left4_{block_id}")(x1)
    x4 = layers.add([x2, x4])
    # Keras's names: this block reuses "reduction_left4" for its separable convs.
    x5_1 = _separable_conv_block(x1, filters, (3, 3), block_id=f"reduction_left4_{block_id}")
    x5_2 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid",
                               name=f"reduction_right5_{block_id}")(h3)
    x5 = layers.add([x5_1, x5_2], name=f"reduction_add4_{block_id}")
    x = layers.concatenate([x2, x3, x4, x5], axis=-1, name=f"reduction_concat_{block_id}")
    return x, ip


def NASNet(input_shape=None, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
           skip_reduction=True, filter_multiplier=2, include_top=True, weights="imagenet",
           input_tensor=None, pooling=None, classes=1000, default_size=None,
           classifier_activation="softmax", name="NASNet"):
    """Build a NASNet-A: a stem, two reduction cells, then three stacks of ``num_blocks``
    normal cells separated by reduction cells.

    Args:
        input_shape: the shape of one image (sides of at least 32).
        penultimate_filters: the channels before the classifier, a multiple of
            ``24 * filter_multiplier ** 2``.
        num_blocks: the normal cells per stack.
        stem_block_filters: the channels of the first convolution.
        skip_reduction: whether the cell after a reduction sees the reduction's input
            (True, NASNetLarge) or its output (False, NASNetMobile) as its previous output.
        filter_multiplier: the channel growth at each reduction.
        include_top, weights, input_tensor, pooling, classes, classifier_activation, name:
            as ``NASNetLarge``.
        default_size: the side of the ImageNet weights: 224 (mobile), 331 (large, the
            default when None).

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: under ``channels_first``; for bad ``weights``, ``classes``,
            ``input_shape``, ``pooling`` or ``penultimate_filters``; for ImageNet weights
            with another ``default_size``.

    Example:
        >>> NASNet((32, 32, 3), penultimate_filters=96, num_blocks=1, stem_block_filters=8,
        ...        weights=None, include_top=False).output_shape
        (None, 1, 1, 96)
    """
    if backend.image_data_format() == "channels_first":
        raise ValueError(_CHANNELS_FIRST_REFUSED)
    _building.check_weights_and_classes(weights, include_top, classes)
    if not include_top:
        _building.check_pooling(pooling)
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError(
            "When specifying the input shape of a NASNet and loading `ImageNet` weights, "
            "the input_shape argument must be static (no None entries). Got: "
            f"`input_shape={input_shape}`."
        )
    default_size = 331 if default_size is None else default_size
    input_shape = _building.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top,
        weights=weights)
    img_input = _building.image_input(input_tensor, input_shape)
    if penultimate_filters % (24 * (filter_multiplier**2)) != 0:
        raise ValueError(
            "For NASNet-A models, the `penultimate_filters` must be a multiple of 24 * "
            f"(`filter_multiplier` ** 2). Current value: {penultimate_filters}"
        )
    filters = penultimate_filters // 24

    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid",
                      use_bias=False, name="stem_conv1",
                      kernel_initializer="he_normal")(img_input)
    x = _batch_norm("stem_bn1")(x)
    p = None
    x, p = _reduction_a_cell(x, p, filters // (filter_multiplier**2), block_id="stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
    for stack in range(3):
        width = filters * filter_multiplier**stack
        if stack:
            x, p0 = _reduction_a_cell(x, p, width, block_id=f"reduce_{stack * num_blocks}")
            p = p if skip_reduction else p0
        for i in range(num_blocks):
            block = i if stack == 0 else stack * num_blocks + i + 1
            x, p = _normal_a_cell(x, p, width, block_id=f"{block}")
    x = layers.Activation("relu")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        _building.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _building.pool_features(x, pooling)
    model = _building.make_model(input_tensor, img_input, x, name)
    if weights == "imagenet":
        if default_size not in _FILES:
            raise ValueError(
                "ImageNet weights can only be loaded with NASNetLarge or NASNetMobile; "
                f"received default_size={default_size}. Pass weights=None."
            )
        file_name, published, file_hash = _FILES[default_size][0 if include_top else 1]
        _pretrained.load_weights(model, weights, file_name, _ORIGIN_FOLDER + published,
                                 file_hash)
    else:
        _pretrained.load_weights(model, weights, None, None)
    return model


def NASNetMobile(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                 pooling=None, classes=1000, classifier_activation="softmax",
                 name="nasnet_mobile"):
    """Build NASNetMobile (224x224 images), optionally with its ImageNet weights.

    Feed it images prepared by ``nasnet.preprocess_input`` (scaled to [-1, 1]). Only the
    ``channels_last`` data format is supported. Unlike Keras 3, which refuses this model
    on its torch backend, lamina builds it on every backend.

    Args:
        input_shape: the shape of one image; None gives ``(224, 224, 3)``.
        include_top: whether to end with the classifier. Defaults to True.
        weights: None (random), ``"imagenet"`` (the default: downloaded once into
            ``~/.keras/models/``), or the path of a weights file.
        input_tensor: an optional symbolic tensor to use as the image input.
        pooling: with ``include_top=False``: None (4D features), ``"avg"`` or ``"max"``.
        classes: the number of classes; 1000 with ImageNet weights.
        classifier_activation: the classifier's activation; None gives logits. Only None
            or ``"softmax"`` with pretrained weights.
        name: the model's name. Defaults to ``"nasnet_mobile"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: under ``channels_first``, or for bad ``weights``, ``classes``,
            ``input_shape`` or ``pooling``.

    Example:
        >>> NASNetMobile(weights=None, include_top=False,
        ...              input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1056)
    """
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4,
                  stem_block_filters=32, skip_reduction=False, filter_multiplier=2,
                  include_top=include_top, weights=weights, input_tensor=input_tensor,
                  pooling=pooling, classes=classes, default_size=224,
                  classifier_activation=classifier_activation, name=name)


def NASNetLarge(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="nasnet_large"):
    """Build NASNetLarge (331x331 images), optionally with its ImageNet weights.

    Feed it images prepared by ``nasnet.preprocess_input`` (scaled to [-1, 1]). Only the
    ``channels_last`` data format is supported.

    Args:
        input_shape: the shape of one image; None gives ``(331, 331, 3)`` with the
            classifier, any size without it.
        include_top, weights, input_tensor, pooling, classes, classifier_activation: as
            ``NASNetMobile``.
        name: the model's name. Defaults to ``"nasnet_large"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> NASNetLarge(weights=None, include_top=False,
        ...             input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 4032)
    """
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6,
                  stem_block_filters=96, skip_reduction=True, filter_multiplier=2,
                  include_top=include_top, weights=weights, input_tensor=input_tensor,
                  pooling=pooling, classes=classes, default_size=331,
                  classifier_activation=classifier_activation, name=name)


def preprocess_input(x, data_format=None):
    """Prepare RGB images (0-255) for NASNet: scaled to [-1, 1].

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
