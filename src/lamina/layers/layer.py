"""``Layer``: the base of every layer and model.

A layer stores its configuration in ``__init__``, makes its weights in ``build(input_shape)``
on the first call, and computes in ``call``. ``__call__`` adds what every layer shares:
conversion and autocasting of inputs, input checks, lazy building, the ``training`` flag
passed down to sublayers, activity regularization, and symbolic calls that record the
Functional graph. On torch a Layer is also a ``torch.nn.Module`` (see backend/torch/layer.py).
"""

import inspect
import re
import threading
import weakref

from lamina import _runtime
from lamina import backend
from lamina import tree
from lamina.backend import KerasTensor
from lamina.backend import scopes
from lamina.backend.common import stateless_scope
from lamina.layers import input_spec as input_spec_lib
from lamina.layers.node import Node


class _Context(threading.local):
    """Per-thread state of the layer calls in progress (class attributes: the defaults)."""

    training = None
    depth = 0


_context = _Context()


class _StructureState:
    """A non-zero ``frozen_id`` while a training loop runs and layers cannot change."""

    frozen_id = 0
    _counter = 0


_structure_state = _StructureState()


class frozen_structure:
    """Context: the layer graph does not change inside, so walks over it may be cached."""

    def __enter__(self):
        self.previous = _structure_state.frozen_id
        _StructureState._counter += 1
        _structure_state.frozen_id = _StructureState._counter
        return self

    def __exit__(self, *exc):
        _structure_state.frozen_id = self.previous
        return False


# The layers whose add_loss() was called since their losses were last cleared.
_HOLDING_LOSSES = weakref.WeakSet()


def _structure_changed():
    """A layer gained weights or sublayers: inside a training loop, drop the cached walks."""
    if _structure_state.frozen_id:
        _StructureState._counter += 1
        _structure_state.frozen_id = _StructureState._counter


def _holds_layers_or_variables(value):
    return any(isinstance(v, (Layer, backend.BaseVariable)) for v in _leaves_of(value))


# Keras 2 spellings of the input shape accepted by any layer's constructor.
_INPUT_SHAPE_KWARGS = ("input_shape", "batch_input_shape", "input_dim", "batch_size",
                       "input_length")


