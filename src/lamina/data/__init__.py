"""``lamina.data``: turn arrays, generators, ``PyDataset`` objects and loaders into batches.

The trainer drives ``EpochIterator``; users meet ``PyDataset`` (re-exported as
``lamina.utils.PyDataset`` / ``Sequence``) and the ``(x, y, sample_weight)`` helpers.
"""

from lamina.data.array_adapter import ArrayDataAdapter
from lamina.data.data_adapter import DataAdapter
from lamina.data.data_utils import check_data_cardinality
from lamina.data.data_utils import class_weight_to_sample_weights
from lamina.data.data_utils import data_cardinality
from lamina.data.data_utils import pack_x_y_sample_weight
from lamina.data.data_utils import train_validation_split
from lamina.data.data_utils import unpack_x_y_sample_weight
from lamina.data.epoch_iterator import EpochIterator
from lamina.data.epoch_iterator import get_data_adapter
from lamina.data.generator_adapter import GeneratorDataAdapter
from lamina.data.generator_adapter import IterableDataAdapter
from lamina.data.py_dataset import PyDataset
from lamina.data.py_dataset import PyDatasetAdapter
from lamina.data.py_dataset import Sequence

__all__ = [
    "ArrayDataAdapter",
    "DataAdapter",
    "EpochIterator",
    "GeneratorDataAdapter",
    "IterableDataAdapter",
    "PyDataset",
    "PyDatasetAdapter",
    "Sequence",
    "check_data_cardinality",
    "class_weight_to_sample_weights",
    "data_cardinality",
    "get_data_adapter",
    "pack_x_y_sample_weight",
    "train_validation_split",
    "unpack_x_y_sample_weight",
]
