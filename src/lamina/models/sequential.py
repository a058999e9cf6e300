"""``Sequential``: a plain stack of layers, each feeding the next."""

from lamina import activations
from lamina import backend
from lamina.activations.activations import engine_form
from lamina.backend import KerasTensor
from lamina.layers.convolutional.base_conv import RELU_DEFERRED
from lamina.layers.convolutional.conv import Conv1D
from lamina.layers.convolutional.conv import Conv2D
from lamina.layers.convolutional.conv import Conv3D
from lamina.layers.core.input_layer import InputLayer
from lamina.layers.layer import Layer
from lamina.layers.layer import call_plain
from lamina.layers.layer import plain_call_ready
from lamina.layers.layer import remember_plain_call
from lamina.layers.pooling.max_pooling import MaxPooling1D
from lamina.layers.pooling.max_pooling import MaxPooling2D
from lamina.layers.pooling.max_pooling import MaxPooling3D
from lamina.models.model import Model

# Exactly these classes (not subclasses, which may change call()): a relu convolution
# directly followed by a max-pooling layer applies its relu after the pooling.
_PLAIN_CONVS = (Conv1D, Conv2D, Conv3D)
_MAX_POOLS = (MaxPooling1D, MaxPooling2D, MaxPooling3D)


class Sequential(Model):
    """A model whose layers run one after another.

    The input shape comes from an ``Input``/``InputLayer`` first, from ``input_shape=``
    (or ``input_dim=``, ``batch_input_shape=``) on the first layer, or from the first
    batch of data.

    Args:
        layers: a list of layers.
        trainable: whether the model's weights are trained.
        name: the model name.

    Example:
        >>> model = lamina.Sequential([
        ...     lamina.layers.Dense(16, activation="relu", input_shape=(8,)),
        ...     lamina.layers.Dense(1),
        ... ])
        >>> model.output_shape
        (None, 1)
    """

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._stack = []
        self._input_layer = None
        self._output_tensor = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build_graph()

    def add(self, layer, rebuild=True):
        """Append ``layer`` (or an ``Input`` tensor, which sets the input shape)."""
        if isinstance(layer, KerasTensor) and isinstance(layer._history[0], InputLayer):
            layer = layer._history[0]
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Sequential.add expects a lamina layer, got {layer!r} of type "
                f"{type(layer).__name__}."
            )
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError(
                    "Sequential: an Input can only be the first element of the model."
                )
            self._input_layer = layer
        else:
            if any(existing.name == layer.name for existing in self._stack):
                raise ValueError(
                    f'Sequential: all layers must have unique names; "{layer.name}" is '
                    "already in the model."
                )
            if not self._stack and self._input_layer is None and \
                    getattr(layer, "_input_shape_arg", None) is not None:
                self._input_layer = InputLayer(batch_shape=layer._input_shape_arg,
                                               dtype=_input_dtype(layer))
            self._stack.append(layer)
            self._backend_track_layer(layer)
        self.built = False
        self._output_tensor = None
        if rebuild:
            self._maybe_build_graph()

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self._stack:
            raise TypeError("Sequential.pop: there are no layers in the model.")
        layer = self._stack.pop()
        self.built = False
        self._output_tensor = None
        if rebuild:
            self._maybe_build_graph()
        return layer

    @property
    def _explicit_layers(self):
        return list(self._stack)

    @_explicit_layers.setter
    def _explicit_layers(self, value):
        pass

    @property
    def layers(self):
        """The layers, without the input layer (as in Keras)."""
        return list(self._stack)

    def _maybe_build_graph(self):
        if self._input_layer is None or not self._stack:
            return
        x = self._input_layer.output
        for layer in self._stack:
            x = layer(x)
        self._output_tensor = x
        self.built = True

    def build(self, input_shape=None):
        """Build for inputs of ``input_shape`` (with the batch dimension)."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError(
                    "Sequential.build needs an input shape, e.g. model.build((None, 784))."
                )
        elif self._input_layer is None or self._output_tensor is None:
            if self._input_layer is None:
                self._input_layer = InputLayer(batch_shape=tuple(input_shape))
        self._maybe_build_graph()
        self.built = True

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name == "_input_layer":
            # Read by every call: kept as a plain attribute (the layer itself is a tracked
            # sublayer, which torch's module lookup makes slow to reach).
            shape = None if value is None else value.batch_shape
            self.__dict__["_expand_rank"] = \
                len(shape) - 1 if shape and shape[-1] == 1 else None

    def call(self, inputs, training=None, mask=None):
        expand_rank = self.__dict__.get("_expand_rank")
        if expand_rank is not None and backend.is_tensor(inputs) and \
                inputs.ndim == expand_rank:
            # Keras accepts (batch,) data for an Input of shape (1,).
            inputs = backend.numpy.expand_dims(inputs, -1)
        x = inputs
        current_mask = mask if mask is not None else getattr(inputs, "_keras_mask", None)
        relu_before_pool = self._relu_before_pool()
        relu_pending = False
        for index, layer in enumerate(self._stack):
            kwargs = {}
            if current_mask is not None:
                kwargs["mask" if layer._call_has_mask_arg else "_previous_mask"] = current_mask
            if index in relu_before_pool and current_mask is None and \
                    layer.activation is activations.relu and layer.activity_regularizer is None:
                # relu(conv) then max-pool == max-pool then relu, exactly (values and
                # gradients: relu is monotonic and zero wherever it is flat), on a quarter
                # of the elements for 2x2 pools. The conv's own output is seen by no one
                # else inside this stack. (A per-thread marker: other threads calling the
                # same layer meanwhile are not affected.)
                outer, RELU_DEFERRED.layer = RELU_DEFERRED.layer, layer
                try:
                    x = layer(x, **kwargs)
                finally:
                    RELU_DEFERRED.layer = outer
                relu_pending = True
            else:
                if current_mask is None and plain_call_ready(layer, x):
                    # Seen this input type and shape before with nothing to add around
                    # call(): skip the per-call checks (a few microseconds per layer,
                    # which is most of a small model's step on torch).
                    x = call_plain(layer, x)
                else:
                    given = x
                    x = layer(x, **kwargs)
                    if current_mask is None:
                        remember_plain_call(layer, given)
                if relu_pending:
                    x = engine_form(activations.relu)(x)
                    relu_pending = False
            current_mask = layer._last_output_mask
        self.__dict__["_output_mask"] = current_mask  # per call: skip attribute tracking
        return x

    def _relu_before_pool(self):
        """Indices of the stack's convolutions that a max-pooling layer follows directly
        (cached per stack): their relu may run after the pooling instead."""
        stack = self._stack
        cached = self.__dict__.get("_relu_pool_cache")
        # The stack changes only through add / pop (which append / remove its last layer)
        # or by replacing the list: the same list object, length and last layer mean the
        # same stack.
        if cached is None or cached[0] is not stack or cached[1] != len(stack) or \
                (stack and cached[2] is not stack[-1]):
            found = frozenset(
                i for i in range(len(stack) - 1)
                if type(stack[i]) in _PLAIN_CONVS and type(stack[i + 1]) in _MAX_POOLS)
            cached = (stack, len(stack), stack[-1] if stack else None, found)
            self.__dict__["_relu_pool_cache"] = cached
        return cached[3]

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the last layer's output in the last call, or None."""
        return getattr(self, "_output_mask", None)

    def __call__(self, *args, **kwargs):
        if not self.built and self._input_layer is None and args and \
                not isinstance(args[0], KerasTensor):
            first = args[0]
            shape = tuple(getattr(first, "shape", ()))
            if shape:
                self._input_layer = InputLayer(
                    batch_shape=(None,) + shape[1:],
                    dtype=_data_dtype(first),
                )
                self._maybe_build_graph()
        return super().__call__(*args, **kwargs)

    def _convert_input(self, x):
        # Integer inputs (token ids) keep their dtype; the first layer decides.
        if x is None or isinstance(x, KerasTensor):
            return x
        if isinstance(x, backend.BaseVariable):
            return x.value
        if not backend.is_tensor(x):
            x = backend.convert_to_tensor(x)
        if backend.is_float_dtype(x.dtype) and backend.dtype_of(x) != self._dtype:
            x = backend.cast(x, self._dtype)
        return x

    @property
    def inputs(self):
        """The symbolic input (a one-element list), once the input shape is known."""
        return [self._input_layer.output] if self._input_layer is not None else []

    @property
    def outputs(self):
        """The symbolic output (a one-element list), once built."""
        return [self._output_tensor] if self._output_tensor is not None else []

    @property
    def input_shape(self):
        """The input shape, with None for the batch size."""
        if self._input_layer is None:
            raise AttributeError(
                f'Sequential model "{self.name}" has no input shape yet; give the first layer '
                "input_shape=... or call the model on data."
            )
        return self._input_layer.batch_shape

    @property
    def output_shape(self):
        """The output shape, with None for the batch size."""
        if self._output_tensor is None:
            raise AttributeError(
                f'Sequential model "{self.name}" is not built yet, so its output shape is '
                "unknown."
            )
        return self._output_tensor.shape

    @property
    def input(self):
        """The symbolic input tensor."""
        return self.inputs[0] if self.inputs else None

    @property
    def output(self):
        """The symbolic output tensor."""
        return self.outputs[0] if self.outputs else None

    @property
    def output_names(self):
        """The name of the last layer (Keras names outputs after their layers)."""
        return [self._stack[-1].name] if self._stack else []

    def get_config(self):
        """The model name and the config of each layer, as Keras's Sequential config."""
        from lamina.saving.serialization import serialize_keras_object

        layers = []
        if self._input_layer is not None:
            layers.append(serialize_keras_object(self._input_layer))
        layers.extend(serialize_keras_object(layer) for layer in self._stack)
        return {"name": self.name, "trainable": self.trainable, "dtype": self._dtype,
                "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a Sequential model from :meth:`get_config`'s output."""
        from lamina.saving.serialization import deserialize_keras_object

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config.get("layers", []):
            model.add(deserialize_keras_object(layer_config, custom_objects=custom_objects),
                      rebuild=False)
        model._maybe_build_graph()
        return model


def _input_dtype(layer):
    name = type(layer).__name__
    return "int32" if name == "Embedding" else None


def _data_dtype(x):
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return None
    dtype = backend.standardize_dtype(dtype)
    return dtype if not backend.is_float_dtype(dtype) else None
