"""``SpectralNormalization``: a wrapper that keeps a layer's kernel at spectral norm ~1.

Spectral normalization (Miyato et al., 2018) divides a weight matrix ``W`` by its largest
singular value ``sigma``, estimated cheaply by power iteration with a persistent vector
``u``; it bounds the layer's Lipschitz constant and steadies GAN discriminators.
"""

from lamina import initializers
from lamina import ops
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.saving import serialization

_NO_KERNEL = (
    'SpectralNormalization layer "{name}" wraps {cls} "{inner}", which has neither a '
    "`kernel` nor an `embeddings` weight. Wrap a layer with a weight matrix, such as Dense, "
    "a convolution or Embedding."
)


def _l2_normalize(x, epsilon=1e-7):
    """``x`` divided by its Frobenius norm (floored at ``epsilon``, Keras's fuzz factor)."""
    return ops.multiply(x, ops.minimum(ops.rsqrt(ops.sum(ops.square(x))), 1.0 / epsilon))


class SpectralNormalization(Layer):
    """Wraps a layer and, while training, divides its kernel by the kernel's largest
    singular value before each forward pass.

    The kernel is viewed as a matrix ``W`` of shape ``(-1, kernel.shape[-1])``. Each
    training call runs ``power_iterations`` steps of ``v = normalize(u W^T)``,
    ``u = normalize(v W)``, estimates ``sigma = v W u^T`` and assigns ``W / sigma`` to the
    wrapped layer's kernel and the new ``u`` to ``vector_u``; then the wrapped layer runs.
    At inference the kernel is used as it was last stored. An all-zero kernel is left alone.
    This is Keras 3's behaviour, so weights move between the two libraries unchanged.

    Weights, in this order: the wrapped kernel, ``vector_u`` (shape
    ``(1, kernel.shape[-1])``, non-trainable, truncated normal with stddev 0.02), then the
    wrapped layer's other weights (e.g. ``bias``).

    Args:
        layer: the layer to wrap; it must have a ``kernel`` (Dense, convolutions) or an
            ``embeddings`` (Embedding) weight.
        power_iterations: power-iteration steps per training call (a positive int, 1).

    Returns:
        The wrapped layer's output, in the input's dtype.

    Example:
        >>> layer = lamina.layers.SpectralNormalization(lamina.layers.Dense(4))
        >>> y = layer(np.random.rand(2, 3), training=True)  # kernel now has sigma ~ 1
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"SpectralNormalization: `layer` must be a lamina layer instance (e.g. "
                f"Dense(8)), got {layer!r}."
            )
        super().__init__(**kwargs)
        if isinstance(power_iterations, bool) or not isinstance(power_iterations, int) or \
                power_iterations <= 0:
            raise ValueError(
                "SpectralNormalization: `power_iterations` must be a positive int, got "
                f"power_iterations={power_iterations!r}."
            )
        self.layer = layer
        self.power_iterations = power_iterations

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(_NO_KERNEL.format(name=self.name, cls=type(self.layer).__name__,
                                               inner=self.layer.name))
        # Tracked as this layer's own weight too, so the weights come in Keras's order:
        # kernel, vector_u, then the wrapped layer's others.
        self.kernel = kernel
        self.kernel_shape = tuple(kernel.shape)
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False, name="vector_u", dtype=kernel.dtype,
        )
        self.built = True

    def normalized_weights(self):
        """The power-iteration update: ``(new vector_u, kernel / sigma)`` as tensors.

        Nothing is assigned; ``call`` stores both while training.
        """
        kernel = self.kernel.value
        w = ops.reshape(kernel, (-1, self.kernel_shape[-1]))  # (fan_in, units)
        u = self.vector_u.value  # (1, units)
        for _ in range(self.power_iterations):
            v = _l2_normalize(ops.matmul(u, ops.transpose(w)))  # (1, fan_in)
            u = _l2_normalize(ops.matmul(v, w))  # (1, units)
        # The singular vectors are estimates, not functions to differentiate through.
        u = ops.stop_gradient(u)
        v = ops.stop_gradient(v)
        sigma = ops.matmul(ops.matmul(v, w), ops.transpose(u))  # (1, 1)
        new_kernel = ops.reshape(ops.divide(w, sigma), self.kernel_shape)
        return ops.cast(u, self.vector_u.dtype), ops.cast(new_kernel, self.kernel.dtype)

    def call(self, inputs, training=False):
        if training:
            new_u, new_kernel = self.normalized_weights()
            kernel = self.kernel.value
            # An all-zero kernel has no direction to estimate: keep u and the kernel as they
            # are (a select rather than a Python branch, so the step stays traceable).
            is_zero = ops.all(ops.equal(kernel, 0))
            new_u = ops.where(is_zero, self.vector_u.value, new_u)
            new_kernel = ops.where(is_zero, kernel, new_kernel)
            # The stored kernel becomes W / sigma and the wrapped layer reads it, so the
            # gradient is the wrapped layer's at W / sigma (as on Keras's torch backend). On
            # torch `assign` copies outside autograd; where it is traced instead (JAX), the
            # stop_gradient gives that same gradient rather than one through sigma.
            self.vector_u.assign(new_u)
            self.kernel.assign(ops.add(kernel, ops.stop_gradient(
                ops.subtract(new_kernel, kernel))))
        outputs = self.layer(inputs)
        return ops.cast(outputs, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "layer": serialization.serialize_keras_object(self.layer),
            "power_iterations": self.power_iterations,
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the wrapper and its wrapped layer from :meth:`get_config`'s output."""
        config = dict(config)
        layer = serialization.deserialize_keras_object(config.pop("layer"),
                                                       custom_objects=custom_objects)
        return cls(layer, **config)
