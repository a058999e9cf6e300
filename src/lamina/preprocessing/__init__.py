"""``lamina.preprocessing`` (as ``keras.preprocessing``): data helpers for images and
sequences, grouped as Keras 3 groups them.

``image`` holds the PIL helpers and ``smart_resize``; ``sequence`` holds ``pad_sequences``.
The functions themselves live in ``lamina.utils``; these modules only re-export them.
``timeseries_dataset_from_array`` returns a lamina ``PyDataset``; the other Keras dataset
builders (``image_dataset_from_directory``, ``text_dataset_from_directory``) are not
provided yet.
"""

from lamina.preprocessing import image
from lamina.preprocessing import sequence
from lamina.utils.timeseries_dataset import timeseries_dataset_from_array

__all__ = [
    "image",
    "sequence",
    "timeseries_dataset_from_array",
]