def to_snake_case(name):
    """``"BatchNormalization"`` -> ``"batch_normalization"``, as Keras names layers."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def current_training():
    """The ``training`` value of the enclosing layer call, or None outside any call."""
    return _context.training


class _CallScope:
    """Marks a layer call in progress; carries ``training`` down to nested calls."""

    __slots__ = ("training", "previous", "previous_depth")

    def __init__(self, training):
        self.training = training

    def __enter__(self):
        context = _context
        self.previous = context.training
        self.previous_depth = depth = context.depth
        context.training = self.training
        context.depth = depth + 1
        return self

    def __exit__(self, *exc):
        context = _context
        context.training = self.previous
        context.depth = self.previous_depth
        return False


def _call_depth():
    return _context.depth


def _shape_of(x):
    return tuple(x.shape) if hasattr(x, "shape") else None


def _is_default(method, base_method):
    return getattr(method, "__func__", method) is base_method


class Layer(backend.LayerBase):
    """The base class of all layers; subclass it to write your own.

    Args:
        activity_regularizer: a regularizer applied to the layer's output; its value is
            added to the model's loss.
        trainable: whether the layer's weights are updated by training.
        dtype: the dtype of the layer's weights and computations (``floatx()`` default).
        autocast: whether floating inputs are cast to the layer's dtype.
        name: a unique name; derived from the class name when omitted.
        input_shape: (Keras 2 style, first layer of a Sequential) the shape of one sample.
        input_dim: (Keras 2 style) shorthand for ``input_shape=(input_dim,)``.
        batch_input_shape: (Keras 2 style) the input shape including the batch size.

    Example:
        >>> class Scale(lamina.layers.Layer):
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        ...     def call(self, x):
        ...         return x * self.w
        >>> Scale()(np.ones((2, 3))).shape
        (2, 3)
    """

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        obj._backend_init()
        state = obj.__dict__
        state["_init_args"] = (args, dict(kwargs))
        state["_tracked_names"] = []
        state["_trainable_variables"] = []
        state["_non_trainable_variables"] = []
        state["_seed_generators"] = []
        state["_explicit_layers"] = []
        state["_losses"] = []
        state["_inbound_nodes"] = []
        state["built"] = False
        state["_trainable"] = True
        state["name"] = None
        # The RematScope active when the layer is created decides whether its calls are
        # rematerialized (as in Keras).
        state["_remat_mode"] = _runtime.get_current_remat_mode()
        return obj

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None,
                 autocast=True, name=None, **kwargs):
        self._input_shape_arg = _translate_input_shape_kwargs(type(self).__name__, kwargs)
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected keyword argument(s) "
                f"{sorted(kwargs)}. Check the spelling against the Keras documentation."
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Layer `name` must be a string, got {name!r}.")
        self.name = name or scopes.unique_name(to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        from lamina.mixed_precision import dtype_policies as policies

        self._dtype_policy = policies.get(_policy_name(dtype))
        self._dtype = self._dtype_policy.variable_dtype
        self._compute_dtype = self._dtype_policy.compute_dtype
        self.autocast = autocast
        from lamina import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.input_spec = None
        self.supports_masking = False
        cls = type(self)
        call_params = inspect.signature(self.call).parameters
        self._call_has_training_arg = "training" in call_params or any(
            p.kind == p.VAR_KEYWORD for p in call_params.values()
        )
        self._call_has_mask_arg = "mask" in call_params
        self._first_arg_name = next(iter(call_params), None)
        self._build_is_default = _is_default(cls.build, Layer.build)
        self._compute_mask_is_default = _is_default(cls.compute_mask, Layer.compute_mask)
        self._last_output_mask = None

    # -- attribute tracking --------------------------------------------------------------
    def __setattr__(self, name, value):
        if not name.startswith("__") and _is_trackable(value):
            names = self.__dict__.get("_tracked_names")
            if names is not None and name not in names:
                names.append(name)
            if isinstance(value, backend.BaseVariable):
                self._track_variable(value)
            elif _structure_state.frozen_id and _holds_layers_or_variables(value):
                _structure_changed()  # a sublayer (or weights) added inside a training loop
        super().__setattr__(name, value)

    def _track_variable(self, variable):
        if any(variable is v for v in self._trainable_variables + self._non_trainable_variables):
            return
        if variable.trainable:
            self._trainable_variables.append(variable)
        else:
            self._non_trainable_variables.append(variable)
        self._backend_track_variable(variable)
        _structure_changed()

    def _tracked_values(self):
        values = list(self._explicit_layers)
        for name in self._tracked_names:
            value = getattr(self, name, None)
            values.extend(_leaves_of(value))
        return values

    @property
    def _layers(self):
        """Direct sublayers, in the order they were assigned."""
        layers, seen = [], set()
        for value in self._tracked_values():
            if isinstance(value, Layer) and value is not self and id(value) not in seen:
                seen.add(id(value))
                layers.append(value)
        return layers

    def _flatten_layers(self, include_self=True, recursive=True):
        """This layer and all layers below it, each once, depth first.

        While a training loop runs (``frozen_structure``), the full walk is computed once
        and reused: fit calls it several times per step.
        """
        frozen = _structure_state.frozen_id
        if frozen and include_self and recursive:
            cached = self.__dict__.get("_flatten_cache")
            if cached is not None and cached[0] == frozen:
                return cached[1]
        result, seen = [], set()
        # An explicit stack (depth first, children in order), not a recursive closure,
        # which would be a reference cycle left for the cycle collector on every call.
        stack = [self]
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            result.append(layer)
            if recursive or layer is self:
                stack.extend(reversed(layer._layers))
        if frozen and include_self and recursive:
            self.__dict__["_flatten_cache"] = (frozen, result)
        return result if include_self else result[1:]

    def _all_seed_generators(self):
        gens = list(self._seed_generators)
        for value in self._tracked_values():
            if _is_seed_generator(value) and all(value is not g for g in gens):
                gens.append(value)
        return gens

    # -- weights -------------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   autocast=True, regularizer=None, constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        """Create a weight of this layer and track it.

        Args:
            shape: the weight's shape (``()`` for a scalar).
            initializer: an initializer or its name; ``"glorot_uniform"`` for floats and
                ``"zeros"`` for other dtypes when None.
            dtype: the weight's dtype (the layer's dtype by default).
            trainable: whether training updates it.
            regularizer: a regularizer (or name) whose penalty joins the loss.
            constraint: a constraint (or name) applied after each optimizer step.
            name: the weight's name, e.g. ``"kernel"``.

        Returns:
            The new ``Variable``.
        """
        from lamina import constraints
        from lamina import initializers
        from lamina import regularizers

        shape = () if shape is None else tuple(shape)
        dtype = backend.standardize_dtype(dtype or self._dtype)
        if initializer is None:
            initializer = "glorot_uniform" if backend.is_float_dtype(dtype) else "zeros"
        initializer = initializers.get(initializer)
        variable = backend.Variable(initializer, shape=shape, dtype=dtype,
                                    trainable=trainable, autocast=autocast,
                                    aggregation=aggregation, name=name or "variable")
        variable.path = f"{self.name}/{variable.name}"
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint)
        variable.overwrite_with_gradient = overwrite_with_gradient
        self._track_variable(variable)
        return variable

    def add_variable(self, shape, initializer, dtype=None, trainable=True, autocast=True,
                     regularizer=None, constraint=None, name=None):
        """Alias of :meth:`add_weight` (Keras 3 name)."""
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype,
                               trainable=trainable, autocast=autocast,
                               regularizer=regularizer, constraint=constraint, name=name)

    @property
    def trainable(self):
        """Whether training updates this layer's weights; setting it affects sublayers."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self._trainable = value
        for variable in self._trainable_variables:
            variable.trainable = value
        for layer in self._layers:
            layer.trainable = value

    @property
    def weights(self):
        """All weights: this layer's own (trainable first), then each sublayer's."""
        frozen = _structure_state.frozen_id
        if frozen:  # a training loop runs: the layers (so their weights) cannot change
            cached = self.__dict__.get("_weights_cache")
            if cached is not None and cached[0] == frozen:
                return list(cached[1])
        result, seen = [], set()
        for layer in self._flatten_layers():
            for v in layer._trainable_variables + layer._non_trainable_variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    result.append(v)
        if frozen:
            self.__dict__["_weights_cache"] = (frozen, list(result))
        return result

    @property
    def trainable_weights(self):
        """The weights that training updates."""
        if not self._trainable:
            return []
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self):
        """The weights that training leaves alone (frozen ones, moving statistics)."""
        if not self._trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    @property
    def variables(self):
        """All state: the weights, random-seed state, and other Variables the layer keeps
        in attributes (such as a stateful RNN's states)."""
        result = self.weights
        seen = {id(v) for v in result}
        for layer in self._flatten_layers():
            extra = [gen.state for gen in layer._all_seed_generators()]
            extra += [v for v in layer._tracked_values() if isinstance(v, backend.BaseVariable)]
            for variable in extra:
                if id(variable) not in seen:
                    seen.add(id(variable))
                    result.append(variable)
        return result

    @property
    def trainable_variables(self):
        """Alias of :attr:`trainable_weights`."""
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        """The non-trainable weights plus random-seed state."""
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.variables if id(v) not in trainable]

    def get_weights(self):
        """The weights as a list of NumPy arrays, in :attr:`weights` order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Set the weights from a list of arrays in :attr:`weights` order."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f'Layer "{self.name}" expects {len(own)} weight arrays '
                f"({[v.name for v in own]}), but set_weights received {len(weights)}."
            )
        for variable, value in zip(own, weights):
            value_shape = tuple(getattr(value, "shape", ()))
            if value_shape != variable.shape:
                raise ValueError(
                    f'Layer "{self.name}": weight {variable.name!r} has shape '
                    f"{variable.shape}, but set_weights received an array of shape "
                    f"{value_shape}."
                )
            variable.assign(value)

    def stateless_call(self, trainable_variables, non_trainable_variables, *args,
                       return_losses=False, **kwargs):
        """Call the layer with its variables bound to given values, changing none of them.

        Args:
            trainable_variables: one value per entry of ``self.trainable_variables``.
            non_trainable_variables: one value per entry of ``self.non_trainable_variables``.
            *args, **kwargs: what the layer's call takes (``training=True`` included).
            return_losses: also return the losses the call added (activity and weight
                regularization), computed from the given values.

        Returns:
            ``(outputs, non_trainable_values)`` with the values the call left in the
            non-trainable variables (batch-norm statistics, seeds), or ``(outputs,
            non_trainable_values, losses)``.

        Example:
            >>> trainable = [v.value for v in model.trainable_variables]
            >>> non_trainable = [v.value for v in model.non_trainable_variables]
            >>> y, non_trainable = model.stateless_call(trainable, non_trainable, x)
        """
        from lamina.layers import stateless

        return stateless.stateless_call(self, trainable_variables, non_trainable_variables,
                                        *args, return_losses=return_losses, **kwargs)

    def count_params(self):
        """The number of scalars in all weights; the layer must be built."""
        if not self.built:
            raise ValueError(
                f'Layer "{self.name}" is not built yet, so its weights do not exist. Call '
                "it on data or call build(input_shape) first."
            )
        total = 0
        for v in self.weights:
            size = 1
            for d in v.shape:
                size *= d
            total += size
        return int(total)

    # -- losses --------------------------------------------------------------------------
    def add_loss(self, loss):
        """Add a scalar tensor to the training loss (e.g. an activity penalty)."""
        if scopes.in_symbolic_scope():
            return
        self._losses.append(loss)
        _HOLDING_LOSSES.add(self)
        if scopes.OPEN.stateless:
            scope = stateless_scope.current_stateless_scope()
            if scope is not None:
                scope.add_loss(loss)

    @property
    def losses(self):
        """Losses added in the last call, plus weight regularization penalties."""
        result = []
        for layer in self._flatten_layers():
            result.extend(layer._losses)
        for v in self.weights:
            if v.regularizer is not None and v.trainable:
                result.append(v.regularizer(v.value))
        return result

    def _clear_losses(self):
        if not _HOLDING_LOSSES:  # no layer anywhere holds a loss: nothing to walk
            return
        for layer in self._flatten_layers():
            if layer._losses:
                layer._losses.clear()
                _HOLDING_LOSSES.discard(layer)

    # -- building ------------------------------------------------------------------------
    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape``; override in subclasses."""
        self.built = True

    def _maybe_build(self, first_arg):
        if self.built:
            return
        shapes = tree.map_structure(_shape_of, first_arg) if first_arg is not None else None
        self._build_input_shape = map_shapes(lambda s: (None,) + tuple(s[1:]) if s else s,
                                             shapes) if shapes is not None else None
        if not self._build_is_default:
            self.build(shapes)
        self.built = True
        for layer in self._layers:
            self._backend_track_layer(layer)
        for layer in self._flatten_layers():
            layer._backend_sync_variables()

    # -- calling -------------------------------------------------------------------------
    def call(self, *args, **kwargs):
        """The layer's computation; override in subclasses."""
        raise NotImplementedError(
            f"abstract: layer {type(self).__name__} must implement call()"
        )

    def __call__(self, *args, **kwargs):
        first = args[0] if args else kwargs.get(self._first_arg_name)
        if _has_symbolic(first) or (
            (len(args) > 1 or kwargs) and _rest_has_symbolic(args, kwargs)
        ):
            return self._symbolic_call(args, kwargs)

        # 1. Pick up a Keras mask riding on the inputs (torch tensors can carry one), then
        #    convert and autocast the first argument.
        # Containers hand the incoming mask over as `_previous_mask`: engines whose arrays
        # cannot carry a `_keras_mask` attribute (JAX) lose it otherwise.
        container_mask = kwargs.pop("_previous_mask", None) if kwargs else None
        previous_mask = kwargs.get("mask") if self._call_has_mask_arg else None
        if previous_mask is None:
            previous_mask = container_mask
        if previous_mask is None:
            previous_mask = _mask_of(first)
        if first is not None:
            if backend.is_tensor(first):  # the common case: one tensor, no structure
                # A dtype this layer took unchanged last time is taken unchanged again.
                if (first.dtype, self._compute_dtype) != self.__dict__.get("_passthrough"):
                    converted = self._convert_input(first)
                    if converted is first:
                        self.__dict__["_passthrough"] = (first.dtype, self._compute_dtype)
                    first = converted
            else:
                first = tree.map_structure(self._convert_input, first)
            if not args:
                kwargs[self._first_arg_name] = first
            elif len(args) == 1:
                args = (first,)
            else:
                args = (first,) + args[1:]
            # 2. Check it against the input spec, then build on first use.
            self._check_input_spec(first)
            self._maybe_build(first)
        elif not self.built:
            self._maybe_build(None)

        # 3. Resolve `training` from the argument or the enclosing call.
        training = kwargs.get("training")
        if training is None:
            training = current_training()
        if self._call_has_training_arg:
            if training is not None:
                kwargs["training"] = training
            elif "training" in kwargs:
                del kwargs["training"]
        elif "training" in kwargs:
            del kwargs["training"]

        if self._call_has_mask_arg and previous_mask is not None and \
                kwargs.get("mask") is None:
            kwargs["mask"] = previous_mask

        context = _context
        call = self.call if self._remat_mode is None else \
            _runtime.rematerialized_call(self, self.call, args, kwargs)
        try:
            if context.depth and context.training is training and \
                    self._compute_dtype == self._dtype:
                # Inside another layer's call, with its `training`: no scope to open.
                outputs = call(*args, **kwargs)
            else:
                if not context.depth:
                    self._clear_losses()
                with _CallScope(training):
                    if self._compute_dtype != self._dtype:
                        # Mixed precision: float32 weights are read in the compute dtype.
                        with scopes.autocast_scope(self._compute_dtype):
                            outputs = call(*args, **kwargs)
                    else:
                        outputs = call(*args, **kwargs)
        except (ValueError, TypeError) as error:
            raise _annotate(error, self) from None
        if self.activity_regularizer is not None:
            for output in tree.flatten(outputs):
                if backend.is_tensor(output):
                    penalty = self.activity_regularizer(output)
                    # Keras 3 divides by the batch size, so the strength does not depend on
                    # it (an empty batch has a zero penalty and is left as it is).
                    if output.ndim and output.shape[0]:
                        penalty = backend.numpy.divide(penalty, output.shape[0])
                    self.add_loss(penalty)
        # 4. The output mask: what compute_mask says, for layers that handle masks.
        if previous_mask is None and self._compute_mask_is_default:
            self.__dict__["_last_output_mask"] = None  # no mask in, none out
        elif self.supports_masking or not self._compute_mask_is_default:
            mask = self.compute_mask(first, previous_mask)
            # Written straight into __dict__: this runs on every call, and the tracking
            # __setattr__ (and torch's) has nothing to track in a mask.
            self.__dict__["_last_output_mask"] = mask
            _attach_mask(outputs, mask)
        else:
            self.__dict__["_last_output_mask"] = None
        return outputs

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the outputs, given the inputs and their mask (None: no mask).

        By default a layer that ``supports_masking`` passes its input mask through.
        """
        return previous_mask if self.supports_masking else None

    def _convert_input(self, x):
        if x is None or isinstance(x, (str, bytes)):
            return x
        if isinstance(x, backend.BaseVariable):
            x = x.value
        if not backend.is_tensor(x):
            if isinstance(x, (int, float, bool)):
                return x
            x = backend.convert_to_tensor(x)
        if self.autocast and backend.is_float_dtype(x.dtype):
            dtype = backend.dtype_of(x)
            if dtype != self._compute_dtype:
                x = backend.cast(x, self._compute_dtype)
        return x

    def _check_input_spec(self, first):
        spec = self.input_spec
        if spec is None:
            return
        single = backend.is_tensor(first)
        if single:
            # The same spec and input shape as the last call: it was checked then. The
            # batch size is left out (specs do not constrain it, and comparing it would
            # pin a dynamic batch dimension when torch.export or ONNX export traces).
            checked = self.__dict__.get("_spec_checked")
            if checked is not None and checked[0] is spec and checked[1] == first.shape[1:]:
                return
        specs = spec if isinstance(spec, (list, tuple)) else [spec]
        values = tree.flatten(first)
        if len(specs) > 1 and len(values) != len(specs):
            raise ValueError(
                f'Layer "{self.name}" expects {len(specs)} input(s), but it received '
                f"{len(values)} input tensors."
            )
        for index, (s, value) in enumerate(zip(specs, values)):
            input_spec_lib.assert_input_compatibility(s, _shape_of(value), self.name, index)
        if single and not any(input_spec_lib.constrains_batch(s, len(first.shape))
                              for s in specs):
            self.__dict__["_spec_checked"] = (spec, first.shape[1:])

    def _symbolic_call(self, args, kwargs):
        first = args[0] if args else kwargs.get(self._first_arg_name)
        if first is not None:
            self._check_input_spec(first)
        self._maybe_build(first)
        if "training" in kwargs and not self._call_has_training_arg:
            kwargs = {k: v for k, v in kwargs.items() if k != "training"}
        try:
            outputs = self.compute_output_spec(*args, **kwargs)
        except (ValueError, TypeError) as error:
            raise _annotate(error, self) from None
        outputs = tree.map_structure(
            lambda s: KerasTensor(s.shape, s.dtype) if s is not None else None, outputs
        )
        Node(self, args, kwargs, outputs)
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        """Shapes and dtypes of the outputs for symbolic inputs, as KerasTensors.

        By default this uses :meth:`compute_output_shape` when a subclass defines it, and
        otherwise runs ``call`` on placeholder values.
        """
        if not _is_default(type(self).compute_output_shape, Layer.compute_output_shape):
            first = args[0] if args else kwargs.get(self._first_arg_name)
            shapes = tree.map_structure(_shape_of, first)
            out_shapes = self.compute_output_shape(shapes)
            dtype = self._compute_dtype
            return map_shapes(lambda s: KerasTensor(s, dtype), out_shapes)
        return run_on_placeholders(self, args, kwargs)

    def compute_output_shape(self, input_shape):
        """The output shape for an input of ``input_shape`` (``None`` = any size)."""
        placeholder = map_shapes(lambda s: KerasTensor(s, self._dtype), input_shape)
        self._maybe_build(placeholder)
        spec = run_on_placeholders(self, (placeholder,), {})
        shapes = tree.map_structure(lambda t: t.shape, spec)
        return shapes

    # -- dtype ---------------------------------------------------------------------------
    @property
    def dtype(self):
        """The dtype of the layer's weights."""
        return self._dtype

    @property
    def compute_dtype(self):
        """The dtype the layer computes in (float16 under a ``mixed_float16`` policy)."""
        return self._compute_dtype

    @property
    def variable_dtype(self):
        """The dtype of the layer's weights."""
        return self._dtype

    @property
    def dtype_policy(self):
        """The layer's ``DTypePolicy`` (compute and variable dtypes); assignable, as in
        Keras (a policy or its name: ``layer.dtype_policy = "mixed_float16"``). Weights
        already created keep their dtype."""
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        from lamina.mixed_precision import dtype_policies as policies

        policy = policies.get(_policy_name(value) if not isinstance(
            value, policies.DTypePolicy) else value)
        self._dtype_policy = policy
        self._dtype = policy.variable_dtype
        self._compute_dtype = policy.compute_dtype

    # -- functional graph accessors ------------------------------------------------------
    def _node_tensors(self, attr):
        if not self._inbound_nodes:
            raise AttributeError(
                f'Layer "{self.name}" has never been called on a symbolic input, so it has no '
                f"{attr}. Use it in a Functional or Sequential model first."
            )
        node = self._inbound_nodes[0]
        tensors = node.input_tensors if attr == "input" else node.output_tensors
        return tensors[0] if len(tensors) == 1 else tensors

    @property
    def input(self):
        """The symbolic input of the layer's first call."""
        return self._node_tensors("input")

    @property
    def output(self):
        """The symbolic output of the layer's first call."""
        return self._node_tensors("output")

    # -- config --------------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments as a JSON-friendly dict.

        A subclass that does not override this gets its constructor's keyword arguments
        recorded automatically when they are plain values.
        """
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": self._dtype_policy.name}
        cls = type(self)
        if _is_default(cls.get_config, Layer.get_config) and cls.__init__ is not Layer.__init__:
            args, kwargs = self._init_args
            try:
                bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
            except TypeError:
                bound = None
            if bound is not None:
                for key, value in list(bound.arguments.items())[1:]:
                    if inspect.signature(cls.__init__).parameters[key].kind == \
                            inspect.Parameter.VAR_KEYWORD:
                        config.update({k: v for k, v in value.items() if _is_plain(v)})
                    elif _is_plain(value):
                        config[key] = value
        return config

    @classmethod
    def from_config(cls, config):
        """Create a layer from the output of :meth:`get_config`."""
        config = dict(config)
        try:
            return cls(**config)
        except TypeError as error:
            raise TypeError(
                f"{cls.__name__}.from_config could not rebuild the layer from {config}: "
                f"{error}. A custom layer with extra constructor arguments must implement "
                "get_config() returning them."
            ) from None

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def run_on_placeholders(layer, args, kwargs):
    """Run ``layer.call`` on zero tensors standing in for KerasTensors; return output specs.

    Unknown dimensions are tried with two different sizes; an output dimension that changes
    with them is unknown (``None``) in the result.
    """
    flat = tree.flatten((args, kwargs))
    symbolic = [x for x in flat if isinstance(x, KerasTensor)]
    has_unknown = any(d is None for t in symbolic for d in t.shape)
    trials = [(2, 7), (3, 11)] if has_unknown else [(2, 7)]
    results = []
    for batch, other in trials:
        def fill(x, batch=batch, other=other):
            if not isinstance(x, KerasTensor):
                return x
            shape = [batch if i == 0 and d is None else (other if d is None else d)
                     for i, d in enumerate(x.shape)]
            dtype = x.dtype
            if layer.autocast and backend.is_float_dtype(dtype):
                dtype = layer._compute_dtype
            return backend.numpy.zeros(shape, dtype=dtype)

        call_args = tree.map_structure(fill, args)
        call_kwargs = tree.map_structure(fill, kwargs)
        training = call_kwargs.pop("training", None)
        if training is None:
            training = current_training()
        if layer._call_has_training_arg and training is not None:
            call_kwargs["training"] = training
        autocast = layer._compute_dtype if layer._compute_dtype != layer._dtype else None
        with scopes.symbolic_scope(), backend.no_grad(), _CallScope(training), \
                scopes.autocast_scope(autocast):
            out = layer.call(*call_args, **call_kwargs)
        results.append(out)
    flat_outputs = [tree.flatten(r) for r in results]

    def spec(*values):
        if values[0] is None:
            return None
        shapes = [tuple(v.shape) for v in values]
        shape = tuple(
            dims[0] if all(d == dims[0] for d in dims) else None for dims in zip(*shapes)
        ) if len({len(s) for s in shapes}) == 1 else shapes[0]
        return KerasTensor(shape, backend.dtype_of(values[0]))

    specs = [spec(*values) for values in zip(*flat_outputs)]
    return tree.pack_sequence_as(results[0], specs)


def _annotate(error, layer):
    message = str(error.args[0]) if error.args else str(error)
    if f'"{layer.name}"' in message or f"'{layer.name}'" in message:
        return error
    try:
        return type(error)(
            f'Exception encountered when calling {type(layer).__name__} "{layer.name}": '
            f"{message}"
        )
    except Exception:  # an exception type with a custom constructor: keep it as it is
        return error


def remember_plain_call(layer, given):
    """After ``layer(given)`` ran with no mask: note when that call did nothing but
    ``layer.call(given)`` (no conversion, spec already checked, no mask, no activity
    regularizer, no autocast), so containers may call ``call`` directly for inputs of the
    same type, shape and dtype (see :func:`call_plain`)."""
    if layer._last_output_mask is None and type(layer).__call__ is Layer.__call__ and \
            layer._compute_mask_is_default and layer.built and layer._remat_mode is None and \
            layer.activity_regularizer is None and layer._compute_dtype == layer._dtype and \
            backend.is_tensor(given) and not isinstance(given, KerasTensor) and \
            layer.__dict__.get("_passthrough") == (given.dtype, layer._compute_dtype) and \
            getattr(given, "_keras_mask", None) is None:
        layer.__dict__["_plain_call"] = (type(given), tuple(given.shape), given.dtype,
                                         layer._compute_dtype)


def plain_call_ready(layer, x):
    """Whether ``layer(x)`` may run as :func:`call_plain`: an earlier full call with an
    input of this type, shape and dtype showed it adds nothing (see
    :func:`remember_plain_call`), the layer still has no activity regularizer and no
    autocast, ``x`` carries no mask, and a layer call is in progress (whose ``training``
    the layer takes)."""
    key = layer.__dict__.get("_plain_call")
    return key is not None and _context.depth and key[0] is type(x) and \
        key[1] == x.shape and key[2] == x.dtype and key[3] == layer._compute_dtype and \
        layer.activity_regularizer is None and layer._compute_dtype == layer._dtype and \
        getattr(x, "_keras_mask", None) is None


def call_plain(layer, x):
    """``layer(x)`` for a layer and input :func:`plain_call_ready` accepted: ``call``
    directly, with the enclosing call's ``training``, skipping the per-call checks."""
    training = _context.training
    try:
        if training is not None and layer._call_has_training_arg:
            outputs = layer.call(x, training=training)
        else:
            outputs = layer.call(x)
    except (ValueError, TypeError) as error:
        raise _annotate(error, layer) from None
    layer.__dict__["_last_output_mask"] = None
    return outputs


