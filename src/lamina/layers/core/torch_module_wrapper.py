"""``TorchModuleWrapper``: a ``torch.nn.Module`` used as a lamina layer (torch backend)."""

from lamina import backend
from lamina.backend.common import scopes
from lamina.layers.layer import Layer

_STORED_MODULE = (
    "TorchModuleWrapper {name!r}: the saved config holds the torch module as a pickle "
    "(torch.save), and loading a pickle would run code from the file: lamina never does "
    "that. Build the module in your code and pass it under the layer's name: "
    "load_model(path, safe_mode=False, custom_objects={{{name!r}: my_module}}); the saved "
    "weights are then loaded into my_module."
)


def _torch_glue(layer_name):
    if backend.backend() != "torch":
        raise ValueError(
            f"TorchModuleWrapper {layer_name!r} runs torch.nn.Module objects and needs the "
            f"torch backend; the active backend is {backend.backend()!r}. Set "
            "LAMINA_BACKEND=torch (or KERAS_BACKEND=torch) before importing lamina."
        )
    from lamina.backend.torch import module_wrapper

    return module_wrapper


class TorchModuleWrapper(Layer):
    """Use a ``torch.nn.Module`` as a layer: its parameters become the layer's weights
    (the same tensors: training the model trains the module), so it trains with ``fit``,
    mixes with lamina layers in Sequential, Functional and subclassed models, and saves its
    state (``state_dict``: parameters and buffers such as BatchNorm statistics) with the
    model. Torch backend only.

    The module is called with the layer's inputs as they are (torch tensors); ``training``
    switches it between ``module.train()`` and ``module.eval()``.

    Args:
        module: a ``torch.nn.Module`` whose parameters exist (a lazy module must have run
            once). It is moved to lamina's device.
        name: the layer's name.
        output_shape: the output shape (without the batch axis: as ``compute_output_shape``
            returns it), if you want to skip inferring it by running the module on zeros.
        **kwargs: base layer arguments such as ``dtype``.

    Returns:
        A layer whose output is the module's output.

    Example:
        >>> model = lamina.Sequential([
        ...     lamina.Input((3, 28, 28)),
        ...     lamina.layers.TorchModuleWrapper(torch.nn.Conv2d(3, 8, 3)),
        ...     lamina.layers.Flatten(), lamina.layers.Dense(10)])

    Saving: the config written for Keras holds the module as Keras writes it (a
    ``torch.save`` pickle). lamina never loads a pickle; to load such a file, pass your own
    module: ``load_model(path, safe_mode=False, custom_objects={layer_name: module})``.
    """

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        super().__init__(name=name, **kwargs)
        glue = _torch_glue(self.name)
        self.module = glue.check_module(module, self.name)
        self.output_shape = None if output_shape is None else tuple(output_shape)
        self._wrapped = glue.wrap_parameters(self.module)
        for _, variable in self._wrapped:
            self._track_variable(variable)
        self.built = True

    def parameters(self, recurse=True):
        """The module's parameters (torch's ``nn.Module.parameters``)."""
        return self.module.parameters(recurse=recurse)

    def call(self, *args, training=None, **kwargs):
        glue = _torch_glue(self.name)
        if scopes.in_symbolic_scope():
            # Inferring the output shape on zero inputs: eval mode, so no BatchNorm
            # statistics or other buffers move.
            training = False
        return glue.run(self.module, self._wrapped, args, kwargs, training)

    def compute_output_shape(self, input_shape):
        if self.output_shape is None:
            return super().compute_output_shape(input_shape)
        return self.output_shape

    def save_own_variables(self, store):
        """Write the module's ``state_dict`` (parameters and buffers) under its keys, as
        Keras does."""
        for key, value in _torch_glue(self.name).state_to_numpy(self.module).items():
            store[key] = value

    def load_own_variables(self, store):
        """Load the module's ``state_dict`` from the keys ``save_own_variables`` wrote."""
        arrays = {}
        for key in store.keys():
            arrays[key.decode() if isinstance(key, bytes) else key] = store[key]
        _torch_glue(self.name).load_state(self.module, arrays)

    def get_config(self):
        config = super().get_config()
        config["module"] = _torch_glue(self.name).pickled_module(self.module)
        config["output_shape"] = self.output_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild with the module passed in ``custom_objects`` under the layer's name
        (with ``safe_mode=False``); a pickled module from a file is never loaded."""
        from lamina.layers.core.lambda_layer import _in_safe_mode

        config = dict(config)
        module = config.pop("module", None)
        name = config.get("name")
        replacement = (custom_objects or {}).get(name)
        if replacement is None and not isinstance(module, str):
            replacement = module  # an in-memory config (e.g. clone_model) holds the module
        if isinstance(module, str) and (_in_safe_mode() or replacement is None):
            raise ValueError(_STORED_MODULE.format(name=name))
        if replacement is None:
            raise ValueError(_STORED_MODULE.format(name=name))
        return cls(replacement, **config)
