"""``MultiHeadAttention``: the Transformer's attention (Vaswani et al., 2017).

Query, key and value are projected into ``num_heads`` heads by ``EinsumDense`` layers
(named ``query``, ``key``, ``value``, then ``attention_output``, as in Keras, so weights
move between the two in order), attended with scaled dot products over ``attention_axes``,
and projected back.
"""

import math
import string

from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.config import features
from lamina.layers.activations.softmax import Softmax
from lamina.layers.attention.base_head_attention import BaseHeadAttention
from lamina.layers.attention.base_head_attention import check_value_key_shapes
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.regularization.dropout import Dropout

_FLASH_WITH_DROPOUT = (
    "Dropout is not supported when flash attention is enabled. Set dropout=0.0 to use "
    "flash attention, or leave flash_attention=None."
)


def _positive_int(value, arg, allow_none=False):
    ok = (value is None and allow_none) or (
        isinstance(value, int) and not isinstance(value, bool) and value > 0)
    if not ok:
        raise ValueError(
            f"MultiHeadAttention: `{arg}` must be a positive integer"
            f"{' or None' if allow_none else ''}, got {arg}={value!r}."
        )


def projection_equation(free_dims, bound_dims, output_dims):
    """The einsum of a head projection: ``(equation, bias_axes, output_rank)``.

    ``free_dims`` input axes pass through, ``bound_dims`` are contracted with the kernel,
    ``output_dims`` come from the kernel; e.g. ``(2, 1, 2)`` gives
    ``("abc,cde->abde", "de", 4)``.
    """
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims:free_dims + bound_dims]
    out = letters[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out, free_dims + output_dims


def attention_equations(rank, attention_axes):
    """The einsums of attention on projected heads of rank ``rank``.

    Projected tensors are ``(batch, <other axes>, <attention axes>, heads, dim)``; the
    scores are ``(<batch-like axes incl. heads>, <query attention axes>, <key attention
    axes>)``. Returns ``(dot_product_equation (key, query -> scores), combine_equation
    (scores, value -> output), scores_rank)``.
    """
    letters = string.ascii_lowercase
    query = letters[:rank]
    fresh = iter(letters[rank:])
    key = "".join(next(fresh) if i in attention_axes else query[i] for i in range(rank))
    batch_like = [i for i in range(rank - 1) if i not in attention_axes]
    scores = "".join([query[i] for i in batch_like] + [query[i] for i in attention_axes]
                     + [key[i] for i in attention_axes])
    return f"{key},{query}->{scores}", f"{scores},{key}->{query}", len(scores)


class MultiHeadAttention(BaseHeadAttention):
    """Multi-head scaled dot-product attention.

    With ``N = num_heads``: ``query`` becomes ``(B, T, N, key_dim)``, ``key``
    ``(B, S, N, key_dim)``, ``value`` ``(B, S, N, value_dim)``; each head computes
    ``softmax(q . k / sqrt(key_dim)) . v`` (masked, with dropout on the probabilities while
    training), and ``attention_output`` maps the heads back to the query's last size (or
    ``output_shape``).

    Args:
        num_heads: number of heads.
        key_dim: size of each query/key head.
        value_dim: size of each value head (``key_dim`` when None).
        dropout: dropout rate on the attention probabilities.
        use_bias: whether the projections have biases.
        output_shape: the output's trailing shape (int or tuple); the query's last size
            when None.
        attention_axes: query axes attended over (ints; negative count from the end of the
            query); all axes but batch and features when None. E.g. ``(2,)`` for a
            ``(B, X, Y, D)`` input attends over Y separately for each X.
        sliding_window: optional positive int: positions attend only to keys at distance
            ``< sliding_window``.
        flash_attention: a hint for engines with a fused kernel; incompatible with dropout
            and with returning scores.
        kernel_initializer, bias_initializer: initializers of the projections.
        kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
            bias_constraint: passed to every projection.
        use_gate: add a sigmoid gate projection of the query multiplying the heads'
            output (gated attention).
        seed: an int for repeatable dropout.

    Call arguments:
        query: ``(B, T, dim)``; value: ``(B, S, dim_v)``; key: ``(B, S, dim_k)``,
            value when None.
        query_mask, value_mask, key_mask: booleans ``(B, T)`` / ``(B, S)``; taken from
            masks carried by the inputs when not given.
        attention_mask: boolean ``(B, T, S)``, True where a query may attend a key.
        return_attention_scores: also return the probabilities ``(B, N, T, S)``.
        training: whether dropout is active.
        use_causal_mask: forbid attending to later positions.

    Returns:
        ``(B, T, dim)`` (or ``(B, T) + output_shape``), and the scores when asked.

    Attributes:
        query_dense, key_dense, value_dense, output_dense: the ``EinsumDense`` projections
            (created by ``build``).

    Example:
        >>> layer = lamina.layers.MultiHeadAttention(num_heads=2, key_dim=4)
        >>> x = np.ones((3, 5, 8))
        >>> layer(x, x).shape
        (3, 5, 8)
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        _positive_int(num_heads, "num_heads")
        _positive_int(key_dim, "key_dim")
        _positive_int(value_dim, "value_dim", allow_none=True)
        _positive_int(sliding_window, "sliding_window", allow_none=True)
        super().__init__(**kwargs)
        if not 0 <= dropout < 1:
            raise ValueError(f"MultiHeadAttention: `dropout` must be in [0, 1), got {dropout!r}.")
        if flash_attention and dropout > 0:
            raise ValueError(_FLASH_WITH_DROPOUT)
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            if not isinstance(output_shape, (list, tuple)):
                raise ValueError(
                    f"MultiHeadAttention: invalid `output_shape` {output_shape!r}; give an "
                    "int or a tuple/list of ints (the output's trailing shape)."
                )
            output_shape = tuple(output_shape)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                "MultiHeadAttention: `attention_axes` must be an int, list, or tuple, got "
                f"attention_axes={attention_axes!r}."
            )
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        self._output_shape = output_shape
        self._attention_axes = attention_axes
        self._sliding_window = sliding_window
        # None: the global switch decides (keras.config.disable_flash_attention), as Keras.
        self._flash_attention = flash_attention or features.is_flash_attention_enabled()
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))

    # Keras's read-only views of the configuration.
    num_heads = property(lambda self: self._num_heads, doc="Number of heads.")
    key_dim = property(lambda self: self._key_dim, doc="Size of each query/key head.")
    value_dim = property(lambda self: self._value_dim, doc="Size of each value head.")
    dropout = property(lambda self: self._dropout, doc="Dropout rate on the probabilities.")
    use_bias = property(lambda self: self._use_bias, doc="Whether projections have biases.")
    attention_axes = property(lambda self: self._attention_axes, doc="Attended query axes.")
    # Keras saves the projections under their public names (query_dense, ...), so they live
    # in public attributes here; the private names other Keras code uses are views.
    _query_dense = property(lambda self: self.query_dense)
    _key_dense = property(lambda self: self.key_dense)
    _value_dense = property(lambda self: self.value_dense)
    _output_dense = property(lambda self: self.output_dense)
    _dropout_rate = property(lambda self: self._dropout)
    _score_scale = property(lambda self: self._inverse_sqrt_key_dim)
    _num_attention_axes = property(lambda self: len(self._attention_axes))

    def _projection(self, input_rank, bound_dims, known_dims, name, activation=None):
        equation, bias_axes, output_rank = projection_equation(input_rank - bound_dims,
                                                               bound_dims, len(known_dims))
        output_shape = [None] * (output_rank - 1 - len(known_dims)) + list(known_dims)
        kwargs = self._sublayer_kwargs(
            self._kernel_initializer, self._bias_initializer,
            kernel_regularizer=self._kernel_regularizer,
            bias_regularizer=self._bias_regularizer,
            activity_regularizer=self._activity_regularizer,
            kernel_constraint=self._kernel_constraint, bias_constraint=self._bias_constraint)
        return EinsumDense(equation, output_shape=output_shape, activation=activation,
                           bias_axes=bias_axes if self._use_bias else None, name=name, **kwargs)

    def _normalized_axes(self, projected_rank):
        if self._attention_axes is None:
            return tuple(range(1, projected_rank - 2))
        # Negative axes count from the end of the (unprojected) query, of rank R - 1.
        axes = tuple(a if a >= 0 else projected_rank - 1 + a for a in self._attention_axes)
        bad = [a for a, n in zip(self._attention_axes, axes) if not 1 <= n <= projected_rank - 3]
        if bad:
            raise ValueError(
                f"MultiHeadAttention: attention_axes={self._attention_axes} includes {bad}, "
                f"which is the batch or feature axis of a rank-{projected_rank - 1} query. "
                f"Use axes in 1..{projected_rank - 3} (or their negative forms)."
            )
        return axes

    def build(self, query_shape, value_shape=None, key_shape=None):
        """Create the projections for inputs of these shapes (value: the query's; key: the
        value's when None)."""
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        check_value_key_shapes(value_shape, key_shape)
        rank = len(query_shape)
        heads = self._num_heads
        # Assignment order is Keras's, so `weights` lists query, key, (gate,) value, output.
        self.query_dense = self._projection(rank, 1, [heads, self._key_dim], "query")
        self.query_dense.build(query_shape)
        self.key_dense = self._projection(len(key_shape), 1, [heads, self._key_dim], "key")
        self.key_dense.build(key_shape)
        if self._use_gate:
            self._gate_dense = self._projection(rank, 1, [heads, self._value_dim], "gate",
                                                activation="sigmoid")
            self._gate_dense.build(query_shape)
        self.value_dense = self._projection(len(value_shape), 1, [heads, self._value_dim],
                                             "value")
        self.value_dense.build(value_shape)

        projected_rank = rank + 1
        self._attention_axes = self._normalized_axes(projected_rank)
        self._dot_product_equation, self._combine_equation, scores_rank = \
            attention_equations(projected_rank, self._attention_axes)
        n_axes = len(self._attention_axes)
        self._softmax = Softmax(axis=tuple(range(scores_rank - n_axes, scores_rank)),
                                dtype=self.dtype)
        self._dropout_layer = Dropout(rate=self._dropout, seed=self.seed, dtype=self.dtype)

        self.output_dense = self._projection(
            rank + 1, 2, list(self._output_shape or [query_shape[-1]]), "attention_output")
        heads_shape = query_shape[:-1] + (heads, self._value_dim)
        self.output_dense.build(heads_shape)
        self.built = True

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        check_value_key_shapes(value_shape,
                               value_shape if key_shape is None else tuple(key_shape))
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def _scores_shape(self, query_shape, key_shape):
        projected_rank = len(query_shape) + 1
        axes = self._normalized_axes(projected_rank)
        heads = (self._num_heads, self._key_dim)
        query, key = tuple(query_shape[:-1]) + heads, tuple(key_shape[:-1]) + heads
        batch_like = [query[i] for i in range(projected_rank - 1) if i not in axes]
        return tuple(batch_like + [query[i] for i in axes] + [key[i] for i in axes])

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        })
        return config
