"""``BatchNormalization``: normalizes features with batch statistics while training and
with their moving averages at inference.
"""

from lamina import backend
from lamina import constraints
from lamina import initializers
from lamina import ops
from lamina import regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

_RENORM_CLIPPING_KEYS = ("rmax", "rmin", "dmax")


class BatchNormalization(Layer):
    """Normalizes each feature to zero mean and unit variance, then scales and shifts it.

    ``output = gamma * (x - mean) / sqrt(var + epsilon) + beta``, per feature along
    ``axis``:

    - ``training=True`` (e.g. in ``fit``): ``mean`` and ``var`` are the batch's mean and
      population variance, and the moving statistics are updated as
      ``moving = moving * momentum + batch * (1 - momentum)``.
    - ``training=False`` or None (``predict``, ``evaluate``, plain calls): the moving
      statistics are used.
    - A frozen layer (``layer.trainable = False``) always runs in inference mode, even with
      ``training=True``, as in Keras 3; this is what fine-tuning wants.

    Weights, in this order: ``gamma`` and ``beta`` (trainable, when ``scale`` / ``center``),
    ``moving_mean`` and ``moving_variance`` (not trainable).

    Args:
        axis: the feature axis (``-1``; use ``1`` for channels-first images).
        momentum: the moving averages' momentum.
        epsilon: added to the variance to avoid dividing by zero.
        center: whether to learn the offset ``beta``.
        scale: whether to learn the scale ``gamma`` (not needed before a linear layer).
        beta_initializer, gamma_initializer: initializers of the two weights.
        moving_mean_initializer, moving_variance_initializer: initializers of the
            moving statistics.
        beta_regularizer, gamma_regularizer: penalties on the weights.
        beta_constraint, gamma_constraint: projections applied after each update.
        renorm: whether to use batch renormalization (Ioffe, 2017), which corrects the
            batch statistics towards the moving ones by factors ``r`` and ``d``.
        renorm_clipping: a dict with optional ``"rmax"``, ``"rmin"``, ``"dmax"`` bounding
            those factors.
        renorm_momentum: the momentum of the statistics renormalization uses.
        synchronized: whether batch statistics should be shared across replicas in data
            parallel training; passed on to ``ops.moments``.

    Call arguments:
        inputs: a tensor of any rank.
        training: whether to use (and update) batch statistics.
        mask: optional, one axis fewer than ``inputs``; masked samples are left out of the
            batch statistics.

    Example:
        >>> layer = lamina.layers.BatchNormalization()
        >>> y = layer(np.random.rand(8, 3), training=True)  # updates moving stats
        >>> [w.name for w in layer.weights]
        ['gamma', 'beta', 'moving_mean', 'moving_variance']
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]  # Keras 2 allowed a one-element list
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(
                f"BatchNormalization: `axis` must be an int (the feature axis), got {axis!r}."
            )
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.renorm = renorm
        if renorm:
            renorm_clipping = dict(renorm_clipping or {})
            unknown = sorted(set(renorm_clipping) - set(_RENORM_CLIPPING_KEYS))
            if unknown:
                raise ValueError(
                    f"BatchNormalization: unknown `renorm_clipping` keys {unknown}; the valid "
                    f"keys are {list(_RENORM_CLIPPING_KEYS)}."
                )
            rmin, rmax = renorm_clipping.get("rmin"), renorm_clipping.get("rmax")
            dmax = renorm_clipping.get("dmax")
            if rmin is not None and rmax is not None and rmax < rmin:
                raise ValueError(
                    "BatchNormalization: `renorm_clipping` needs rmax >= rmin. Received: "
                    f"rmax={rmax}, rmin={rmin}."
                )
            if dmax is not None and dmax < 0:
                raise ValueError(
                    f"BatchNormalization: `renorm_clipping` needs dmax >= 0. Received: "
                    f"dmax={dmax}."
                )
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.synchronized = synchronized
        self.supports_masking = True
        self.gamma = None
        self.beta = None
        self.moving_mean = None
        self.moving_variance = None
        self._reduction_axes = None

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f'BatchNormalization layer "{self.name}": axis={self.axis} is out of range for '
                f"input shape {tuple(input_shape)}."
            )
        size = input_shape[self.axis]
        if size is None:
            raise ValueError(
                f'BatchNormalization layer "{self.name}" needs a known size on its feature '
                f"axis {self.axis}, but got input shape {tuple(input_shape)}."
            )
        shape = (size,)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape, initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                trainable=True, autocast=False, name="gamma",
            )
        if self.center:
            self.beta = self.add_weight(
                shape=shape, initializer=self.beta_initializer,
                regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                trainable=True, autocast=False, name="beta",
            )
        self.moving_mean = self.add_weight(
            shape=shape, initializer=self.moving_mean_initializer, trainable=False,
            autocast=False, name="moving_mean",
        )
        self.moving_variance = self.add_weight(
            shape=shape, initializer=self.moving_variance_initializer, trainable=False,
            autocast=False, name="moving_variance",
        )
        if self.renorm:
            self._build_renorm(shape)
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: size})
        self._reduction_axes = [a for a in range(rank) if a != self.axis % rank]
        self.built = True

    def _build_renorm(self, shape):
        # Renormalization tracks standard deviations; they start at sqrt(initial variance).
        def stddev_initializer(shape, dtype=None):
            return ops.sqrt(self.moving_variance_initializer(shape, dtype=dtype))

        self.moving_stddev = self.add_weight(
            shape=shape, initializer=stddev_initializer, trainable=False, autocast=False,
            name="moving_stddev",
        )
        self.renorm_mean = self.add_weight(
            shape=shape, initializer=self.moving_mean_initializer, trainable=False,
            autocast=False, name="renorm_mean",
        )
        self.renorm_stddev = self.add_weight(
            shape=shape, initializer=stddev_initializer, trainable=False, autocast=False,
            name="renorm_stddev",
        )

    def call(self, inputs, training=None, mask=None):
        if mask is not None and ops.ndim(mask) != ops.ndim(inputs) - 1:
            raise ValueError(
                f'BatchNormalization layer "{self.name}": the mask must have one axis fewer '
                f"than the inputs. Received mask.shape={tuple(mask.shape)}, "
                f"inputs.shape={tuple(inputs.shape)}."
            )
        # Half-precision inputs are normalized in float32: squares overflow float16.
        input_dtype = backend.standardize_dtype(inputs.dtype)
        dtype = backend.result_type(input_dtype, "float32")
        inputs = ops.cast(inputs, dtype)
        gamma = ops.cast(self.gamma.value, dtype) if self.scale else None
        beta = ops.cast(self.beta.value, dtype) if self.center else None

        # `training` is a Python flag here, never a tensor, so this branch traces fine.
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            if self.renorm:
                gamma, beta = self._renorm_transform(mean, variance, gamma, beta)
                self._update_renorm_statistics(mean, variance)
            else:
                self._update_moving(self.moving_mean, mean, self.momentum)
                self._update_moving(self.moving_variance, variance, self.momentum)
        else:
            mean = ops.cast(self.moving_mean.value, dtype)
            variance = ops.cast(self.moving_variance.value, dtype)

        outputs = ops.batch_normalization(inputs, mean, variance, axis=self.axis,
                                          offset=beta, scale=gamma, epsilon=self.epsilon)
        return ops.cast(outputs, self.compute_dtype)

    @staticmethod
    def _update_moving(variable, value, momentum):
        moving = ops.cast(variable.value, backend.standardize_dtype(value.dtype))
        new_value = ops.add(ops.multiply(moving, momentum), ops.multiply(value, 1.0 - momentum))
        variable.assign(new_value)
        return new_value

    def _moments(self, inputs, mask):
        if mask is None:
            return ops.moments(inputs, axes=self._reduction_axes,
                               synchronized=self.synchronized)
        # Weighted moments: masked samples count for nothing.
        mask = ops.cast(mask, "bool")
        weights = ops.cast(ops.broadcast_to(ops.expand_dims(mask, -1), ops.shape(inputs)),
                           inputs.dtype)
        total = ops.add(ops.sum(weights, axis=self._reduction_axes, keepdims=True),
                        backend.epsilon())
        mean = ops.divide(ops.sum(ops.multiply(inputs, weights), axis=self._reduction_axes,
                                  keepdims=True), total)
        squares = ops.multiply(ops.square(ops.subtract(inputs, mean)), weights)
        variance = ops.divide(ops.sum(squares, axis=self._reduction_axes, keepdims=True),
                              total)
        return ops.reshape(mean, (-1,)), ops.reshape(variance, (-1,))

    def _renorm_transform(self, mean, variance, gamma, beta):
        """The batch-renormalization scale and offset: ``x_hat * r + d`` folded into
        ``gamma`` and ``beta`` (``r``, ``d`` are constants for the gradient)."""
        dtype = backend.standardize_dtype(mean.dtype)
        stddev = ops.sqrt(ops.add(variance, self.epsilon))
        renorm_mean = ops.cast(self.renorm_mean.value, dtype)
        # Floor at sqrt(epsilon) so early steps do not divide by ~0.
        renorm_stddev = ops.maximum(ops.cast(self.renorm_stddev.value, dtype),
                                    self.epsilon ** 0.5)
        r = ops.divide(stddev, renorm_stddev)
        d = ops.divide(ops.subtract(mean, renorm_mean), renorm_stddev)
        clipping = self.renorm_clipping
        if clipping.get("rmin") is not None:
            r = ops.maximum(r, clipping["rmin"])
        if clipping.get("rmax") is not None:
            r = ops.minimum(r, clipping["rmax"])
        if clipping.get("dmax") is not None:
            d = ops.clip(d, -clipping["dmax"], clipping["dmax"])
        r, d = ops.stop_gradient(r), ops.stop_gradient(d)
        if gamma is None:
            new_gamma, new_beta = r, d
        else:
            new_gamma, new_beta = ops.multiply(r, gamma), ops.multiply(d, gamma)
        if beta is not None:
            new_beta = ops.add(new_beta, beta)
        return new_gamma, new_beta

    def _update_renorm_statistics(self, mean, variance):
        stddev = ops.sqrt(ops.add(variance, self.epsilon))
        self._update_moving(self.renorm_mean, mean, self.renorm_momentum)
        self._update_moving(self.renorm_stddev, stddev, self.renorm_momentum)
        self._update_moving(self.moving_mean, mean, self.momentum)
        new_stddev = self._update_moving(self.moving_stddev, stddev, self.momentum)
        # The variance follows the tracked stddev; relu guards against rounding below 0.
        self.moving_variance.assign(
            ops.relu(ops.subtract(ops.square(new_stddev), self.epsilon)))

    def compute_output_shape(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f'BatchNormalization layer "{self.name}": axis={self.axis} is out of range for '
                f"input shape {tuple(input_shape)}."
            )
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        })
        return config
