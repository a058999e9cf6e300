"""``InputSpec``: what a layer accepts (rank, sizes of some axes), checked on every call."""


class InputSpec:
    """Constraints a layer puts on its input.

    Args:
        dtype: expected dtype, or None.
        shape: expected full shape (None entries match anything), or None.
        ndim: exact rank, or None.
        max_ndim: largest rank, or None.
        min_ndim: smallest rank, or None.
        axes: dict ``{axis: size}`` of axes whose size is fixed.
        allow_last_axis_squeeze: kept for Keras compatibility.
        name: kept for Keras compatibility.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in vars(self).items() if v not in (None, {}, False)]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self):
        """The constructor arguments."""
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}


def constrains_batch(spec, rank):
    """Whether ``spec`` fixes the size of the first (batch) axis of a rank-``rank`` input."""
    if spec.shape is not None and spec.shape and spec.shape[0] is not None:
        return True
    return any(size is not None and axis in (0, -rank) for axis, size in spec.axes.items())


def assert_input_compatibility(spec, shape, layer_name, index=0):
    """Raise a ValueError naming the layer when ``shape`` breaks ``spec``."""
    if spec is None or shape is None:
        return
    prefix = f'Input {index} of layer "{layer_name}" is incompatible with the layer: '
    shape = tuple(shape)
    rank = len(shape)
    if spec.ndim is not None and rank != spec.ndim:
        raise ValueError(
            f"{prefix}expected ndim={spec.ndim}, found ndim={rank}. Full shape received: "
            f"{shape}."
        )
    if spec.max_ndim is not None and rank > spec.max_ndim:
        raise ValueError(
            f"{prefix}expected max_ndim={spec.max_ndim}, found ndim={rank}. Full shape "
            f"received: {shape}."
        )
    if spec.min_ndim is not None and rank < spec.min_ndim:
        raise ValueError(
            f"{prefix}expected min_ndim={spec.min_ndim}, found ndim={rank}. Full shape "
            f"received: {shape}."
        )
    for axis, size in spec.axes.items():
        if size is None or -rank > axis or axis >= rank:
            continue
        if shape[axis] is not None and shape[axis] != size:
            raise ValueError(
                f"{prefix}expected axis {axis} of input shape to have value {size}, but "
                f"received input with shape {shape}. Check that the data fed to "
                f'"{layer_name}" has {size} features on that axis (or rebuild the layer '
                "for the new size)."
            )
    if spec.shape is not None:
        for expected, given in zip(spec.shape, shape):
            if expected is not None and given is not None and expected != given:
                raise ValueError(
                    f"{prefix}expected shape={spec.shape}, found shape={shape}."
                )
