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

    def _backend_untrack_variable(self, variable):
        params = self._modules.get("_torch_params")
        if params is None:
            return
        for key, value in list(params.items()):
            if value is variable.value:
                del params[key]

    def _backend_track_layer(self, layer):
        if layer is self or layer in self._modules.values():
            return
        self.add_module(f"_layer_{len(self._modules)}", layer)

    def forward(self, *args, **kwargs):
        """torch's entry point: the same as calling the layer."""
        return self.__call__(*args, **kwargs)
