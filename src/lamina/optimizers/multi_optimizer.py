"""``MultiOptimizer`` and ``OptimizerMap``: different optimizers for different variables.

``OptimizerMap`` maps variable paths (exact, else regular expressions) to optimizers, with
a default for the rest. ``MultiOptimizer`` takes such a map (or any callable from a
variable to an optimizer), builds each sub-optimizer on its share of the variables and
hands each step's gradients out. Its ``variables`` list its own counters first, then every
sub-optimizer's variables, so saving, loading and the compiled JAX step see all the state.
"""

import re
import warnings
from collections.abc import MutableMapping

from lamina import backend
from lamina.optimizers.optimizer import Optimizer
from lamina.saving import registry
from lamina.saving import serialization

_NOT_AN_OPTIMIZER = (
    "{where} must be a lamina (Keras) Optimizer instance, such as "
    "`lamina.optimizers.Adam()`. Received: {value!r}."
)
_NESTED = (
    "{where} cannot be a {kind}: a MultiOptimizer hands each variable to one plain "
    "optimizer. {fix}"
)
_LOSS_SCALE_FIX = ("Wrap the whole MultiOptimizer in a LossScaleOptimizer instead, or set "
                   "MultiOptimizer(..., loss_scale_factor=...).")
_MULTI_FIX = "Merge the inner map into the outer one."


def _check_optimizer(optimizer, where, error=ValueError):
    """Raise if ``optimizer`` cannot serve inside a MultiOptimizer (``error`` for a
    non-optimizer: Keras raises TypeError in one place and ValueError in others)."""
    from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer

    if isinstance(optimizer, LossScaleOptimizer):
        raise ValueError(_NESTED.format(where=where, kind="LossScaleOptimizer",
                                        fix=_LOSS_SCALE_FIX))
    if isinstance(optimizer, MultiOptimizer):
        raise ValueError(_NESTED.format(where=where, kind="MultiOptimizer", fix=_MULTI_FIX))
    if not isinstance(optimizer, Optimizer):
        raise error(_NOT_AN_OPTIMIZER.format(where=where, value=optimizer))


def _deserialize_optimizer(config, custom_objects=None):
    from lamina import optimizers

    return optimizers.deserialize(config, custom_objects=custom_objects)


class OptimizerMap(MutableMapping):
    """A mapping from variable paths to optimizers, with a default for unmatched ones.

    Looking up a path first tries an exact key, then every key as a regular expression
    that must match the whole path (``re.fullmatch``): ``"encoder/.*"`` covers every
    variable under ``encoder``, ``"encoder"`` only a variable of that exact path. A path
    that matches two patterns is an error; one that matches none gets the default.
    Calling the map on a variable looks up ``variable.path``.

    Args:
        default_optimizer: the optimizer for variables no key matches.
        optimizer_map: an optional dict from path (or pattern) to optimizer.

    Example:
        >>> sgd, adam = lamina.optimizers.SGD(), lamina.optimizers.Adam()
        >>> mapping = OptimizerMap(default_optimizer=sgd)
        >>> mapping["encoder/.*"] = adam
        >>> mapping["encoder/dense/kernel"] is adam, mapping["head/kernel"] is sgd
        (True, True)
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        _check_optimizer(default_optimizer, "OptimizerMap: argument `default_optimizer`",
                         error=TypeError)
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(
                "OptimizerMap: argument `optimizer_map` must be a dict from variable path "
                "(or regular expression) to optimizer, e.g. {'encoder/.*': Adam()}. "
                f"Received: optimizer_map={optimizer_map!r}."
            )
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for key, optimizer in (optimizer_map or {}).items():
            self[key] = optimizer

    @property
    def default_optimizer(self):
        """The optimizer for variables that no key matches."""
        return self._default_optimizer

    def __getitem__(self, key):
        """The optimizer for the path ``key``: exact key, else the one full-matching
        pattern, else the default. Two matching patterns raise ValueError."""
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matches = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(
                f"OptimizerMap: variable path {key!r} matches several patterns {matches}, "
                "so its optimizer is ambiguous. Make the patterns exclusive, or add the "
                "exact path as a key."
            )
        if matches:
            return self._optimizer_map[matches[0]]
        return self._default_optimizer

    def __setitem__(self, key, optimizer):
        """Map the path or pattern ``key`` to ``optimizer``; a key can be set only once."""
        if not isinstance(key, str):
            raise ValueError(
                "OptimizerMap: keys must be strings (variable paths or regular expressions)."
                f" Received: {key!r}."
            )
        if key in self._optimizer_map:
            raise ValueError(
                f"OptimizerMap: key {key!r} is already mapped to "
                f"{self._optimizer_map[key]!r}. Delete it first (`del mapping[key]`) to "
                "change its optimizer."
            )
        _check_optimizer(optimizer, f"OptimizerMap: the optimizer for {key!r}")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        """The optimizer for ``variable``, looked up by its path."""
        return self[variable.path]

    def get_config(self):
        """The default optimizer and the map, each optimizer serialized as Keras does.

        Example:
            >>> OptimizerMap.from_config(mapping.get_config())
        """
        from lamina import optimizers

        return {
            "default_optimizer": optimizers.serialize(self._default_optimizer),
            "optimizer_map": {key: optimizers.serialize(optimizer)
                              for key, optimizer in self._optimizer_map.items()},
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a map from ``get_config()``'s output (Keras's files included)."""
        default = _deserialize_optimizer(config["default_optimizer"], custom_objects)
        mapping = {key: _deserialize_optimizer(value, custom_objects)
                   for key, value in (config.get("optimizer_map") or {}).items()}
        return cls(default, mapping)


