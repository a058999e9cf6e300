"""``lamina.preprocessing`` (as ``keras.preprocessing``): data helpers for images and
sequences, grouped as Keras 3 groups them.

``image`` holds the PIL helpers and ``smart_resize``; ``sequence`` holds ``pad_sequences``.
The functions themselves live in ``lamina.utils``; these modules only re-export them.
The dataset builders (``image_dataset_from_directory``, ``text_dataset_from_directory``,
``timeseries_dataset_from_array``) return lamina ``PyDataset`` objects.
"""

from lamina.preprocessing import image
from lamina.preprocessing import sequence
from lamina.utils.image_dataset import image_dataset_from_directory
from lamina.utils.text_dataset import text_dataset_from_directory
from lamina.utils.timeseries_dataset import timeseries_dataset_from_array

__all__ = [
    "image",
    "image_dataset_from_directory",
    "sequence",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
]
