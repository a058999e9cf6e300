"""``Model``: a Layer that can be trained. Sequential, Functional and subclassed models all
share it.

``Model(inputs, outputs)`` returns a Functional model; subclassing ``Model`` and writing
``call`` makes a subclassed one. Training, evaluation and prediction come from ``Trainer``.
"""

from lamina.layers.layer import Layer
from lamina.trainers.trainer import Trainer


def _is_functional_call(args, kwargs):
    return (len(args) == 2) or (len(args) == 1 and "outputs" in kwargs) or (
        "inputs" in kwargs and "outputs" in kwargs
    )


_FUNCTIONAL_SUBCLASSES = {}


def _with_functional_base(cls):
    """``cls`` with Functional mixed in after it (made once per class)."""
    if cls not in _FUNCTIONAL_SUBCLASSES:
        from lamina.models.functional import Functional

        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, Functional), {
            "__module__": cls.__module__, "__qualname__": cls.__qualname__})
    return _FUNCTIONAL_SUBCLASSES[cls]


class Model(Trainer, Layer):
    """A trainable group of layers with ``compile``, ``fit``, ``evaluate`` and ``predict``.

    Two ways to make one:

    1. Functional: ``Model(inputs, outputs)`` from ``lamina.Input`` tensors.
    2. Subclassing: define layers in ``__init__`` and the forward pass in ``call``.

    Example:
        >>> class MLP(lamina.Model):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = lamina.layers.Dense(8, activation="relu")
        ...         self.out = lamina.layers.Dense(1)
        ...     def call(self, x):
        ...         return self.out(self.hidden(x))
        >>> MLP()(np.ones((2, 3))).shape
        (2, 1)
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_call(args, kwargs):
            from lamina.models.functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if _is_functional_call(args, kwargs):
            # A Model subclass called with (inputs, outputs) becomes a Functional model that
            # keeps the subclass's own methods (a custom train_step, say), as in Keras.
            from lamina.models.functional import Functional

            if not isinstance(self, Functional):
                self.__class__ = _with_functional_base(type(self))
                Functional.__init__(self, *args, **kwargs)
                return
        if args:
            raise TypeError(
                f"Model.__init__ got unexpected positional arguments {args}. Use "
                "Model(inputs, outputs) for a Functional model, or keyword arguments."
            )
        Trainer.__init__(self)
        Layer.__init__(self, **kwargs)
        # Model.build is for explicit model.build(shape) calls; a first call on data builds
        # the layers directly.
        self._build_is_default = getattr(type(self).build, "__func__", type(self).build) \
            is Model.build

    @property
    def layers(self):
        """The model's direct sublayers, in the order they were assigned."""
        return self._layers

    def get_layer(self, name=None, index=None):
        """A layer by ``name`` or by ``index`` in :attr:`layers`.

        Raises:
            ValueError: when no layer has that name or the index is out of range.
        """
        if index is not None and name is not None:
            raise ValueError("get_layer: pass either `name` or `index`, not both.")
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"get_layer: index {index} is out of range; the model has {len(layers)} "
                    "layers."
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name!r}. Existing layers are: {[layer.name for layer in layers]}."
            )
        raise ValueError("get_layer: pass a layer `name` or `index`.")

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save the whole model (architecture, weights, optimizer state) to a file.

        ``name.keras`` writes Keras 3's format; ``name.h5`` writes the legacy HDF5 format
        (with Keras's warning). The write is atomic: a temporary file is renamed over the
        target.

        Args:
            filepath: the path, ending in ``.keras`` or ``.h5``.
            overwrite: whether an existing file may be replaced.
            zipped: must be None or True (lamina writes zipped ``.keras`` files).
            **kwargs: ``include_optimizer`` for ``.h5`` files.

        Example:
            >>> model.save("model.keras")
        """
        from lamina.saving import keras_archive

        keras_archive.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights (and the optimizer's state) to a ``.weights.h5`` file, laid out
        as Keras 3 lays it out, atomically.

        Example:
            >>> model.save_weights("model.weights.h5")
        """
        from lamina.saving import weights_h5

        weights_h5.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights into this built model.

        Args:
            filepath: a ``.weights.h5`` or ``.keras`` file (lamina or Keras 3), or a legacy
                ``.h5`` file (Keras 2 ``save_weights`` or any ``save("m.h5")``).
            skip_mismatch: skip layers whose weight count or shapes differ, with a warning.
            **kwargs: ``by_name=True`` (legacy ``.h5`` only): match layers by name.

        Example:
            >>> model.load_weights("model.weights.h5")
        """
        from lamina.saving import weights_h5

        if not self.built:
            raise ValueError(
                f'Model "{self.name}" is not built yet, so it has no weights to load into. '
                "Call it on a batch of data (or give it an Input) first."
            )
        weights_h5.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def to_json(self, **kwargs):
        """The model's config (architecture, build and compile settings) as a JSON string.

        Args:
            **kwargs: passed to ``json.dumps`` (e.g. ``indent=2``).

        Example:
            >>> clone = lamina.models.model_from_json(model.to_json())
        """
        from lamina.saving import keras_archive

        return keras_archive.to_json(self, **kwargs)

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None,
               **kwargs):
        """Export the model for inference in other runtimes.

        lamina writes ONNX (``format="onnx"``) on the torch backend, through
        ``torch.onnx.export``; onnxruntime runs the file with the same predictions. Keras's
        default ``"tf_saved_model"`` and its other formats raise a ValueError saying so.

        Args:
            filepath: where to write the file, e.g. ``"model.onnx"``.
            format: ``"onnx"``.
            verbose: print the exporter's progress.
            input_signature: the inputs' shapes and dtypes (``InputSpec``, ``KerasTensor``,
                arrays or shape tuples, structured as the model takes its inputs). None
                uses the model's inputs; ``None`` dimensions (the batch) stay variable.
            **kwargs: ``opset_version`` for ONNX.

        Example:
            >>> model.export("model.onnx", format="onnx")
        """
        from lamina.saving import export

        export.export_model(self, filepath, format=format, verbose=verbose,
                            input_signature=input_signature, **kwargs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Create a model from :meth:`get_config`'s output.

        A layer-graph config (``layers``, ``input_layers``, ``output_layers``: what
        Functional models write) rebuilds the graph, as ``cls(inputs=, outputs=, name=)``
        for a subclass whose constructor takes those; any other config is passed to the
        constructor, so a subclassed model needs ``get_config`` returning its arguments.

        Example:
            >>> clone = lamina.Model.from_config(model.get_config())
        """
        import inspect

        from lamina.models import functional_config

        if functional_config.is_functional_config(config):
            params = inspect.signature(cls.__init__).parameters
            takes_graph = {"inputs", "outputs"} <= set(params) or any(
                p.kind == p.VAR_POSITIONAL for p in params.values())
            if cls is Model or takes_graph:
                return functional_config.functional_from_config(
                    config, custom_objects=custom_objects,
                    model_class=None if cls is Model else cls)
        try:
            return cls(**config)
        except TypeError as error:
            raise TypeError(
                f"{cls.__name__}.from_config could not create the model from its config "
                f"({error}). A subclassed model whose constructor takes arguments must "
                "define get_config() returning them (and from_config when they are not "
                "plain values)."
            ) from None

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print a table of the layers, their output shapes and parameter counts."""
        from lamina.utils import summary_utils

        summary_utils.print_summary(self, line_length=line_length, positions=positions,
                                    print_fn=print_fn, expand_nested=expand_nested,
                                    show_trainable=show_trainable)

    def build(self, input_shape):
        """Build the model for inputs of ``input_shape`` by calling it on placeholders."""
        if self.built:
            return
        from lamina.backend import KerasTensor
        from lamina.layers.layer import map_shapes

        placeholders = map_shapes(lambda s: KerasTensor(s), input_shape)
        try:
            from lamina.layers.layer import run_on_placeholders

            run_on_placeholders(self, (placeholders,), {})
        except Exception as error:
            raise ValueError(
                f'Model "{self.name}" could not be built for input shape {input_shape}: '
                f"{error}. Call the model on a batch of real data instead."
            ) from error
        # Saved as the model's build_config, so a loaded copy is built the same way.
        self._build_input_shape = map_shapes(tuple, input_shape)
        self.built = True
