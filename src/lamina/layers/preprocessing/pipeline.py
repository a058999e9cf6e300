"""``Pipeline``: applies a list of layers one after the other, as one layer."""

from lamina.layers.layer import Layer
from lamina.saving import serialization


class Pipeline(Layer):
    """Calls its layers in order, each on the previous one's output, and returns the last
    output; ``training`` is handed to every layer.

    Unlike ``Sequential`` it is a plain layer, not a model: no ``fit`` or ``summary``,
    and the data between the steps may be any structure its layers accept (such as
    ``MixUp``'s ``{"images", "labels"}`` dict). Typical use is an augmentation stage.

    Args:
        layers: a list of layers.
        name: the layer's name.

    Returns:
        The last layer's output.

    Example:
        >>> augment = lamina.layers.Pipeline([lamina.layers.RandomFlip(seed=1),
        ...                                   lamina.layers.RandomInvert(seed=2)])
        >>> augment(np.random.uniform(0, 255, (2, 8, 8, 3)), training=True).shape
        (2, 8, 8, 3)
    """

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        if not isinstance(layers, (list, tuple)) or not all(
                isinstance(layer, Layer) for layer in layers):
            raise ValueError(
                "Pipeline: `layers` must be a list of layers, e.g. "
                "Pipeline([layers.RandomFlip(), layers.RandomInvert()]). Received: "
                f"layers={layers!r}."
            )
        self._pipeline_layers = list(layers)

    @property
    def layers(self):
        """The layers, in the order they are applied."""
        return self._pipeline_layers

    def call(self, inputs, training=True, mask=None):
        outputs = inputs
        for layer in self._pipeline_layers:
            kwargs = {"training": training}
            # A mask reaches the first layer that takes one; later masks ride on the
            # outputs, as between the layers of a Sequential.
            if mask is not None and layer._call_has_mask_arg:
                kwargs["mask"], mask = mask, None
            outputs = layer(outputs, **kwargs)
        return outputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self):
        return {"layers": [serialization.serialize_keras_object(layer)
                           for layer in self._pipeline_layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the pipeline and its layers from :meth:`get_config`'s output."""
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(
                "Pipeline.from_config: the config must hold `layers`, a list of "
                f"serialized layers. Received: layers={layers!r}."
            )
        config = dict(config)
        config["layers"] = [serialization.deserialize_keras_object(
            layer, custom_objects=custom_objects) for layer in layers]
        return cls(**config)
