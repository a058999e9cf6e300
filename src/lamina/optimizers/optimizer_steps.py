"""How one optimizer step runs: ``apply`` and the work around each ``update_step``.

``OptimizerStepsMixin`` is the step half of ``Optimizer`` (state, learning rate and config
live in ``optimizer.py``). A step, in order: drop missing gradients, unscale, clip, apply
decoupled weight decay, call ``update_step`` per variable, update the moving average, apply
constraints, count the step. Everything here is traceable: no Python branch looks at a tensor
value, so gradient accumulation and the EMA overwrite blend with ``ops.where`` instead.
"""

import warnings

from lamina import backend
from lamina import ops


def clip_by_norm(gradient, clipnorm):
    """Rescale ``gradient`` so its L2 norm is at most ``clipnorm`` (unchanged if below).

    Example:
        >>> clip_by_norm(ops.array([3.0, 4.0]), 1.0)  # [0.6, 0.8]
    """
    norm = ops.sqrt(ops.sum(ops.square(gradient)))
    return gradient * clipnorm / ops.maximum(norm, clipnorm)


def clip_by_global_norm(gradients, clipnorm):
    """Rescale all ``gradients`` together so their global L2 norm is at most ``clipnorm``.

    A non-finite global norm makes every gradient NaN (as Keras does), so a blown-up step
    is visible instead of silently skipped.

    Example:
        >>> clip_by_global_norm([ops.array([3.0]), ops.array([4.0])], 1.0)  # [0.6], [0.8]
    """
    norm = ops.sqrt(ops.sum(ops.stack([ops.sum(ops.square(g)) for g in gradients])))
    scale = clipnorm * ops.minimum(1.0 / norm, 1.0 / clipnorm) + (norm - norm)
    return [g * ops.cast(scale, backend.dtype_of(g)) for g in gradients]


