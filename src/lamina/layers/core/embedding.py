"""``Embedding``: turns integer ids into dense vectors by looking rows up in a table."""

from lamina import backend
from lamina import constraints
from lamina import initializers
from lamina import ops
from lamina import regularizers
from lamina.layers.core import lora
from lamina.layers.layer import Layer


def _check_positive_int(value, arg_name):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(
            f"Embedding: `{arg_name}` must be a positive integer. Received: "
            f"{arg_name}={value!r} (of type {type(value).__name__})."
        )


class Embedding(Layer):
    """Maps each integer id in ``[0, input_dim)`` to a trainable vector of ``output_dim``.

    The output is ``embeddings[inputs]``: an input of shape ``(batch, length)`` gives an
    output of shape ``(batch, length, output_dim)``. Non-integer inputs are cast to int32.

    Args:
        input_dim: the vocabulary size (largest id + 1).
        output_dim: the size of each vector.
        embeddings_initializer: initializer of the table (``"uniform"``: uniform in
            ``[-0.05, 0.05]``).
        embeddings_regularizer: penalty on the table.
        embeddings_constraint: projection applied to the table after each update.
        mask_zero: whether id 0 is padding; :meth:`compute_mask` then marks it masked, so
            id 0 cannot be a real token and ``input_dim`` should count it.
        weights: an optional initial table of shape ``(input_dim, output_dim)``.
        lora_rank: if set, LoRA is enabled when the layer is built (see
            :meth:`enable_lora`); lora_alpha: its scale numerator (default ``lora_rank``;
            as in Keras 3, building the layer enables LoRA with that default, replacing a
            value given here).
        quantization_config: not supported by lamina yet; must stay None.

    Example:
        >>> layer = lamina.layers.Embedding(10, 4)
        >>> layer(np.array([[1, 2, 3]])).shape
        (1, 3, 4)
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        _check_positive_int(input_dim, "input_dim")
        _check_positive_int(output_dim, "output_dim")
        super().__init__(**kwargs)
        lora.check_rank("Embedding", lora_rank, lora_alpha)
        if quantization_config is not None:
            raise ValueError(
                "Embedding: `quantization_config` is not supported by lamina yet; leave it "
                "as None."
            )
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        # Ids must not be cast to the layer's float dtype on the way in.
        self.autocast = False
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.quantization_config = quantization_config
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        if self.built:
            return
        self._embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint,
            name="embeddings",
        )
        self.built = True
        if self.lora_rank:
            # As Keras 3 does: the constructor's lora_alpha is not passed on, so the
            # scale starts at 1 (lora_alpha = lora_rank); enable_lora(rank, lora_alpha)
            # called directly takes it.
            self.enable_lora(self.lora_rank)

    @property
    def embeddings(self):
        """The table: its Variable, or with LoRA enabled the merged tensor
        ``embeddings + (lora_alpha / lora_rank) * lora_embeddings_a @ lora_embeddings_b``."""
        if not self.built:
            raise AttributeError(f"{type(self).__name__} {self.name!r}: build the layer "
                                 "before reading `embeddings`.")
        if self.lora_enabled:
            return lora.merged(self, self._embeddings, self.lora_embeddings_a,
                               self.lora_embeddings_b, self.compute_dtype)
        return self._embeddings

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform",
                    b_initializer="zeros"):
        """Freeze the table and train a low-rank update of it instead (LoRA).

        Adds ``lora_embeddings_a`` ``(input_dim, rank)`` and ``lora_embeddings_b``
        ``(rank, output_dim)`` (float32, trainable); a lookup then returns the rows of
        ``embeddings + (lora_alpha / rank) * a @ b`` (computed per looked-up row, without
        forming the whole product).

        Args:
            rank: the update's rank.
            lora_alpha: the scale's numerator; defaults to ``rank``.
            a_initializer, b_initializer: initializers of the two factors.

        Raises:
            ValueError: the layer is not built, has an embeddings constraint, or has LoRA
                already.

        Example:
            >>> layer = lamina.layers.Embedding(100, 8)
            >>> layer.build()
            >>> layer.enable_lora(4)
            >>> layer.lora_embeddings_b.shape
            (4, 8)
        """
        self.lora_embeddings_a, self.lora_embeddings_b = lora.add_factors(
            self, getattr(self, "_embeddings", None), rank, lora_alpha, a_initializer,
            b_initializer,
            self.embeddings_regularizer, self.embeddings_constraint, "embeddings")

    # Weight files hold the merged table, as Keras writes it (saving.py).
    def _variables_in_weights_file(self):
        return [self._embeddings] if self.lora_enabled else None

    def _values_for_weights_file(self):
        if not self.lora_enabled:
            return None
        return lora.file_values(self, self._embeddings, self.lora_embeddings_a,
                                self.lora_embeddings_b, [])

    def _after_weights_file_load(self):
        if self.lora_enabled:
            lora.reset_factors(self.lora_embeddings_a, self.lora_embeddings_b)

    def call(self, inputs):
        if backend.standardize_dtype(inputs.dtype) not in ("int32", "int64"):
            inputs = ops.cast(inputs, "int32")
        outputs = ops.take(self._embeddings.value, inputs, axis=0)
        if self.lora_enabled:
            rows = ops.take(self.lora_embeddings_a.value, inputs, axis=0)
            update = ops.matmul(rows, self.lora_embeddings_b.value)
            outputs = ops.add(ops.cast(outputs, "float32"),
                              ops.multiply(update, lora.scale(self)))
        return ops.cast(outputs, self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` when ``mask_zero`` is set (padding id 0 is masked), else None."""
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        })
        if self.lora_rank:
            config.update({"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha})
        return config
