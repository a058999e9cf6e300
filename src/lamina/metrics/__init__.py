"""Metrics (``lamina.metrics``): Keras's metric classes and functions, and ``get`` by name.

``get`` also accepts the name of any loss function (``"huber"``, ``"log_cosh"``...) and
returns the running mean of that loss. Keras re-exports the loss functions here too
(``lamina.metrics.mean_squared_error``); they resolve through ``__getattr__`` below so that
importing metrics does not import losses.
"""

import inspect

from lamina.metrics.accuracy_metrics import Accuracy
from lamina.metrics.accuracy_metrics import BinaryAccuracy
from lamina.metrics.accuracy_metrics import CategoricalAccuracy
from lamina.metrics.accuracy_metrics import SparseCategoricalAccuracy
from lamina.metrics.accuracy_metrics import SparseTopKCategoricalAccuracy
from lamina.metrics.accuracy_metrics import TopKCategoricalAccuracy
from lamina.metrics.accuracy_metrics import binary_accuracy
from lamina.metrics.accuracy_metrics import categorical_accuracy
from lamina.metrics.accuracy_metrics import resolve_accuracy
from lamina.metrics.accuracy_metrics import sparse_categorical_accuracy
from lamina.metrics.accuracy_metrics import sparse_top_k_categorical_accuracy
from lamina.metrics.accuracy_metrics import top_k_categorical_accuracy
from lamina.metrics.confusion_metrics import AUC
from lamina.metrics.confusion_metrics import FalseNegatives
from lamina.metrics.confusion_metrics import FalsePositives
from lamina.metrics.confusion_metrics import Precision
from lamina.metrics.confusion_metrics import Recall
from lamina.metrics.confusion_metrics import TrueNegatives
from lamina.metrics.confusion_metrics import TruePositives
from lamina.metrics.correlation_metrics import ConcordanceCorrelation
from lamina.metrics.correlation_metrics import PearsonCorrelation
from lamina.metrics.correlation_metrics import concordance_correlation
from lamina.metrics.correlation_metrics import pearson_correlation
from lamina.metrics.f_score_metrics import F1Score
from lamina.metrics.f_score_metrics import FBetaScore
from lamina.metrics.hinge_metrics import CategoricalHinge
from lamina.metrics.hinge_metrics import Hinge
from lamina.metrics.hinge_metrics import SquaredHinge
from lamina.metrics.iou_metrics import BinaryIoU
from lamina.metrics.iou_metrics import IoU
from lamina.metrics.iou_metrics import MeanIoU
from lamina.metrics.iou_metrics import OneHotIoU
from lamina.metrics.iou_metrics import OneHotMeanIoU
from lamina.metrics.metric import Metric
from lamina.metrics.probabilistic_metrics import BinaryCrossentropy
from lamina.metrics.probabilistic_metrics import CategoricalCrossentropy
from lamina.metrics.probabilistic_metrics import KLDivergence
from lamina.metrics.probabilistic_metrics import Poisson
from lamina.metrics.probabilistic_metrics import SparseCategoricalCrossentropy
from lamina.metrics.reduction_metrics import Mean
from lamina.metrics.reduction_metrics import MeanMetricWrapper
from lamina.metrics.reduction_metrics import Sum
from lamina.metrics.regression_metrics import CosineSimilarity
from lamina.metrics.regression_metrics import LogCoshError
from lamina.metrics.regression_metrics import MeanAbsoluteError
from lamina.metrics.regression_metrics import MeanAbsolutePercentageError
from lamina.metrics.regression_metrics import MeanSquaredError
from lamina.metrics.regression_metrics import MeanSquaredLogarithmicError
from lamina.metrics.regression_metrics import R2Score
from lamina.metrics.regression_metrics import RootMeanSquaredError
from lamina.metrics.sensitivity_specificity_metrics import PrecisionAtRecall
from lamina.metrics.sensitivity_specificity_metrics import RecallAtPrecision
from lamina.metrics.sensitivity_specificity_metrics import SensitivityAtSpecificity
from lamina.metrics.sensitivity_specificity_metrics import SpecificityAtSensitivity
from lamina.saving import registry

