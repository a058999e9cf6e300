"""``FeatureSpace``: one object that preprocesses and encodes a dict of structured-data
columns (numbers, integer and string categories, hashed values, crosses) into one vector
or a dict of encoded features, built from the preprocessing layers.

Keras runs FeatureSpace through ``tf.data``; lamina has no string tensors, so the
preprocessing runs on the host: ``adapt`` reads dicts of NumPy arrays, PyDatasets or
iterables of dict batches, and calling the space on a dict of arrays returns backend
tensors ready for ``fit``. Which layer serves each feature type, the output order
(features by sorted name, then crosses by sorted name) and the one-hot widths are Keras's.
The ``Feature`` / ``Cross`` specs and the adapt-data reader live in ``_feature_specs.py``.
"""

from lamina import backend
from lamina import ops
from lamina import tree
from lamina.layers.core.identity import Identity
from lamina.layers.core.input_layer import Input
from lamina.layers.layer import Layer
from lamina.layers.merging.concatenate import Concatenate
from lamina.layers.preprocessing.category_encoding import CategoryEncoding
from lamina.layers.preprocessing.discretization import Discretization
from lamina.layers.preprocessing.hashed_crossing import HashedCrossing
from lamina.layers.preprocessing.hashing import Hashing
from lamina.layers.preprocessing.integer_lookup import IntegerLookup
from lamina.layers.preprocessing.normalization import Normalization
from lamina.layers.preprocessing.rescaling import Rescaling
from lamina.layers.preprocessing.string_lookup import StringLookup
from lamina.saving import registry
from lamina.saving import serialization
from lamina.utils import _feature_specs as specs

_SPACE_OUTPUT_MODES = ("concat", "dict")
# What Keras's FeatureSpace (and lamina's) calls each shorthand string.
_FEATURE_TYPES = ("float", "float_rescaled", "float_normalized", "float_discretized",
                  "integer_categorical", "string_categorical", "integer_hashed",
                  "string_hashed")
_NOT_ADAPTED = (
    "FeatureSpace: call `.adapt(data)` before using it: the features {names} learn their "
    "vocabulary or statistics from data. Pass a dict of columns, e.g. "
    "feature_space.adapt({{'age': ages, 'city': cities}})."
)
_NO_STRING_INPUTS = (
    "FeatureSpace.get_inputs(): the string features {names} cannot be model Inputs in "
    "lamina (its tensors cannot hold strings on torch or JAX), so an end-to-end model on "
    "raw dicts cannot be built with them. Encode the raw data first instead: "
    "model.predict(feature_space(raw_dict)), with `model` taking get_encoded_features()."
)