def _plain_inputs_key(layer, xs):
    return tuple((type(x), tuple(x.shape), x.dtype) for x in xs) + (layer._compute_dtype,)


def remember_plain_call_many(layer, xs):
    """:func:`remember_plain_call` for a call on several tensors (``layer([a, b])`` or
    ``layer(a, b)``): noted when none carried a mask, none needed a conversion (each float
    input already in the compute dtype), and the call produced no mask."""
    if layer._last_output_mask is None and type(layer).__call__ is Layer.__call__ and \
            (layer._compute_mask_is_default or type(layer).__module__.startswith("lamina.")) \
            and layer.built and layer._remat_mode is None and \
            layer.activity_regularizer is None and \
            layer._compute_dtype == layer._dtype and all(
                backend.is_tensor(x) and not isinstance(x, KerasTensor) and
                getattr(x, "_keras_mask", None) is None and
                (backend.dtype_of(x) == layer._compute_dtype or
                 not backend.is_float_dtype(x.dtype)) for x in xs):
        layer.__dict__["_plain_call_many"] = _plain_inputs_key(layer, xs)


def plain_call_many_ready(layer, xs):
    """Whether ``layer`` may ``call`` directly on ``xs`` (see
    :func:`remember_plain_call_many`): same types, shapes and dtypes as the noted call, no
    masks, no activity regularizer, and a layer call in progress."""
    key = layer.__dict__.get("_plain_call_many")
    return key is not None and _context.depth and key == _plain_inputs_key(layer, xs) and \
        layer.activity_regularizer is None and layer._compute_dtype == layer._dtype and \
        all(getattr(x, "_keras_mask", None) is None for x in xs)


