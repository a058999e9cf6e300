"""What ``FeatureSpace`` is built from: the ``Feature`` and ``Cross`` specs, and the helpers
that size one-hot encodings and read adapt data. The space itself is in
``feature_space.py``."""

import numpy as np

from lamina import backend
from lamina import ops
from lamina.backend.common import scopes
from lamina.layers.preprocessing.category_encoding import CategoryEncoding
from lamina.layers.preprocessing.discretization import Discretization
from lamina.layers.preprocessing.hashed_crossing import HashedCrossing
from lamina.layers.preprocessing.hashing import Hashing
from lamina.layers.preprocessing.integer_lookup import IntegerLookup
from lamina.layers.preprocessing.normalization import Normalization
from lamina.layers.preprocessing.string_lookup import StringLookup
from lamina.layers.preprocessing.string_lookup import as_text
from lamina.saving import serialization

FEATURE_OUTPUT_MODES = ("int", "one_hot", "float")
CROSS_OUTPUT_MODES = ("int", "one_hot")
# Keras batches unbatched samples by 32 for adapt; Discretization's quantile summary
# depends on the batching, so we cut columns the same way.
ADAPT_BATCH_SIZE = 32

BAD_ADAPT_DATA = (
    "FeatureSpace.adapt: `dataset` must be a dict of columns (NumPy arrays or lists), a "
    "PyDataset, or an iterable of dict batches (or of (dict, label) pairs). Received an "
    "object of type {kind}."
)


