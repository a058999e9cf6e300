"""VGG16 (``keras.applications.vgg16``): the 16-layer VGG network of Simonyan & Zisserman
(ICLR 2015), with its ImageNet weights, preprocessing and prediction decoding.

The VGG layers are built once here; ``vgg19`` reuses the builder with deeper blocks.
"""

from lamina import backend
from lamina import layers
from lamina.applications import _building
from lamina.applications import _pretrained
from lamina.applications import imagenet_utils

_ORIGIN_FOLDER = _pretrained.KERAS_APPLICATIONS_URL + "vgg16/"
# md5 digests of the Keras weight files, with and without the classifier.
_FILE_HASHES = {
    "vgg16_weights_tf_dim_ordering_tf_kernels.h5": "64373286793e3c8b2b4e3219cbf3544b",
    "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5": "6d6bbae143d832006294945121d1f1fc",
}
# Output channels of the five convolution blocks.
_BLOCK_FILTERS = (64, 128, 256, 512, 512)


def build_vgg(convs_per_block, include_top, weights, input_tensor, input_shape, pooling,
              classes, classifier_activation, name):
    """Build a VGG network: five blocks of 3x3 convolutions, each closed by a 2x2 max
    pooling, then two 4096-unit layers and the classifier (``include_top``).

    Layer names follow Keras (``block1_conv1`` ... ``fc1``, ``fc2``, ``predictions``) so
    the Keras weight files load. Weights are not loaded here; see ``VGG16``.

    Returns:
        The Functional model, with random weights.
    """
    _building.check_weights_and_classes(weights, include_top, classes)
    if not include_top:
        _building.check_pooling(pooling)
    input_shape = _building.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = _building.image_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, convs) in enumerate(zip(_BLOCK_FILTERS, convs_per_block), start=1):
        for conv in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{conv}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        _building.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _building.pool_features(x, pooling)
    return _building.make_model(input_tensor, img_input, x, name)


def weight_file_name(prefix, include_top):
    """The Keras weight file of a VGG network (``prefix`` is ``"vgg16"`` or ``"vgg19"``)."""
    suffix = "" if include_top else "_notop"
    return f"{prefix}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    """Build VGG16, optionally with its ImageNet weights.

    Feed it images prepared by ``vgg16.preprocess_input`` (BGR, mean pixel subtracted).
    The default input is 224x224 RGB.

    Args:
        include_top: whether to end with the three fully connected layers (the
            classifier). Defaults to True.
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
        name: the model's name. Defaults to ``"vgg16"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: for a ``weights`` that is neither None, ``"imagenet"`` nor a file,
            ImageNet weights with ``classes != 1000``, or a bad ``input_shape``.

    Example:
        >>> model = VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
        >>> model.output_shape
        (None, 1, 1, 512)
    """
    model = build_vgg((2, 2, 3, 3, 3), include_top, weights, input_tensor, input_shape,
                      pooling, classes, classifier_activation, name)
    file_name = weight_file_name("vgg16", include_top)
    _pretrained.load_weights(model, weights, file_name, _ORIGIN_FOLDER + file_name,
                             _FILE_HASHES[file_name])
    return model


def preprocess_input(x, data_format=None):
    """Prepare RGB images (0-255) for VGG16: BGR order, ImageNet mean pixel subtracted.

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
