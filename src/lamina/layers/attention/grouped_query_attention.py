"""``GroupQueryAttention``: grouped-query attention (Ainslie et al., 2023).

Fewer key/value heads than query heads: each key/value head serves a group of
``num_query_heads // num_key_value_heads`` consecutive query heads. One key/value head is
multi-query attention; as many as query heads is multi-head attention. The class is named
``GroupedQueryAttention`` (the name Keras writes in saved configs) and exported under both
names.
"""

import math

from lamina import constraints
from lamina import initializers
from lamina import ops
from lamina import regularizers
from lamina.config import features
from lamina.layers.activations.softmax import Softmax
from lamina.layers.attention.base_head_attention import BaseHeadAttention
from lamina.layers.attention.base_head_attention import check_value_key_shapes
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.regularization.dropout import Dropout


def _divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0]


class GroupedQueryAttention(BaseHeadAttention):
    """Attention with ``num_query_heads`` query heads sharing ``num_key_value_heads``
    key/value heads.

    Projections (``EinsumDense``, named as in Keras): ``query`` ``(dim, Nq, head_dim)``,
    ``key`` and ``value`` ``(dim, Nkv, head_dim)``, ``attention_output``
    ``(Nq, head_dim, dim)``. Key/value heads are repeated to ``Nq`` and each query head
    computes ``softmax(q . k / sqrt(head_dim)) . v``.

    Args:
        head_dim: size of each head.
        num_query_heads: number of query heads.
        num_key_value_heads: number of key/value heads; must divide ``num_query_heads``.
        dropout: dropout rate on the attention probabilities.
        use_bias: whether the projections have biases.
        sliding_window: optional positive int: attend only to keys at distance
            ``< sliding_window``.
        flash_attention: a hint for engines with a fused kernel; incompatible with dropout
            and with returning scores.
        kernel_initializer, bias_initializer: initializers of the projections.
        kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
            bias_constraint: passed to every projection (the activity regularizer, as in
            Keras, also to this layer's output).
        use_gate: add a sigmoid gate projection of the query multiplying the heads' output.
        seed: an int for repeatable dropout.

    Call arguments:
        query ``(B, T, dim)``, value ``(B, S, dim_v)``, key (value when None),
        query_mask, value_mask, key_mask, attention_mask ``(B, T, S)``,
        return_attention_scores (scores ``(B, Nq, T, S)``), training, use_causal_mask:
        as in ``MultiHeadAttention``.

    Returns:
        ``(B, T, dim)``, and the scores when asked.

    Example:
        >>> layer = lamina.layers.GroupQueryAttention(head_dim=4, num_query_heads=4,
        ...                                           num_key_value_heads=2)
        >>> x = np.ones((3, 5, 8))
        >>> layer(x, x).shape
        (3, 5, 8)
    """

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for arg, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                           ("num_key_value_heads", num_key_value_heads)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"GroupQueryAttention: `{arg}` must be a positive integer, got "
                    f"{arg}={value!r}."
                )
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError(
                "GroupQueryAttention: `num_query_heads` must be divisible by "
                f"`num_key_value_heads`, got num_query_heads={num_query_heads} and "
                f"num_key_value_heads={num_key_value_heads}. Each key/value head serves "
                "an equal group of query heads; pick num_key_value_heads from "
                f"{_divisors(num_query_heads)}."
            )
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError(
                "GroupQueryAttention: `sliding_window` must be None or a positive integer, "
                f"got sliding_window={sliding_window!r}."
            )
        if not 0 <= dropout < 1:
            raise ValueError(
                f"GroupQueryAttention: `dropout` must be in [0, 1), got {dropout!r}.")
        if flash_attention and dropout > 0:
            raise ValueError(
                "Dropout is not supported when flash attention is enabled. Set dropout=0.0 "
                "to use flash attention, or leave flash_attention=None."
            )
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = sliding_window
        # None: the global switch decides (keras.config.disable_flash_attention), as Keras.
        self._flash_attention = flash_attention or features.is_flash_attention_enabled()
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))

    _dropout_rate = property(lambda self: self.dropout)
    _sliding_window = property(lambda self: self.sliding_window)
    _use_gate = property(lambda self: self.use_gate)
    _score_scale = property(lambda self: self._inverse_sqrt_head_dim)
    _num_attention_axes = 1

    def _projection(self, equation, output_shape, bias_axes, name, activation=None):
        kwargs = self._sublayer_kwargs(
            self.kernel_initializer, self.bias_initializer,
            kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
            activity_regularizer=self.activity_regularizer,
            kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint)
        return EinsumDense(equation, output_shape=output_shape, activation=activation,
                           bias_axes=bias_axes if self.use_bias else None, name=name, **kwargs)

    def build(self, query_shape, value_shape=None, key_shape=None):
        """Create the projections for inputs of these shapes (value: the query's; key: the
        value's when None)."""
        # Subscripts: b batch, q query length, k key length, m model dim, u query heads,
        # v key/value heads, h head dim.
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        check_value_key_shapes(value_shape, key_shape)
        for arg, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(
                    f'GroupQueryAttention layer "{self.name}": `{arg}` must be 3-D '
                    f"(batch, length, features), got shape {shape}."
                )
        self.feature_dim = query_shape[-1]
        q_heads, kv_heads, h = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self._query_dense = self._projection("bqm,muh->bquh", (None, q_heads, h), "uh",
                                             "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._projection("bkm,mvh->bkvh", (None, kv_heads, h), "vh", "key")
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = self._projection("bqm,muh->bquh", (None, q_heads, h), "uh",
                                                "gate", activation="sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._projection("bkm,mvh->bkvh", (None, kv_heads, h), "vh",
                                             "value")
        self._value_dense.build(value_shape)
        self._softmax = Softmax(axis=-1, dtype=self.dtype)
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed, dtype=self.dtype)
        self._dot_product_equation = "bkuh,bquh->buqk"
        self._combine_equation = "buqk,bkuh->bquh"
        self._output_dense = self._projection("bquh,uhm->bqm", (None, self.feature_dim), "m",
                                              "attention_output")
        self._output_dense.build((None, None, q_heads, h))
        self.built = True

    def _repeat_key_value_heads(self, key, value):
        # Head n of the query reads key/value head n // num_repeats.
        if self.num_repeats == 1:
            return key, value
        return (ops.repeat(key, self.num_repeats, axis=2),
                ops.repeat(value, self.num_repeats, axis=2))

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        check_value_key_shapes(value_shape,
                               value_shape if key_shape is None else tuple(key_shape))
        return query_shape

    def _scores_shape(self, query_shape, key_shape):
        return (query_shape[0], self.num_query_heads, query_shape[1], key_shape[1])

    def get_config(self):
        config = super().get_config()
        config.update({
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        })
        return config


GroupQueryAttention = GroupedQueryAttention
