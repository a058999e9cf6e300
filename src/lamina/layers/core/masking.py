"""``Masking``: marks timesteps whose features all equal ``mask_value`` as padding."""

import numpy as np

from lamina import ops
from lamina.layers.layer import Layer

# How Keras writes an array-valued mask_value into a config.
_ARRAY_CLASS_NAMES = ("__numpy__", "__tensor__")


class Masking(Layer):
    """Masks the timesteps of a sequence whose features all equal ``mask_value``.

    For inputs of shape ``(batch, steps, features)``, step ``t`` of a sample is masked when
    every feature equals ``mask_value``. Masked steps come out as zeros, and the output mask
    (``compute_mask``: True = keep) is ``any(inputs != mask_value, axis=-1)``; downstream
    layers that support masking (RNNs, losses, pooling) then skip those steps.

    Args:
        mask_value: the padding value (default ``0.0``).

    Returns:
        The inputs with masked steps set to 0, same shape.

    Example:
        >>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
        >>> layer = lamina.layers.Masking(mask_value=0.0)
        >>> layer.compute_mask(x)  # [[True, False, True]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, dict) and mask_value.get("class_name") in _ARRAY_CLASS_NAMES:
            inner = mask_value.get("config", {})
            mask_value = np.asarray(inner.get("value"), dtype=inner.get("dtype"))
        self.mask_value = mask_value
        self.supports_masking = True

    def _keep(self, inputs, keepdims):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=keepdims)

    def call(self, inputs):
        # A select, not a multiply, so inf or NaN in masked steps cannot leak through.
        return ops.where(self._keep(inputs, keepdims=True), inputs,
                         ops.zeros_like(inputs))

    def compute_mask(self, inputs, mask=None):
        """``any(inputs != mask_value, axis=-1)``: True for steps to keep."""
        return self._keep(inputs, keepdims=False)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        mask_value = self.mask_value
        if not isinstance(mask_value, (int, float)):
            array = np.asarray(ops.convert_to_numpy(mask_value))
            mask_value = {"class_name": "__numpy__",
                          "config": {"value": array.tolist(), "dtype": array.dtype.name}}
        config.update({"mask_value": mask_value})
        return config
