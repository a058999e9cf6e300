"""ImageNet input preprocessing and prediction decoding (``keras.applications.imagenet_utils``).

Every application model expects its images prepared the way its weights were trained:
``preprocess_input`` does that in one of three modes, and each architecture module wraps
it with its own mode. ``decode_predictions`` turns a batch of 1000-class scores into
``(class_id, name, score)`` tuples, reading the class names from the file Keras publishes.
Building the models themselves lives in the architecture modules.
"""

import json

import numpy as np

from lamina import backend
from lamina import ops

# The ImageNet class names, as Keras downloads them (md5 of the file).
_CLASS_INDEX_URL = (
    "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
)
_CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"
# The class index, read once per process (as Keras caches it).
_class_index = None

_MODES = ("caffe", "tf", "torch")
# Per-channel statistics of ImageNet, in the channel order each mode feeds the model.
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)  # on the 0-255 scale
_TORCH_MEAN_RGB = (0.485, 0.456, 0.406)  # on the 0-1 scale
_TORCH_STD_RGB = (0.229, 0.224, 0.225)


def _check_arguments(data_format, mode):
    if mode not in _MODES:
        raise ValueError(
            f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode!r}. "
            "Use the preprocess_input of the model's own module (e.g. "
            "applications.resnet50.preprocess_input), which picks the right mode."
        )
    if data_format is None:
        return backend.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "Expected data_format to be one of `channels_first` or `channels_last`. "
            f"Received: data_format={data_format!r}. Leave it None to use "
            "lamina.backend.image_data_format()."
        )
    return data_format


def _channel_shape(ndim, data_format):
    """The shape that broadcasts one value per channel over an image or a batch."""
    if data_format == "channels_first":
        return (3, 1, 1) if ndim == 3 else (1, 3) + (1,) * (ndim - 2)
    return (1,) * (ndim - 1) + (3,)


def _preprocess_array(x, data_format, mode):
    """The NumPy path: float arrays keep their dtype, others become ``floatx()``."""
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(backend.floatx())
    if mode == "tf":
        return x / 127.5 - 1.0
    channel_shape = _channel_shape(x.ndim, data_format)
    if mode == "torch":
        x = x / 255.0
        mean = np.asarray(_TORCH_MEAN_RGB, x.dtype).reshape(channel_shape)
        std = np.asarray(_TORCH_STD_RGB, x.dtype).reshape(channel_shape)
        return (x - mean) / std
    # caffe: RGB to BGR, then subtract the mean pixel.
    channel_axis = (0 if x.ndim == 3 else 1) if data_format == "channels_first" else -1
    x = np.flip(x, axis=channel_axis)
    return x - np.asarray(_CAFFE_MEAN_BGR, x.dtype).reshape(channel_shape)


def _preprocess_tensor(x, data_format, mode):
    """The tensor path (backend tensors and symbolic ones), with ``lamina.ops``."""
    if not backend.is_float_dtype(backend.standardize_dtype(x.dtype)):
        x = ops.cast(x, backend.floatx())
    dtype = backend.standardize_dtype(x.dtype)
    if mode == "tf":
        return x / 127.5 - 1.0
    ndim = len(x.shape)
    channel_shape = _channel_shape(ndim, data_format)
    if mode == "torch":
        x = x / 255.0
        mean = ops.convert_to_tensor(np.reshape(_TORCH_MEAN_RGB, channel_shape), dtype=dtype)
        std = ops.convert_to_tensor(np.reshape(_TORCH_STD_RGB, channel_shape), dtype=dtype)
        return (x - mean) / std
    channel_axis = (0 if ndim == 3 else 1) if data_format == "channels_first" else -1
    x = ops.flip(x, axis=channel_axis)
    mean = ops.convert_to_tensor(np.reshape(_CAFFE_MEAN_BGR, channel_shape), dtype=dtype)
    return x - mean


def preprocess_input(x, data_format=None, mode="caffe"):
    """Prepare a batch of RGB images (values 0-255) for an ImageNet model.

    Modes: ``"caffe"`` reverses the channels to BGR and subtracts ImageNet's mean pixel
    (no scaling); ``"tf"`` scales to [-1, 1]; ``"torch"`` scales to [0, 1], then
    subtracts ImageNet's per-channel mean and divides by its standard deviation.

    Unlike Keras, the input is never written over: a new array or tensor is returned.

    Args:
        x: a NumPy array or a tensor (backend or symbolic) of 3 (one image) or 4 (a batch)
            dimensions with 3 channels. Integer input is converted to ``floatx()``.
        data_format: ``"channels_last"`` or ``"channels_first"``; None (the default) uses
            ``lamina.backend.image_data_format()``.
        mode: ``"caffe"`` (the default), ``"tf"`` or ``"torch"``.

    Returns:
        A NumPy array for a NumPy input (float input keeps its dtype), else a tensor.

    Raises:
        ValueError: for an unknown ``mode`` or ``data_format``.

    Example:
        >>> x = np.full((1, 2, 2, 3), 255.0, "float32")
        >>> preprocess_input(x, mode="tf")[0, 0, 0]
        array([1., 1., 1.], dtype=float32)
    """
    data_format = _check_arguments(data_format, mode)
    if isinstance(x, np.ndarray):
        return _preprocess_array(x, data_format, mode)
    if not (backend.is_keras_tensor(x) or ops.is_tensor(x)):
        x = ops.convert_to_tensor(x)
    return _preprocess_tensor(x, data_format, mode)


def _load_class_index():
    global _class_index
    if _class_index is None:
        from lamina.applications import _pretrained

        path = _pretrained.fetch("imagenet_class_index.json", _CLASS_INDEX_URL,
                                 _CLASS_INDEX_HASH)
        with open(path, encoding="utf-8") as f:
            _class_index = json.load(f)
    return _class_index


def decode_predictions(preds, top=5):
    """Name the ``top`` most likely ImageNet classes of each prediction in a batch.

    The class names are downloaded once (35 KB) into ``~/.keras/models/`` and checked
    against their md5 hash.

    Args:
        preds: a NumPy array or tensor of shape ``(samples, 1000)``, e.g. the output of an
            application model with ``include_top=True``.
        top: how many classes to return per sample. Defaults to 5.

    Returns:
        One list per sample of ``(class_id, class_name, score)`` tuples, highest score
        first, e.g. ``("n02123045", "tabby", 0.62)``.

    Raises:
        ValueError: when ``preds`` is not of shape ``(samples, 1000)``.

    Example:
        >>> preds = np.zeros((1, 1000), "float32"); preds[0, 281] = 1.0
        >>> decode_predictions(preds, top=1)
        [[('n02123045', 'tabby', np.float32(1.0))]]
    """
    shape = tuple(preds.shape)
    if len(shape) != 2 or shape[1] != 1000:
        raise ValueError(
            "`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape "
            f"(samples, 1000)). Received array with shape: {shape}. Pass the output of a "
            "model built with include_top=True and classes=1000."
        )
    class_index = _load_class_index()
    results = []
    for scores in np.asarray(ops.convert_to_numpy(preds)):
        # Keras's order: the top indices by ascending argsort, reversed, then a stable sort
        # by score (so equal scores come out in the same order as in Keras).
        best = scores.argsort()[-top:][::-1]
        decoded = [tuple(class_index[str(i)]) + (scores[i],) for i in best]
        decoded.sort(key=lambda item: item[2], reverse=True)
        results.append(decoded)
    return results