class MultiOptimizer(Optimizer):
    """Update each variable with the optimizer an ``OptimizerMap`` (or a function) picks.

    Sub-optimizers are found when the MultiOptimizer is built: each variable goes to
    ``optimizer_map(variable)``, and each sub-optimizer is built on its variables (one that
    gets none stays unbuilt). A step splits the gradients the same way and calls each
    sub-optimizer's ``apply``, so each keeps its own learning rate, schedule, clipping,
    weight decay, EMA and step counter. The MultiOptimizer itself has no learning rate:
    reading or setting ``learning_rate`` raises AttributeError; use ``optimizers``.

    Args:
        optimizer_map: an ``OptimizerMap``, or a callable taking a variable and returning
            an optimizer (only an ``OptimizerMap`` or a registered function can be saved).
        loss_scale_factor: set on every sub-optimizer, replacing their own (as Keras
            does): ``scale_loss`` multiplies the loss by it and each sub-optimizer divides
            its gradients by it.
        name: the optimizer's name, ``"multi_optimizer"`` (made unique) by default.

    Example:
        >>> mapping = OptimizerMap(lamina.optimizers.SGD(0.01),
        ...                        {"encoder/.*": lamina.optimizers.Adam(1e-3)})
        >>> model.compile(optimizer=MultiOptimizer(mapping), loss="mse")
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        if not callable(optimizer_map):
            raise TypeError(
                "MultiOptimizer: argument `optimizer_map` must be an OptimizerMap or a "
                "function from a variable to an optimizer. Received: "
                f"optimizer_map={optimizer_map!r}."
            )
        self._inner_optimizers = []
        # Keras gives the wrapper a (unused) learning-rate variable; keep it so the
        # variables, and so saved files, line up with Keras's.
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        known = list(optimizer_map.values()) if isinstance(optimizer_map, OptimizerMap) else []
        default = getattr(optimizer_map, "default_optimizer", None)
        for optimizer in known + ([default] if default is not None else []):
            self._add_inner(optimizer)
        self._optimizer_of = {}  # id(variable) -> index in self._inner_optimizers

    def _add_inner(self, optimizer):
        """The index of ``optimizer`` among the sub-optimizers, adding it if new."""
        for i, inner in enumerate(self._inner_optimizers):
            if inner is optimizer:
                return i
        optimizer.loss_scale_factor = self.loss_scale_factor
        self._inner_optimizers.append(optimizer)
        return len(self._inner_optimizers) - 1

    @property
    def optimizers(self):
        """The sub-optimizers, in the order their variables are listed."""
        return list(self._inner_optimizers)

    @property
    def variables(self):
        """The wrapper's own ``iteration`` and ``learning_rate``, then every sub-optimizer's
        variables in turn (Keras's order)."""
        variables = list(self._variables)
        for optimizer in self._inner_optimizers:
            variables.extend(optimizer.variables)
        return variables

    @property
    def learning_rate(self):
        """Not defined: each sub-optimizer has its own (see ``optimizers``)."""
        raise AttributeError(
            "A MultiOptimizer has no single learning rate: read or set it on the "
            "sub-optimizers instead, e.g. `for opt in optimizer.optimizers: "
            "opt.learning_rate = 1e-4`."
        )

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError(
            "A MultiOptimizer has no single learning rate to set: set it on the "
            "sub-optimizers instead, e.g. `for opt in optimizer.optimizers: "
            "opt.learning_rate = 1e-4`."
        )

    lr = learning_rate

    @property
    def loss_scale_factor(self):
        """The loss scale shared by every sub-optimizer (None: no scaling)."""
        return getattr(self, "_loss_scale_factor", None)

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for optimizer in getattr(self, "_inner_optimizers", ()):
            optimizer.loss_scale_factor = value

    @property
    def use_ema(self):
        """Whether any sub-optimizer keeps a moving average (so ``fit`` finalizes it)."""
        return any(opt.use_ema for opt in getattr(self, "_inner_optimizers", ()))

    @use_ema.setter
    def use_ema(self, value):
        if value:
            raise ValueError(
                "MultiOptimizer: set `use_ema=True` on the sub-optimizers that should keep "
                "a moving average, not on the MultiOptimizer."
            )

    def build(self, var_list):
        """Give each variable to its optimizer and build every sub-optimizer that got any.

        Args:
            var_list: the model's trainable Variables, in the order gradients will come.
        """
        if self.built:
            return
        var_list = list(var_list)
        groups = {}
        for variable in var_list:
            optimizer = self._optimizer_map(variable)
            _check_optimizer(
                optimizer, f"MultiOptimizer: the optimizer chosen for variable "
                f"{getattr(variable, 'path', variable.name)!r}")
            index = self._add_inner(optimizer)
            self._optimizer_of[id(variable)] = index
            groups.setdefault(index, []).append(variable)
        for index, optimizer in enumerate(self._inner_optimizers):
            if index in groups:
                optimizer.build(groups[index])
        super().build(var_list)

    def apply(self, grads, trainable_variables=None):
        """Split ``grads`` by sub-optimizer and apply each share; builds on first use.

        A ``None`` gradient skips its variable (with a warning), as in ``Optimizer``.

        Args:
            grads: gradient tensors, one per variable.
            trainable_variables: the Variables; optional once the optimizer is built.
        """
        grads = list(grads)
        if not grads:
            return
        variables = self._variables_for(grads, trainable_variables)
        shares = [([], []) for _ in self._inner_optimizers]
        for grad, variable in zip(grads, variables):
            share = shares[self._optimizer_of[id(variable)]]
            share[0].append(grad)
            share[1].append(variable)
        if all(g is None for g in grads):
            raise ValueError(
                "No gradients provided for any variable: every gradient is None. Check that "
                "the loss depends on the model's trainable variables."
            )
        for optimizer, (share_grads, share_variables) in zip(self._inner_optimizers, shares):
            if any(g is not None for g in share_grads):
                optimizer.apply(share_grads, share_variables)
        with backend.no_grad():
            self._iterations.assign_add(1)

    def finalize_variable_values(self, var_list):
        """Let each sub-optimizer write its moving averages into its own variables.

        Args:
            var_list: the model variables, as the MultiOptimizer was built with.
        """
        shares = [[] for _ in self._inner_optimizers]
        for variable in var_list:
            shares[self._optimizer_of[id(variable)]].append(variable)
        for optimizer, share in zip(self._inner_optimizers, shares):
            if share:
                optimizer.finalize_variable_values(share)

    def save_own_variables(self, store):
        """Write every variable (own, then each sub-optimizer's) under ``"0"``, ``"1"``..."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Read what ``save_own_variables`` wrote; warn and skip on a count mismatch."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            warnings.warn(
                f"Skipping variable loading for optimizer {self.name!r}: it has "
                f"{len(variables)} variables but the saved one has {len(store.keys())}. "
                "Build it (`optimizer.build(model.trainable_variables)`) before loading.",
                stacklevel=2,
            )
            return
        for i, variable in enumerate(variables):
            variable.assign(store[str(i)])

    def set_weights(self, weights):
        """Assign a list of arrays to ``variables`` (own, then each sub-optimizer's)."""
        if not self.built:
            raise ValueError(
                "set_weights() needs a built optimizer: call "
                "`optimizer.build(trainable_variables)` first."
            )
        variables = self.variables
        if len(weights) != len(variables):
            raise ValueError(
                f"MultiOptimizer {self.name!r} has {len(variables)} variables (its own and "
                f"its sub-optimizers'); set_weights got {len(weights)} arrays."
            )
        for variable, weight in zip(variables, weights):
            variable.assign(weight)

    def get_config(self):
        """The map (serialized as Keras does), ``loss_scale_factor`` and ``name``.

        Example:
            >>> MultiOptimizer.from_config(optimizer.get_config())
        """
        optimizer_map = self._optimizer_map
        if isinstance(optimizer_map, OptimizerMap):
            optimizer_map = {"module": "keras.optimizers", "class_name": "OptimizerMap",
                             "config": optimizer_map.get_config(), "registered_name": None}
        else:
            optimizer_map = serialization.serialize_keras_object(optimizer_map)
        return {"optimizer_map": optimizer_map, "loss_scale_factor": self.loss_scale_factor,
                "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from ``get_config()``'s output; a function map must be registered."""
        config = dict(config)
        config["optimizer_map"] = _deserialize_map(config["optimizer_map"], custom_objects)
        return cls(**config)


def _deserialize_map(config, custom_objects=None):
    """An ``OptimizerMap`` config, or the name of a registered function, back to an object."""
    if isinstance(config, dict) and config.get("class_name") == "OptimizerMap":
        return OptimizerMap.from_config(config.get("config") or {}, custom_objects)
    name = config
    if isinstance(config, dict) and config.get("class_name") in ("function", "__function__"):
        name = config.get("config")
    found = registry.get_registered_object(name, custom_objects) if isinstance(name, str) \
        else None
    if found is None or not callable(found):
        raise ValueError(
            f"MultiOptimizer: cannot rebuild `optimizer_map` from {config!r}. A function map "
            "must be registered with @lamina.saving.register_keras_serializable() or passed "
            "in `custom_objects`; an OptimizerMap is saved in full."
        )
    return found
