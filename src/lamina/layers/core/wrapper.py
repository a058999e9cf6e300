"""``Wrapper``: the base of layers that hold one other layer and change how it is applied
(``TimeDistributed``, user wrappers such as weight normalization)."""

from lamina.layers.layer import Layer


class Wrapper(Layer):
    """Abstract base for a layer that wraps another one (``self.layer``).

    It checks that ``layer`` is a Layer, builds it with the wrapper's input shape when the
    wrapper is built (a subclass whose layer sees another shape overrides ``build``), and
    saves it inside its own config (``"layer"``), so a subclass only writes ``call``.

    Args:
        layer: the Layer instance to wrap.
        **kwargs: the base Layer's arguments (``name``, ``dtype``, ...).

    Example:
        >>> class Doubled(lamina.layers.Wrapper):
        ...     def call(self, inputs):
        ...         return self.layer(inputs) * 2.0
        >>> Doubled(lamina.layers.Dense(4))(np.ones((2, 3))).shape
        (2, 4)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"{type(self).__name__}: `layer` must be a Layer instance such as "
                f"layers.Dense(8), got {layer!r}."
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        """Build the wrapped layer for ``input_shape`` (when it is not built yet)."""
        if not self.layer.built and input_shape is not None:
            from lamina.layers.rnn.stacked_rnn_cells import build_cell

            build_cell(self.layer, input_shape, self._dtype)
        self.built = True

    def get_config(self):
        """The base config plus the wrapped layer's serialized config under ``"layer"``."""
        from lamina.saving import serialization

        config = super().get_config()
        config["layer"] = serialization.serialize_keras_object(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the wrapper, deserializing the wrapped layer first."""
        from lamina.saving import serialization

        config = dict(config)
        layer = serialization.deserialize_keras_object(config.pop("layer"),
                                                       custom_objects=custom_objects)
        return cls(layer, **config)
