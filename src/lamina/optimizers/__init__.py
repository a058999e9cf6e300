"""Optimizers (``lamina.optimizers``), with Keras's names, arguments and numerics.

``get`` turns a name (``"adam"``, ``"Adam"``, ``"RMSprop"``...), a config dict or an
optimizer into an optimizer; ``serialize`` / ``deserialize`` convert to and from the dict
Keras writes in saved models. Learning-rate schedules live in ``lamina.optimizers.schedules``.
"""

import inspect

from lamina.optimizers import schedules
from lamina.optimizers.adadelta import Adadelta
from lamina.optimizers.adafactor import Adafactor
from lamina.optimizers.adagrad import Adagrad
from lamina.optimizers.adam import Adam
from lamina.optimizers.adamax import Adamax
from lamina.optimizers.adamw import AdamW
from lamina.optimizers.ftrl import Ftrl
from lamina.optimizers.lamb import Lamb
from lamina.optimizers.lion import Lion
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer
from lamina.optimizers.multi_optimizer import MultiOptimizer
from lamina.optimizers.multi_optimizer import OptimizerMap
from lamina.optimizers.muon import Muon
from lamina.optimizers.nadam import Nadam
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.rmsprop import RMSprop
from lamina.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from lamina.optimizers.sgd import SGD
from lamina.saving.registry import make_getter

ALL_OBJECTS = {
    "Adadelta": Adadelta,
    "Adafactor": Adafactor,
    "Adagrad": Adagrad,
    "Adam": Adam,
    "AdamW": AdamW,
    "Adamax": Adamax,
    "Ftrl": Ftrl,
    "Lamb": Lamb,
    "Lion": Lion,
    "MultiOptimizer": MultiOptimizer,
    "Muon": Muon,
    "Nadam": Nadam,
    "Optimizer": Optimizer,
    "OptimizerMap": OptimizerMap,
    "RMSprop": RMSprop,
    "SGD": SGD,
    "ScheduleFreeAdamW": ScheduleFreeAdamW,
}
# Lower-case names: ``get`` and ``deserialize`` match built-in names case-insensitively.
# The wrappers are left out: they cannot be made from a name alone.
ALIASES = {name.lower(): cls for name, cls in ALL_OBJECTS.items()
           if cls not in (Optimizer, MultiOptimizer, OptimizerMap)}

_registry_get, serialize, _registry_deserialize = make_getter(
    "optimizer", ALL_OBJECTS, ALIASES, base_class=Optimizer, module_path="keras.optimizers",
)


def _builtin_name(name):
    """A built-in optimizer's name in lower case; any other name unchanged (custom ones
    are looked up exactly as registered)."""
    return name.lower() if name.lower() in ALIASES else name


def deserialize(config, custom_objects=None):
    """Create an optimizer from ``serialize``'s dict (or from a name).

    Args:
        config: a dict with ``"class_name"`` and ``"config"``, or a name.
        custom_objects: name -> class, for optimizers defined by the user.

    Returns:
        A new optimizer.

    Example:
        >>> deserialize({"class_name": "Adam", "config": {"learning_rate": 0.01}})
    """
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if isinstance(config, dict) and isinstance(config.get("class_name"), str):
        config = dict(config, class_name=_builtin_name(config["class_name"]))
        if config.get("registered_name") in ALL_OBJECTS:
            config["registered_name"] = None  # Keras writes e.g. "SGD" for its built-ins
    return _registry_deserialize(config, custom_objects=custom_objects)


def get(identifier):
    """An optimizer from a name, a config dict or an optimizer (returned as is).

    Args:
        identifier: ``"sgd"``, ``"adam"``, ``"adamw"``, ``"rmsprop"``, ``"adagrad"``,
            ``"adadelta"``, ``"adamax"``, ``"nadam"``, ``"lion"``, ``"ftrl"``,
            ``"adafactor"``, ``"lamb"``, ``"muon"``, ``"schedulefreeadamw"`` (any case,
            class names too), a dict from ``serialize``, an ``Optimizer`` or an
            ``Optimizer`` subclass. (Keras 3.15's own
            ``get`` does not know ``"lamb"``; accepting it here is a harmless extra.)

    Returns:
        An optimizer; a name gives a new one with default arguments.

    Example:
        >>> float(get("Adam").learning_rate.numpy())
        0.0010000000474974513
    """
    if isinstance(identifier, (Optimizer, LossScaleOptimizer)):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if inspect.isclass(identifier) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}. Pass a name (one of "
        f"{', '.join(sorted(ALIASES))}), a config dict or an Optimizer instance."
    )


__all__ = [
    "ALIASES",
    "ALL_OBJECTS",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lamb",
    "Lion",
    "LossScaleOptimizer",
    "MultiOptimizer",
    "Muon",
    "Nadam",
    "Optimizer",
    "OptimizerMap",
    "RMSprop",
    "SGD",
    "ScheduleFreeAdamW",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]
