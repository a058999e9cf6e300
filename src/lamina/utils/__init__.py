"""Utilities (``lamina.utils``): data helpers, seeding, summaries."""

from lamina.data.py_dataset import PyDataset
from lamina.data.py_dataset import Sequence
from lamina.utils.numerical_utils import normalize
from lamina.utils.numerical_utils import to_categorical
from lamina.utils.progbar import Progbar
from lamina.utils.rng_utils import set_random_seed
from lamina.utils.summary_utils import print_summary
