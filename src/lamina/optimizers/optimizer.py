"""``Optimizer``: what every optimizer shares, around the one method each defines.

A subclass creates its slots in ``build(variables)`` and updates one variable in
``update_step(gradient, variable, learning_rate)``. This base class owns the rest of a step:
skipping missing gradients, loss-scale unscaling, clipping, decoupled weight decay,
gradient accumulation, the weights' moving average (EMA), constraints and the step counter.
Everything that runs per step uses ``lamina.ops`` and ``assign`` only, so a step traces
under ``jax.jit``. Keras 2 spellings (``lr=``, ``decay=``, ``epsilon=None``) are
translated in ``_translate_legacy_kwargs`` and ``standardize_epsilon`` and nowhere else.
"""

import re
import warnings

from lamina import backend
from lamina import initializers
from lamina import ops
from lamina.backend import scopes
from lamina.optimizers import schedules
from lamina.optimizers.optimizer_steps import OptimizerStepsMixin

_LEARNING_RATE_TYPE = (
    "Argument `learning_rate` should be a float, a LearningRateSchedule or a callable "
    "that takes no arguments and returns the learning rate. Received: learning_rate={!r}."
)
_SCHEDULE_NOT_SETTABLE = (
    "This optimizer was created with a `LearningRateSchedule` (or a callable) as its "
    "`learning_rate`, so its learning rate cannot be set to a number. Create the optimizer "
    "with a float `learning_rate` to change it during training."
)


# Keys tf.keras 2.11+ wrote into optimizer configs; they have no effect here.
_TF_KERAS_CONFIG_KEYS = ("is_legacy_optimizer", "jit_compile")


def _translate_legacy_kwargs(learning_rate, kwargs, owner):
    """Map Keras 2 arguments onto Keras 3 ones: returns ``(learning_rate, decay)``.

    ``lr=`` is the old name of ``learning_rate``; ``decay=`` is Keras 2's time-based decay,
    ``lr_t = lr / (1 + decay * iterations)``. Any other leftover argument is a TypeError
    naming it and ``owner`` (the optimizer class name).
    """
    kwargs = dict(kwargs)
    if "lr" in kwargs:
        learning_rate = kwargs.pop("lr")
    decay = kwargs.pop("decay", None) or 0.0
    for saved_only in _TF_KERAS_CONFIG_KEYS:
        kwargs.pop(saved_only, None)
    if kwargs:
        names = ", ".join(sorted(kwargs))
        raise TypeError(
            f"{owner}() got unexpected keyword argument(s): {names}. Check the spelling "
            f"against {owner}'s arguments; of the Keras 2 names only `lr` and `decay` are "
            "still accepted."
        )
    if not isinstance(decay, (int, float)) or decay < 0:
        raise ValueError(f"Argument `decay` must be a number >= 0. Received: decay={decay!r}.")
    return learning_rate, float(decay)


def standardize_epsilon(epsilon):
    """Keras 2 accepted ``epsilon=None`` to mean ``backend.epsilon()``; keep accepting it."""
    return backend.epsilon() if epsilon is None else epsilon


