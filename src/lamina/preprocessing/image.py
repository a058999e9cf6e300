"""``lamina.preprocessing.image`` (as ``keras.preprocessing.image``): load, save, convert
and resize images. Defined in ``lamina.utils.image_utils``."""

from lamina.utils.image_utils import array_to_img
from lamina.utils.image_utils import img_to_array
from lamina.utils.image_utils import load_img
from lamina.utils.image_utils import save_img
from lamina.utils.image_utils import smart_resize

__all__ = [
    "array_to_img",
    "img_to_array",
    "load_img",
    "save_img",
    "smart_resize",
]
