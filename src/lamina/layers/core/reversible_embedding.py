"""``ReversibleEmbedding``: an embedding that can also project back to vocabulary logits."""

from lamina import backend
from lamina import ops
from lamina.backend import KerasTensor
from lamina.layers.core.embedding import Embedding


class ReversibleEmbedding(Embedding):
    """An ``Embedding`` that can also run backwards: called with ``reverse=True`` on
    vectors of size ``output_dim``, it multiplies them by the transposed table (weights
    tied, the default) or by a separate trainable ``(output_dim, input_dim)`` matrix
    (``tie_weights=False``), giving ``input_dim`` logits, as language models do for their
    output layer. There is no bias.

    Args:
        input_dim: the vocabulary size (largest id + 1).
        output_dim: the size of each vector.
        tie_weights: whether the reverse projection uses the embedding table itself.
        embeddings_initializer: initializer of the table (and of the reverse matrix).
        embeddings_regularizer: penalty on the table.
        embeddings_constraint: projection applied to the table after each update.
        mask_zero: whether id 0 is padding (the forward call's output is then masked).
        reverse_dtype: the dtype the reverse projection computes in (default: the
            layer's compute dtype), e.g. ``"float32"`` under mixed precision.
        logit_soft_cap: if set, reverse logits become
            ``tanh(logits / logit_soft_cap) * logit_soft_cap``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Call arguments:
        inputs: ids (forward) or vectors whose last axis is ``output_dim`` (reverse).
        reverse: False (look ids up) or True (project back to logits).

    Example:
        >>> embedding = lamina.layers.ReversibleEmbedding(100, 32)
        >>> hidden = embedding(np.random.randint(100, size=(2, 5)))  # (2, 5, 32)
        >>> logits = embedding(hidden, reverse=True)  # (2, 5, 100)
    """

    def __init__(self, input_dim, output_dim, tie_weights=True,
                 embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = tie_weights
        self.reverse_dtype = None if reverse_dtype is None else backend.standardize_dtype(
            reverse_dtype)
        self.logit_soft_cap = logit_soft_cap
        self._reverse_call = False

    def build(self, input_shape=None):
        if self.built:
            return
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer, name="reverse_embeddings")

    def call(self, inputs, reverse=False):
        self.__dict__["_reverse_call"] = bool(reverse)
        if not reverse:
            return super().call(inputs)
        table = self.embeddings if self.lora_enabled else self._embeddings.value
        kernel = ops.transpose(table) if self.tie_weights else self.reverse_embeddings.value
        dtype = self.reverse_dtype or self.compute_dtype
        logits = ops.matmul(ops.cast(inputs, dtype), ops.cast(kernel, dtype))
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = ops.multiply(ops.tanh(ops.divide(logits, cap)), cap)
        return logits

    def compute_mask(self, inputs, mask=None):
        """The padding mask of a forward call (``mask_zero``); none for a reverse call."""
        if self.__dict__.get("_reverse_call"):
            return None
        return super().compute_mask(inputs, mask)

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return tuple(input_shape)[:-1] + (self.input_dim,)
        return tuple(input_shape) + (self.output_dim,)

    def compute_output_spec(self, inputs, reverse=False):
        self.__dict__["_reverse_call"] = bool(reverse)
        dtype = (self.reverse_dtype or self.compute_dtype) if reverse else self.compute_dtype
        return KerasTensor(self.compute_output_shape(inputs.shape, reverse), dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"tie_weights": self.tie_weights, "reverse_dtype": self.reverse_dtype,
                       "logit_soft_cap": self.logit_soft_cap})
        return config
