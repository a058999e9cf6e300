"""What every application model function does around its layers, written once.

Each architecture module (``vgg16``, ``resnet``...) checks its arguments, makes the image
input, builds its layers, adds the optional classifier or pooling, and wraps the graph in
a ``Functional`` model. The checks and the start and end of that sequence live here, so
the architecture modules hold only their layers. Downloading and loading pretrained
weights lives in ``_pretrained``; preprocessing and decoding in ``imagenet_utils``.
"""

import os
import warnings

from lamina import activations
from lamina import backend
from lamina import layers
from lamina.models import functional
from lamina.utils import graph_utils

_BAD_WEIGHTS = (
    "The `weights` argument should be either `None` (random initialization), 'imagenet' "
    "(pre-training on ImageNet), or the path to the weights file to be loaded.  Received: "
    "weights={weights!r}. No file exists at that path: check the spelling, or pass "
    "weights=None to start from random weights."
)
_BAD_CLASSES = (
    "If using `weights='imagenet'` with `include_top=True`, `classes` should be 1000.  "
    "Received classes={classes}. To classify into another number of classes, build the "
    "model with include_top=False and add your own classifier on top, or pass weights=None."
)
_BAD_POOLING = (
    "`pooling` should be None, 'avg' or 'max'; received pooling={pooling!r}. It applies only "
    "with include_top=False and picks how the last feature map is reduced to a vector."
)
_BAD_CLASSIFIER_ACTIVATION = (
    "Only `None` and `softmax` activations are allowed for the `classifier_activation` "
    "argument when using pretrained weights, with `include_top=True`; Received: "
    "classifier_activation={activation!r}. The pretrained classifier was trained with a "
    "softmax: pass classifier_activation=None for logits, or weights=None to train anew."
)
_NOT_SYMBOLIC_INPUT = (
    "Argument `input_tensor` must be a KerasTensor. Received invalid type: "
    "input_tensor of type {kind}. Pass the output of lamina.layers.Input(...) (or of a layer "
    "called on one); to run the model on data, build it first, then call it on the data."
)


def channel_axis():
    """The channel axis of a 4D image batch under ``image_data_format()`` (3 or 1)."""
    return 3 if backend.image_data_format() == "channels_last" else 1


def check_weights_and_classes(weights, include_top, classes):
    """Refuse ``weights`` that is neither None, ``"imagenet"`` nor an existing file, and
    ImageNet weights with a classifier of other than 1000 classes (both ValueError)."""
    is_known = weights is None or (isinstance(weights, str) and weights == "imagenet")
    if not is_known:
        try:
            is_file = os.path.exists(weights)
        except (TypeError, ValueError):
            is_file = False
        if not is_file:
            raise ValueError(_BAD_WEIGHTS.format(weights=weights))
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(_BAD_CLASSES.format(classes=classes))


def check_pooling(pooling):
    """Refuse a ``pooling`` other than None, ``"avg"`` or ``"max"`` (a ValueError)."""
    if pooling not in (None, "avg", "max"):
        raise ValueError(_BAD_POOLING.format(pooling=pooling))