class Feature:
    """One feature's type: the input dtype, the preprocessing layer and how its output is
    encoded. Made by the ``FeatureSpace.float(...)``-style helpers or
    :meth:`FeatureSpace.feature`.

    Args:
        dtype: the raw values' dtype: ``"float32"``, ``"int32"`` or ``"string"``.
        preprocessor: a layer (or its serialized config) applied to the raw values.
        output_mode: ``"float"`` (used as is), ``"int"`` (integer ids, kept as they are)
            or ``"one_hot"`` (ids one-hot encoded over the preprocessor's cardinality).

    Returns:
        A feature spec to put in ``FeatureSpace(features={...})``.

    Example:
        >>> spec = Feature("float32", lamina.layers.Rescaling(0.1), "float")
    """

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in FEATURE_OUTPUT_MODES:
            raise ValueError(
                f"FeatureSpace feature: `output_mode` must be one of {FEATURE_OUTPUT_MODES}. "
                f"Received: output_mode={output_mode!r}."
            )
        if isinstance(preprocessor, dict):
            preprocessor = serialization.deserialize_keras_object(preprocessor)
        if not callable(preprocessor):
            raise TypeError(
                "FeatureSpace feature: `preprocessor` must be a layer (or callable). "
                f"Received: {preprocessor!r:.80}."
            )
        self.dtype = dtype
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        """The spec as a JSON-friendly dict (the preprocessor serialized).

        Returns:
            A dict with ``dtype``, ``preprocessor`` and ``output_mode``.

        Example:
            >>> FeatureSpace.float().get_config()["output_mode"]
            'float'
        """
        return {"dtype": self.dtype,
                "preprocessor": serialization.serialize_keras_object(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        """Rebuild a spec from :meth:`get_config`'s output.

        Args:
            config: the dict.

        Returns:
            A ``Feature``.

        Example:
            >>> Feature.from_config(FeatureSpace.float().get_config()).dtype
            'float32'
        """
        return cls(**config)


class Cross:
    """A crossing of two or more features, hashed into ``crossing_dim`` buckets.

    Args:
        feature_names: the names of the features to cross (their preprocessed ids are
            crossed, as in Keras).
        crossing_dim: the number of hash buckets.
        output_mode: ``"one_hot"`` (default) or ``"int"`` (the bucket ids).

    Returns:
        A cross spec to put in ``FeatureSpace(crosses=[...])``.

    Example:
        >>> Cross(("city", "age"), crossing_dim=16).name
        'city_X_age'
    """

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in CROSS_OUTPUT_MODES:
            raise ValueError(
                f"FeatureSpace cross: `output_mode` must be one of {CROSS_OUTPUT_MODES}. "
                f"Received: output_mode={output_mode!r}."
            )
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        """The cross's name: the feature names joined by ``"_X_"``."""
        return "_X_".join(self.feature_names)

    def get_config(self):
        """The spec as a dict: ``feature_names``, ``crossing_dim``, ``output_mode``."""
        return {"feature_names": list(self.feature_names), "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        """Rebuild a spec from :meth:`get_config`'s output."""
        return cls(**config)


def deserialize_spec(config, kind):
    """A ``Feature`` or ``Cross`` from its serialized form (as lamina or Keras wrote it)."""
    if config.get("class_name") != kind.__name__:
        raise ValueError(
            f"FeatureSpace: expected a serialized {kind.__name__}, received one of class "
            f"{config.get('class_name')!r}."
        )
    return kind.from_config(dict(config.get("config") or {}))


def auto_name(base, name):
    """``name``, or a fresh ``base``, ``base_1``, ... when it is None."""
    return name or scopes.unique_name(base)


def cardinality(layer):
    """How many ids ``layer`` produces, or None when unknown."""
    if isinstance(layer, (IntegerLookup, StringLookup)):
        return layer.vocabulary_size()
    if isinstance(layer, CategoryEncoding):
        return layer.num_tokens
    if isinstance(layer, Discretization):
        if layer.num_bins is not None:
            return layer.num_bins
        return len(layer.bin_boundaries) + 1
    if isinstance(layer, (Hashing, HashedCrossing)):
        return layer.num_bins
    return None


def is_adaptable(layer):
    """Whether ``adapt`` should feed ``layer`` (it learns state and was not given it)."""
    if not hasattr(layer, "adapt"):
        return False
    if isinstance(layer, Normalization):
        return layer.input_mean is None
    if isinstance(layer, Discretization):
        return layer.num_bins is not None
    return not getattr(layer, "_has_input_vocabulary", False)


def as_column(values, dtype):
    """One feature's raw values as a NumPy array (strings decoded to ``str``)."""
    if isinstance(values, backend.BaseVariable) or backend.is_tensor(values):
        values = ops.convert_to_numpy(values)
    if dtype == "string":
        return as_text(values)
    array = np.asarray(values)
    if dtype.startswith("float") and array.dtype.kind in "iub":
        array = array.astype(dtype)
    return array


def as_batch(column):
    """A column as ``(batch, 1)`` (rank 1) or as given (rank 2 and up)."""
    return column[:, None] if column.ndim == 1 else column


def feature_batches(dataset, key, dtype):
    """The ``(batch, 1)`` NumPy batches of feature ``key`` that its ``adapt`` reads: a
    dict's column cut into batches of 32 rows, or each dict batch of an iterable
    (dicts of scalars, single samples, grouped by 32)."""
    if isinstance(dataset, dict):
        column = as_column(dataset[key], dtype)
        if column.ndim == 2 and column.shape[1] == 1:
            column = column[:, 0]
        if column.ndim != 1:
            yield as_batch(column)
            return
        for start in range(0, len(column), ADAPT_BATCH_SIZE):
            yield column[start:start + ADAPT_BATCH_SIZE, None]
        return
    pending = []  # unbatched samples, grouped by 32 as Keras batches them
    for element in dataset:
        sample = element[0] if isinstance(element, (tuple, list)) else element
        if not isinstance(sample, dict):
            raise TypeError(BAD_ADAPT_DATA.format(kind=f"an iterable of "
                                                   f"{type(sample).__name__}"))
        if key not in sample:
            raise ValueError(
                f"FeatureSpace.adapt: a batch of the data has no value for feature {key!r}. "
                f"Received keys {sorted(sample)}."
            )
        value = as_column(sample[key], dtype)
        if value.ndim == 0:
            pending.append(value)
            if len(pending) == ADAPT_BATCH_SIZE:
                yield np.stack(pending)[:, None]
                pending = []
        else:
            yield as_batch(value)
    if pending:
        yield np.stack(pending)[:, None]
