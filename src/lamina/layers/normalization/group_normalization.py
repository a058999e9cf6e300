"""``GroupNormalization``: normalizes groups of channels per sample (Wu & He, 2018).

The channels are split into ``groups`` contiguous blocks; each sample's block is normalized
with its own mean and variance, taken over the block's channels and every spatial position.
``groups=1`` is close to LayerNormalization over all non-batch axes and ``groups=-1`` (one
channel per group) is InstanceNormalization.
"""

from lamina import backend
from lamina import constraints
from lamina import initializers
from lamina import ops
from lamina import regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

_GROUPS_DO_NOT_DIVIDE = (
    'GroupNormalization layer "{name}": groups={groups} does not divide the {channels} '
    "channels on axis {axis}; every group must hold the same number of channels. Pick "
    "`groups` among the divisors of {channels} (e.g. {example}), or groups=-1 for one "
    "channel per group."
)


class GroupNormalization(Layer):
    """Splits the channels into groups and normalizes each sample's group to zero mean and
    unit variance, then scales and shifts per channel:
    ``gamma * (x - mean_g) / sqrt(var_g + epsilon) + beta``.

    The statistics of group ``g`` are taken over its channels and all the other non-batch
    axes of one sample, so the layer behaves the same in training and inference and works
    for any batch size.

    Weights, in this order: ``gamma`` (when ``scale``) and ``beta`` (when ``center``), each
    of shape ``(channels,)``.

    Args:
        groups: the number of groups (default 32); it must divide the number of channels.
            ``-1`` makes one group per channel (instance normalization).
        axis: the channels axis (``-1``, channels last, by default).
        epsilon: added to the variance to avoid dividing by zero (``1e-3``).
        center: whether to learn the offset ``beta``.
        scale: whether to learn the scale ``gamma``.
        beta_initializer, gamma_initializer: initializers of the two weights (zeros, ones).
        beta_regularizer, gamma_regularizer: penalties on the weights.
        beta_constraint, gamma_constraint: projections applied after each update.

    Returns:
        A tensor of the input's shape.

    Example:
        >>> layer = lamina.layers.GroupNormalization(groups=2)
        >>> layer(np.random.rand(4, 8, 8, 6)).shape  # 2 groups of 3 channels
        (4, 8, 8, 6)
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        if isinstance(groups, bool) or not isinstance(groups, int) or (
                groups <= 0 and groups != -1):
            raise ValueError(
                "GroupNormalization: `groups` must be a positive int (or -1 for one group "
                f"per channel), got groups={groups!r}."
            )
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(
                "GroupNormalization: `axis` must be one int, the channels axis (e.g. -1 for "
                f"channels last, 1 for channels first), got axis={axis!r}."
            )
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        # Half-precision inputs are normalized in float32 (see call), not cast on entry.
        self.autocast = False

    def _channel_axis(self, input_shape):
        """The channels axis as a non-negative index, checked against ``input_shape``."""
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f'GroupNormalization layer "{self.name}": axis {self.axis} is out of range '
                f"for input shape {tuple(input_shape)}."
            )
        axis = self.axis % rank
        if axis == 0:
            raise ValueError(
                f'GroupNormalization layer "{self.name}": axis {self.axis} is the batch axis '
                f"of input shape {tuple(input_shape)}; pass the channels axis instead "
                "(-1 for channels last, 1 for channels first)."
            )
        return axis

    def build(self, input_shape):
        axis = self._channel_axis(input_shape)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(
                f'GroupNormalization layer "{self.name}" needs a known number of channels on '
                f"axis {self.axis}, but got input shape {tuple(input_shape)}."
            )
        if self.groups == -1:
            # Keras stores the resolved count, so get_config reports it after building.
            self.groups = channels
        if channels < self.groups:
            raise ValueError(
                f'GroupNormalization layer "{self.name}": groups={self.groups} is more than '
                f"the {channels} channels on axis {self.axis}. Use at most {channels} groups."
            )
        if channels % self.groups:
            divisors = [d for d in range(1, channels + 1) if channels % d == 0]
            raise ValueError(_GROUPS_DO_NOT_DIVIDE.format(
                name=self.name, groups=self.groups, channels=channels, axis=self.axis,
                example=", ".join(str(d) for d in divisors[-3:])))
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        self.gamma = None
        self.beta = None
        if self.scale:
            self.gamma = self.add_weight(
                shape=(channels,), initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                autocast=False, name="gamma",
            )
        if self.center:
            self.beta = self.add_weight(
                shape=(channels,), initializer=self.beta_initializer,
                regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                autocast=False, name="beta",
            )
        self.built = True

    def call(self, inputs):
        dtype = backend.result_type(backend.standardize_dtype(inputs.dtype), "float32")
        x = ops.cast(inputs, dtype)
        shape = tuple(x.shape)
        axis = self.axis % len(shape)
        per_group = shape[axis] // self.groups
        # (batch, ..., groups, channels_per_group, ...): the channels axis split in two.
        grouped_shape = shape[:axis] + (self.groups, per_group) + shape[axis + 1:]
        x = ops.reshape(x, grouped_shape)
        # Statistics per sample and group: reduce everything but the batch and group axes.
        reduce_axes = [a for a in range(1, len(grouped_shape)) if a != axis]
        mean, variance = ops.moments(x, axes=reduce_axes, keepdims=True)
        inv = ops.rsqrt(ops.add(variance, self.epsilon))
        # gamma and beta laid along the two channel axes: (1, ..., groups, per_group, ..., 1).
        param_shape = [1] * len(grouped_shape)
        param_shape[axis] = self.groups
        param_shape[axis + 1] = per_group
        if self.gamma is not None:
            inv = ops.multiply(inv, ops.reshape(ops.cast(self.gamma.value, dtype), param_shape))
        # x * inv + (beta - mean * inv): one multiply-add over the full tensor.
        shift = ops.negative(ops.multiply(mean, inv))
        if self.beta is not None:
            shift = ops.add(shift, ops.reshape(ops.cast(self.beta.value, dtype), param_shape))
        outputs = ops.reshape(ops.add(ops.multiply(x, inv), shift), shape)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        self._channel_axis(input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config
