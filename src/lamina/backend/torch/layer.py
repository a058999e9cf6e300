"""What makes a lamina Layer a ``torch.nn.Module``.

``Layer.__new__`` calls ``_backend_init`` so that ``nn.Module`` bookkeeping exists before any
attribute is set. Each variable a layer creates is registered as a parameter (in a
``ParameterDict``), and each tracked sublayer as a submodule, so ``parameters()``,
``state_dict()`` and ``.to()`` see the whole model.
"""

import torch


class LayerBase(torch.nn.Module):
    """The torch mixin under every lamina Layer."""

    def _backend_init(self):
        torch.nn.Module.__init__(self)

    def _backend_track_variable(self, variable):
        params = self._modules.get("_torch_params")
        if params is None:
            params = torch.nn.ParameterDict()
            torch.nn.Module.__setattr__(self, "_torch_params", params)
        key = variable.name.replace("/", "_").replace(".", "_") or "variable"
        base, i = key, 1
        while key in params:
            key, i = f"{base}_{i}", i + 1
        params[key] = variable.value
        # Which Variable each entry is, kept on the ParameterDict itself (no attribute of
        # the layer, which saving and tracking walk): see _backend_sync_variables.
        params.__dict__.setdefault("_lamina_variables", {})[key] = variable

    def _backend_untrack_variable(self, variable):
        params = self._modules.get("_torch_params")
        if params is None:
            return
        variables = params.__dict__.get("_lamina_variables", {})
        for key, value in list(params.items()):
            if value is variable.value or variables.get(key) is variable:
                del params[key]
                variables.pop(key, None)

    def _backend_sync_variables(self):
        """Point ``parameters()`` at each Variable's current storage.

        A Variable re-laid after it was tracked (an LSTM kernel stored gates-first, weights
        packed into cuDNN's flat buffer) holds a new Parameter; the ParameterDict entry
        made when it was tracked is replaced, so torch code sees the live tensors.
        """
        params = self._modules.get("_torch_params")
        if params is None:
            return
        for key, variable in params.__dict__.get("_lamina_variables", {}).items():
            if key in params and params[key] is not variable.value:
                params[key] = variable.value

    def _backend_track_layer(self, layer):
        if layer is self or layer in self._modules.values():
            return
        self.add_module(f"_layer_{len(self._modules)}", layer)

    def forward(self, *args, **kwargs):
        """torch's entry point: the same as calling the layer."""
        return self.__call__(*args, **kwargs)
