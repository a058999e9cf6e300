"""Weight regularizers (``lamina.regularizers``): penalties added to the training loss."""

from lamina.regularizers.regularizers import L1
from lamina.regularizers.regularizers import L1L2
from lamina.regularizers.regularizers import L2
from lamina.regularizers.regularizers import OrthogonalRegularizer
from lamina.regularizers.regularizers import Regularizer
from lamina.regularizers.regularizers import l1_l2
from lamina.saving.registry import make_getter

l1 = L1
l2 = L2
orthogonal_regularizer = OrthogonalRegularizer

ALL_OBJECTS = {"L1": L1, "L1L2": L1L2, "L2": L2, "OrthogonalRegularizer": OrthogonalRegularizer}
ALIASES = {"l1": L1, "l1_l2": L1L2, "l2": L2, "orthogonal_regularizer": OrthogonalRegularizer}

get, serialize, deserialize = make_getter(
    "regularizer", ALL_OBJECTS, ALIASES, base_class=Regularizer, instantiate=True
)

__all__ = [
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "orthogonal_regularizer",
    "serialize",
]
