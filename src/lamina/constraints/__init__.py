"""Weight constraints (``lamina.constraints``), applied after each optimizer step."""

from lamina.constraints.constraints import Constraint
from lamina.constraints.constraints import MaxNorm
from lamina.constraints.constraints import MinMaxNorm
from lamina.constraints.constraints import NonNeg
from lamina.constraints.constraints import UnitNorm
from lamina.saving.registry import make_getter

max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

ALL_OBJECTS = {"MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm, "NonNeg": NonNeg,
               "UnitNorm": UnitNorm}
ALIASES = {"max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "non_neg": NonNeg,
           "unit_norm": UnitNorm}

get, serialize, deserialize = make_getter(
    "constraint", ALL_OBJECTS, ALIASES, base_class=Constraint, instantiate=True
)

__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "deserialize",
    "get",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "serialize",
    "unit_norm",
]
