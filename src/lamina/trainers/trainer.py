"""``Trainer``: compile, fit, evaluate, predict and the ``*_on_batch`` methods, written once.

This module runs epochs, validation, callbacks and logs. The per-backend modules
(``torch_trainer.py``, ``jax_trainer.py``) only turn ``train_step`` / ``test_step`` /
``predict_step`` into fast callables (``make_step_function``).
"""

import contextlib
import math
import time
import warnings

import numpy as np

from lamina import backend
from lamina import ops
from lamina import tree
from lamina.backend.common.device_rows import materialize_batch
from lamina.callbacks.logs import LazyLogs
from lamina.config import training_limits
from lamina.data import data_utils
from lamina.layers.layer import frozen_structure
from lamina.trainers import compile_utils
from lamina.trainers import engine

_NOT_COMPILED = (
    'You must call `compile()` before using the model "{name}" for {what}. For example: '
    'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", '
    'metrics=["accuracy"]).'
)
# Without a callback that reads every batch's logs, the loss is checked for NaN every this
# many steps (and at each epoch's end): reading it every step would make each step wait for
# the previous one to finish. The loss in the logs is the running mean, so a NaN in any
# earlier step of the epoch shows.
_NAN_CHECK_EVERY = 32
# Automatic steps per execution (engines whose steps are compiled calls, JAX): when the
# user kept steps_per_execution=1 and no callback watches single batches, and the first
# epoch's steps took less than _AUTO_STEP_MAX_S each (the per-call dispatch then costs as
# much as the step), later epochs run _AUTO_STEPS steps per compiled call. The weights,
# logs and epoch-level callbacks are those of one step per call.
_AUTO_STEPS = 16
_AUTO_STEP_MAX_S = 0.0005
_AUTO_WARM_STEPS = 4
_AUTO_MIN_TIMED_STEPS = 32
_NAN_LOSS = (
    "The training loss became {value} at epoch {epoch}, batch {batch}. Training stopped so "
    "the weights are not corrupted further. Usual fixes: lower the learning rate, check the "
    "data for NaN or infinite values, scale the inputs, use from_logits=True with a linear "
    "last layer, or clip gradients (clipnorm=1.0)."
)


