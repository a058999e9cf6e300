"""InceptionResNetV2 (``keras.applications.inception_resnet_v2``): the residual Inception
network of Szegedy et al. (AAAI 2017), with its ImageNet weights, preprocessing (scaled to
[-1, 1]) and decoding. Also here: ``CustomScaleLayer``, the scaled residual sum of its
blocks.

Many of its layers are unnamed, as in Keras: they take automatic names (``conv2d_12``) in
the order they are created, so the branches below are built in Keras's order.
"""

from lamina import backend
from lamina import layers
from lamina.applications import _building
from lamina.applications import _pretrained
from lamina.applications import imagenet_utils
from lamina.layers.layer import Layer

_ORIGIN_FOLDER = _pretrained.KERAS_APPLICATIONS_URL + "inception_resnet_v2/"
_FILE_NAMES = ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
               "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5")
# md5 digests of the Keras weight files: (with the classifier, without).
_FILE_HASHES = ("e693bd0210a403b3192acc6073ad2e96", "d19885ff4a710c122648d3b5c3b684e4")


class CustomScaleLayer(Layer):
    """``inputs[0] + inputs[1] * scale``: a residual added back at a fixed scale.

    Args:
        scale: the factor on the second input.

    Example:
        >>> CustomScaleLayer(0.5)([np.ones((1, 2)), np.ones((1, 2))])  # [[1.5, 1.5]]
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale})
        return config


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu",
              use_bias=False, name=None):
    """Convolution, then batch norm (no scale) when it has no bias, then ``activation``.

    Args:
        x: the input tensor.
        filters, kernel_size, strides, padding, use_bias: of the convolution.
        activation: None for none.
        name: None (automatic names), or the conv's name; the others get ``_bn``, ``_ac``.

    Returns:
        The output tensor.
    """
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                      use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=_building.channel_axis(), scale=False,
                                      name=None if name is None else f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else f"{name}_ac")(x)
    return x


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """One Inception-ResNet block: parallel branches, concatenated, projected back to the
    input's channels (1x1 with bias), scaled and added to the input, then ``activation``.

    Args:
        x: the input tensor.
        scale: the factor on the residual branch.
        block_type: ``"block35"`` (35x35 grid), ``"block17"`` or ``"block8"``.
        block_idx: the block's number, in its layer names (``block35_3_mixed``).
        activation: after the sum; None for none.

    Returns:
        The output tensor.

    Raises:
        ValueError: for an unknown ``block_type``.
    """
    if block_type == "block35":
        branch_0 = conv2d_bn(x, 32, 1)
        branch_1 = conv2d_bn(x, 32, 1)
        branch_1 = conv2d_bn(branch_1, 32, 3)
        branch_2 = conv2d_bn(x, 32, 1)
        branch_2 = conv2d_bn(branch_2, 48, 3)
        branch_2 = conv2d_bn(branch_2, 64, 3)
        branches = [branch_0, branch_1, branch_2]
    elif block_type == "block17":
        branch_0 = conv2d_bn(x, 192, 1)
        branch_1 = conv2d_bn(x, 128, 1)
        branch_1 = conv2d_bn(branch_1, 160, [1, 7])
        branch_1 = conv2d_bn(branch_1, 192, [7, 1])
        branches = [branch_0, branch_1]
    elif block_type == "block8":
        branch_0 = conv2d_bn(x, 192, 1)
        branch_1 = conv2d_bn(x, 192, 1)
        branch_1 = conv2d_bn(branch_1, 224, [1, 3])
        branch_1 = conv2d_bn(branch_1, 256, [3, 1])
        branches = [branch_0, branch_1]
    else:
        raise ValueError(
            'Unknown Inception-ResNet block type. Expects "block35", "block17" or '
            f'"block8", but got: {block_type}'
        )
    block_name = f"{block_type}_{block_idx}"
    axis = _building.channel_axis()
    mixed = layers.Concatenate(axis=axis, name=f"{block_name}_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[axis], 1, activation=None, use_bias=True,
                   name=f"{block_name}_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{block_name}_ac")(x)
    return x


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None,
                      input_shape=None, pooling=None, classes=1000,
                      classifier_activation="softmax", name="inception_resnet_v2"):
    """Build InceptionResNetV2, optionally with its ImageNet weights.

    Feed it images prepared by ``inception_resnet_v2.preprocess_input`` (scaled to
    [-1, 1]). The default input is 299x299 RGB.

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
        name: the model's name. Defaults to ``"inception_resnet_v2"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: for bad ``weights``, ``classes``, ``input_shape`` or ``pooling``.

    Example:
        >>> InceptionResNetV2(weights=None, include_top=False,
        ...                   input_shape=(75, 75, 3)).output_shape
        (None, 1, 1, 1536)
    """
    _building.check_weights_and_classes(weights, include_top, classes)
    if not include_top:
        _building.check_pooling(pooling)
    input_shape = _building.obtain_input_shape(
        input_shape, default_size=299, min_size=75, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = _building.image_input(input_tensor, input_shape)
    axis = _building.channel_axis()

    # Stem: 35 x 35 x 192.
    x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)
    # Mixed 5b (Inception-A): 35 x 35 x 320.
    branch_0 = conv2d_bn(x, 96, 1)
    branch_1 = conv2d_bn(x, 48, 1)
    branch_1 = conv2d_bn(branch_1, 64, 5)
    branch_2 = conv2d_bn(x, 64, 1)
    branch_2 = conv2d_bn(branch_2, 96, 3)
    branch_2 = conv2d_bn(branch_2, 96, 3)
    branch_pool = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    branch_pool = conv2d_bn(branch_pool, 64, 1)
    x = layers.Concatenate(axis=axis, name="mixed_5b")(
        [branch_0, branch_1, branch_2, branch_pool])
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)
    # Mixed 6a (Reduction-A): 17 x 17 x 1088.
    branch_0 = conv2d_bn(x, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(x, 256, 1)
    branch_1 = conv2d_bn(branch_1, 256, 3)
    branch_1 = conv2d_bn(branch_1, 384, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=axis, name="mixed_6a")([branch_0, branch_1, branch_pool])
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)
    # Mixed 7a (Reduction-B): 8 x 8 x 2080.
    branch_0 = conv2d_bn(x, 256, 1)
    branch_0 = conv2d_bn(branch_0, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(x, 256, 1)
    branch_1 = conv2d_bn(branch_1, 288, 3, strides=2, padding="valid")
    branch_2 = conv2d_bn(x, 256, 1)
    branch_2 = conv2d_bn(branch_2, 288, 3)
    branch_2 = conv2d_bn(branch_2, 320, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=axis, name="mixed_7a")(
        [branch_0, branch_1, branch_2, branch_pool])
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8",
                               block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")  # 8 x 8 x 1536

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
    """Prepare RGB images (0-255) for InceptionResNetV2: scaled to [-1, 1].

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