def _to_snake_case(name):
    """``"RMSprop"`` -> ``"rm_sprop"``: Keras names optimizers after their class this way."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Optimizer(OptimizerStepsMixin):
    """The base class of every optimizer.

    Args:
        learning_rate: a float, a ``LearningRateSchedule`` (evaluated at ``iterations``) or
            a callable taking no arguments.
        weight_decay: if set, each step first does
            ``variable -= variable * weight_decay * learning_rate`` (decoupled decay).
        clipnorm: if set, each gradient is rescaled so its L2 norm is at most this.
        clipvalue: if set, each gradient is clipped element-wise to ``[-clipvalue, clipvalue]``.
        global_clipnorm: if set, all gradients are rescaled together so their global L2 norm
            is at most this. Only one of the three clipping arguments may be set.
        use_ema: keep an exponential moving average of the variables.
        ema_momentum: the average's momentum, ``0.99`` by default.
        ema_overwrite_frequency: if set, write the average into the variables every this
            many steps; otherwise call ``finalize_variable_values`` at the end.
        loss_scale_factor: if set, ``scale_loss`` multiplies the loss by it and gradients are
            divided by it before they are applied.
        gradient_accumulation_steps: if set (an int >= 2), variables change only every this
            many calls, using the mean of the gradients since the last change.
        name: the optimizer's name; by default the class name in snake case, made unique.
        **kwargs: Keras 2 arguments: ``lr`` (the old name of ``learning_rate``) and
            ``decay`` (``lr / (1 + decay * iterations)``).

    Example:
        >>> class PlainSGD(Optimizer):
        ...     def update_step(self, gradient, variable, learning_rate):
        ...         variable.assign_sub(ops.cast(learning_rate, variable.dtype) * gradient)
        >>> v = lamina.Variable([1.0, 2.0])
        >>> _ = PlainSGD(learning_rate=0.5).apply_gradients([(ops.ones((2,)), v)])
        >>> v.numpy()
        array([0.5, 1.5], dtype=float32)
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        learning_rate, self.decay = _translate_legacy_kwargs(learning_rate, kwargs,
                                                             type(self).__name__)
        clip_set = [a for a in (clipnorm, clipvalue, global_clipnorm) if a is not None]
        if len(clip_set) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}."
            )
        for arg, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                           ("global_clipnorm", global_clipnorm)):
            if value is not None and value < 0:
                raise ValueError(f"`{arg}` must be >= 0. Received: {arg}={value}.")
        if gradient_accumulation_steps is not None and (
            not isinstance(gradient_accumulation_steps, int) or gradient_accumulation_steps < 2
        ):
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2 (or None). Received: "
                f"gradient_accumulation_steps={gradient_accumulation_steps!r}."
            )
        if use_ema:
            if not 0 <= ema_momentum <= 1:
                raise ValueError(
                    f"`ema_momentum` must be in the range [0, 1]. Received: "
                    f"ema_momentum={ema_momentum}."
                )
            if ema_overwrite_frequency is not None and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                    f"ema_overwrite_frequency={ema_overwrite_frequency!r}."
                )
        self.name = name or scopes.unique_name(_to_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._index_of = {}  # id(model variable) -> its index in build's list
        self._step_cache = None  # per-step constants; a dict only while a step runs
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._decay_cache = {}
        self._iterations = self._make_variable(0, dtype="int64", name="iteration")
        self._learning_rate = self._standardize_learning_rate(learning_rate)

    # -- learning rate -------------------------------------------------------------------
    def _standardize_learning_rate(self, learning_rate):
        if isinstance(learning_rate, schedules.LearningRateSchedule):
            return learning_rate
        if callable(learning_rate) and not isinstance(learning_rate, backend.BaseVariable):
            return learning_rate
        try:
            value = float(ops.convert_to_numpy(learning_rate))
        except (TypeError, ValueError):
            raise ValueError(_LEARNING_RATE_TYPE.format(learning_rate)) from None
        return self._make_variable(value, dtype=backend.floatx(), name="learning_rate")

    @property
    def iterations(self):
        """The number of steps taken: an int Variable (with gradient accumulation, a tensor
        counting the real updates)."""
        if self.gradient_accumulation_steps:
            return ops.floor_divide(self._iterations.value, self.gradient_accumulation_steps)
        return self._iterations

    @property
    def learning_rate(self):
        """The current learning rate.

        The learning-rate Variable itself when the optimizer was given a number (so
        ``.numpy()`` and ``.assign()`` work, as in Keras), else a scalar tensor: the schedule
        evaluated at ``iterations``, with Keras 2 ``decay`` applied.
        """
        if isinstance(self._learning_rate, backend.BaseVariable) and not self.decay:
            return self._learning_rate
        return self._current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        is_number = not callable(learning_rate) or isinstance(
            learning_rate, backend.BaseVariable
        )
        if isinstance(self._learning_rate, backend.BaseVariable):
            if is_number:
                self._learning_rate.assign(learning_rate)
                return
            # Switching to a schedule drops the Variable, as Keras does.
            self._variables = [v for v in self._variables if v is not self._learning_rate]
            self._learning_rate = learning_rate
        elif is_number:
            raise TypeError(_SCHEDULE_NOT_SETTABLE)
        else:
            self._learning_rate = learning_rate

    # Keras 2 code reads and sets ``optimizer.lr``; it is the same as ``learning_rate``.
    lr = learning_rate

    def _current_learning_rate(self):
        """The learning rate for this step as a floatx scalar tensor (traceable)."""
        rate = self._learning_rate
        if isinstance(rate, backend.BaseVariable):
            value = rate.value
        elif isinstance(rate, schedules.LearningRateSchedule):
            value = ops.cast(rate(self._iterations), backend.floatx())
        else:
            value = ops.cast(rate(), backend.floatx())
        if self.decay:
            steps = ops.cast(self._iterations.value, backend.floatx())
            value = value / (1.0 + self.decay * steps)
        return value

    # -- variables -----------------------------------------------------------------------
    def _make_variable(self, value, dtype, name, shape=None, aggregation="none"):
        variable = backend.Variable(value, shape=shape, dtype=dtype, trainable=False,
                                    aggregation=aggregation, name=name)
        variable.path = f"{self.name}/{name}"
        self._variables.append(variable)
        return variable

    @property
    def variables(self):
        """Every optimizer variable in creation order: iterations, learning rate, slots."""
        return list(self._variables)

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     layout=None, name=None):
        """Create a non-trainable optimizer variable and track it.

        Args:
            shape: the shape, fully defined.
            initializer: an initializer, its name (``"zeros"`` by default) or a number.
            dtype: the dtype, ``floatx()`` by default.
            aggregation: kept on the variable for distributed training, ``"none"`` default.
            layout: accepted for Keras compatibility; unused.
            name: the variable's name.

        Returns:
            The new Variable.

        Example:
            >>> step_size = optimizer.add_variable((), initializer=0.1, name="step_size")
        """
        dtype = backend.standardize_dtype(dtype)
        shape = tuple(shape)
        if isinstance(initializer, (int, float)):
            initializer = initializers.Constant(initializer)(shape, dtype=dtype)
        elif isinstance(initializer, str) and initializer == "zeros":  # the common case
            initializer = initializers.Zeros()(shape, dtype=dtype)
        return self._make_variable(initializer, dtype=dtype, name=name or "variable",
                                   shape=shape, aggregation=aggregation)

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """Create a slot shaped and typed like ``reference_variable``.

        Args:
            reference_variable: the model variable the slot belongs to.
            name: the slot's kind, e.g. ``"momentum"``; the variable is named
                ``"{reference path with / as _}_{name}"`` as in Keras.
            initializer: an initializer, its name or a number; ``"zeros"`` by default.

        Returns:
            The new Variable.

        Example:
            >>> momentum = optimizer.add_variable_from_reference(kernel, "momentum")
        """
        prefix = getattr(reference_variable, "path", None) or reference_variable.name
        prefix = str(prefix).replace("/", "_").replace(":", "_")
        slot = self.add_variable(reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype,
                                 name=f"{prefix}_{name or 'var'}")
        order = getattr(reference_variable, "_memory_order", None)
        if order is not None:  # laid out like its variable: fused updates walk both alike
            slot._set_memory_order(order)
        return slot

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """Create one slot per variable for each name, interleaved per variable as Keras does.

        Args:
            trainable_variables: the model variables.
            name: a slot name, or a list of names.
            initializer: an initializer (or a list, one per name); ``"zeros"`` by default.

        Returns:
            A list of slots for one name; a tuple of such lists for a list of names.

        Example:
            >>> momentums, velocities = optimizer.add_optimizer_variables(
            ...     variables, ["momentum", "velocity"])
        """
        names = [name] if isinstance(name, str) else list(name)
        inits = initializer if isinstance(initializer, (list, tuple)) else [initializer] * len(
            names)
        slots = tuple([] for _ in names)
        for variable in trainable_variables:
            for i, (slot_name, init) in enumerate(zip(names, inits)):
                slots[i].append(self.add_variable_from_reference(variable, slot_name, init))
        return slots[0] if isinstance(name, str) else slots

    def build(self, variables):
        """Create the optimizer's state for ``variables``; subclasses add their slots after
        calling ``super().build(variables)``.

        Args:
            variables: the model's trainable Variables, in the order gradients will come.
        """
        variables = list(variables)
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(
                variables, "gradient_accumulator")
        self._index_of = {id(v): i for i, v in enumerate(variables)}
        self._trainable_variables = variables
        self.built = True

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """One optimizer step as a pure function of values: nothing is written to the
        optimizer's or the model's Variables.

        Args:
            optimizer_variables: one value per entry of ``self.variables``.
            grads: one gradient per trainable variable the optimizer was built with.
            trainable_variables: the current values of those variables, in that order.

        Returns:
            ``(new_trainable_values, new_optimizer_values)``.

        Example:
            >>> optimizer.build(model.trainable_variables)
            >>> state = [v.value for v in optimizer.variables]
            >>> weights, state = optimizer.stateless_apply(state, grads, weights)
        """
        from lamina.backend.common.stateless_scope import StatelessScope

        if not self.built:
            raise ValueError(
                f"Optimizer {self.name!r}: stateless_apply needs the optimizer's variables, "
                "which do not exist yet. Call `optimizer.build(model.trainable_variables)` "
                "first.")
        variables = self._trainable_variables
        own_variables = self.variables  # a wrapper (MultiOptimizer) lists its inner ones too
        built_with = "trainable variable the optimizer was built with"
        for kind, given, expected, each in (
                ("optimizer_variables", optimizer_variables, own_variables,
                 "entry of `optimizer.variables`"),
                ("grads", grads, variables, built_with),
                ("trainable_variables", trainable_variables, variables, built_with)):
            if len(given) != len(expected):
                raise ValueError(
                    f"Optimizer {self.name!r}: stateless_apply got {len(given)} values in "
                    f"`{kind}`, expected {len(expected)} (one per {each}).")
        mapping = list(zip(variables, trainable_variables)) + \
            list(zip(own_variables, optimizer_variables))
        with StatelessScope(state_mapping=mapping) as scope:
            self.apply(grads)
        return ([scope.get_current_value(v) for v in variables],
                [scope.get_current_value(v) for v in own_variables])

    def _get_variable_index(self, variable):
        """The index of a model variable in the list ``build`` received (O(1))."""
        return self._index_of[id(variable)]

    # -- weight decay --------------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables from weight decay; call it before the optimizer is built.

        Args:
            var_list: Variables to exclude.
            var_names: substrings (regular expressions); a variable whose name contains one
                is excluded, e.g. ``["bias"]``.

        Example:
            >>> optimizer = AdamW()
            >>> optimizer.exclude_from_weight_decay(var_names=["bias", "gamma"])
        """
        if self.built:
            raise ValueError(
                "`exclude_from_weight_decay()` can only be configured before the optimizer "
                "is built. Call it right after creating the optimizer."
            )
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None
        self._decay_cache = {}

    def _use_weight_decay(self, variable):
        key = id(variable)
        if key not in self._decay_cache:
            excluded = key in self._exclude_ids or (
                self._exclude_pattern is not None
                and self._exclude_pattern.search(variable.name) is not None
            )
            self._decay_cache[key] = not excluded
        return self._decay_cache[key]

    # -- config --------------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments as a dict (a schedule is serialized as Keras does).

        Example:
            >>> lamina.optimizers.Adam.from_config(Adam(0.01).get_config())
        """
        rate = self._learning_rate
        if isinstance(rate, schedules.LearningRateSchedule):
            rate = schedules.serialize(rate)
        elif isinstance(rate, backend.BaseVariable):
            rate = float(rate.numpy())
        else:
            # A plain callable cannot be saved; its current value is the best we can keep.
            rate = float(ops.convert_to_numpy(rate()))
        config = {
            "name": self.name,
            "learning_rate": rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        if self.decay:
            config["decay"] = self.decay
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Create an optimizer from ``get_config()``'s output (state is not restored)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects=custom_objects)
        return cls(**config)

    # -- saving --------------------------------------------------------------------------
    def save_own_variables(self, store):
        """Write every optimizer variable into ``store`` under ``"0"``, ``"1"``, ..."""
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Read the variables ``save_own_variables`` wrote; warn and skip on a mismatch."""
        if len(store.keys()) != len(self._variables):
            warnings.warn(
                f"Skipping variable loading for optimizer {self.name!r}: it has "
                f"{len(self._variables)} variables but the saved one has {len(store.keys())}"
                ". Build the optimizer (e.g. `optimizer.build(model.trainable_variables)`) "
                "before loading.",
                stacklevel=2,
            )
            return
        for i, variable in enumerate(self._variables):
            variable.assign(store[str(i)])

    def set_weights(self, weights):
        """Assign a list of arrays to ``variables``, in order."""
        if not self.built:
            raise ValueError(
                "set_weights() needs a built optimizer: call "
                "`optimizer.build(trainable_variables)` first."
            )
        for variable, weight in zip(self._variables, weights):
            if tuple(variable.shape) != tuple(ops.shape(weight)):
                raise ValueError(
                    f"Optimizer variable {variable.path!r} has shape {variable.shape}; the "
                    f"given weight has shape {tuple(ops.shape(weight))}."
                )
            variable.assign(weight)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
