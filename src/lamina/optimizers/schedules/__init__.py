"""Learning-rate schedules (``lamina.optimizers.schedules``), with Keras's names.

``serialize`` turns a schedule into the ``{"module", "class_name", "config",
"registered_name"}`` dict Keras writes; ``deserialize`` turns such a dict back into a schedule.
"""

from lamina.optimizers.schedules.learning_rate_schedule import CosineDecay
from lamina.optimizers.schedules.learning_rate_schedule import CosineDecayRestarts
from lamina.optimizers.schedules.learning_rate_schedule import ExponentialDecay
from lamina.optimizers.schedules.learning_rate_schedule import InverseTimeDecay
from lamina.optimizers.schedules.learning_rate_schedule import LearningRateSchedule
from lamina.optimizers.schedules.learning_rate_schedule import PiecewiseConstantDecay
from lamina.optimizers.schedules.learning_rate_schedule import PolynomialDecay
from lamina.saving.registry import make_getter

ALL_OBJECTS = {
    "CosineDecay": CosineDecay,
    "CosineDecayRestarts": CosineDecayRestarts,
    "ExponentialDecay": ExponentialDecay,
    "InverseTimeDecay": InverseTimeDecay,
    "LearningRateSchedule": LearningRateSchedule,
    "PiecewiseConstantDecay": PiecewiseConstantDecay,
    "PolynomialDecay": PolynomialDecay,
}

_get, serialize, deserialize = make_getter(
    "learning rate schedule", ALL_OBJECTS, {}, base_class=LearningRateSchedule,
    module_path="keras.optimizers.schedules",
)

__all__ = [
    "ALL_OBJECTS",
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "serialize",
]