class OptimizerStepsMixin:
    """``apply`` / ``apply_gradients`` and the hooks a step goes through (see the module)."""

    def update_step(self, gradient, variable, learning_rate):
        """Update one variable from its gradient; every optimizer defines this.

        Args:
            gradient: the (clipped) gradient tensor.
            variable: the model Variable, updated in place with ``assign*``.
            learning_rate: the step's learning rate, a floatx scalar tensor.
        """
        raise NotImplementedError(
            f"abstract: {type(self).__name__} must define `update_step(gradient, variable, "
            "learning_rate)`."
        )

    def apply_gradients(self, grads_and_vars):
        """Apply ``(gradient, variable)`` pairs; builds the optimizer on first use.

        Returns:
            The ``iterations`` Variable (as tf.keras returns it).

        Example:
            >>> optimizer.apply_gradients(zip(grads, model.trainable_variables))
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        grads, variables = zip(*pairs)
        self.apply(grads, variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Apply ``grads`` to ``trainable_variables`` (or to the variables built with).

        A ``None`` gradient skips its variable (with a warning). The first call with
        variables builds the optimizer's slots.

        Args:
            grads: gradient tensors, one per variable.
            trainable_variables: the Variables; optional once the optimizer is built.

        Example:
            >>> optimizer.apply(grads, model.trainable_variables)
        """
        grads = list(grads)
        if not grads:
            return
        variables = self._variables_for(grads, trainable_variables)
        pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not pairs:
            raise ValueError(
                "No gradients provided for any variable: every gradient is None. Check that "
                "the loss depends on the model's trainable variables."
            )
        if len(pairs) < len(variables):
            missing = [v.path for g, v in zip(grads, variables) if g is None]
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. "
                "If using `model.compile()`, did you forget to provide a `loss` argument?",
                stacklevel=2,
            )
        grads = [g for g, _ in pairs]
        variables = [v for _, v in pairs]
        with backend.no_grad():  # torch: no graph is recorded for the update itself
            if self.loss_scale_factor is not None:
                grads = [g / self.loss_scale_factor for g in grads]
            self._step_cache = {}
            try:
                if self.gradient_accumulation_steps:
                    self._accumulate_or_update(grads, variables)
                else:
                    self._update(grads, variables)
                if self.use_ema:
                    self._update_moving_average()
            finally:
                self._step_cache = None
            for variable in variables:
                constraint = getattr(variable, "constraint", None)
                if constraint is not None:
                    variable.assign(constraint(variable.value))
            self._iterations.assign_add(1)

    def _variables_for(self, grads, trainable_variables):
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `trainable_variables`, the optimizer must "
                    "already be built. Call `optimizer.build(trainable_variables)` first."
                )
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
            if not self.built:
                self.build(variables)
            unknown = [v for v in variables if id(v) not in self._index_of]
            if unknown:
                raise ValueError(
                    f"Unknown variable: {unknown[0].path!r}. This optimizer can only update "
                    "the variables it was built with; create a new optimizer for new "
                    "variables."
                )
        if len(grads) != len(variables):
            raise ValueError(
                f"Got {len(grads)} gradients for {len(variables)} variables; pass one "
                "gradient per variable, in the same order."
            )
        return variables

    def _update(self, grads, variables):
        """Clip, decay and update: the part of a step that changes the model."""
        grads = self._clip_gradients(grads)
        learning_rate = self._current_learning_rate()
        self._apply_weight_decay(variables, learning_rate)
        self._backend_update_step(grads, variables, learning_rate)

    def _backend_update_step(self, grads, variables, learning_rate):
        """Call ``update_step`` per variable; an optimizer with per-step state (Nadam) or a
        fused multi-tensor update overrides this."""
        for grad, variable in zip(grads, variables):
            self.update_step(grad, variable, learning_rate)

    def _clip_gradients(self, grads):
        if self.clipnorm:
            return [clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue:
            return [ops.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _apply_weight_decay(self, variables, learning_rate):
        if self.weight_decay is None:
            return
        for variable in variables:
            if self._use_weight_decay(variable):
                factor = self._step_constant(
                    "weight_decay", variable.dtype,
                    lambda v=variable: ops.cast(learning_rate, v.dtype) * self.weight_decay,
                )
                variable.assign(variable.value - variable.value * factor)

    def _step_constant(self, key, dtype, compute):
        """``compute()``, computed once per step and dtype (bias corrections, cast rates).

        Outside a step (a direct ``update_step`` call) it is simply computed.
        """
        cache = self._step_cache
        if cache is None:
            return compute()
        slot = (key, dtype)
        if slot not in cache:
            cache[slot] = compute()
        return cache[slot]

    # -- gradient accumulation ------------------------------------------------------------
    def _accumulate_or_update(self, grads, variables):
        """Every ``gradient_accumulation_steps``-th call updates with the mean gradient;
        the other calls only add to the accumulators.

        Both outcomes are computed and blended with ``ops.where`` so the step traces.
        """
        steps = self.gradient_accumulation_steps
        is_update = ops.equal(ops.mod(self._iterations.value + 1, steps), 0)
        accumulators = [self._accumulated_gradients[self._get_variable_index(v)]
                        for v in variables]
        totals = [acc.value + ops.cast(g, acc.dtype) for g, acc in zip(grads, accumulators)]
        watched = list(variables) + self._slot_variables()
        before = [ops.copy(v.value) for v in watched]
        self._update([total / steps for total in totals], variables)
        for variable, old in zip(watched, before):
            variable.assign(ops.where(is_update, variable.value, old))
        for acc, total in zip(accumulators, totals):
            acc.assign(ops.where(is_update, ops.zeros_like(total), total))

    def _slot_variables(self):
        """Optimizer variables an update may change (not the counters or accumulators)."""
        skip = {id(self._iterations), id(self._learning_rate)}
        skip.update(id(v) for v in getattr(self, "_accumulated_gradients", ()))
        skip.update(id(v) for v in getattr(self, "_model_variables_moving_average", ()))
        return [v for v in self._variables if id(v) not in skip]

    # -- exponential moving average -------------------------------------------------------
    def _update_moving_average(self):
        # The first step copies the variables (momentum 0), as Keras does.
        iterations = self.iterations
        momentum = ops.where(ops.equal(iterations, 0), 0.0, self.ema_momentum)
        for variable, average in zip(self._trainable_variables,
                                     self._model_variables_moving_average):
            factor = ops.cast(momentum, variable.dtype)
            average.assign(factor * average.value + (1.0 - factor) * variable.value)
        if self.ema_overwrite_frequency:
            overwrite = ops.equal(ops.mod(iterations + 1, self.ema_overwrite_frequency), 0)
            for variable, average in zip(self._trainable_variables,
                                         self._model_variables_moving_average):
                variable.assign(ops.where(overwrite, average.value, variable.value))

    def finalize_variable_values(self, var_list):
        """Write the moving averages into ``var_list`` when ``use_ema`` is on (end of fit).

        Args:
            var_list: the model variables, in the order the optimizer was built with.
        """
        if not self.use_ema:
            return
        averages = self._model_variables_moving_average
        if len(var_list) != len(averages):
            raise ValueError(
                f"finalize_variable_values got {len(var_list)} variables but the optimizer "
                f"keeps {len(averages)} averages; pass the variables it was built with."
            )
        for variable, average in zip(var_list, averages):
            variable.assign(average.value)

    # -- helpers Keras optimizers call ----------------------------------------------------
    def scale_loss(self, loss):
        """Multiply ``loss`` by ``loss_scale_factor`` when one is set."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def assign(self, variable, value):
        """``variable.assign(value)``; kept so Keras-written optimizers run unchanged."""
        variable.assign(value)

    def assign_add(self, variable, value):
        """``variable.assign_add(value)``; kept so Keras-written optimizers run unchanged."""
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        """``variable.assign_sub(value)``; kept so Keras-written optimizers run unchanged."""
        variable.assign_sub(value)
