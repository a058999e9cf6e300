"""ResNet50, ResNet101 and ResNet152 (``keras.applications.resnet``): the residual networks
of He et al. (CVPR 2015), with their ImageNet weights, preprocessing and decoding.

The shared ResNet skeleton (stem, stacks, head, weights) and both kinds of residual block
live here; ``resnet_v2`` reuses them with pre-activation blocks.
"""

from lamina import backend
from lamina import layers
from lamina.applications import _building
from lamina.applications import _pretrained
from lamina.applications import imagenet_utils

_ORIGIN_FOLDER = _pretrained.KERAS_APPLICATIONS_URL + "resnet/"
# md5 digests of the Keras weight files: (with the classifier, without).
_FILE_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
}
# Keras's batch-norm epsilon for ResNets (the value the Caffe weights were converted with).
_BN_EPSILON = 1.001e-5


def _batch_norm(name):
    return layers.BatchNormalization(axis=_building.channel_axis(), epsilon=_BN_EPSILON,
                                     name=name)


def build_resnet(stack_fn, preact, use_bias, weights_name, include_top, weights,
                 input_tensor, input_shape, pooling, classes, classifier_activation, name):
    """Build a ResNet around ``stack_fn`` and give it the weights asked for.

    Steps: a 7x7 stride-2 convolution (followed by batch norm and ReLU unless ``preact``),
    a 3x3 stride-2 max pooling, the residual stacks of ``stack_fn``, a final batch norm and
    ReLU when ``preact`` (v2), then the classifier or the optional pooling.

    Args:
        stack_fn: maps the stem's output tensor to the last stack's output.
        preact: whether the blocks are pre-activation ones (ResNet v2).
        use_bias: whether the stem convolution has a bias.
        weights_name: the name of the Keras weight files (``"resnet50"``...).
        include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation, name: as ``ResNet50``.

    Returns:
        The Functional model.
    """
    _building.check_weights_and_classes(weights, include_top, classes)
    if not include_top:
        _building.check_pooling(pooling)
    input_shape = _building.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = _building.image_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = _batch_norm("conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = _batch_norm("post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        _building.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _building.pool_features(x, pooling, avg_name="avg_pool", max_name="max_pool")
    model = _building.make_model(input_tensor, img_input, x, name)
    suffix = "" if include_top else "_notop"
    file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    file_hash = _FILE_HASHES[weights_name][0 if include_top else 1]
    _pretrained.load_weights(model, weights, file_name, _ORIGIN_FOLDER + file_name,
                             file_hash)
    return model


def residual_block_v1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """A bottleneck block (1x1, 3x3, 1x1 convolutions, 4 * ``filters`` out), post-activation.

    The shortcut is a strided 1x1 convolution with batch norm when ``conv_shortcut``,
    else the input itself.
    """
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = _batch_norm(f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = _batch_norm(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", name=f"{name}_2_conv")(x)
    x = _batch_norm(f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = _batch_norm(f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(x, filters, blocks, stride1=2, name=None):
    """``blocks`` v1 blocks; the first has the projection shortcut and stride ``stride1``."""
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def residual_block_v2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """A pre-activation bottleneck block (batch norm and ReLU before the convolutions).

    The shortcut is a 1x1 convolution of the pre-activated input when ``conv_shortcut``,
    else the input, subsampled by a 1x1 max pooling when ``stride`` > 1. The stride sits on
    the 3x3 convolution.
    """
    preact = _batch_norm(f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride,
                                 name=f"{name}_0_conv")(preact)
    elif stride > 1:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x)  # unnamed, as in Keras
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = _batch_norm(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False,
                      name=f"{name}_2_conv")(x)
    x = _batch_norm(f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters, blocks, stride1=2, name=None):
    """``blocks`` v2 blocks: the first projects the shortcut, the last has stride
    ``stride1``."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _v1_stacks(blocks):
    """The four v1 stacks with ``blocks`` blocks each (the first keeps the resolution)."""

    def stack_fn(x):
        x = stack_residual_blocks_v1(x, 64, blocks[0], stride1=1, name="conv2")
        x = stack_residual_blocks_v1(x, 128, blocks[1], name="conv3")
        x = stack_residual_blocks_v1(x, 256, blocks[2], name="conv4")
        return stack_residual_blocks_v1(x, 512, blocks[3], name="conv5")

    return stack_fn


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="resnet50"):
    """Build ResNet50, optionally with its ImageNet weights.

    Feed it images prepared by ``resnet.preprocess_input`` (BGR, mean pixel subtracted).
    The default input is 224x224 RGB.

    Args:
        include_top: whether to end with the 1000-way (``classes``) classifier. Defaults
            to True.
        weights: None (random), ``"imagenet"`` (the default: downloaded once into
            ``~/.keras/models/``), or the path of a weights file.
        input_tensor: an optional symbolic tensor (from ``lamina.Input``) to use as the
            image input.
        input_shape: the shape of one image, only with ``include_top=False`` (the
            classifier needs ``(224, 224, 3)``); 3 channels, sides of at least 32.
        pooling: with ``include_top=False``: None (the default) returns the last 4D
            feature map, ``"avg"`` or ``"max"`` reduce it to a vector.
        classes: the number of classes of the classifier; 1000 with ImageNet weights.
        classifier_activation: the classifier's activation (name or callable); None gives
            logits. Only None or ``"softmax"`` with pretrained weights.
        name: the model's name. Defaults to ``"resnet50"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: for a ``weights`` that is neither None, ``"imagenet"`` nor a file,
            ImageNet weights with ``classes != 1000``, or a bad ``input_shape``.

    Example:
        >>> model = ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
        >>> model.output_shape
        (None, 1, 1, 2048)
    """
    return build_resnet(_v1_stacks((3, 4, 6, 3)), False, True, "resnet50", include_top,
                        weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name)


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet101"):
    """Build ResNet101 (23 blocks in its third stack), optionally with ImageNet weights.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation: as ``ResNet50``.
        name: the model's name. Defaults to ``"resnet101"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> ResNet101(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 2048)
    """
    return build_resnet(_v1_stacks((3, 4, 23, 3)), False, True, "resnet101", include_top,
                        weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name)


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet152"):
    """Build ResNet152 (8 and 36 blocks in its second and third stacks), optionally with
    ImageNet weights.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation: as ``ResNet50``.
        name: the model's name. Defaults to ``"resnet152"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> ResNet152(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 2048)
    """
    return build_resnet(_v1_stacks((3, 8, 36, 3)), False, True, "resnet152", include_top,
                        weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name)


def preprocess_input(x, data_format=None):
    """Prepare RGB images (0-255) for a ResNet: BGR order, ImageNet mean pixel subtracted.

    Args:
        x: a NumPy array or tensor, one image (3D) or a batch (4D).
        data_format: None (``image_data_format()``), ``"channels_last"`` or
            ``"channels_first"``.

    Returns:
        The preprocessed array (NumPy in, NumPy out) or tensor.

    Example:
        >>> preprocess_input(np.zeros((1, 2, 2, 3), "float32"))[0, 0, 0]
        array([-103.939, -116.779, -123.68 ], dtype=float32)
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """Name the ``top`` ImageNet classes of each row of ``preds`` (shape ``(n, 1000)``).

    Returns:
        One list per sample of ``(class_id, class_name, score)``, best first.

    Example:
        >>> decode_predictions(model.predict(images), top=3)
    """
    return imagenet_utils.decode_predictions(preds, top=top)