def call_plain_many(layer, xs, as_list):
    """``layer(xs)`` (``as_list``) or ``layer(*xs)`` for a layer and inputs
    :func:`plain_call_many_ready` accepted: ``call`` directly, with the enclosing
    ``training``."""
    training = _context.training
    args = (list(xs),) if as_list else tuple(xs)
    try:
        if training is not None and layer._call_has_training_arg:
            outputs = layer.call(*args, training=training)
        else:
            outputs = layer.call(*args)
    except (ValueError, TypeError) as error:
        raise _annotate(error, layer) from None
    layer.__dict__["_last_output_mask"] = None
    return outputs


def call_sublayer(layer, x):
    """``layer(x)`` from inside another layer's ``call`` (a sublayer on one tensor): the
    full call until one has shown it adds nothing around ``call`` for inputs of this type,
    shape and dtype, then ``call`` directly (:func:`call_plain`), as Sequential and
    Functional models do for their layers.

    Example:
        >>> query = call_sublayer(self._query_dense, query)
    """
    if plain_call_ready(layer, x):
        return call_plain(layer, x)
    outputs = layer(x)
    remember_plain_call(layer, x)
    return outputs


def _mask_of(x):
    """The Keras mask carried by ``x`` (or by its leaves), or None."""
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        masks = [getattr(v, "_keras_mask", None) for v in x]
        return masks if any(m is not None for m in masks) else None
    return getattr(x, "_keras_mask", None)