def _channels_warning(channels):
    warnings.warn(
        "This model usually expects 1 or 3 input channels. However, it was passed an "
        f"input_shape with {channels} input channels.",
        stacklevel=4,
    )


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """Check a model's ``input_shape`` argument and fill it in, as Keras's applications do.

    Steps: 1. the default shape is ``default_size`` square with 3 channels (or, without
    ImageNet weights, with the channels the caller gave); 2. a classifier on ImageNet
    weights requires exactly that shape; 3. a given shape must have 3 entries, 3 channels
    for ImageNet weights, and sides of at least ``min_size``; 4. with no shape, a classifier
    gets the default and a feature extractor gets ``None`` sides; 5. a classifier (which
    flattens) needs static sides.

    Args:
        input_shape: the caller's shape of one image, or None.
        default_size: the side the pretrained weights were trained on (e.g. 224).
        min_size: the smallest side the architecture accepts (e.g. 32).
        data_format: ``"channels_last"`` or ``"channels_first"``.
        require_flatten: whether the model ends in a classifier (``include_top``).
        weights: the ``weights`` argument (only ``"imagenet"`` matters here).

    Returns:
        The shape of one image, a tuple of 3 entries (sides may be None).

    Raises:
        ValueError: when the shape breaks one of the rules above.

    Example:
        >>> obtain_input_shape(None, 224, 32, "channels_last", require_flatten=False)
        (None, None, 3)
    """
    is_channels_first = data_format == "channels_first"
    is_imagenet = weights == "imagenet"
    if not is_imagenet and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if is_channels_first else input_shape[-1]
        if channels not in (1, 3):
            _channels_warning(channels)
    else:
        channels = 3
    default_shape = ((channels, default_size, default_size) if is_channels_first
                     else (default_size, default_size, channels))
    if is_imagenet and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError(
                "When setting `include_top=True` and loading `imagenet` weights, "
                f"`input_shape` should be {default_shape}.  Received: "
                f"input_shape={input_shape}. For another image size, pass include_top=False "
                "(the convolutional base accepts other sizes)."
            )
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError(
                "`input_shape` must be a tuple of three integers (the height, width and "
                f"channels of one image, without the batch size); received "
                f"input_shape={input_shape}."
            )
        input_shape = tuple(input_shape)
        image_channels = input_shape[0] if is_channels_first else input_shape[-1]
        sides = input_shape[1:] if is_channels_first else input_shape[:2]
        if is_imagenet and image_channels != 3:
            raise ValueError(
                f"The input must have 3 channels; Received `input_shape={input_shape}`. The "
                "ImageNet weights expect RGB images: pass 3 channels, or weights=None."
            )
        if any(side is not None and side < min_size for side in sides):
            raise ValueError(
                f"Input size must be at least {min_size}x{min_size}; Received: "
                f"input_shape={input_shape}. Resize the images (for example with "
                "lamina.layers.Resizing) to at least that size."
            )
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if is_channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(
            "If `include_top` is True, you should specify a static `input_shape`. "
            f"Received: input_shape={input_shape}. The classifier needs a fixed number of "
            "features: give every side a size, or pass include_top=False."
        )
    return input_shape


def image_input(input_tensor, input_shape):
    """The model's image input: ``input_tensor`` when given, else a new ``Input``.

    Raises:
        ValueError: when ``input_tensor`` is not a symbolic tensor (Keras refuses arrays).
    """
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not backend.is_keras_tensor(input_tensor):
        raise ValueError(_NOT_SYMBOLIC_INPUT.format(kind=type(input_tensor).__name__))
    return input_tensor


def validate_activation(classifier_activation, weights):
    """Refuse a classifier activation other than softmax or None with pretrained weights."""
    if weights is None:
        return
    chosen = activations.get(classifier_activation)
    if chosen not in (activations.get("softmax"), activations.get(None)):
        raise ValueError(_BAD_CLASSIFIER_ACTIVATION.format(activation=classifier_activation))


def correct_pad(inputs, kernel_size):
    """The ``ZeroPadding2D`` padding before a stride-2 'valid' convolution that makes it
    sample like TensorFlow's 'same' padding: one less row (column) on top (left) when the
    side is even.

    Args:
        inputs: the symbolic 4D image tensor about to be padded.
        kernel_size: the convolution's kernel size, an int or a pair.

    Returns:
        ``((top, bottom), (left, right))``.

    Example:
        >>> correct_pad(lamina.Input((32, 32, 3)), 3)
        ((0, 1), (0, 1))
    """
    first = 2 if backend.image_data_format() == "channels_first" else 1
    height, width = inputs.shape[first:first + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    # An unknown side is padded as an odd one.
    adjust = (1, 1) if height is None else (1 - height % 2, 1 - width % 2)
    half = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((half[0] - adjust[0], half[0]), (half[1] - adjust[1], half[1]))


def pool_features(x, pooling, avg_name=None, max_name=None):
    """Reduce the last feature map to a vector when ``pooling`` is ``"avg"`` or ``"max"``.

    The names are the pooling layers' (None: automatic), as each architecture names them.
    """
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def keras_layer_order(input_tensors, output_tensors):
    """The graph's layers in the order Keras's Functional lists them (by depth), which is
    also ``Functional.layers``'s order: the order Keras numbers weight groups in.

    Args:
        input_tensors: the model's symbolic inputs (a list).
        output_tensors: its symbolic outputs (a list).

    Returns:
        The layers, input layers included, in Keras's order.
    """
    return functional._keras_layer_order(input_tensors, output_tensors)


def make_model(input_tensor, img_input, outputs, name):
    """Wrap the graph from the image input (or ``input_tensor``'s own inputs) in a model."""
    if input_tensor is not None:
        inputs = graph_utils.get_source_inputs(input_tensor)
    else:
        inputs = img_input
    return functional.Functional(inputs, outputs, name=name)