ALL_OBJECTS = {
    cls.__name__: cls
    for cls in (AUC, Accuracy, BinaryAccuracy, BinaryCrossentropy, BinaryIoU,
                CategoricalAccuracy, CategoricalCrossentropy, CategoricalHinge,
                ConcordanceCorrelation, CosineSimilarity, F1Score, FBetaScore, FalseNegatives,
                FalsePositives, Hinge, IoU, KLDivergence, LogCoshError, Mean, MeanAbsoluteError,
                MeanAbsolutePercentageError, MeanIoU, MeanMetricWrapper, MeanSquaredError,
                MeanSquaredLogarithmicError, Metric, OneHotIoU, OneHotMeanIoU,
                PearsonCorrelation, Poisson, Precision, PrecisionAtRecall, R2Score, Recall,
                RecallAtPrecision, RootMeanSquaredError, SensitivityAtSpecificity,
                SparseCategoricalAccuracy, SparseCategoricalCrossentropy,
                SparseTopKCategoricalAccuracy, SpecificityAtSensitivity, SquaredHinge, Sum,
                TopKCategoricalAccuracy, TrueNegatives, TruePositives)
}
# Keras 3's snake-case names and short aliases for the classes.
ALIASES = {
    "AUC": AUC,
    "BCE": BinaryCrossentropy,
    "MAE": MeanAbsoluteError,
    "MAPE": MeanAbsolutePercentageError,
    "MSE": MeanSquaredError,
    "MSLE": MeanSquaredLogarithmicError,
    "acc": Accuracy,
    "accuracy": Accuracy,
    "auc": AUC,
    "bce": BinaryCrossentropy,
    "binary_accuracy": BinaryAccuracy,
    "binary_crossentropy": BinaryCrossentropy,
    "binary_io_u": BinaryIoU,
    "categorical_accuracy": CategoricalAccuracy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "categorical_hinge": CategoricalHinge,
    "concordance_correlation": ConcordanceCorrelation,
    "cosine_similarity": CosineSimilarity,
    "f1_score": F1Score,
    "f_beta_score": FBetaScore,
    "false_negatives": FalseNegatives,
    "false_positives": FalsePositives,
    "fbeta_score": FBetaScore,
    "hinge": Hinge,
    "io_u": IoU,
    "kl_divergence": KLDivergence,
    "log_cosh_error": LogCoshError,
    "mae": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError,
    "mean": Mean,
    "mean_absolute_error": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mean_io_u": MeanIoU,
    "mean_squared_error": MeanSquaredError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "mse": MeanSquaredError,
    "msle": MeanSquaredLogarithmicError,
    "one_hot_io_u": OneHotIoU,
    "one_hot_mean_io_u": OneHotMeanIoU,
    "pearson_correlation": PearsonCorrelation,
    "poisson": Poisson,
    "precision": Precision,
    "precision_at_recall": PrecisionAtRecall,
    "r2_score": R2Score,
    "recall": Recall,
    "recall_at_precision": RecallAtPrecision,
    "root_mean_squared_error": RootMeanSquaredError,
    "sensitivity_at_specificity": SensitivityAtSpecificity,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "specificity_at_sensitivity": SpecificityAtSensitivity,
    "squared_hinge": SquaredHinge,
    "sum": Sum,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "true_negatives": TrueNegatives,
    "true_positives": TruePositives,
}
_FUNCTIONS = {
    fn.__name__: fn
    for fn in (binary_accuracy, categorical_accuracy, concordance_correlation,
               pearson_correlation, sparse_categorical_accuracy,
               sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
}
# Loss functions Keras also exposes as ``keras.metrics.<name>``; served by __getattr__.
_LOSS_FUNCTION_NAMES = (
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_hinge",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "sparse_categorical_crossentropy",
    "squared_hinge",
)


def __getattr__(name):
    if name in _LOSS_FUNCTION_NAMES:
        from lamina import losses

        return getattr(losses, name)
    raise AttributeError(f"module 'lamina.metrics' has no attribute {name!r}")


def _loss_function(name):
    """The loss *function* called ``name`` (or an alias of one), else None."""
    try:
        from lamina import losses
    except ImportError:
        return None
    try:
        fn = losses.get(name)
    except ValueError:
        return None
    return fn if inspect.isfunction(fn) else None


def _find_function(name):
    """A metric or loss function by name, for rebuilding a ``MeanMetricWrapper``."""
    fn = registry.get_registered_object(name, None, _FUNCTIONS)
    if fn is None and name in _LOSS_FUNCTION_NAMES:
        fn = _loss_function(name)
    return fn


def _valid_names():
    return sorted(set(ALL_OBJECTS) | set(ALIASES) | set(_LOSS_FUNCTION_NAMES))


def _unknown(identifier):
    return ValueError(
        f"Could not interpret metric identifier: {identifier!r}. Valid names are: "
        f"{', '.join(_valid_names())}. Or pass a Metric instance, a function "
        "(y_true, y_pred) -> values, or a custom metric registered with "
        "@lamina.saving.register_keras_serializable()."
    )


def _instantiate(cls, identifier):
    """``cls()``, or a TypeError saying which arguments the metric needs and how to pass them."""
    required = [
        p.name for p in inspect.signature(cls).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    if required:
        example = ", ".join(f"{name}=..." for name in required)
        raise TypeError(
            f"Metric name {identifier!r} names {cls.__name__}, which needs the argument(s) "
            f"{', '.join(required)}, so it cannot be made from a string. Pass an instance "
            f"instead, e.g. metrics=[lamina.metrics.{cls.__name__}({example})]."
        )
    return cls()


def get(identifier):
    """The metric for a name, a serialized config, a Metric or a callable.

    A metric name or alias (``"auc"``, ``"AUC"``, ``"mse"``, ``"accuracy"``) gives a new
    instance with default arguments; the name of any other loss function (``"huber"``)
    gives a ``MeanMetricWrapper`` of it named after the string; a config dict is
    deserialized; a Metric or callable comes back unchanged; None gives None.

    Note ``"accuracy"`` gives plain :class:`Accuracy` (exact match); ``Model.compile`` picks
    binary, categorical or sparse accuracy from the loss and shapes with
    :func:`resolve_accuracy`.

    Args:
        identifier: a string, dict, Metric, Metric subclass, callable or None.

    Returns:
        A Metric instance, a callable, or None.

    Raises:
        ValueError: for an unknown name or an unsupported identifier; the message lists the
            valid names.
        TypeError: for the name of a metric that needs constructor arguments
            (``"mean_io_u"`` needs ``num_classes``), as in Keras; pass an instance instead.

    Example:
        >>> lamina.metrics.get("mse")
        <MeanSquaredError name=mean_squared_error>
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        obj = registry.get_registered_object(identifier, None, {**ALL_OBJECTS, **ALIASES})
        if inspect.isclass(obj):
            return _instantiate(obj, identifier)
        if obj is None:
            obj = _loss_function(identifier)
            if obj is None:
                raise _unknown(identifier)
            return MeanMetricWrapper(obj, name=identifier)
        return obj
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return identifier
    raise _unknown(identifier)


def serialize(metric):
    """A JSON-ready description of ``metric``, in Keras 3's format.

    Args:
        metric: a Metric instance or a metric function.

    Returns:
        A dict ``{"module", "class_name", "config", "registered_name"}``.

    Example:
        >>> lamina.metrics.serialize(lamina.metrics.Mean())["config"]
        {'name': 'mean', 'dtype': 'float32'}
    """
    if inspect.isfunction(metric):
        return {"module": "builtins", "class_name": "function",
                "config": registry.get_registered_name(metric), "registered_name": "function"}
    if not isinstance(metric, Metric):
        raise TypeError(
            f"metrics.serialize expects a Metric instance or a function, got {metric!r}."
        )
    cls = type(metric)
    registered = registry.get_registered_name(cls)
    is_builtin = ALL_OBJECTS.get(cls.__name__) is cls
    return {
        "module": "keras.metrics" if is_builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": metric.get_config(),
        "registered_name": None if is_builtin else registered,
    }


def deserialize(config, custom_objects=None):
    """Rebuild a metric from :func:`serialize`'s output, or from a name.

    Args:
        config: a dict from :func:`serialize` (Keras 3's format), or a metric name.
        custom_objects: optional dict of custom metric names to classes or functions.

    Returns:
        A Metric instance (or a function, for a serialized function).

    Raises:
        ValueError: for a malformed config or an unknown class name.

    Example:
        >>> m = lamina.metrics.deserialize(lamina.metrics.serialize(lamina.metrics.AUC()))
    """
    table = {**ALL_OBJECTS, **ALIASES}
    if isinstance(config, str):
        obj = registry.get_registered_object(config, custom_objects, table)
        if obj is None:
            return get(config)
        return obj() if inspect.isclass(obj) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Cannot deserialize a metric from {config!r}: expected a metric name or a dict "
            "with 'class_name' and 'config', as metrics.serialize() returns."
        )
    class_name = config["class_name"]
    if class_name in ("function", "__function__"):
        name = config.get("config")
        fn = registry.get_registered_object(name, custom_objects, _FUNCTIONS)
        fn = fn or _find_function(name)
        if fn is None:
            raise _unknown(name)
        return fn
    cls = None
    for key in (config.get("registered_name"), class_name):
        if key and cls is None:
            cls = registry.get_registered_object(key, custom_objects, table)
    if cls is None or not inspect.isclass(cls):
        raise _unknown(class_name)
    return cls.from_config(dict(config.get("config") or {}))


__all__ = [
    "ALIASES",
    "ALL_OBJECTS",
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "BinaryIoU",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "ConcordanceCorrelation",
    "CosineSimilarity",
    "F1Score",
    "FBetaScore",
    "FalseNegatives",
    "FalsePositives",
    "Hinge",
    "IoU",
    "KLDivergence",
    "LogCoshError",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanIoU",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Metric",
    "OneHotIoU",
    "OneHotMeanIoU",
    "PearsonCorrelation",
    "Poisson",
    "Precision",
    "PrecisionAtRecall",
    "R2Score",
    "Recall",
    "RecallAtPrecision",
    "RootMeanSquaredError",
    "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
    "SpecificityAtSensitivity",
    "SquaredHinge",
    "Sum",
    "TopKCategoricalAccuracy",
    "TrueNegatives",
    "TruePositives",
    "binary_accuracy",
    "categorical_accuracy",
    "concordance_correlation",
    "deserialize",
    "get",
    "pearson_correlation",
    "resolve_accuracy",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]
