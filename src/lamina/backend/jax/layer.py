"""The JAX share of Layer: nothing, since a JAX layer needs no engine base class."""


class LayerBase:
    """The JAX mixin under every lamina Layer: plain Python objects, no hooks needed."""

    def _backend_init(self):
        pass

    def _backend_track_variable(self, variable):
        pass

    def _backend_untrack_variable(self, variable):
        pass

    def _backend_track_layer(self, layer):
        pass

    def _backend_sync_variables(self):
        pass
