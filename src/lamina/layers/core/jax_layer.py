"""``JaxLayer``: a pure JAX model function used as a lamina layer (JAX backend)."""

import inspect

from lamina import backend
from lamina.layers.layer import Layer

_CALL_ARGUMENTS = ("params", "state", "rng", "inputs", "training")
_INIT_ARGUMENTS = ("rng", "inputs", "training")


def _jax_glue(layer_name):
    if backend.backend() != "jax":
        raise ValueError(
            f"JaxLayer {layer_name!r} runs JAX functions and needs the JAX backend; the "
            f"active backend is {backend.backend()!r}. Set LAMINA_BACKEND=jax (or "
            "KERAS_BACKEND=jax) before importing lamina."
        )
    from lamina.backend.jax import jax_layer

    return jax_layer


def _arguments(fn, fn_name, allowed):
    """The names of ``fn``'s parameters, in order, checked against ``allowed``."""
    if not callable(fn):
        raise ValueError(f"JaxLayer: `{fn_name}` must be a function. Received: {fn!r}.")
    names = list(inspect.signature(fn).parameters)
    if "inputs" not in names:
        raise ValueError(
            f"JaxLayer: `{fn_name}` must take an argument named `inputs`; its arguments are "
            f"{names}. Wrap it in a function with the expected argument names."
        )
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise ValueError(
            f"JaxLayer: unsupported argument `{unknown[0]}` in `{fn_name}`; the supported "
            f"names are {', '.join(f'`{a}`' for a in allowed)}. Wrap it in a function with "
            "those argument names."
        )
    return names


