"""Seeded random ops and the ``SeedGenerator`` that makes them repeatable."""

from lamina.random.random import beta
from lamina.random.random import binomial
from lamina.random.random import categorical
from lamina.random.random import dropout
from lamina.random.random import gamma
from lamina.random.random import normal
from lamina.random.random import randint
from lamina.random.random import shuffle
from lamina.random.random import truncated_normal
from lamina.random.random import uniform
from lamina.random.seed_generator import SeedGenerator

__all__ = [
    "SeedGenerator",
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]