class FeatureSpace(Layer):
    """Preprocesses and encodes a dict of structured-data features in one step.

    Each feature gets a type: a shorthand string (``"float"``, ``"float_rescaled"``,
    ``"float_normalized"``, ``"float_discretized"``, ``"integer_categorical"``,
    ``"string_categorical"``, ``"integer_hashed"``, ``"string_hashed"``, with default
    arguments) or a helper's spec (``FeatureSpace.string_categorical(max_tokens=10)``).
    ``adapt`` learns the vocabularies and statistics; calling the space on a dict of raw
    values (one sample or a batch) returns the encoded features: ``"one_hot"`` features
    as multi-hot rows over their cardinality, the rest as the preprocessor returns them.
    Features come out sorted by name, then the crosses sorted by name.

    lamina runs the preprocessing on the host: strings are NumPy arrays. An end-to-end
    model (``Model(get_inputs(), ...)``) works when no feature is a string; with string
    features, train and predict on ``feature_space(raw_dict)``.

    Args:
        features: a dict from feature name to its type (a shorthand string or a spec).
        output_mode: ``"concat"`` (one float vector per sample, the default) or ``"dict"``
            (a dict of encoded features, keyed by feature and cross names).
        crosses: a list of feature-name tuples, or of ``FeatureSpace.cross(...)`` specs.
        crossing_dim: the hash buckets of crosses given as tuples (default 32).
        hashing_dim: the buckets of ``"integer_hashed"`` / ``"string_hashed"`` shorthands
            (default 32).
        num_discretization_bins: the bins of the ``"float_discretized"`` shorthand
            (default 32).
        name: the space's name.

    Returns:
        A callable on dicts of raw feature values.

    Example:
        >>> space = FeatureSpace({"x": "float_normalized", "c": "string_categorical"})
        >>> space.adapt({"x": [0.0, 2.0], "c": ["a", "b"]})
        >>> space({"x": [2.0], "c": ["b"]})  # [[0., 1., 0., 1.]]: c one-hot, then x
    """

    # -- feature-type helpers ---------------------------------------------------------
    @staticmethod
    def cross(feature_names, crossing_dim, output_mode="one_hot"):
        """A cross of features, hashed into ``crossing_dim`` buckets (see :class:`Cross`).

        Example:
            >>> FeatureSpace.cross(("a", "b"), crossing_dim=8).name
            'a_X_b'
        """
        return specs.Cross(feature_names, crossing_dim, output_mode=output_mode)

    @staticmethod
    def feature(dtype, preprocessor, output_mode):
        """A feature with your own preprocessing layer (see :class:`Feature`).

        Example:
            >>> FeatureSpace.feature("float32", lamina.layers.Rescaling(2.0), "float")
        """
        return specs.Feature(dtype, preprocessor, output_mode)

    @staticmethod
    def float(name=None):
        """A float feature used as it is (cast to float32).

        Example:
            >>> FeatureSpace.float().output_mode
            'float'
        """
        name = specs.auto_name("float", name)
        layer = Identity(dtype="float32", name=f"{name}_preprocessor")
        return specs.Feature("float32", layer, "float")

    @staticmethod
    def float_rescaled(scale=1.0, offset=0.0, name=None):
        """A float feature mapped to ``x * scale + offset`` (a ``Rescaling`` layer).

        Example:
            >>> FeatureSpace.float_rescaled(scale=0.01).preprocessor.scale
            0.01
        """
        name = specs.auto_name("float_rescaled", name)
        layer = Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor")
        return specs.Feature("float32", layer, "float")

    @staticmethod
    def float_normalized(name=None):
        """A float feature normalized by the mean and variance ``adapt`` learns.

        Example:
            >>> FeatureSpace.float_normalized().preprocessor.axis
            (-1,)
        """
        name = specs.auto_name("float_normalized", name)
        layer = Normalization(axis=-1, name=f"{name}_preprocessor")
        return specs.Feature("float32", layer, "float")

    @staticmethod
    def float_discretized(num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        """A float feature cut into ``num_bins`` bins: quantiles learned by ``adapt``, or
        the given ``bin_boundaries`` (then exactly ``num_bins - 1`` of them).

        Example:
            >>> FeatureSpace.float_discretized(4).preprocessor.num_bins
            4
        """
        name = specs.auto_name("float_discretized", name)
        if bin_boundaries is None:
            layer = Discretization(num_bins=num_bins, name=f"{name}_preprocessor")
        else:
            # lamina's Discretization takes boundaries or a bin count, not both.
            if num_bins is not None and len(bin_boundaries) != num_bins - 1:
                raise ValueError(
                    "FeatureSpace.float_discretized: `bin_boundaries` must hold num_bins - 1 "
                    f"values. Received num_bins={num_bins} and {len(bin_boundaries)} "
                    "boundaries."
                )
            layer = Discretization(bin_boundaries=bin_boundaries,
                                   name=f"{name}_preprocessor")
        return specs.Feature("float32", layer, output_mode)

    @staticmethod
    def integer_categorical(max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                            name=None):
        """An integer category, looked up in a vocabulary ``adapt`` learns.

        Example:
            >>> FeatureSpace.integer_categorical(max_tokens=10).dtype
            'int32'
        """
        name = specs.auto_name("integer_categorical", name)
        layer = IntegerLookup(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                              name=f"{name}_preprocessor")
        return specs.Feature("int32", layer, output_mode)

    @staticmethod
    def string_categorical(max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                           name=None):
        """A string category, looked up in a vocabulary ``adapt`` learns.

        Example:
            >>> FeatureSpace.string_categorical().dtype
            'string'
        """
        name = specs.auto_name("string_categorical", name)
        layer = StringLookup(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                             name=f"{name}_preprocessor")
        return specs.Feature("string", layer, output_mode)

    @staticmethod
    def string_hashed(num_bins, output_mode="one_hot", name=None):
        """A string category hashed into ``num_bins`` buckets (no vocabulary).

        Example:
            >>> FeatureSpace.string_hashed(16).preprocessor.num_bins
            16
        """
        name = specs.auto_name("string_hashed", name)
        layer = Hashing(num_bins=num_bins, name=f"{name}_preprocessor")
        return specs.Feature("string", layer, output_mode)

    @staticmethod
    def integer_hashed(num_bins, output_mode="one_hot", name=None):
        """An integer category hashed into ``num_bins`` buckets (no vocabulary).

        Example:
            >>> FeatureSpace.integer_hashed(16).dtype
            'int32'
        """
        name = specs.auto_name("integer_hashed", name)
        layer = Hashing(num_bins=num_bins, name=f"{name}_preprocessor")
        return specs.Feature("int32", layer, output_mode)

    # -- construction -----------------------------------------------------------------
    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32,
                 hashing_dim=32, num_discretization_bins=32, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not features or not isinstance(features, dict):
            raise ValueError(
                "FeatureSpace: `features` must be a non-empty dict from feature name to "
                f"feature type, e.g. {{'age': 'float_normalized'}}. Received: {features!r:.80}."
            )
        if output_mode not in _SPACE_OUTPUT_MODES:
            raise ValueError(
                f"FeatureSpace: `output_mode` must be one of {_SPACE_OUTPUT_MODES}. "
                f"Received: output_mode={output_mode!r}."
            )
        self.output_mode = output_mode
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {key: self._standardize_feature(key, value)
                         for key, value in features.items()}
        self.crosses = [self._standardize_cross(cross, features) for cross in crosses or ()]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        self.preprocessors = {key: spec.preprocessor for key, spec in self.features.items()}
        self.crossers = {cross.name: HashedCrossing(cross.crossing_dim, name=cross.name)
                         for cross in self.crosses}
        self.one_hot_encoders = {}
        self.concat = Concatenate(axis=-1) if output_mode == "concat" else None
        self.inputs = None
        self.encoded_features = None
        self._is_adapted = False
        self._feature_names = sorted(self.features)
        self._cross_names = sorted(self.crosses_by_name)

    def _standardize_feature(self, key, feature):
        if isinstance(feature, specs.Feature):
            return feature
        if isinstance(feature, dict):
            return specs.deserialize_spec(feature, specs.Feature)
        makers = {
            "float": lambda: self.float(name=key),
            "float_rescaled": lambda: self.float_rescaled(name=key),
            "float_normalized": lambda: self.float_normalized(name=key),
            "float_discretized": lambda: self.float_discretized(
                self.num_discretization_bins, name=key),
            "integer_categorical": lambda: self.integer_categorical(name=key),
            "string_categorical": lambda: self.string_categorical(name=key),
            "integer_hashed": lambda: self.integer_hashed(self.hashing_dim, name=key),
            "string_hashed": lambda: self.string_hashed(self.hashing_dim, name=key),
        }
        if isinstance(feature, str) and feature in makers:
            return makers[feature]()
        raise ValueError(
            f"FeatureSpace: feature {key!r} has an unknown type {feature!r:.80}. Use one of "
            f"{_FEATURE_TYPES} or a spec such as FeatureSpace.integer_categorical()."
        )

    def _standardize_cross(self, cross, features):
        if isinstance(cross, dict):
            cross = specs.deserialize_spec(cross, specs.Cross)
        if not isinstance(cross, specs.Cross):
            if isinstance(cross, str) or not all(isinstance(k, str) for k in cross):
                raise ValueError(
                    "FeatureSpace: each of `crosses` must be a tuple of feature names or a "
                    f"FeatureSpace.cross(...) spec. Received: {cross!r:.80}."
                )
            if not self.crossing_dim:
                raise ValueError(
                    "FeatureSpace: `crosses` given as name tuples need `crossing_dim` (the "
                    f"number of hash buckets). Received: crossing_dim={self.crossing_dim!r}."
                )
            cross = specs.Cross(cross, crossing_dim=self.crossing_dim)
        unknown = [k for k in cross.feature_names if k not in features]
        if unknown:
            raise ValueError(
                f"FeatureSpace: the cross {cross.feature_names} names features {unknown} "
                f"that are not in `features` ({sorted(features)}). Cross only declared "
                "features."
            )
        if len(cross.feature_names) < 2:
            raise ValueError(
                f"FeatureSpace: a cross needs at least two features. Received: "
                f"{cross.feature_names}."
            )
        return cross

    # -- adapt ------------------------------------------------------------------------
    def _adaptable_names(self):
        return [key for key in self.features if specs.is_adaptable(self.preprocessors[key])]

    def adapt(self, dataset):
        """Learn each adaptable feature's vocabulary, statistics or bins from data.

        Args:
            dataset: a dict of columns (NumPy arrays or lists, one value per sample), a
                ``PyDataset`` or another iterable of dict batches (``(dict, label)`` pairs
                use the dict; dicts of scalars are single samples).

        Returns:
            None.

        Example:
            >>> space = FeatureSpace({"c": "integer_categorical"})
            >>> space.adapt({"c": [3, 3, 7]})
            >>> space.preprocessors["c"].get_vocabulary()
            [-1, 3, 7]
        """
        from lamina.data.py_dataset import PyDataset

        if isinstance(dataset, PyDataset):
            dataset = [dataset[i] for i in range(len(dataset))]
        elif not isinstance(dataset, dict):
            if not hasattr(dataset, "__iter__") or isinstance(dataset, (str, bytes)):
                raise TypeError(specs.BAD_ADAPT_DATA.format(kind=type(dataset).__name__))
            if iter(dataset) is dataset:
                dataset = list(dataset)  # a one-shot iterator: each feature reads it again
        if isinstance(dataset, dict):
            missing = [key for key in self.features if key not in dataset]
            if missing:
                raise ValueError(
                    f"FeatureSpace.adapt: the data has no column for features {missing}. "
                    f"Received columns {sorted(dataset)}."
                )
        for key in self._adaptable_names():
            batches = specs.feature_batches(dataset, key, self.features[key].dtype)
            self.preprocessors[key].adapt(batches)
        self._is_adapted = True
        self._build_encoders()
        self._mark_built()

    def _check_if_adapted(self):
        if not self._is_adapted:
            pending = self._adaptable_names()
            if pending:
                raise ValueError(_NOT_ADAPTED.format(names=pending))
            self._is_adapted = True
            self._build_encoders()
            self._mark_built()

    def _build_encoders(self):
        """One ``CategoryEncoding`` per ``"one_hot"`` feature or cross, as wide as its
        preprocessor's cardinality (multi-hot over ``(batch, 1)`` ids is one-hot)."""
        self.one_hot_encoders = {}
        self.encoded_features = None  # a re-adapted space traces its graph again
        entries = [(key, self.features[key], self.preprocessors[key])
                   for key in self._feature_names]
        entries += [(key, self.crosses_by_name[key], self.crossers[key])
                    for key in self._cross_names]
        for key, spec, layer in entries:
            if spec.output_mode != "one_hot":
                continue
            cardinality = specs.cardinality(layer)
            if cardinality is None:
                raise ValueError(
                    f"FeatureSpace: feature {key!r} has output_mode='one_hot', but its "
                    f"preprocessor ({type(layer).__name__}) has no known number of ids to "
                    "one-hot encode over. Use output_mode='int' (or 'float')."
                )
            self.one_hot_encoders[key] = CategoryEncoding(
                num_tokens=cardinality, output_mode="multi_hot", name=f"{key}_one_hot")

    # -- encoding -----------------------------------------------------------------------
    def _encode(self, data):
        """Preprocess, cross and merge a dict of ``(batch, 1)`` values (arrays, tensors or
        symbolic tensors)."""
        preprocessed = {key: self.preprocessors[key](data[key]) for key in self._feature_names}
        crossed = {}
        for key in self._cross_names:
            cross = self.crosses_by_name[key]
            crossed[key] = self.crossers[key]([preprocessed[k] for k in cross.feature_names])
        merged = {}
        for key in self._feature_names + self._cross_names:
            value = preprocessed[key] if key in preprocessed else crossed[key]
            dtype = backend.standardize_dtype(value.dtype) if hasattr(value, "dtype") else \
                "string"
            if key in self.one_hot_encoders:
                if not dtype.startswith(("int", "uint")):
                    raise ValueError(
                        f"FeatureSpace: feature {key!r} has output_mode='one_hot', so its "
                        f"preprocessor must return integer ids; it returned dtype {dtype}. "
                        "Use output_mode='float'."
                    )
                value = self.one_hot_encoders[key](value)
            elif self.output_mode == "concat" and not dtype.startswith(("float",
                                                                         "bfloat")):
                raise ValueError(
                    f"FeatureSpace: cannot concatenate feature {key!r}: it is not encoded "
                    f"(dtype {dtype}). Give it output_mode='one_hot', or use "
                    "FeatureSpace(output_mode='dict')."
                )
            merged[key] = value
        if self.output_mode == "dict":
            return merged
        values = list(merged.values())
        return values[0] if len(values) == 1 else self.concat(values)

    def __call__(self, data):
        """Encode a dict of raw feature values.

        Args:
            data: a dict from feature name to its values: a scalar (one sample), or a
                list / NumPy array / tensor of shape ``(batch,)`` or ``(batch, 1)``.

        Returns:
            In ``"concat"`` mode one float tensor ``(batch, width)`` (``(width,)`` for one
            sample); in ``"dict"`` mode a dict of encoded tensors.

        Example:
            >>> space = FeatureSpace({"n": "integer_categorical"})
            >>> space.adapt({"n": [1, 2]})
            >>> space({"n": 2})  # [0., 1., 0.]: ties in count put 2 before 1
        """
        self._check_if_adapted()
        if not isinstance(data, dict):
            raise TypeError(
                "FeatureSpace: call it on a dict from feature name to values. Received: "
                f"{type(data).__name__}."
            )
        missing = [key for key in self.features if key not in data]
        if missing:
            raise ValueError(
                f"FeatureSpace: the data has no values for features {missing}. Received "
                f"keys {sorted(data)}."
            )
        columns = {key: specs.as_column(data[key], self.features[key].dtype)
                   for key in self.features}
        # As in Keras: any scalar value makes the call a single sample (batch axis dropped).
        is_single = any(column.ndim == 0 for column in columns.values())
        batch = {key: column.reshape(1, 1) if column.ndim == 0 else specs.as_batch(column)
                 for key, column in columns.items()}
        merged = self._encode(batch)
        if is_single:
            merged = tree.map_structure(
                lambda x: ops.squeeze(x, 0) if ops.ndim(x) == 2 and x.shape[0] == 1 else x,
                merged)
        return tree.map_structure(
            lambda x: x if backend.is_tensor(x) else ops.convert_to_tensor(x), merged)

    def call(self, data):
        """Same as calling the space (see :meth:`__call__`)."""
        return self.__call__(data)

    # -- the symbolic graph -------------------------------------------------------------
    def _string_features(self):
        return [key for key in self._feature_names if self.features[key].dtype == "string"]

    def get_inputs(self):
        """The model Inputs, one per feature: shape ``(1,)``, the feature's dtype.

        Returns:
            A dict from feature name to an ``Input``.

        Example:
            >>> space = FeatureSpace({"x": "float"})
            >>> space.get_inputs()["x"].shape
            (None, 1)
        """
        self._check_if_adapted()
        strings = self._string_features()
        if strings:
            raise ValueError(_NO_STRING_INPUTS.format(names=strings))
        if self.inputs is None:
            self.inputs = {key: Input(shape=(1,), dtype=self.features[key].dtype, name=key)
                           for key in self._feature_names}
        return self.inputs

    def get_encoded_features(self):
        """The encoded features as symbolic tensors, to build a model on.

        Without string features they follow from :meth:`get_inputs`, so
        ``Model(space.get_inputs(), head(space.get_encoded_features()))`` runs end to end
        on raw dicts. With string features (which lamina cannot hold in a tensor) they are
        fresh Inputs of the encoded shapes: a model on them trains and predicts on
        ``space(raw_dict)``.

        Returns:
            A symbolic tensor (``"concat"``) or a dict of them (``"dict"``).

        Example:
            >>> space = FeatureSpace({"x": "float", "y": "float"})
            >>> space.get_encoded_features().shape
            (None, 2)
        """
        self._check_if_adapted()
        if self.encoded_features is None:
            if not self._string_features():
                self.encoded_features = self._encode(self.get_inputs())
            else:
                # Shapes from a trace on stand-in inputs; the outputs are then new Inputs,
                # since a graph fed by the stand-ins could not run on raw strings.
                stand_ins = {key: Input(shape=(1,), name=f"{key}_stand_in", dtype=(
                    "int64" if self.features[key].dtype == "string"
                    else self.features[key].dtype)) for key in self._feature_names}
                traced = self._encode(stand_ins)
                if self.output_mode == "concat":
                    self.encoded_features = Input(shape=tuple(traced.shape[1:]),
                                                  dtype=traced.dtype,
                                                  name="encoded_features")
                else:
                    self.encoded_features = {
                        key: Input(shape=tuple(x.shape[1:]), dtype=x.dtype, name=key)
                        for key, x in traced.items()}
        return self.encoded_features

    def compute_output_shape(self, input_shape):
        """The encoded shape(s) for a batch (from the traced graph)."""
        return tree.map_structure(lambda x: tuple(x.shape), self.get_encoded_features())

    # -- saving ---------------------------------------------------------------------------
    def get_config(self):
        """The space's arguments, with each feature and cross serialized (adapted
        vocabularies and boundaries ride in their layers' configs).

        Returns:
            A dict: ``features``, ``output_mode``, ``crosses``, ``crossing_dim``,
            ``hashing_dim``, ``num_discretization_bins``, ``name``.

        Example:
            >>> FeatureSpace({"x": "float"}).get_config()["output_mode"]
            'concat'
        """
        return {
            "name": self.name,
            "features": {key: serialization.serialize_keras_object(spec)
                         for key, spec in self.features.items()},
            "output_mode": self.output_mode,
            "crosses": [serialization.serialize_keras_object(c) for c in self.crosses],
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
        }

    @classmethod
    def from_config(cls, config):
        """Rebuild a space from :meth:`get_config`'s output; adapted layers come back
        adapted, but Normalization statistics are weights (restored by loading).

        Example:
            >>> space = FeatureSpace({"x": "float"})
            >>> FeatureSpace.from_config(space.get_config()).output_mode
            'concat'
        """
        config = dict(config)
        for key in ("trainable", "dtype"):
            config.pop(key, None)
        return cls(**config)

    def build(self, input_shape=None):
        """Mark the space adapted and build its preprocessors for ``(batch, 1)`` inputs.

        Loading a saved space calls this (with the per-feature shapes recorded when it was
        saved), so the Normalization weights exist before the file's values load in.

        Args:
            input_shape: a dict from feature name to shape (ignored beyond that).

        Returns:
            None.
        """
        for layer in self.preprocessors.values():
            if isinstance(layer, Normalization) and not layer.built:
                layer.build((None, 1))
        self._is_adapted = True
        self._build_encoders()
        self._mark_built()

    def _mark_built(self):
        self.built = True
        # What a saved file records as the build shape; loading passes it to build().
        self._build_input_shape = {key: (None, 1) for key in self._feature_names}

    def save(self, filepath):
        """Save the space (config and adapted state) to a ``.keras`` file; reload it with
        ``lamina.models.load_model``.

        Args:
            filepath: a path ending in ``.keras``.

        Returns:
            None.

        Example:
            >>> space.save("space.keras")
            >>> space = lamina.models.load_model("space.keras")
        """
        from lamina.saving import keras_archive

        keras_archive.save_model(self, filepath)


# Saved configs name the class by its Keras name; registering lets loading find it outside
# lamina.layers.
registry.register_keras_serializable(package="keras.utils")(FeatureSpace)
