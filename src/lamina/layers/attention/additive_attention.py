"""``AdditiveAttention``: Bahdanau-style attention, scores ``sum(scale * tanh(q + k))``."""

from lamina import ops
from lamina.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Additive attention: ``scores[t, s] = sum_d scale_d * tanh(query[t, d] + key[s, d])``.

    Masking, softmax, dropout and the weighted sum of values are as in ``Attention``.

    Args:
        use_scale: whether to learn a per-feature ``scale`` vector ``(dim,)``
            (glorot-uniform initialized); without it the scale is 1.
        dropout: fraction of the attention weights dropped while training.
        seed: an int for repeatable dropout.

    Call arguments:
        inputs, mask, training, return_attention_scores, use_causal_mask: as in
        ``Attention``.

    Returns:
        ``(batch, Tq, dim_v)``, and the weights ``(batch, Tq, Tv)`` when
        ``return_attention_scores``.

    Example:
        >>> q, v = np.ones((2, 3, 4)), np.ones((2, 5, 4))
        >>> lamina.layers.AdditiveAttention()([q, v]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._check_inputs(input_shape, are_shapes=True)
        self._check_shapes(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(shape=(input_shape[0][-1],),
                                         initializer="glorot_uniform", name="scale")
        self.built = True

    def _calculate_scores(self, query, key):
        # (batch, Tq, 1, dim) + (batch, 1, Tv, dim) -> (batch, Tq, Tv, dim)
        pairs = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))
        if self.scale is not None:
            pairs = ops.multiply(self.scale.value, pairs)
        return ops.sum(pairs, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
