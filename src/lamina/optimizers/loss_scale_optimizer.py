"""``LossScaleOptimizer``: dynamic loss scaling for float16 training.

float16 gradients underflow to zero when small. The loss is multiplied by a large scale
before differentiating, and the gradients divided by it before the update. When a step's
gradients are not finite (the scale was too large), the update is skipped and the scale
halved; after ``dynamic_growth_steps`` finite steps in a row it doubles. Skipping uses
``ops.where`` so the step stays traceable.
"""

import numpy as np

from lamina import backend
from lamina import ops


class LossScaleOptimizer:
    """Wraps an optimizer with dynamic loss scaling (``compile`` does it for you under the
    ``"mixed_float16"`` policy).

    Args:
        inner_optimizer: the optimizer (or its name) that makes the updates.
        initial_scale: the starting loss scale, ``2**15``.
        dynamic_growth_steps: finite steps before the scale doubles, 2000.
        name: the optimizer name.

    Example:
        >>> opt = lamina.optimizers.LossScaleOptimizer(lamina.optimizers.Adam())
        >>> model.compile(optimizer=opt, loss="mse")
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        from lamina import optimizers

        if kwargs:
            raise TypeError(f"LossScaleOptimizer got unexpected arguments {sorted(kwargs)}.")
        self.inner_optimizer = optimizers.get(inner_optimizer)
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        self.name = name or "loss_scale_optimizer"
        self.step_counter = backend.Variable(np.array(0, dtype="int64"), dtype="int64",
                                             trainable=False, name="step_counter")
        self.dynamic_scale = backend.Variable(np.array(self.initial_scale, dtype="float32"),
                                              dtype="float32", trainable=False,
                                              name="dynamic_scale")

    # -- what the trainer and callbacks use ---------------------------------------------
    @property
    def built(self):
        """Whether the inner optimizer has built its slots."""
        return self.inner_optimizer.built

    def build(self, var_list):
        """Build the inner optimizer's slots for ``var_list``."""
        self.inner_optimizer.build(var_list)

    @property
    def variables(self):
        """The inner optimizer's variables, then the step counter and the scale."""
        return list(self.inner_optimizer.variables) + [self.step_counter, self.dynamic_scale]

    @property
    def iterations(self):
        """The inner optimizer's step count."""
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self):
        """The inner optimizer's learning rate (settable)."""
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    def scale_loss(self, loss):
        """The loss multiplied by the current dynamic scale."""
        return ops.multiply(loss, ops.cast(self.dynamic_scale.value, ops.dtype(loss)))

    def apply_gradients(self, grads_and_vars):
        """Apply ``(gradient, variable)`` pairs of scaled gradients."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self.iterations

    def apply(self, grads, trainable_variables=None):
        """Unscale ``grads``; update when all are finite, else skip; then adjust the scale.

        Args:
            grads: gradients of the scaled loss.
            trainable_variables: the variables to update.
        """
        variables = list(trainable_variables if trainable_variables is not None
                         else self.inner_optimizer._trainable_variables)
        if not self.inner_optimizer.built:
            self.inner_optimizer.build(variables)
        scale = self.dynamic_scale.value
        grads = [None if g is None else ops.divide(g, ops.cast(scale, ops.dtype(g)))
                 for g in grads]
        finite = ops.all(ops.stack([ops.all(ops.isfinite(g)) for g in grads if g is not None]))
        # Update, then put back the old values where the gradients were not finite.
        watched = variables + list(self.inner_optimizer.variables)
        with backend.no_grad():
            before = [ops.copy(v.value) for v in watched]
            safe = [None if g is None else ops.where(finite, g, ops.zeros_like(g))
                    for g in grads]
            self.inner_optimizer.apply(safe, variables)
            for variable, old in zip(watched, before):
                variable.assign(ops.where(finite, variable.value, old))
            counter = ops.where(finite, self.step_counter.value + 1, 0)
            grow = ops.logical_and(finite, ops.greater_equal(counter,
                                                             self.dynamic_growth_steps))
            new_scale = ops.where(grow, scale * 2.0, ops.where(finite, scale, scale / 2.0))
            self.dynamic_scale.assign(new_scale)
            self.step_counter.assign(ops.where(grow, 0, counter))

    def get_config(self):
        """The inner optimizer's config and the scaling settings."""
        from lamina import optimizers

        return {"name": self.name, "inner_optimizer": optimizers.serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from :meth:`get_config`'s output."""
        from lamina import optimizers

        config = dict(config)
        config["inner_optimizer"] = optimizers.deserialize(config["inner_optimizer"])
        return cls(**config)
