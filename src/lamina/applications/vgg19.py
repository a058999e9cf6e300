"""VGG19 (``keras.applications.vgg19``): the 19-layer VGG network of Simonyan & Zisserman
(ICLR 2015), with its ImageNet weights, preprocessing and prediction decoding.

The layers are built by ``vgg16.build_vgg`` with four convolutions in the last three
blocks.
"""

from lamina.applications import _pretrained
from lamina.applications import imagenet_utils
from lamina.applications import vgg16

_ORIGIN_FOLDER = _pretrained.KERAS_APPLICATIONS_URL + "vgg19/"
# md5 digests of the Keras weight files, with and without the classifier.
_FILE_HASHES = {
    "vgg19_weights_tf_dim_ordering_tf_kernels.h5": "cbe5617147190e668d6c5d5026f83318",
    "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5": "253f8cb515780f3b799900260a226db6",
}


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg19"):
    """Build VGG19, optionally with its ImageNet weights.

    Feed it images prepared by ``vgg19.preprocess_input`` (BGR, mean pixel subtracted).
    The default input is 224x224 RGB.

    Args:
        include_top: whether to end with the three fully connected layers. Defaults to
            True.
        weights: None (random), ``"imagenet"`` (the default), or the path of a weights
            file.
        input_tensor: an optional symbolic tensor to use as the image input.
        input_shape: the shape of one image, only with ``include_top=False``; 3 channels,
            sides of at least 32.
        pooling: with ``include_top=False``: None, ``"avg"`` or ``"max"``.
        classes: the number of classes; 1000 with ImageNet weights.
        classifier_activation: the classifier's activation; None gives logits.
        name: the model's name. Defaults to ``"vgg19"``.

    Returns:
        A ``lamina.Model``.

    Raises:
        ValueError: for bad ``weights``, ``classes`` or ``input_shape`` (as ``VGG16``).

    Example:
        >>> VGG19(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 512)
    """
    model = vgg16.build_vgg((2, 2, 4, 4, 4), include_top, weights, input_tensor,
                            input_shape, pooling, classes, classifier_activation, name)
    file_name = vgg16.weight_file_name("vgg19", include_top)
    _pretrained.load_weights(model, weights, file_name, _ORIGIN_FOLDER + file_name,
                             _FILE_HASHES[file_name])
    return model


def preprocess_input(x, data_format=None):
    """Prepare RGB images (0-255) for VGG19: BGR order, ImageNet mean pixel subtracted.

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
