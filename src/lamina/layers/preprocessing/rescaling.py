"""``Rescaling``: multiplies inputs by ``scale`` and adds ``offset``."""

import numpy as np

from lamina import backend
from lamina import ops
from lamina.backend import config as backend_config
from lamina.layers.layer import Layer


class Rescaling(Layer):
    """Computes ``inputs * scale + offset`` in the compute dtype, in training and
    inference alike; e.g. ``scale=1 / 255`` maps pixel values to ``[0, 1]`` and
    ``scale=1 / 127.5, offset=-1`` to ``[-1, 1]``.

    Args:
        scale: a number, or one number per channel (a list or array, broadcast against
            the last axis; against the channel axis when
            ``lamina.config.image_data_format()`` is ``"channels_first"``).
        offset: a number (default 0.0) or one per channel, like ``scale``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape in the compute dtype (float32 by default), whatever
        the input dtype (integers included).

    Example:
        >>> layer = lamina.layers.Rescaling(1 / 255)
        >>> layer(np.array([[0, 51, 255]], "uint8"))  # [[0.0, 0.2, 1.0]]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        dtype = self.compute_dtype
        scale = ops.convert_to_tensor(self.scale, dtype=dtype)
        offset = ops.convert_to_tensor(self.offset, dtype=dtype)
        if len(scale.shape) and backend_config.image_data_format() == "channels_first":
            # Keras reads a per-channel scale against the channel axis of (C, H, W) images.
            scale = ops.reshape(scale, tuple(scale.shape) + (1,) * (3 - len(scale.shape)))
        return ops.add(ops.multiply(ops.cast(inputs, dtype), scale), offset)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"scale": _to_json(self.scale), "offset": _to_json(self.offset)})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["scale"] = _from_json(config["scale"])
        config["offset"] = _from_json(config["offset"])
        return cls(**config)


def _to_json(value):
    """``value`` in Keras 3's config spelling: arrays and tensors become tagged dicts."""
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value.item()
        return {"class_name": "__numpy__",
                "config": {"value": value.tolist(), "dtype": str(value.dtype)}}
    if backend.is_tensor(value):
        array = np.asarray(ops.convert_to_numpy(value))
        return {"class_name": "__tensor__",
                "config": {"value": array.tolist(), "dtype": str(array.dtype)}}
    return value


def _from_json(value):
    """The inverse of :func:`_to_json`."""
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        return np.array(value["config"]["value"], dtype=value["config"]["dtype"])
    if isinstance(value, dict) and value.get("class_name") == "__tensor__":
        return ops.convert_to_tensor(value["config"]["value"],
                                     dtype=value["config"]["dtype"])
    return value
