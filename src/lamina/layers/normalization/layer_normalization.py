"""``LayerNormalization``: normalizes each sample over its feature axes (Ba et al., 2016)."""

import warnings

from lamina import backend
from lamina import constraints
from lamina import initializers
from lamina import ops
from lamina import regularizers
from lamina.layers.layer import Layer


class LayerNormalization(Layer):
    """Normalizes each sample to zero mean and unit variance over ``axis``, then scales
    and shifts it: ``gamma * (x - mean) / sqrt(var + epsilon) + beta``.

    Unlike BatchNormalization the statistics come from each sample alone, so training and
    inference compute the same thing and there is no moving state.

    Weights, in this order: ``gamma`` (when ``scale``) and ``beta`` (when ``center``), each
    shaped like the normalized axes.

    Args:
        axis: an int or a list of ints, the axes to normalize over (``-1``: the features).
        epsilon: added to the variance to avoid dividing by zero.
        center: whether to learn the offset ``beta``.
        scale: whether to learn the scale ``gamma``.
        beta_initializer, gamma_initializer: initializers of the two weights.
        beta_regularizer, gamma_regularizer: penalties on the weights.
        beta_constraint, gamma_constraint: projections applied after each update.
        rms_scaling: (keyword only, deprecated in Keras 3) divide by ``sqrt(var + epsilon)``
            without subtracting the mean and without ``beta``.

    Example:
        >>> layer = lamina.layers.LayerNormalization()
        >>> layer(np.array([[1.0, 2.0, 3.0]]))  # [[-1.224, 0., 1.224]]
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, *,
                 rms_scaling=False, **kwargs):
        if rms_scaling:
            warnings.warn(
                "LayerNormalization: `rms_scaling=True` is deprecated in Keras 3; it divides "
                "by the standard deviation (the mean is not subtracted), not by the root "
                "mean square."
            )
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if not axis or not all(isinstance(a, int) for a in axis):
                raise TypeError(
                    "LayerNormalization: `axis` must be an int or a non-empty list of ints, "
                    f"got {axis!r}."
                )
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(
                f"LayerNormalization: `axis` must be an int or a list of ints, got {axis!r}."
            )
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        # Half-precision inputs are normalized in float32 (see call), not cast on entry.
        self.autocast = False
        self._axes = None

    def _normalized_axes(self, input_shape):
        rank = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(
                    f'LayerNormalization layer "{self.name}": axis {a} is out of range for '
                    f"input shape {tuple(input_shape)}. Received: axis={self.axis}."
                )
        return sorted({a % rank for a in axes})

    def build(self, input_shape):
        self._axes = self._normalized_axes(input_shape)
        shape = tuple(input_shape[a] for a in self._axes)
        if None in shape:
            raise ValueError(
                f'LayerNormalization layer "{self.name}" needs known sizes on the normalized '
                f"axes {self._axes}, but got input shape {tuple(input_shape)}."
            )
        self.gamma = None
        self.beta = None
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(
                shape=shape, initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                trainable=True, autocast=False, name="gamma",
            )
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(
                shape=shape, initializer=self.beta_initializer,
                regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                trainable=True, autocast=False, name="beta",
            )
        self.built = True

    def call(self, inputs):
        fused = getattr(backend.nn, "layer_normalization", None)
        if fused is not None and not self.rms_scaling and \
                self.compute_dtype == "float32" and getattr(inputs, "dtype", None) is not None \
                and backend.standardize_dtype(inputs.dtype) == "float32":
            # float32 in and out (no cast to make): the engine's fused kernel directly, the
            # path below without its casts (a small model's step runs this per layer).
            outputs = fused(inputs, None if self.gamma is None else self.gamma.value,
                            None if self.beta is None else self.beta.value, self._axes,
                            self.epsilon)
            if outputs is not None:
                return outputs
        dtype = backend.result_type(backend.standardize_dtype(inputs.dtype), "float32")
        x = ops.cast(inputs, dtype)
        rank = ops.ndim(x)
        # gamma and beta are laid along the normalized axes: (1, ..., d_axis, ..., 1).
        broadcast_shape = [x.shape[a] if a in self._axes else 1 for a in range(rank)]

        def expand(weight):
            return ops.reshape(ops.cast(weight.value, dtype), broadcast_shape)

        if self.rms_scaling:
            outputs = ops.multiply(x, ops.rsqrt(ops.add(
                ops.var(x, axis=self._axes, keepdims=True), self.epsilon)))
            if self.gamma is not None:
                outputs = ops.multiply(outputs, expand(self.gamma))
        else:
            # One fused kernel where the engine has one (torch: F.layer_norm).
            outputs = ops.layer_normalization(
                x,
                gamma=None if self.gamma is None else ops.cast(self.gamma.value, dtype),
                beta=None if self.beta is None else ops.cast(self.beta.value, dtype),
                axis=self._axes, epsilon=self.epsilon)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        self._normalized_axes(input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config
