"""``InputLayer`` and ``Input``: where a Functional or Sequential model's data enters."""

from lamina import backend
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer
from lamina.layers.node import Node


class InputLayer(Layer):
    """The layer behind ``Input``: it holds the model's symbolic input tensor.

    Args:
        shape: the shape of one sample (without the batch dimension).
        batch_size: an optional fixed batch size.
        dtype: the input dtype (``floatx()`` by default).
        batch_shape: the full shape including the batch dimension (instead of ``shape``).
        input_tensor: an existing KerasTensor to wrap.
        name: the layer name.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None,
                 batch_shape=None, input_tensor=None, optional=False, name=None,
                 ragged=False, **kwargs):
        # Keras 2 spellings: input_shape= / batch_input_shape=.
        if "input_shape" in kwargs and shape is None:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs and batch_shape is None:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if input_tensor is not None:
            batch_shape = input_tensor.shape
        elif batch_shape is None:
            if shape is None:
                raise ValueError(
                    "Input: pass `shape` (the shape of one sample, e.g. shape=(784,)) or "
                    "`batch_shape`."
                )
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(batch_shape)
        self._dtype = self._compute_dtype = backend.standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.optional = optional
        if input_tensor is None:
            input_tensor = KerasTensor(self.batch_shape, dtype=self._dtype, name=self.name)
        self.built = True
        Node(self, (), {}, input_tensor)
        self._input_tensor = input_tensor

    def call(self, inputs):
        return inputs

    @property
    def output(self):
        """The symbolic tensor this layer provides."""
        return self._input_tensor

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self._dtype, "sparse": self.sparse,
                "ragged": False, "name": self.name, "optional": self.optional}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic tensor that starts a Functional model.

    Args:
        shape: the shape of one sample, e.g. ``(784,)`` (``None`` entries: any size).
        batch_size: an optional fixed batch size.
        dtype: the input dtype (``floatx()`` by default).
        batch_shape: the full shape with the batch dimension (instead of ``shape``).
        name: a name, unique in the model.
        tensor: an existing KerasTensor to wrap.

    Returns:
        A ``KerasTensor``.

    Example:
        >>> x = lamina.Input(shape=(8,))
        >>> y = lamina.layers.Dense(2)(x)
        >>> model = lamina.Model(x, y)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor,
                       optional=optional)
    return layer.output
