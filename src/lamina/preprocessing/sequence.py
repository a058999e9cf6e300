"""``lamina.preprocessing.sequence`` (as ``keras.preprocessing.sequence``): pad ragged
sequences. Defined in ``lamina.utils.sequence_utils``."""

from lamina.utils.sequence_utils import pad_sequences

__all__ = [
    "pad_sequences",
]
