"""``Discretization``: continuous values into bins given by boundaries, which ``adapt`` can
learn as approximate quantiles of data.

The quantiles come from the same weighted summary Keras 3 keeps (sorted samples at a
stride of about ``epsilon`` of the data, merged and re-interpolated batch by batch), so
adapted boundaries equal Keras's for the same data and batches.
"""

import numpy as np

from lamina import backend
from lamina import ops
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer
from lamina.layers.preprocessing import category_encoding
from lamina.layers.preprocessing import normalization

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


# -- the quantile summary: a 2 x n float32 array, row 0 values (sorted), row 1 weights ----
def _empty_summary():
    return np.zeros((2, 0), dtype="float32")


def _summarize(values, epsilon):
    """Every ``step``-th sorted value, each standing for ``step`` samples, where ``step``
    keeps about ``1 / epsilon`` of them (all of them for small inputs)."""
    values = np.sort(np.reshape(values, -1))
    # Written as Keras writes it (not size * epsilon), so the float rounding, and with it
    # the stride, is the same.
    step = max(values.size / (1.0 / epsilon), 1)
    picked = values[int(step - 1)::int(step)]
    return np.stack([picked, np.full_like(picked, step)])


def _compress(summary, epsilon):
    """Re-interpolate ``summary`` onto the cumulative-weight fractions ``epsilon, 2 *
    epsilon, ..., 1``; summaries already that small are returned as they are."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = np.arange(0.0, 1.0, epsilon) + epsilon
    cumulative = np.cumsum(summary[1])
    position = cumulative / cumulative[-1]
    values = np.interp(fractions, position, summary[0])
    cumulative = np.interp(fractions, position, cumulative)
    weights = np.diff(cumulative, prepend=0.0)
    return np.stack([values, weights]).astype("float32")


def _merge(summary, other, epsilon):
    merged = np.concatenate([summary, other], axis=1)
    merged = merged[:, np.argsort(merged[0])]
    return _compress(merged, epsilon)


def quantile_boundaries(summary, num_bins):
    """The ``num_bins - 1`` inner boundaries that split a summary into equal-weight bins.

    Args:
        summary: a quantile summary (row 0 sorted values, row 1 their weights).
        num_bins: the number of bins wanted.

    Returns:
        A list of floats (fewer when the summary holds fewer than ``num_bins`` values).

    Example:
        >>> quantile_boundaries(np.array([[1., 2., 3., 4.], [1., 1., 1., 1.]]), 2)
        [2.0]
    """
    return _compress(summary, 1.0 / num_bins)[0, :-1].tolist()


class Discretization(Layer):
    """Buckets continuous values by ranges: output ``i`` means ``boundaries[i - 1] <= x <
    boundaries[i]``, with the outer bins open to -inf and +inf.

    Give ``bin_boundaries`` directly, or ``num_bins`` and call :meth:`adapt` to learn
    boundaries that split the data into bins of about equal size (approximate quantiles,
    with error about ``epsilon``).

    Args:
        bin_boundaries: sorted boundaries; ``[0., 1., 2.]`` makes the bins ``(-inf, 0)``,
            ``[0, 1)``, ``[1, 2)`` and ``[2, inf)``.
        num_bins: the number of bins to learn with ``adapt`` (instead of boundaries).
        epsilon: the quantile error tolerance used by ``adapt``; smaller is more exact.
        output_mode: ``"int"`` (bin indices, int32), ``"one_hot"``, ``"multi_hot"`` or
            ``"count"`` (encoded over the number of bins, as in CategoryEncoding).
        sparse: must stay False: sparse outputs exist on TensorFlow only.
        dtype: the dtype of encoded outputs (floatx by default).
        name: the layer's name.

    Returns:
        Bin indices shaped like the input, or their encoding.

    Example:
        >>> layer = lamina.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
        >>> layer(np.array([[-1.5, 1.0, 3.4, 0.5]]))  # [[0, 2, 3, 1]]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        category_encoding.check_sparse("Discretization", sparse)
        if output_mode not in _OUTPUT_MODES:
            raise ValueError(
                f"Discretization: `output_mode` must be one of {_OUTPUT_MODES}. Received: "
                f"output_mode={output_mode!r}."
            )
        if num_bins is not None and num_bins < 0:
            raise ValueError(
                f"Discretization: `num_bins` must be >= 0. Received: num_bins={num_bins}."
            )
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Discretization: set either `num_bins` (then call adapt()) or "
                f"`bin_boundaries`, not both. Received: num_bins={num_bins}, "
                f"bin_boundaries={bin_boundaries}."
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError(
                "Discretization: set either `bin_boundaries` or `num_bins` (then call "
                "adapt()). Received neither."
            )
        self.bin_boundaries = None if bin_boundaries is None else \
            [float(b) for b in bin_boundaries]
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if bin_boundaries is not None else _empty_summary()
        self.autocast = False

    @property
    def output_dtype(self):
        """``"int32"`` for bin indices, else the layer's compute dtype."""
        return "int32" if self.output_mode == "int" else self.compute_dtype

    def _depth(self):
        if self.bin_boundaries is not None:
            return len(self.bin_boundaries) + 1
        return self.num_bins

    def adapt(self, data, steps=None):
        """Learn ``num_bins - 1`` boundaries from the approximate quantiles of ``data``.

        Args:
            data: a NumPy array, a backend tensor, a ``PyDataset`` or an iterable of
                batches; every value counts, whatever the shape.
            steps: read at most this many batches of an iterable.

        Returns:
            None.

        Example:
            >>> layer = lamina.layers.Discretization(num_bins=2)
            >>> layer.adapt(np.array([1.0, 2.0, 3.0, 4.0]))
            >>> layer.bin_boundaries  # [2.0]
        """
        if self.num_bins is None:
            raise ValueError(
                f'Discretization layer "{self.name}" was given `bin_boundaries`, so it has '
                "nothing to adapt. Create it with `num_bins` to learn the boundaries."
            )
        self.reset_state()
        for batch in normalization.adapt_batches(data, "Discretization", steps=steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        """Merge one batch of values into the quantile summary (float32, as Keras)."""
        batch = _summarize(np.asarray(data).astype("float32"), self.epsilon)
        self.summary = _merge(batch, self.summary, self.epsilon)

    def finalize_state(self):
        """Set ``bin_boundaries`` from the summary."""
        if self.num_bins is not None:
            self.bin_boundaries = quantile_boundaries(self.summary, self.num_bins)

    def reset_state(self):
        """Forget the data seen by earlier ``adapt`` calls."""
        if self.num_bins is not None:
            self.summary = _empty_summary()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                f'Discretization layer "{self.name}" has no bin boundaries yet: pass '
                "`bin_boundaries` when creating it, or call adapt(data) before using it."
            )
        dtype = self.compute_dtype if backend.is_float_dtype(self.compute_dtype) else \
            backend.floatx()
        values = ops.cast(inputs, dtype)
        boundaries = ops.convert_to_tensor(np.asarray(self.bin_boundaries, dtype=dtype))
        indices = ops.digitize(values, boundaries)
        return category_encoding.encode_categorical_inputs(
            indices, self.output_mode, self._depth(), self.output_dtype, layer=self)

    def compute_output_shape(self, input_shape):
        return category_encoding.encoded_shape(input_shape, self.output_mode, self._depth())

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape), self.output_dtype)

    def get_config(self):
        # Keras's keys exactly: this layer's constructor takes no other arguments.
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        boundaries = config.get("bin_boundaries")
        if boundaries is not None and config.get("num_bins") is not None:
            # An adapted layer stores both; the constructor accepts only one.
            del config["bin_boundaries"]
            layer = cls(**config)
            layer.bin_boundaries = [float(b) for b in boundaries]
            return layer
        return cls(**config)
