"""``Dense``: the densely connected layer ``activation(inputs @ kernel + bias)``."""

from lamina import activations
from lamina import backend
from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.activations.activations import engine_form
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
        lora_rank, lora_alpha, quantization_config: not supported by lamina yet; must stay
            None (Keras 3 writes them into saved configs).

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
        if lora_rank is not None or quantization_config is not None:
            # Keras 3 writes these (as None) in saved configs; only non-None is refused.
            raise ValueError(
                "Dense: LoRA (`lora_rank`) and quantization (`quantization_config`) are not "
                "supported by lamina yet; leave them as None."
            )
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
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f'Dense layer "{self.name}" needs a known last input dimension, got input '
                f"shape {tuple(input_shape)}."
            )
        self.kernel = self.add_weight(
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

    def call(self, inputs, training=None):
        # One fused engine call (addmm on torch) instead of a matmul and an add.
        activation = self.activation
        if activation is activations.relu:  # fused into the multiply where the engine can
            return backend.nn.dense(inputs, self.kernel.value,
                                    None if self.bias is None else self.bias.value, "relu")
        outputs = backend.nn.dense(inputs, self.kernel.value,
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
        return config
