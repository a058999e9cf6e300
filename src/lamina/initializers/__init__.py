"""Weight initializers (``lamina.initializers``), with Keras's names and string aliases."""

from lamina.initializers.initializer import Constant
from lamina.initializers.initializer import Identity
from lamina.initializers.initializer import Initializer
from lamina.initializers.initializer import Ones
from lamina.initializers.initializer import Zeros
from lamina.initializers.random_initializers import GlorotNormal
from lamina.initializers.random_initializers import GlorotUniform
from lamina.initializers.random_initializers import HeNormal
from lamina.initializers.random_initializers import HeUniform
from lamina.initializers.random_initializers import LecunNormal
from lamina.initializers.random_initializers import LecunUniform
from lamina.initializers.random_initializers import Orthogonal
from lamina.initializers.random_initializers import RandomNormal
from lamina.initializers.random_initializers import RandomUniform
from lamina.initializers.random_initializers import TruncatedNormal
from lamina.initializers.random_initializers import VarianceScaling
from lamina.initializers.stft_initializer import STFT
from lamina.saving.registry import make_getter

IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal
STFTInitializer = STFT
# Keras 3 also exports each class under its snake-case name, e.g. ``he_normal(seed=1)``.
constant = Constant
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
identity = Identity
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
ones = Ones
orthogonal = Orthogonal
random_normal = RandomNormal
random_uniform = RandomUniform
stft = STFT
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
zeros = Zeros

ALL_OBJECTS = {
    cls.__name__: cls
    for cls in (Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity,
                LecunNormal, LecunUniform, Ones, Orthogonal, RandomNormal, RandomUniform,
                STFT, TruncatedNormal, VarianceScaling, Zeros)
}
ALL_OBJECTS.update({"IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal,
                    "STFTInitializer": STFT})
ALIASES = {
    "constant": Constant,
    "glorot_normal": GlorotNormal,
    "glorot_uniform": GlorotUniform,
    "he_normal": HeNormal,
    "he_uniform": HeUniform,
    "identity": Identity,
    "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform,
    "normal": RandomNormal,
    "one": Ones,
    "ones": Ones,
    "orthogonal": Orthogonal,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "stft": STFT,
    "truncated_normal": TruncatedNormal,
    "uniform": RandomUniform,
    "variance_scaling": VarianceScaling,
    "zero": Zeros,
    "zeros": Zeros,
}

get, serialize, deserialize = make_getter(
    "initializer", ALL_OBJECTS, ALIASES, base_class=Initializer, instantiate=True
)

__all__ = [
    "ALIASES",
    "ALL_OBJECTS",
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "IdentityInitializer",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "OrthogonalInitializer",
    "RandomNormal",
    "RandomUniform",
    "STFT",
    "STFTInitializer",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "constant",
    "deserialize",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "lecun_normal",
    "lecun_uniform",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "serialize",
    "stft",
    "truncated_normal",
    "variance_scaling",
    "zeros",
]