def _attach_mask(outputs, mask):
    """Set ``_keras_mask`` on output tensors where the engine allows it (torch does)."""
    if mask is None:
        return
    leaves = tree.flatten(outputs)
    masks = mask if isinstance(mask, (list, tuple)) and len(mask) == len(leaves) else \
        [mask] * len(leaves)
    for leaf, leaf_mask in zip(leaves, masks):
        try:
            leaf._keras_mask = leaf_mask
        except (AttributeError, TypeError):
            return


_PLAIN_TYPES = frozenset((bool, int, float, str, type(None)))


def _rest_has_symbolic(args, kwargs):
    """Whether an argument after the first (or a keyword argument) holds a KerasTensor."""
    for value in args[1:]:
        if type(value) not in _PLAIN_TYPES and _has_symbolic(value):
            return True
    for value in kwargs.values():
        if type(value) not in _PLAIN_TYPES and _has_symbolic(value):
            return True
    return False


def _has_symbolic(structure):
    if isinstance(structure, KerasTensor):
        return True
    if isinstance(structure, (list, tuple)):
        return any(_has_symbolic(x) for x in structure)
    if isinstance(structure, dict):
        return any(_has_symbolic(x) for x in structure.values())
    return False


def _is_seed_generator(value):
    from lamina.random.seed_generator import SeedGenerator

    return isinstance(value, SeedGenerator)


