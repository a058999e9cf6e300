"""Utilities (``lamina.utils``): data helpers, datasets from folders of files, downloads
(``get_file``), image files, sequence padding, seeding, summaries."""

from lamina.data.data_utils import pack_x_y_sample_weight
from lamina.data.data_utils import unpack_x_y_sample_weight
from lamina.data.py_dataset import PyDataset
from lamina.data.py_dataset import Sequence
from lamina.saving.registry import CustomObjectScope
from lamina.saving.registry import custom_object_scope
from lamina.saving.registry import get_custom_objects
from lamina.saving.registry import get_registered_name
from lamina.saving.registry import get_registered_object
from lamina.saving.registry import register_keras_serializable
from lamina.saving.serialization import deserialize_keras_object
from lamina.saving.serialization import serialize_keras_object
from lamina.utils.audio_dataset import audio_dataset_from_directory
from lamina.utils.dataset_split import split_dataset
from lamina.utils.file_utils import get_file
from lamina.utils.graph_utils import clear_session
from lamina.utils.graph_utils import get_source_inputs
from lamina.utils.graph_utils import is_keras_tensor
from lamina.utils.graph_utils import standardize_dtype
from lamina.utils.image_dataset import image_dataset_from_directory
from lamina.utils.image_utils import array_to_img
from lamina.utils.image_utils import img_to_array
from lamina.utils.image_utils import load_img
from lamina.utils.image_utils import save_img
from lamina.utils.io_utils import disable_interactive_logging
from lamina.utils.io_utils import enable_interactive_logging
from lamina.utils.io_utils import is_interactive_logging_enabled
from lamina.utils.numerical_utils import normalize
from lamina.utils.numerical_utils import to_categorical
from lamina.utils.progbar import Progbar
from lamina.utils.rng_utils import set_random_seed
from lamina.utils.sequence_utils import pad_sequences
from lamina.utils.summary_utils import print_summary
from lamina.utils.text_dataset import text_dataset_from_directory
from lamina.utils.timeseries_dataset import timeseries_dataset_from_array
