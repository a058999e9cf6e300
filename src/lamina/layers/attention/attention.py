"""``Attention``: dot-product (Luong-style) attention over ``[query, value(, key)]``.

``AdditiveAttention`` (additive_attention.py) subclasses it and changes only the scores.
"""

from lamina import backend
from lamina import ops
from lamina import random
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer

_SCORE_MODES = ("dot", "concat")

_INPUTS_HELP = (
    "{cls} layer must be called on a list of inputs [query, value] or [query, value, key] "
    "(query (batch, Tq, dim), value (batch, Tv, dim_v), key (batch, Tv, dim)), got {got}."
)


class Attention(Layer):
    """Dot-product attention: each query position takes a softmax-weighted mix of values.

    ``scores = query . key^T`` (``(batch, Tq, Tv)``), masked, turned into a distribution by
    a softmax over ``Tv``, and used to average ``value``.

    Args:
        use_scale: whether to learn a scalar ``scale`` multiplying the scores (starts at 1).
        score_mode: ``"dot"`` (``query . key``) or ``"concat"``
            (``concat_score_weight * sum(tanh(query + key))``, with a learned scalar
            ``concat_score_weight`` starting at 1).
        dropout: fraction of the attention weights dropped while training.
        seed: an int for repeatable dropout.

    Call arguments:
        inputs: ``[query, value]`` or ``[query, value, key]`` (key defaults to value).
        mask: ``[query_mask, value_mask]`` booleans ``(batch, Tq)`` and ``(batch, Tv)``:
            masked values get no weight, masked query positions give zero output.
        training: whether dropout is active.
        return_attention_scores: also return the attention weights ``(batch, Tq, Tv)``.
        use_causal_mask: forbid position ``i`` to attend to values ``j > i``.

    Returns:
        ``(batch, Tq, dim_v)``, and the weights when ``return_attention_scores``.

    Example:
        >>> q, v = np.ones((2, 3, 4)), np.ones((2, 5, 4))
        >>> lamina.layers.Attention()([q, v]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in _SCORE_MODES:
            raise ValueError(
                f"{type(self).__name__}: invalid `score_mode` {score_mode!r}. Valid modes "
                f"are {', '.join(repr(m) for m in _SCORE_MODES)}."
            )
        if not 0 <= dropout < 1:
            raise ValueError(
                f"{type(self).__name__}: `dropout` must be in [0, 1), got {dropout!r}. It "
                "is the fraction of attention weights dropped while training."
            )
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if dropout > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    def build(self, input_shape):
        self._check_inputs(input_shape, are_shapes=True)
        self._check_shapes(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                shape=(), initializer="ones", name="concat_score_weight")
        self.built = True

    # -- checks --------------------------------------------------------------------------
    def _check_inputs(self, inputs, mask=None, are_shapes=False):
        cls = type(self).__name__
        is_list = isinstance(inputs, (list, tuple)) and (
            not are_shapes or all(isinstance(s, (list, tuple)) for s in inputs))
        if not is_list or not 2 <= len(inputs) <= 3:
            got = f"a list of {len(inputs)}" if is_list else "a single tensor"
            raise ValueError(_INPUTS_HELP.format(cls=cls, got=got))
        if mask is not None and (not isinstance(mask, (list, tuple))
                                 or not 2 <= len(mask) <= 3):
            raise ValueError(
                f"{cls} layer `mask` must be a list [query_mask, value_mask] (entries may "
                f"be None), got {mask!r}."
            )

    def _check_shapes(self, shapes):
        query, value = tuple(shapes[0]), tuple(shapes[1])
        key = tuple(shapes[2]) if len(shapes) > 2 else value
        cls = type(self).__name__
        if query[-1] is not None and key[-1] is not None and query[-1] != key[-1]:
            raise ValueError(
                f'{cls} layer "{self.name}": query and key must have the same last '
                f"dimension (the size scores are computed over); got query shape {query} "
                f"and {'key' if len(shapes) > 2 else 'value (used as key)'} shape {key}. "
                "Project them to a common size first, e.g. with a Dense layer."
            )
        if len(shapes) > 2 and None not in (value[-2], key[-2]) and value[-2] != key[-2]:
            raise ValueError(
                f'{cls} layer "{self.name}": value and key must have the same length Tv '
                f"(axis -2); got value shape {value} and key shape {key}."
            )

    # -- computation ---------------------------------------------------------------------
    def _calculate_scores(self, query, key):
        """Scores ``(batch, Tq, Tv)`` of each query against each key."""
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            if self.scale is not None:
                scores = ops.multiply(scores, self.scale.value)
            return scores
        # (batch, Tq, 1, dim) + (batch, 1, Tv, dim) -> (batch, Tq, Tv, dim)
        pairs = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))
        if self.scale is not None:
            pairs = ops.multiply(pairs, self.scale.value)
        return ops.multiply(self.concat_score_weight.value, ops.sum(ops.tanh(pairs), axis=-1))

    def _scores_mask(self, scores, value_mask, use_causal_mask):
        """The boolean mask of the scores: value padding and (optionally) causality."""
        mask = None
        if value_mask is not None:
            mask = ops.expand_dims(_as_bool(value_mask), -2)  # (batch, 1, Tv)
        if use_causal_mask:
            tq, tv = scores.shape[-2], scores.shape[-1]
            rows = ops.expand_dims(ops.arange(tq), -1)
            causal = ops.expand_dims(ops.greater_equal(rows, ops.arange(tv)), 0)  # (1, Tq, Tv)
            mask = causal if mask is None else ops.logical_and(mask, causal)
        return mask

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        """Softmax of the masked scores (then dropout), applied to ``value``."""
        if scores_mask is not None:
            # Keras subtracts a large constant rather than replacing the score; 65504 is
            # float16's largest value.
            large = 65504.0 if backend.standardize_dtype(scores.dtype) == "float16" else 1.0e9
            scores = ops.where(scores_mask, scores, ops.subtract(scores, large))
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = random.dropout(weights, self.dropout, seed=self.seed_generator)
        return ops.matmul(weights, value), weights

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._check_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        scores = self._calculate_scores(query, key)
        scores_mask = self._scores_mask(scores, value_mask, use_causal_mask)
        outputs, weights = self._apply_scores(scores, value, scores_mask, training)
        if query_mask is not None:
            keep = ops.expand_dims(_as_bool(query_mask), -1)  # (batch, Tq, 1)
            outputs = ops.where(keep, outputs, ops.zeros_like(outputs))
        if return_attention_scores:
            return outputs, weights
        return outputs

    def compute_mask(self, inputs, mask=None):
        """The output mask: the query mask (None without one)."""
        self._check_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return ops.convert_to_tensor(mask[0])

    def compute_output_shape(self, input_shape):
        query_shape, value_shape = tuple(input_shape[0]), tuple(input_shape[1])
        return query_shape[:-1] + value_shape[-1:]

    def compute_output_spec(self, inputs, mask=None, training=None,
                            return_attention_scores=False, use_causal_mask=False):
        self._check_inputs(inputs, mask)
        shapes = [tuple(t.shape) for t in inputs]
        output = KerasTensor(self.compute_output_shape(shapes), self.compute_dtype)
        if not return_attention_scores:
            return output
        key_shape = shapes[2] if len(shapes) > 2 else shapes[1]
        return output, KerasTensor(shapes[0][:-1] + key_shape[-2:-1], self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode,
                       "dropout": self.dropout, "seed": self.seed})
        return config


def _as_bool(mask):
    mask = ops.convert_to_tensor(mask)
    if backend.standardize_dtype(mask.dtype) != "bool":
        mask = ops.cast(mask, "bool")
    return mask