def _is_trackable(value):
    if isinstance(value, (Layer, backend.BaseVariable)) or _is_seed_generator(value):
        return True
    if isinstance(value, (list, tuple, dict)):
        return True
    return False


def _leaves_of(value):
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            out.extend(_leaves_of(v))
        return out
    if isinstance(value, dict):
        out = []
        for v in value.values():
            out.extend(_leaves_of(v))
        return out
    return [value]


def _is_plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def _is_shape(value):
    return isinstance(value, (tuple, list)) and all(
        d is None or isinstance(d, int) for d in value
    )


def map_shapes(fn, shapes):
    """Apply ``fn`` to each shape tuple in a (possibly nested) structure of shapes."""
    if _is_shape(shapes):
        return fn(tuple(shapes))
    if isinstance(shapes, dict):
        return {k: map_shapes(fn, v) for k, v in shapes.items()}
    return type(shapes)(map_shapes(fn, s) for s in shapes)


def _policy_name(dtype):
    """A dtype argument (name, dtype, policy, or a serialized policy dict) as a policy name."""
    if dtype is None:
        return None
    if isinstance(dtype, dict):  # a serialized DTypePolicy
        return dtype.get("config", {}).get("name", dtype.get("name"))
    name = getattr(dtype, "name", dtype)
    if isinstance(name, str) and name.startswith("mixed_"):
        return name
    return backend.standardize_dtype(name)


def _translate_input_shape_kwargs(layer_name, kwargs):
    """Pop the Keras 2 input-shape arguments and return the batch shape they describe."""
    input_shape = kwargs.pop("input_shape", None)
    batch_input_shape = kwargs.pop("batch_input_shape", None)
    input_dim = kwargs.pop("input_dim", None)
    batch_size = kwargs.pop("batch_size", None)
    input_length = kwargs.pop("input_length", None)
    if batch_input_shape is not None:
        return tuple(batch_input_shape)
    if input_shape is not None:
        if isinstance(input_shape, int):
            input_shape = (input_shape,)
        return (batch_size,) + tuple(input_shape)
    if input_dim is not None:
        if input_length is not None:
            return (batch_size, input_length, input_dim)
        return (batch_size, input_dim)
    if input_length is not None:
        return (batch_size, input_length)
    return None


def _register_as_operation():
    # Every Layer is a keras.Operation (isinstance checks in user code), as in Keras.
    from lamina.ops.operation import Operation

    Operation.register(Layer)


_register_as_operation()
