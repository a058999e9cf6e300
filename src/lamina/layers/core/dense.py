"""``Dense``: the densely connected layer ``activation(inputs @ kernel + bias)``."""

from lamina import activations
from lamina import backend
from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.activations.activations import engine_form
from lamina.layers.core import lora
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer


class Dense(Layer):
    """A fully connected layer: ``output = activation(dot(input, kernel) + bias)``.

    The kernel has shape ``(input_dim, units)``; inputs of rank > 2 are multiplied along
    their last axis.

    Args:
        units: the output size.
        activation: an activation name or function (None: linear).
        use_bias: whether to add a bias.
        kernel_initializer: initializer of the kernel (``"glorot_uniform"``).
        bias_initializer: initializer of the bias (``"zeros"``).
        kernel_regularizer, bias_regularizer: penalties on the weights.
        activity_regularizer: penalty on the output.
        kernel_constraint, bias_constraint: projections applied after each update.
        lora_rank: if set, LoRA is enabled when the layer is built (see
            :meth:`enable_lora`).
        lora_alpha: LoRA's scale numerator (the update is scaled by
            ``lora_alpha / lora_rank``); defaults to ``lora_rank``. As in Keras 3, building
            the layer enables LoRA with the default (the value given here is replaced by
            ``lora_rank``); pass it to :meth:`enable_lora` to use another scale.
        quantization_config: not supported by lamina yet; must stay None (Keras 3 writes
            it into saved configs).

    Example:
        >>> layer = lamina.layers.Dense(4, activation="relu")
        >>> layer(np.ones((2, 3))).shape
        (2, 4)
    """

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"Dense: `units` must be a positive int, got {units!r}."
            )
        if quantization_config is not None:
            # Keras 3 writes it (as None) in saved configs; only non-None is refused.
            raise ValueError(
                "Dense: quantization (`quantization_config`) is not supported by lamina "
                "yet; leave it as None."
            )
        lora.check_rank("Dense", lora_rank, lora_alpha)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f'Dense layer "{self.name}" needs a known last input dimension, got input '
                f"shape {tuple(input_shape)}."
            )
        self._kernel = self.add_weight(
            shape=(input_dim, self.units), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
            name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                name="bias",
            )
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True
        if self.lora_rank:
            # As Keras 3 does: the constructor's lora_alpha is not passed on, so the
            # scale starts at 1 (lora_alpha = lora_rank); enable_lora(rank, lora_alpha)
            # called directly takes it.
            self.enable_lora(self.lora_rank)

    @property
    def kernel(self):
        """The kernel: its Variable, or with LoRA enabled the merged tensor
        ``kernel + (lora_alpha / lora_rank) * lora_kernel_a @ lora_kernel_b``."""
        if not self.built:
            raise AttributeError(f"Dense {self.name!r}: build the layer before reading "
                                 "`kernel`.")
        if self.lora_enabled:
            return lora.merged(self, self._kernel, self.lora_kernel_a, self.lora_kernel_b,
                               self.compute_dtype)
        return self._kernel

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform",
                    b_initializer="zeros"):
        """Freeze the kernel and train a low-rank update of it instead (LoRA).

        Adds ``lora_kernel_a`` ``(input_dim, rank)`` and ``lora_kernel_b``
        ``(rank, units)`` (float32, trainable); the layer then computes with
        ``kernel + (lora_alpha / rank) * lora_kernel_a @ lora_kernel_b``.

        Args:
            rank: the update's rank.
            lora_alpha: the scale's numerator; defaults to ``rank``.
            a_initializer, b_initializer: initializers of the two factors (``b`` starts
                at zero, so the outputs do not change until training).

        Raises:
            ValueError: the layer is not built, has a kernel constraint, or has LoRA
                already.

        Example:
            >>> layer = lamina.layers.Dense(4)
            >>> layer.build((None, 8))
            >>> layer.enable_lora(2)
            >>> [w.name for w in layer.trainable_weights]
            ['bias', 'lora_kernel_a', 'lora_kernel_b']
        """
        self.lora_kernel_a, self.lora_kernel_b = lora.add_factors(
            self, getattr(self, "_kernel", None), rank, lora_alpha, a_initializer, b_initializer,
            self.kernel_regularizer, self.kernel_constraint, "kernel")

    # Weight files hold the merged kernel and the bias, as Keras writes them (saving.py).
    def _variables_in_weights_file(self):
        if not self.lora_enabled:
            return None
        return [self._kernel] + ([self.bias] if self.bias is not None else [])

    def _values_for_weights_file(self):
        if not self.lora_enabled:
            return None
        return lora.file_values(self, self._kernel, self.lora_kernel_a, self.lora_kernel_b,
                                [self.bias] if self.bias is not None else [])

    def _after_weights_file_load(self):
        if self.lora_enabled:
            lora.reset_factors(self.lora_kernel_a, self.lora_kernel_b)

    def call(self, inputs, training=None):
        # One fused engine call (addmm on torch) instead of a matmul and an add.
        kernel = self.kernel if self.lora_enabled else self._kernel.value
        activation = self.activation
        if activation is activations.relu:  # fused into the multiply where the engine can
            return backend.nn.dense(inputs, kernel,
                                    None if self.bias is None else self.bias.value, "relu")
        outputs = backend.nn.dense(inputs, kernel,
                                   None if self.bias is None else self.bias.value)
        if activation is not activations.linear:
            outputs = engine_form(activation)(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        if self.lora_rank:
            config.update({"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha})
        return config
