"""``BaseHeadAttention``: what MultiHeadAttention and GroupQueryAttention share.

Both take ``query``, ``value`` and an optional ``key`` (so both build from three shapes,
not from the first argument alone), merge the input masks into one attention mask, and run
the same scaled dot-product step on projected heads. The projections, the einsum
equations and the configuration stay in the subclasses.
"""

from lamina import backend
from lamina import ops
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer
from lamina.layers.layer import call_sublayer

_FLASH_WITH_SCORES = (
    "Returning attention scores is not supported when flash attention is enabled. Pass "
    "flash_attention=None (or False) to get the scores."
)


def as_bool(mask):
    """``mask`` as a boolean tensor (nonzero means True)."""
    mask = ops.convert_to_tensor(mask)
    if backend.standardize_dtype(mask.dtype) != "bool":
        mask = ops.cast(mask, "bool")
    return mask


def _merge(mask, other):
    return other if mask is None else ops.logical_and(mask, other)


class BaseHeadAttention(Layer):
    """Base of the multi-head attention layers (not used directly).

    Subclasses set, in ``__init__``: ``_dropout_rate``, ``_sliding_window``,
    ``_flash_attention``, ``_use_gate`` and ``_score_scale`` (``1 / sqrt(head size)``);
    and in ``build``: the ``_query_dense`` / ``_key_dense`` / ``_value_dense`` /
    ``_output_dense`` (and ``_gate_dense``) projections, ``_dot_product_equation``
    (key, query -> scores), ``_combine_equation`` (scores, value -> output),
    ``_num_attention_axes``, ``_softmax`` and ``_dropout_layer``.
    """

    def __call__(self, query, value, key=None, **kwargs):
        # 1. Keras fills `<name>_mask` from a mask riding on the argument `<name>`; the key's
        #    own mask counts only when the key is a separate tensor.
        for name, tensor in (("query_mask", query), ("value_mask", value),
                             ("key_mask", None if key is value else key)):
            carried = getattr(tensor, "_keras_mask", None)
            if kwargs.get(name) is None and carried is not None:
                kwargs[name] = carried
        # 2. The base converts only the first argument; value and key need it too.
        query, value, key = (t if t is None or isinstance(t, KerasTensor)
                             else self._convert_input(t) for t in (query, value, key))
        # 3. Build from all three shapes before the base's build-from-first-argument runs.
        if not self.built:
            self.build(tuple(query.shape), tuple(value.shape),
                       None if key is None else tuple(key.shape))
        return super().__call__(query, value, key=key, **kwargs)

    def _sublayer_kwargs(self, kernel_initializer, bias_initializer, **kwargs):
        """Keyword arguments for a projection sublayer, with fresh initializer copies (a
        shared stateless initializer would give every projection the same values)."""
        def clone(init):
            return init.clone() if hasattr(init, "clone") else init

        return dict(kernel_initializer=clone(kernel_initializer),
                    bias_initializer=clone(bias_initializer), dtype=self.dtype, **kwargs)

    # -- masks ---------------------------------------------------------------------------
    def _causal_mask(self, query, value):
        """``(1, T, S)``: True where key position ``s <= t``."""
        rows = ops.expand_dims(ops.arange(query.shape[1]), -1)
        return ops.expand_dims(ops.greater_equal(rows, ops.arange(value.shape[1])), 0)

    def _sliding_window_mask(self, query, value):
        """``(1, T, S)``: True where ``|t - s| < sliding_window``."""
        rows = ops.expand_dims(ops.arange(query.shape[1]), -1)
        distance = ops.abs(ops.subtract(rows, ops.arange(value.shape[1])))
        return ops.expand_dims(ops.less(distance, self._sliding_window), 0)

    def _compute_attention_mask(self, query, value, query_mask=None, value_mask=None,
                                key_mask=None, attention_mask=None, use_causal_mask=False):
        """One boolean mask ``(B, T, S)`` (or broadcastable) from all mask sources.

        The query mask becomes ``(B, T, 1)``, value and key masks ``(B, 1, S)``, the causal
        and sliding-window masks ``(1, T, S)``; all are combined with AND.
        """
        mask = None
        if query_mask is not None:
            mask = ops.expand_dims(as_bool(query_mask), -1)
        for extra in (value_mask, key_mask):
            if extra is not None:
                mask = _merge(mask, ops.expand_dims(as_bool(extra), -2))
        if use_causal_mask:
            mask = _merge(mask, self._causal_mask(query, value))
        if self._sliding_window is not None:
            mask = _merge(mask, self._sliding_window_mask(query, value))
        if attention_mask is not None:
            mask = _merge(as_bool(attention_mask), mask) if mask is not None else \
                as_bool(attention_mask)
        return mask

    def _expand_mask(self, mask, rank):
        # Missing axes are the heads (and any batch-like axes before the attention axes).
        axis = -2 * self._num_attention_axes - 1
        while len(mask.shape) < rank:
            mask = ops.expand_dims(mask, axis)
        return mask

    # -- the attention step --------------------------------------------------------------
    def _masked_softmax(self, attention_scores, attention_mask=None):
        """Softmax over the attention axes; masked positions get probability 0."""
        if attention_mask is not None:
            attention_mask = self._expand_mask(attention_mask, len(attention_scores.shape))
        return self._softmax(attention_scores, mask=attention_mask)

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False, use_causal_mask=False):
        """Scaled dot-product attention on projected heads: ``(output, scores or None)``.

        Without dropout or requested scores (and with 4-D heads) this goes through
        ``ops.dot_product_attention``, where an engine may use a fused kernel, as Keras
        does; otherwise scores are formed explicitly with the einsum equations. Keras code
        that overrides this method (same name and arguments) keeps working.
        """
        if self._flash_attention and return_attention_scores:
            raise ValueError(_FLASH_WITH_SCORES)
        if not (self._dropout_rate > 0 or return_attention_scores or len(query.shape) != 4):
            if attention_mask is not None:
                attention_mask = self._expand_mask(as_bool(attention_mask), 4)
            output = ops.dot_product_attention(
                query, key, value, mask=attention_mask, scale=self._score_scale,
                is_causal=bool(use_causal_mask and attention_mask is None),
                flash_attention=self._flash_attention)
            return output, None
        if use_causal_mask:
            causal = self._causal_mask(query, value)
            attention_mask = causal if attention_mask is None else \
                ops.logical_and(as_bool(attention_mask), causal)
        query = ops.multiply(query, ops.cast(self._score_scale, query.dtype))
        scores = ops.einsum(self._dot_product_equation, key, query)
        scores = self._masked_softmax(scores, attention_mask)
        weights = scores
        if self._dropout_rate > 0:
            weights = self._dropout_layer(scores, training=training)
        return ops.einsum(self._combine_equation, weights, value), scores

    def _causal_only(self, use_causal_mask, query_mask, value_mask, key_mask,
                     attention_mask):
        # Only when this class's own _compute_attention runs: an override would receive
        # no mask and silently attend everywhere.
        return (bool(use_causal_mask) and query_mask is None and value_mask is None
                and key_mask is None and attention_mask is None
                and self._sliding_window is None
                and type(self)._compute_attention is BaseHeadAttention._compute_attention)

    def _repeat_key_value_heads(self, key, value):
        """Hook: grouped-query attention repeats key/value heads to the query's count."""
        return key, value

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if key is None:
            key = value
        causal_only = self._causal_only(use_causal_mask, query_mask, value_mask, key_mask,
                                        attention_mask)
        if not causal_only:
            attention_mask = self._compute_attention_mask(
                query, value, query_mask=query_mask, value_mask=value_mask,
                key_mask=key_mask, attention_mask=attention_mask,
                use_causal_mask=use_causal_mask)
        # The projections are EinsumDense sublayers: their `call` runs directly once a
        # full call showed there is nothing else to do (call_sublayer).
        gate = call_sublayer(self._gate_dense, query) if self._use_gate else None
        query = call_sublayer(self._query_dense, query)  # (B, T, N, H)
        key = call_sublayer(self._key_dense, key)  # (B, S, N or K, H)
        value = call_sublayer(self._value_dense, value)  # (B, S, N or K, H_v)
        key, value = self._repeat_key_value_heads(key, value)
        # Older Keras overrides of _compute_attention lack `use_causal_mask`: pass it only
        # when it is set.
        extra = {"use_causal_mask": True} if causal_only else {}
        output, scores = self._compute_attention(query, key, value, attention_mask, training,
                                                 return_attention_scores, **extra)
        if gate is not None:
            output = ops.multiply(output, gate)
        output = call_sublayer(self._output_dense, output)
        if return_attention_scores:
            return output, scores
        return output

    # -- shapes --------------------------------------------------------------------------
    def _scores_shape(self, query_shape, key_shape):
        raise NotImplementedError(
            f"abstract: {type(self).__name__} must implement _scores_shape()")

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None,
                            key_mask=None, attention_mask=None, return_attention_scores=False,
                            training=None, use_causal_mask=False):
        query_shape, value_shape = tuple(query.shape), tuple(value.shape)
        key_shape = value_shape if key is None else tuple(key.shape)
        output = KerasTensor(self.compute_output_shape(query_shape, value_shape, key_shape),
                             self.compute_dtype)
        if not return_attention_scores:
            return output
        return output, KerasTensor(self._scores_shape(query_shape, key_shape),
                                   self.compute_dtype)


def check_value_key_shapes(value_shape, key_shape):
    """Raise unless ``value`` and ``key`` agree on every axis but the last."""
    if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
        raise ValueError(
            "All dimensions of `value` and `key`, except the last one, must be equal. "
            f"Received: value_shape={tuple(value_shape)} and key_shape={tuple(key_shape)}. "
            "The key scores the value positions, so they need the same length."
        )
