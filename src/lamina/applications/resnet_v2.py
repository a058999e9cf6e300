"""ResNet50V2, ResNet101V2 and ResNet152V2 (``keras.applications.resnet_v2``): the
pre-activation residual networks of He et al. (ECCV 2016), with their ImageNet weights,
preprocessing (scaled to [-1, 1]) and decoding.

The skeleton and the blocks live in ``resnet``; this module picks the v2 stacks.
"""

from lamina.applications import imagenet_utils
from lamina.applications import resnet


def _v2_stacks(blocks):
    """The four v2 stacks with ``blocks`` blocks each (the last keeps the resolution)."""

    def stack_fn(x):
        x = resnet.stack_residual_blocks_v2(x, 64, blocks[0], name="conv2")
        x = resnet.stack_residual_blocks_v2(x, 128, blocks[1], name="conv3")
        x = resnet.stack_residual_blocks_v2(x, 256, blocks[2], name="conv4")
        return resnet.stack_residual_blocks_v2(x, 512, blocks[3], stride1=1, name="conv5")

    return stack_fn


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
               pooling=None, classes=1000, classifier_activation="softmax",
               name="resnet50v2"):
    """Build ResNet50V2, optionally with its ImageNet weights.

    Feed it images prepared by ``resnet_v2.preprocess_input`` (scaled to [-1, 1]). The
    default input is 224x224 RGB.

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
        name: the model's name. Defaults to ``"resnet50v2"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: for bad ``weights``, ``classes`` or ``input_shape`` (as ``ResNet50``).

    Example:
        >>> ResNet50V2(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 2048)
    """
    return resnet.build_resnet(_v2_stacks((3, 4, 6, 3)), True, True, "resnet50v2",
                               include_top, weights, input_tensor, input_shape, pooling,
                               classes, classifier_activation, name)


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="resnet101v2"):
    """Build ResNet101V2 (23 blocks in its third stack), optionally with ImageNet weights.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation: as ``ResNet50V2``.
        name: the model's name. Defaults to ``"resnet101v2"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> ResNet101V2(weights=None, include_top=False, input_shape=(32, 32, 3)).name
        'resnet101v2'
    """
    return resnet.build_resnet(_v2_stacks((3, 4, 23, 3)), True, True, "resnet101v2",
                               include_top, weights, input_tensor, input_shape, pooling,
                               classes, classifier_activation, name)


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="resnet152v2"):
    """Build ResNet152V2 (8 and 36 blocks in its second and third stacks), optionally with
    ImageNet weights.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation: as ``ResNet50V2``.
        name: the model's name. Defaults to ``"resnet152v2"``.

    Returns:
        A ``lamina.Model``.

    Example:
        >>> ResNet152V2(weights=None, include_top=False, input_shape=(32, 32, 3)).name
        'resnet152v2'
    """
    return resnet.build_resnet(_v2_stacks((3, 8, 36, 3)), True, True, "resnet152v2",
                               include_top, weights, input_tensor, input_shape, pooling,
                               classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """Prepare RGB images (0-255) for a ResNet v2: scaled to [-1, 1].

    Args:
        x: a NumPy array or tensor, one image (3D) or a batch (4D).
        data_format: None (``image_data_format()``), ``"channels_last"`` or
            ``"channels_first"``.

    Returns:
        The preprocessed array (NumPy in, NumPy out) or tensor.

    Example:
        >>> preprocess_input(np.full((1, 1, 1, 3), 255.0, "float32"))[0, 0, 0]
        array([1., 1., 1.], dtype=float32)
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