class JaxLayer(Layer):
    """Use a JAX model function as a layer: its parameters (any pytree of arrays) become
    the layer's weights, so it trains with ``fit``, mixes with lamina layers and saves its
    weights with the model. JAX backend only.

    ``call_fn`` is called with the arguments it names, among ``params`` (the trainable
    pytree), ``state`` (a non-trainable pytree; then ``call_fn`` returns
    ``(outputs, new_state)``), ``rng`` (a ``jax.random.PRNGKey`` in training, None in
    inference), ``inputs`` (required) and ``training``. ``init_fn``, called at build with
    ``rng``, ``inputs`` (ones of the input shape, unknown dimensions as 1) and
    ``training=True`` among the names it takes, returns ``params`` (or ``(params,
    state)`` when ``call_fn`` has ``state``).

    Args:
        call_fn: the model function.
        init_fn: the initializer function, when ``params`` / ``state`` are not given.
        params: the initial trainable parameters (a pytree of arrays).
        state: the initial non-trainable state (a pytree of arrays).
        seed: an int seed for the keys given to ``init_fn`` and ``call_fn``.
        native_serialization_platforms: kept for Keras compatibility (TensorFlow export
            settings; lamina has no TensorFlow export).
        **kwargs: base layer arguments such as ``name``.

    Returns:
        A layer whose output is ``call_fn``'s output.

    Example:
        >>> def call_fn(params, inputs):
        ...     return jax.nn.relu(inputs @ params["w"] + params["b"])
        >>> def init_fn(rng, inputs):
        ...     return {"w": jax.random.normal(rng, (inputs.shape[-1], 8)),
        ...             "b": jnp.zeros(8)}
        >>> layer = lamina.layers.JaxLayer(call_fn, init_fn)
    """

    def __init__(self, call_fn, init_fn=None, params=None, state=None, seed=None,
                 native_serialization_platforms=None, **kwargs):
        super().__init__(**kwargs)
        self._glue = _jax_glue(self.name)
        self.call_fn = call_fn
        self.init_fn = init_fn
        self.seed = seed
        self.native_serialization_platforms = native_serialization_platforms
        self._call_arguments = _arguments(call_fn, "call_fn", _CALL_ARGUMENTS)
        self._init_arguments = None if init_fn is None else _arguments(
            init_fn, "init_fn", _INIT_ARGUMENTS)
        needs_weights = "params" in self._call_arguments or "state" in self._call_arguments
        if init_fn is None and params is None and state is None and needs_weights:
            raise ValueError(
                f"JaxLayer {self.name!r}: `init_fn`, `params` and `state` cannot all be None "
                "when `call_fn` takes `params` or `state`. Pass the initial parameters, or "
                "an `init_fn(rng, inputs)` that makes them."
            )
        if "rng" in self._call_arguments or (
                self._init_arguments and "rng" in self._init_arguments):
            from lamina import random

            self.seed_generator = random.SeedGenerator(seed)
        else:
            self.seed_generator = None
        self._params_tree = self._state_tree = None
        self.params = self.state = None
        if params is not None or state is not None:
            self._create_weights(params, state)
            self.built = True

    # -- weights --------------------------------------------------------------------------
    def _create_weights(self, params, state):
        self._params_tree, self.params = self._variables_for(params, True, "param")
        self._state_tree, self.state = self._variables_for(state, False, "state")

    def _variables_for(self, tree, trainable, prefix):
        if tree is None:
            return None, None
        leaves, treedef = self._glue.flatten(tree)
        variables = [backend.Variable(initializer=self._glue.copy(leaf), trainable=trainable,
                                      name=f"{prefix}_{i}") for i, leaf in enumerate(leaves)]
        for variable in variables:
            self._track_variable(variable)
        return treedef, self._glue.unflatten(treedef, variables)

    def build(self, input_shape=None):
        if self.built:
            return
        if self.init_fn is not None and self.params is None and self.state is None:
            arguments = {"inputs": self._glue.ones_like_shapes(input_shape),
                         "training": True}
            if "rng" in self._init_arguments:
                arguments["rng"] = self._next_key()
            result = self.init_fn(*[arguments[name] for name in self._init_arguments])
            if "state" in self._call_arguments:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise ValueError(
                        f"JaxLayer {self.name!r}: `call_fn` takes `state`, so `init_fn` must "
                        "return a pair (params, state). Received: "
                        f"{type(result).__name__}."
                    )
                params, state = result
            else:
                params, state = result, None
            self._create_weights(params, state)
        self.built = True

    def _next_key(self):
        if self.seed_generator is None:
            return self._glue.key_from_int(self.seed or 0)
        return self._glue.key_from_seed(self.seed_generator.next())

    def _values(self, treedef, variables):
        if treedef is None:
            return None
        leaves = self._glue.flatten(variables)[0]
        return self._glue.unflatten(treedef, [v.value for v in leaves])

    # -- call -----------------------------------------------------------------------------
    def call(self, inputs, training=False):
        arguments = {"inputs": inputs, "training": bool(training)}
        if "params" in self._call_arguments:
            arguments["params"] = self._values(self._params_tree, self.params)
        if "state" in self._call_arguments:
            arguments["state"] = self._values(self._state_tree, self.state)
        if "rng" in self._call_arguments:
            arguments["rng"] = self._next_key() if training else None
        result = self.call_fn(*[arguments[name] for name in self._call_arguments])
        if "state" not in self._call_arguments:
            return result
        outputs, new_state = result
        variables = self._glue.flatten(self.state)[0] if self.state is not None else []
        values, treedef = self._glue.flatten(new_state)
        if treedef != self._state_tree:
            raise ValueError(
                f"JaxLayer {self.name!r}: the state returned by `call_fn` has another "
                "structure than the state at initialization; return the same pytree."
            )
        for variable, value in zip(variables, values):
            variable.assign(value)
        return outputs

    # -- config ---------------------------------------------------------------------------
    def get_config(self):
        from lamina.saving import serialization

        config = super().get_config()
        config.update({
            "call_fn": serialization.serialize_keras_object(self.call_fn),
            "init_fn": serialization.serialize_keras_object(self.init_fn),
            "native_serialization_platforms": self.native_serialization_platforms,
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild with the functions registered (``register_keras_serializable``) or
        passed in ``custom_objects``; the weights come from the saved file."""
        from lamina.saving import serialization

        config = dict(config)
        for key in ("call_fn", "init_fn"):
            if config.get(key) is not None:
                config[key] = serialization.deserialize_keras_object(
                    config[key], custom_objects=custom_objects)
        return cls(**config)
