"""The augmentation steps that ``RandAugment`` and ``AugMix`` pick from, built the way
Keras 3 builds them: every random step takes the owner's ``factor`` range as its own."""

from lamina.layers.preprocessing.auto_contrast import AutoContrast
from lamina.layers.preprocessing.equalization import Equalization
from lamina.layers.preprocessing.random_brightness import RandomBrightness
from lamina.layers.preprocessing.random_color_degeneration import RandomColorDegeneration
from lamina.layers.preprocessing.random_contrast import RandomContrast
from lamina.layers.preprocessing.random_posterization import RandomPosterization
from lamina.layers.preprocessing.random_rotation import RandomRotation
from lamina.layers.preprocessing.random_sharpness import RandomSharpness
from lamina.layers.preprocessing.random_shear import RandomShear
from lamina.layers.preprocessing.random_translation import RandomTranslation
from lamina.layers.preprocessing.solarization import Solarization


def make_steps(names, factor, value_range, interpolation, seed, data_format, dtype):
    """``{name: layer}`` for each step in ``names`` (attribute names such as
    ``"random_shear"``), in that order.

    The random steps get distinct seeds ``seed + 1``, ``seed + 2``, ... (None stays None),
    so that they do not draw the same numbers.
    """
    common = {"data_format": data_format, "dtype": dtype}
    tone = {"value_range": value_range, **common}
    shape = {"interpolation": interpolation, **common}
    bits = max(1, int(8 * factor[1]))
    builders = {
        "random_shear": lambda s: RandomShear(factor, factor, seed=s, **shape),
        "random_translation": lambda s: RandomTranslation(factor, factor, seed=s, **shape),
        "random_rotation": lambda s: RandomRotation(factor, seed=s, **shape),
        "random_brightness": lambda s: RandomBrightness(factor, seed=s, **tone),
        "random_color_degeneration": lambda s: RandomColorDegeneration(factor, seed=s,
                                                                       **tone),
        "random_contrast": lambda s: RandomContrast(factor, seed=s, **tone),
        "random_sharpness": lambda s: RandomSharpness(factor, seed=s, **tone),
        "random_posterization": lambda s: RandomPosterization(bits, seed=s, **tone),
        "solarization": lambda s: Solarization(factor, factor, value_range=value_range,
                                               seed=s, dtype=dtype),
        "auto_contrast": lambda s: AutoContrast(value_range=value_range, dtype=dtype),
        "equalization": lambda s: Equalization(**tone),
    }
    return {name: builders[name](None if seed is None else seed + 1 + i)
            for i, name in enumerate(names)}