class Trainer:
    """The training API every Model has (mixed into ``Model``)."""

    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self._run_eagerly = False
        self._jit_compile = "auto"
        self.steps_per_execution = 1
        self._step_functions = {}

    # -- compile -------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configure the model for training.

        Args:
            optimizer: an optimizer name (``"adam"``) or instance.
            loss: a loss name, function or ``Loss``; a list or dict for several outputs.
            loss_weights: a weight per output (list or dict) for the total loss.
            metrics: metric names, functions or ``Metric`` objects (``"accuracy"`` picks the
                right accuracy for the loss); a list of lists or a dict per output.
            weighted_metrics: metrics that also use ``sample_weight``.
            run_eagerly: run steps as plain Python (easier debugging, slower on JAX).
            steps_per_execution: steps run per call of the step function; on JAX they run
                inside one compiled loop. Batch-level callbacks are then called once per
                execution, with the index of its last batch (as in Keras).
            jit_compile: ``"auto"`` compiles on JAX and runs eagerly on torch; ``True``
                also compiles on JAX; ``False`` runs eagerly.
            auto_scale_loss: kept for Keras compatibility.

        Example:
            >>> model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        """
        from lamina import metrics as metrics_module
        from lamina import optimizers

        self.optimizer = optimizers.get(optimizer)
        if auto_scale_loss and self.dtype_policy.name == "mixed_float16" and \
                self.optimizer is not None and \
                not isinstance(self.optimizer, optimizers.LossScaleOptimizer):
            # float16 gradients underflow without loss scaling (Keras wraps it the same way).
            self.optimizer = optimizers.LossScaleOptimizer(self.optimizer)
        self.loss = loss
        self._compile_args = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                              "weighted_metrics": weighted_metrics}
        output_names = self._output_names_for_compile()
        self._compile_loss = (
            compile_utils.CompileLoss(loss, loss_weights, output_names)
            if loss is not None else None
        )
        losses = self._compile_loss.losses if self._compile_loss else None
        self._compile_metrics = (
            compile_utils.CompileMetrics(metrics, weighted_metrics, output_names, losses)
            if metrics is not None or weighted_metrics is not None else None
        )
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._run_eagerly = bool(run_eagerly)
        self._jit_compile = jit_compile
        self.steps_per_execution = int(steps_per_execution)
        self._step_functions = {}
        self.compiled = True

    def get_compile_config(self):
        """The arguments the model was compiled with, in Keras's ``compile_config`` form
        (what ``.keras`` files store), or None when it is not compiled.

        Example:
            >>> clone.compile_from_config(model.get_compile_config())
        """
        from lamina.saving import keras_archive

        return keras_archive.compile_config(self)

    def compile_from_config(self, config):
        """Compile the model from a ``compile_config`` (``get_compile_config()``'s or a
        ``.keras`` file's): a fresh optimizer of the same class and settings, the same
        losses and metrics.

        Args:
            config: the dict, or None (then nothing is done).
        """
        if not config:
            return
        from lamina.saving import keras_archive

        keras_archive.compile_from_config(self, config)

    def _output_names_for_compile(self):
        names = getattr(self, "output_names", None)
        try:
            names = list(names) if names else None
        except Exception:
            names = None
        return names or ["output"]

    @property
    def run_eagerly(self):
        """Whether steps run as plain Python instead of a compiled function."""
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = bool(value)
        self._step_functions = {}

    @property
    def jit_compile(self):
        """The ``jit_compile`` setting given to compile; ``"auto"`` reads as False when a
        layer of the model sets ``supports_jit = False`` (it runs host code that cannot be
        compiled, e.g. ``Hashing``), as Keras resolves it."""
        if self._jit_compile == "auto" and not _model_supports_jit(self):
            return False
        return self._jit_compile

    @jit_compile.setter
    def jit_compile(self, value):
        self._jit_compile = value
        self._step_functions = {}

    def _assert_compiled(self, what):
        if not self.compiled:
            raise ValueError(_NOT_COMPILED.format(name=self.name, what=what))

    # -- metrics -------------------------------------------------------------------------
    @property
    def metrics(self):
        """The metrics the model tracks: the loss tracker, then the compiled metrics."""
        result = []
        if self._loss_tracker is not None:
            result.append(self._loss_tracker)
        if self._compile_loss is not None:
            result.extend(self._compile_loss.metrics)
        if self._compile_metrics is not None:
            result.extend(self._compile_metrics.metrics)
        return result

    @property
    def metrics_names(self):
        """Names of :attr:`metrics`, in the order ``evaluate`` returns them."""
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        """Reset the state of every tracked metric."""
        for metric in self._all_metrics():
            metric.reset_state()

    def _all_metrics(self):
        found, seen = [], set()
        for metric in list(self.metrics) + _attribute_objects(self, "update_state"):
            if id(metric) not in seen:
                seen.add(id(metric))
                found.append(metric)
        return found

    def get_metrics_result(self):
        """The current result of every metric, as a dict of tensors."""
        logs = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                logs[metric.name] = result
        return logs

    # -- the steps (one signature on every backend) --------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss: compiled losses plus the model's added losses (regularizers).

        Override to customize; ``train_step`` and ``test_step`` call it.
        """
        total = None
        if self._compile_loss is not None:
            # The model's output masks (from Embedding(mask_zero=True), Masking...) keep
            # padded timesteps out of the loss, as in Keras.
            total = self._compile_loss(y, y_pred, sample_weight,
                                       masks=self._last_output_mask)
        for extra in self.losses:
            extra = ops.sum(extra)
            total = extra if total is None else ops.add(total, extra)
        if total is None:
            raise ValueError(
                f'Model "{self.name}" has no loss to compute. Pass `loss=` to compile(), '
                "or add losses in call() with self.add_loss()."
            )
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with one batch; return all metric results."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def train_step(self, data):
        """One training step on a batch ``data`` = ``(x, y, sample_weight)``.

        Override it to customize training; take gradients with
        ``lamina.backend.value_and_grad(fn, variables)``, which works on every backend.

        Returns:
            A dict of metric results (the logs).
        """
        x, y, sample_weight = _unpack(data)
        trainable = self.trainable_variables

        def forward():
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                     training=True)
            # The gradient is taken of the (possibly) scaled loss; the logs keep the loss.
            return self.optimizer.scale_loss(loss), (loss, y_pred)

        (_, (loss, y_pred)), grads = backend.value_and_grad(forward, trainable, has_aux=True)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        if trainable:
            self.optimizer.apply(grads, trainable)
        if self.__dict__.get("_lazy_step_logs"):
            # fit() on torch: the results are computed only if something reads this
            # step's logs (a callback, the NaN check, the end of the epoch).
            if self._compile_metrics is not None:
                self._compile_metrics.update_state(y, y_pred, sample_weight)
            return LazyLogs(self.get_metrics_result)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """One evaluation step on a batch; returns the logs."""
        x, y, sample_weight = _unpack(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                 training=False)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """One prediction step; returns the model outputs for the batch."""
        x, _, _ = _unpack(data)
        return self(x, training=False)

    # -- state for compiled steps --------------------------------------------------------
    def _state_variables(self):
        """Every Variable a step may read or write: weights, seeds, optimizer and metrics."""
        from lamina.random.seed_generator import global_seed_generator

        variables = list(self.variables)
        optimizers = [self.optimizer] if self.optimizer is not None else []
        optimizers += _attribute_objects(self, "apply_gradients")
        for optimizer in optimizers:
            variables.extend(optimizer.variables)
        for metric in self._all_metrics():
            variables.extend(metric.variables)
        variables.append(global_seed_generator().state)
        unique, seen = [], set()
        for v in variables:
            if id(v) not in seen:
                seen.add(id(v))
                unique.append(v)
        return unique

    def _step_function(self, kind):
        fn = self._step_functions.get(kind)
        if fn is None:
            step = {"train": self.train_step, "test": self.test_step,
                    "predict": self.predict_step}[kind]
            fn = engine.make_step_function(self, step, kind)
            self._step_functions[kind] = fn
        return fn

    # -- fit -----------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train the model for a number of epochs.

        Args:
            x: inputs: an array, a list or dict of arrays, a generator or ``PyDataset``
                yielding ``(x, y[, sample_weight])``.
            y: targets (omit when ``x`` yields them).
            batch_size: samples per step for arrays (32 by default).
            epochs: the index of the last epoch to train.
            verbose: 0 silent, 1 progress bar, 2 one line per epoch (``"auto"``: 1).
            callbacks: a list of ``Callback`` objects.
            validation_split: the last fraction of the arrays held out for validation.
            validation_data: ``(x_val, y_val[, sample_weight_val])`` or a generator.
            shuffle: shuffle array data each epoch.
            class_weight: dict class index -> weight applied to each sample's loss.
            sample_weight: per-sample weights for arrays.
            initial_epoch: the epoch to start at (to resume).
            steps_per_epoch: batches per epoch (needed for endless generators).
            validation_steps: batches per validation run.
            validation_batch_size: batch size for validation (``batch_size`` default).
            validation_freq: validate every this many epochs.

        Returns:
            A ``History`` whose ``history`` dict holds per-epoch logs.
        """
        from lamina import callbacks as callbacks_module
        from lamina import data

        self._assert_compiled("fit")
        cap = training_limits.max_epochs()
        if cap and cap < epochs:
            warnings.warn(f"Limiting epochs to {cap} (lamina.config.set_max_epochs / "
                          "KERAS_MAX_EPOCHS).", stacklevel=2)
            epochs = cap
        verbose = 1 if verbose == "auto" else int(verbose)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data.train_validation_split(
                (x, y, sample_weight), validation_split=validation_split)
        iterator = data.EpochIterator(
            x=x, y=y, sample_weight=sample_weight, batch_size=batch_size,
            steps_per_epoch=steps_per_epoch, shuffle=shuffle, class_weight=class_weight,
            steps_per_execution=self.steps_per_execution,
            gather_in_step=self._gathers_in_step())
        self._prepare_for(iterator, y)
        callback_list = _callback_list(callbacks_module, callbacks, self, verbose, epochs,
                                       iterator.num_batches)
        val_iterator = None
        if validation_data is not None:
            vx, vy, vsw = data.unpack_x_y_sample_weight(validation_data) \
                if isinstance(validation_data, (tuple, list)) else (validation_data, None, None)
            val_iterator = data.EpochIterator(
                x=vx, y=vy, sample_weight=vsw,
                batch_size=validation_batch_size or batch_size, steps_per_epoch=validation_steps,
                shuffle=False)
        train_fn = self._step_function("train")
        # With TerminateOnNaN the user chose to stop quietly; otherwise a NaN loss is an error.
        raise_on_nan = not any(isinstance(c, callbacks_module.TerminateOnNaN)
                               for c in callback_list.callbacks)
        self.stop_training = False
        callback_list.on_train_begin()
        initial_epoch, initial_step = _resume_point(self, iterator, initial_epoch)
        epoch_logs = {}
        self.__dict__["_lazy_step_logs"] = self._can_defer_step_logs()
        auto_steps = self._auto_steps_allowed(callback_list)
        step_seconds = None
        with frozen_structure(), _lazy_logs_end(self):
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                callback_list.on_epoch_begin(epoch)
                logs = {}
                steps_done = 0
                size = self.steps_per_execution
                if auto_steps and step_seconds is not None and \
                        step_seconds < _AUTO_STEP_MAX_S:
                    size = _AUTO_STEPS
                timed_from = None  # (time, step) where the timing of steps began
                epoch_start = initial_step
                for first, last, batches in _executions(iterator.enumerate_epoch(), size):
                    steps_done = last + 1
                    if last < initial_step:  # resuming mid-epoch: trained before the backup
                        continue
                    if first < initial_step:
                        batches = batches[initial_step - first:]
                        first = initial_step
                    callback_list.on_train_batch_begin(first)
                    if len(batches) < size != self.steps_per_execution:
                        # An automatic execution's short remainder runs one step at a time:
                        # a call over fewer steps would compile another function.
                        for batch in batches:
                            logs = _run(train_fn, [batch])
                    else:
                        logs = _run(train_fn, batches)
                    if auto_steps and step_seconds is None:
                        # Time _AUTO_MIN_TIMED_STEPS steps once the first few (compiling,
                        # warming up) are done, waiting for the step before and the last.
                        if timed_from is None and last == epoch_start + _AUTO_WARM_STEPS:
                            _to_floats(logs)
                            timed_from = (time.perf_counter(), last)
                        elif timed_from is not None and \
                                last == timed_from[1] + _AUTO_MIN_TIMED_STEPS:
                            _to_floats(logs)
                            step_seconds = (time.perf_counter() - timed_from[0]) / \
                                _AUTO_MIN_TIMED_STEPS
                            precompile = getattr(train_fn, "precompile_many", None)
                            if step_seconds < _AUTO_STEP_MAX_S and precompile is not None:
                                # Later epochs run _AUTO_STEPS per call: compile that
                                # function now, beside this epoch's steps, not at the
                                # start of the next epoch.
                                precompile(_pack(batches[-1]), _AUTO_STEPS)
                    if raise_on_nan and (last + 1) % _NAN_CHECK_EVERY < len(batches):
                        logs = _to_floats(logs)
                        _check_loss(logs, epoch, last)
                    callback_list.on_train_batch_end(last, logs)
                    if self.stop_training:
                        break
                initial_step = 0
                if steps_done == 0:
                    warnings.warn(
                        "fit: the training data ran out before the epoch began; it yielded no "
                        "batches. Use steps_per_epoch no larger than the data provides, or a "
                        "generator that loops forever.", stacklevel=2)
                    break
                epoch_logs = _to_floats(logs)
                if raise_on_nan:
                    _check_loss(epoch_logs, epoch, steps_done - 1)
                if val_iterator is not None and _should_validate(epoch, validation_freq):
                    val_logs = self._evaluate_iterator(val_iterator, callback_list)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                callback_list.on_epoch_end(epoch, epoch_logs)
                if self.stop_training:
                    break
        optimizer = self.optimizer
        if getattr(optimizer, "use_ema", False) and optimizer.built:
            # As Keras does: the trained weights become their moving averages.
            optimizer.finalize_variable_values(self.trainable_variables)
        callback_list.on_train_end(epoch_logs)
        self.history = _find_history(callback_list)
        return self.history

    def _auto_steps_allowed(self, callback_list):
        """Whether fit may run several steps per call by itself (see _AUTO_STEPS): the
        engine compiles steps (JAX), the user kept ``steps_per_execution=1``, and no
        callback but the progress bar watches single batches."""
        from lamina.callbacks import ProgbarLogger

        if not getattr(engine, "AUTO_STEPS_PER_EXECUTION", False) or \
                self.steps_per_execution != 1 or self.run_eagerly or \
                self.jit_compile is False:
            return False
        for hook in ("on_train_batch_begin", "on_train_batch_end"):
            listeners, _ = callback_list._listeners(hook)
            if any(type(callback) is not ProgbarLogger for callback in listeners):
                return False
        return True

    def _gathers_in_step(self):
        """Whether the compiled steps of fit / evaluate / predict may gather their batches
        from device-resident arrays (``DeviceRows``): the engine supports it (JAX) and the
        steps are compiled."""
        return bool(getattr(engine, "GATHERS_IN_STEP", False)) and not self.run_eagerly and \
            self.jit_compile is not False

    def _can_defer_step_logs(self):
        """Whether fit's steps may hand back lazy logs: the engine runs steps as Python
        (torch, not torch.compile) and the model keeps the default step and metric
        methods (a custom one may read or change the logs dict)."""
        cls = type(self)
        return bool(getattr(engine, "STEPS_RUN_IN_PYTHON", False)) and \
            self.jit_compile is not True and \
            cls.train_step is Trainer.train_step and \
            cls.compute_metrics is Trainer.compute_metrics and \
            cls.get_metrics_result is Trainer.get_metrics_result

    def _prepare_for(self, iterator, y):
        """Build the model (and the optimizer) from the first batch, then check labels."""
        first = iterator.peek() if hasattr(iterator, "peek") else None
        if first is None:
            return
        first = materialize_batch(first)
        x_batch = first[0]
        from lamina.layers.layer import Layer

        if type(self).call is Layer.call:  # a model with a custom train_step and no call()
            self.built = True
            return
        if not self.built or not getattr(self, "_called_once", False):
            y_pred = _placeholder_outputs(self, x_batch)
            if y_pred is None:
                self._called_once = True
                y_pred = self(x_batch, training=False)
                self.reset_metrics()
        else:
            y_pred = None
        if self._compile_loss is not None and y is not None and y_pred is not None:
            shapes = [tuple(t.shape) for t in tree.flatten(y_pred)]
            self._compile_loss.sparse_label_check(y, shapes)
        # Create the compiled metrics now, so a custom train_step that loops over
        # self.metrics sees all of them from its first step.
        if self._compile_metrics is not None and not self._compile_metrics.built and \
                y_pred is not None and len(first) > 1 and first[1] is not None:
            self._compile_metrics.build(first[1], y_pred)

    # -- evaluate ------------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """Compute the loss and metrics on data, batch by batch.

        Returns:
            The loss (a float) when there are no metrics, else ``[loss, metric...]``, or
            a dict name -> value with ``return_dict=True``.
        """
        from lamina import callbacks as callbacks_module
        from lamina import data

        self._assert_compiled("evaluate")
        verbose = 1 if verbose == "auto" else int(verbose)
        iterator = data.EpochIterator(x=x, y=y, sample_weight=sample_weight,
                                      batch_size=batch_size, steps_per_epoch=steps,
                                      shuffle=False, single_pass=True,
                                      gather_in_step=self._gathers_in_step())
        self._prepare_for(iterator, y)
        callback_list = _callback_list(callbacks_module, callbacks, self, verbose, 1,
                                       iterator.num_batches)
        logs = self._evaluate_iterator(iterator, callback_list)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def _evaluate_iterator(self, iterator, callback_list):
        test_fn = self._step_function("test")
        for metric in self._all_metrics():
            metric.reset_state()
        callback_list.on_test_begin()
        logs = {}
        with frozen_structure():
            for first, last, batches in _executions(iterator.enumerate_epoch(),
                                                    self.steps_per_execution):
                callback_list.on_test_batch_begin(first)
                logs = _run(test_fn, batches)
                callback_list.on_test_batch_end(last, logs)
        logs = _to_floats(logs)
        callback_list.on_test_end(logs)
        return logs

    # -- predict -------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Run the model on inputs batch by batch; return NumPy arrays.

        Returns:
            An array (or a list / dict of arrays for several outputs).
        """
        from lamina import callbacks as callbacks_module
        from lamina import data

        verbose = 1 if verbose == "auto" else int(verbose)
        iterator = data.EpochIterator(x=x, batch_size=batch_size, steps_per_epoch=steps,
                                      shuffle=False, single_pass=True,
                                      gather_in_step=self._gathers_in_step())
        callback_list = _callback_list(callbacks_module, callbacks, self, verbose, 1,
                                       iterator.num_batches)
        if not self.built:
            first = iterator.peek() if hasattr(iterator, "peek") else None
            if first is not None:
                self(materialize_batch(first)[0], training=False)
        predict_fn = self._step_function("predict")
        keep = getattr(engine, "predict_output_to_keep", None)
        callback_list.on_predict_begin()
        outputs = []
        with frozen_structure():
            if self.steps_per_execution == 1 and \
                    not callback_list.listens_to("on_predict_batch_begin") and \
                    not callback_list.listens_to("on_predict_batch_end"):
                # No callback looks at single batches: the lean loop, the whole pass in
                # the engine's prediction scope (torch: one inference-mode context).
                scope = getattr(engine, "prediction_scope", contextlib.nullcontext)
                with scope():
                    for _, batch in iterator.enumerate_epoch():
                        out = predict_fn(_pack(batch))
                        outputs.append(out if keep is None else keep(out))
            else:
                for first, last, batches in _executions(iterator.enumerate_epoch(),
                                                        self.steps_per_execution):
                    callback_list.on_predict_batch_begin(first)
                    out = _run(predict_fn, batches)
                    outputs.append(out if keep is None else keep(out))
                    callback_list.on_predict_batch_end(last, {"outputs": out})
        # Converted at the end: fetching each batch as it comes would make every step
        # wait for the previous one.
        callback_list.on_predict_end()
        if not outputs:
            raise ValueError("predict: the input data is empty (no batches).")
        joined = getattr(engine, "predict_outputs_to_numpy", lambda _: None)(outputs)
        if joined is not None:
            return joined
        if all(isinstance(out, np.ndarray) or backend.is_tensor(out) for out in outputs):
            # One output: no tree walks.
            return np.concatenate([backend.convert_to_numpy(out) for out in outputs], axis=0)
        outputs = [tree.map_structure(backend.convert_to_numpy, out) for out in outputs]
        return tree.map_structure(lambda *parts: np.concatenate(parts, axis=0), *outputs)

    # -- single batches ------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """Run one training step on one batch; return the logs (like ``evaluate``)."""
        from lamina import data

        self._assert_compiled("train_on_batch")
        iterator = data.EpochIterator(x=x, y=y, sample_weight=sample_weight,
                                      batch_size=_whole_batch(x), class_weight=class_weight,
                                      shuffle=False)
        self._prepare_for(iterator, y)
        logs = {}
        for _, batch in iterator.enumerate_epoch():
            logs = _to_floats(self._step_function("train")(_pack(batch)))
        return _format_logs(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Evaluate one batch; return the logs."""
        from lamina import data

        self._assert_compiled("test_on_batch")
        iterator = data.EpochIterator(x=x, y=y, sample_weight=sample_weight,
                                      batch_size=_whole_batch(x), shuffle=False)
        self._prepare_for(iterator, y)
        self.reset_metrics()
        logs = {}
        for _, batch in iterator.enumerate_epoch():
            logs = _to_floats(self._step_function("test")(_pack(batch)))
        return _format_logs(logs, return_dict)

    def predict_on_batch(self, x):
        """Predict one batch; return NumPy arrays."""
        out = self._step_function("predict")(_pack((x, None, None)))
        return tree.map_structure(backend.convert_to_numpy, out)


def _placeholder_outputs(model, x_batch):
    """Zero arrays shaped like the outputs of a built graph model for ``x_batch``, or None.

    On JAX a real call runs op by op, each op compiled on its own (seconds for a
    Transformer); a Functional or Sequential model already knows its output shapes, which is
    all the label check and the metrics need. torch runs the call, which costs little.
    """
    if backend.backend() != "jax" or not model.built:
        return None
    try:
        structure = model.output
    except (AttributeError, ValueError, IndexError):
        return None
    if structure is None:
        return None
    leaves = tree.flatten(structure)
    if not leaves or not all(isinstance(t, backend.KerasTensor) for t in leaves):
        return None
    batch = _batch_size(x_batch)
    shapes = [(batch,) + tuple(t.shape[1:]) for t in leaves]
    if any(d is None for shape in shapes for d in shape):
        return None  # a dimension only the data knows: run the model instead
    def zeros(shape, dtype):
        # NumPy has no bfloat16; the label check and the metrics only read shapes.
        return np.zeros(shape, dtype="float32" if dtype == "bfloat16" else dtype)

    return tree.pack_sequence_as(
        structure, [zeros(shape, t.dtype) for shape, t in zip(shapes, leaves)])


def _model_supports_jit(model):
    """False when the model or one of its layers declares ``supports_jit = False``."""
    flatten = getattr(model, "_flatten_layers", None)
    layers = flatten() if flatten is not None else [model]
    return all(getattr(layer, "supports_jit", True) is not False for layer in layers)


def _executions(enumerated, size):
    """Group ``(step, batch)`` pairs into runs of ``size`` steps (``steps_per_execution``):
    yield ``(first_step, last_step, batches)``; the last run of an epoch may be shorter."""
    chunk, first = [], 0
    for step, batch in enumerated:
        if not chunk:
            first = step
        chunk.append(batch)
        if len(chunk) >= size:
            yield first, step, chunk
            chunk = []
    if chunk:
        yield first, first + len(chunk) - 1, chunk


def _run(step_fn, batches):
    """Run one execution: a single step, or several in one call (``run_many``)."""
    if len(batches) == 1:
        return step_fn(_pack(batches[0]))
    return step_fn.run_many([_pack(b) for b in batches])


def _resume_point(model, iterator, initial_epoch):
    """``(epoch, step)`` where ``fit`` starts: a callback restoring a backup
    (``BackupAndRestore``) sets ``model._initial_epoch`` / ``_initial_step`` in
    ``on_train_begin``; they are used once."""
    epoch = getattr(model, "_initial_epoch", None)
    step = getattr(model, "_initial_step", None) or 0
    if epoch is None:
        return initial_epoch, 0
    model._initial_epoch = model._initial_step = None
    if epoch > initial_epoch and not iterator.data_adapter.is_one_shot:
        # The pass peeked to build the model was shuffled for the first epoch; a later
        # epoch draws its own shuffle from the restored NumPy RNG state.
        iterator.reset()
    return epoch, step


def _whole_batch(x):
    from lamina import data

    return data.data_cardinality(x) or None


class _lazy_logs_end:
    """Context: turn lazy step logs off when fit's loop ends (also on errors)."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.model.__dict__["_lazy_step_logs"] = False
        return False


def _pack(batch):
    """``(x, y, sw)`` as Keras hands it to a step: ``x``, ``(x,)``, ``(x, y)`` or all three."""
    return data_utils.pack_x_y_sample_weight(*batch)


def _unpack(batch):
    return data_utils.unpack_x_y_sample_weight(batch)


def _batch_size(x):
    if backend.is_tensor(x):
        return x.shape[0] if len(x.shape) else 1
    leaves = tree.flatten(x)
    for leaf in leaves:
        if hasattr(leaf, "shape") and len(leaf.shape):
            return leaf.shape[0]
    return 1


def _to_floats(logs):
    out = {}
    for key, value in logs.items():
        try:
            out[key] = float(backend.convert_to_numpy(value))
        except (TypeError, ValueError):
            out[key] = value
    return out


def _check_loss(logs, epoch, step):
    loss = logs.get("loss")
    if isinstance(loss, float) and not math.isfinite(loss):
        raise FloatingPointError(
            _NAN_LOSS.format(value="NaN" if loss != loss else "infinite", epoch=epoch + 1,
                             batch=step))


def _should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq


def _format_logs(logs, return_dict):
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _callback_list(callbacks_module, callbacks, model, verbose, epochs, steps):
    if isinstance(callbacks, callbacks_module.CallbackList):
        return callbacks
    return callbacks_module.CallbackList(
        callbacks, add_history=True, add_progbar=verbose != 0, model=model, verbose=verbose,
        epochs=epochs, steps=steps)


def _find_history(callback_list):
    from lamina.callbacks import History

    for callback in callback_list.callbacks:
        if isinstance(callback, History):
            return callback
    return None


def _attribute_objects(owner, method_name):
    """Objects stored as attributes of ``owner`` (or in lists there) with ``method_name``,
    e.g. the extra optimizers and metric trackers of a custom GAN model."""
    from lamina.layers.layer import Layer

    found = []
    for value in list(vars(owner).values()):
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if not isinstance(item, Layer) and hasattr(item, method_name) and \
                    hasattr(item, "variables"):
                found.append(item)
    return found
