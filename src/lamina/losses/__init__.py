"""Losses (``lamina.losses``): Keras's loss functions and classes, and ``get`` by name."""

import inspect

from lamina.losses.ctc import CTC
from lamina.losses.ctc import ctc
from lamina.losses.hinge import CategoricalHinge
from lamina.losses.hinge import Hinge
from lamina.losses.hinge import SquaredHinge
from lamina.losses.hinge import categorical_hinge
from lamina.losses.hinge import hinge
from lamina.losses.hinge import squared_hinge
from lamina.losses.loss import Loss
from lamina.losses.loss import LossFunctionWrapper
from lamina.losses.probabilistic import BinaryCrossentropy
from lamina.losses.probabilistic import BinaryFocalCrossentropy
from lamina.losses.probabilistic import CategoricalCrossentropy
from lamina.losses.probabilistic import CategoricalFocalCrossentropy
from lamina.losses.probabilistic import CategoricalGeneralizedCrossEntropy
from lamina.losses.probabilistic import KLDivergence
from lamina.losses.probabilistic import Poisson
from lamina.losses.probabilistic import SparseCategoricalCrossentropy
from lamina.losses.probabilistic import binary_crossentropy
from lamina.losses.probabilistic import binary_focal_crossentropy
from lamina.losses.probabilistic import categorical_crossentropy
from lamina.losses.probabilistic import categorical_focal_crossentropy
from lamina.losses.probabilistic import categorical_generalized_cross_entropy
from lamina.losses.probabilistic import kl_divergence
from lamina.losses.probabilistic import poisson
from lamina.losses.probabilistic import sparse_categorical_crossentropy
from lamina.losses.regression import CosineSimilarity
from lamina.losses.regression import Huber
from lamina.losses.regression import LogCosh
from lamina.losses.regression import MeanAbsoluteError
from lamina.losses.regression import MeanAbsolutePercentageError
from lamina.losses.regression import MeanSquaredError
from lamina.losses.regression import MeanSquaredLogarithmicError
from lamina.losses.regression import cosine_similarity
from lamina.losses.regression import huber
from lamina.losses.regression import log_cosh
from lamina.losses.regression import mean_absolute_error
from lamina.losses.regression import mean_absolute_percentage_error
from lamina.losses.regression import mean_squared_error
from lamina.losses.regression import mean_squared_logarithmic_error
from lamina.losses.segmentation import Dice
from lamina.losses.segmentation import Tversky
from lamina.losses.segmentation import dice
from lamina.losses.segmentation import tversky
from lamina.losses.similarity import Circle
from lamina.losses.similarity import circle
from lamina.saving.registry import make_getter

ALL_OBJECTS = {
    obj.__name__: obj
    for obj in (BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
                CategoricalFocalCrossentropy, CategoricalGeneralizedCrossEntropy,
                CategoricalHinge, Circle, CosineSimilarity, CTC, Dice, Hinge, Huber, KLDivergence,
                LogCosh, Loss, LossFunctionWrapper, MeanAbsoluteError,
                MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError,
                Poisson, SparseCategoricalCrossentropy, SquaredHinge, Tversky,
                binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
                categorical_focal_crossentropy, categorical_generalized_cross_entropy,
                categorical_hinge, circle, cosine_similarity, ctc, dice, hinge, huber,
                kl_divergence, log_cosh, mean_absolute_error, mean_absolute_percentage_error,
                mean_squared_error, mean_squared_logarithmic_error, poisson,
                sparse_categorical_crossentropy, squared_hinge, tversky)
}
# The short names Keras 3 accepts, then Keras 2 spellings still found in tutorials.
ALIASES = {
    "BCE": binary_crossentropy,
    "KLD": kl_divergence,
    "MAE": mean_absolute_error,
    "MAPE": mean_absolute_percentage_error,
    "MSE": mean_squared_error,
    "MSLE": mean_squared_logarithmic_error,
    "bce": binary_crossentropy,
    "kld": kl_divergence,
    "mae": mean_absolute_error,
    "mape": mean_absolute_percentage_error,
    "mse": mean_squared_error,
    "msle": mean_squared_logarithmic_error,
    "huber_loss": huber,
    "kullback_leibler_divergence": kl_divergence,
    "logcosh": log_cosh,
}

_get, _serialize, _deserialize = make_getter(
    "loss", ALL_OBJECTS, ALIASES, base_class=Loss, instantiate=True, module_path="keras.losses"
)


def _keras_function_name(config):
    # Keras 3 saves a bare function as {"class_name": "function", "config": "<name>", ...}.
    if isinstance(config, dict) and config.get("class_name") == "function":
        return config.get("config")
    return None


def get(identifier):
    """The loss for a name, a serialized config, a Loss or a callable.

    A function name or alias (``"mse"``) gives the function; a class name
    (``"MeanSquaredError"``) or a config dict gives an instance; a Loss or callable is
    returned as is; None gives None.

    Args:
        identifier: a string, dict, Loss, callable or None.

    Returns:
        A loss function, a :class:`Loss` instance, or None.

    Raises:
        ValueError: for an unknown name (the message lists the valid ones).

    Example:
        >>> lamina.losses.get("mse") is lamina.losses.mean_squared_error
        True
    """
    name = _keras_function_name(identifier)
    return _get(name if name is not None else identifier)


def serialize(loss):
    """A JSON-ready description of ``loss``, in Keras 3's format.

    Args:
        loss: a :class:`Loss` instance or a loss function.

    Returns:
        A dict ``{"module", "class_name", "config", "registered_name"}``.

    Example:
        >>> lamina.losses.serialize(lamina.losses.Huber())["class_name"]
        'Huber'
    """
    if inspect.isfunction(loss):
        return {"module": "builtins", "class_name": "function", "config": _serialize(loss),
                "registered_name": "function"}
    return _serialize(loss)


def deserialize(name, custom_objects=None):
    """Rebuild a loss from :func:`serialize`'s output or from a name.

    Args:
        name: a dict from :func:`serialize`, or a loss name or alias.
        custom_objects: optional dict of custom loss names to classes or functions.

    Returns:
        A :class:`Loss` instance or a loss function.

    Example:
        >>> lamina.losses.deserialize(lamina.losses.serialize(lamina.losses.Huber())).name
        'huber_loss'
    """
    function_name = _keras_function_name(name)
    if function_name is not None:
        return _deserialize(function_name, custom_objects)
    return _deserialize(name, custom_objects)


__all__ = [
    "ALIASES",
    "ALL_OBJECTS",
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CTC",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy",
    "CategoricalHinge",
    "Circle",
    "CosineSimilarity",
    "Dice",
    "Hinge",
    "Huber",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "LossFunctionWrapper",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "Tversky",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "circle",
    "cosine_similarity",
    "ctc",
    "deserialize",
    "dice",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "serialize",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "tversky",
]
