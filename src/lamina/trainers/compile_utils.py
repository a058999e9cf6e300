"""What ``compile(loss=..., metrics=...)`` turns into: ``CompileLoss`` and ``CompileMetrics``.

Both match the user's loss / metric specification (one object, a list per output or a dict
keyed by output name) to the model's outputs, and both run inside the compiled train step,
so they only use ops and metric Variables.
"""

from lamina import backend
from lamina import losses as losses_module
from lamina import metrics as metrics_module
from lamina import ops


def _per_output(spec, output_names, what):
    """Spread ``spec`` over the outputs: a list with one entry (or None) per output."""
    count = len(output_names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in output_names]
        if unknown:
            raise ValueError(
                f"compile: the {what} dict has keys {unknown} that are not output names. "
                f"The model's outputs are named {output_names}."
            )
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)) and count > 1 and len(spec) == count:
        return list(spec)
    if isinstance(spec, (list, tuple)) and count == 1 and what == "loss":
        if len(spec) != 1:
            raise ValueError(
                f"compile: `loss` is a list of {len(spec)} losses, but the model has one "
                "output. Pass a single loss."
            )
        return list(spec)
    if isinstance(spec, (list, tuple)) and what == "loss":
        raise ValueError(
            f"compile: `loss` is a list of {len(spec)} losses, but the model has {count} "
            f"outputs ({output_names}). Pass one loss per output, or a dict keyed by output "
            "name."
        )
    return [spec] * count


def _loss_name(loss):
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None)
    return name or type(loss).__name__


class CompileLoss:
    """The total training loss for a model's outputs.

    Args:
        loss: a loss (name, function or ``Loss``), a list with one per output, or a dict
            keyed by output name.
        loss_weights: a float per output (list or dict) scaling each output's loss.
        output_names: the model's output names.
    """

    def __init__(self, loss, loss_weights=None, output_names=None):
        self.output_names = list(output_names or ["output"])
        specs = _per_output(loss, self.output_names, "loss")
        self.losses = [losses_module.get(s) if s is not None else None for s in specs]
        # A plain function gives per-sample losses; wrap it once (not every step) so it
        # is reduced as a Keras loss wrapper would.
        self._callables = [
            fn if fn is None or isinstance(fn, losses_module.Loss)
            else losses_module.LossFunctionWrapper(fn, name=getattr(fn, "__name__", None))
            for fn in self.losses]
        if loss_weights is None:
            weights = [1.0] * len(self.output_names)
        else:
            weights = _per_output(loss_weights, self.output_names, "loss_weights")
            weights = [1.0 if w is None else float(w) for w in weights]
        self.loss_weights = weights
        self.trackers = []
        if len(self.output_names) > 1:
            self.trackers = [
                metrics_module.Mean(name=f"{name}_loss") if fn is not None else None
                for name, fn in zip(self.output_names, self.losses)
            ]

    @property
    def metrics(self):
        """The per-output loss trackers (multi-output models only)."""
        return [t for t in self.trackers if t is not None]

    def __call__(self, y_true, y_pred, sample_weight=None, masks=None):
        if len(self._callables) == 1 and backend.is_tensor(y_pred) and \
                backend.is_tensor(y_true) and not isinstance(masks, (list, tuple)) and \
                not isinstance(sample_weight, (list, tuple, dict)):
            # One output, plain tensors: the training-loop case, without the list plumbing.
            fn = self._callables[0]
            if fn is not None:
                value = _call_loss(fn, y_true, y_pred, sample_weight, masks)
                weight = self.loss_weights[0]
                return ops.multiply(value, weight) if weight != 1.0 else value
        y_true = _as_list(y_true, self.output_names, "y")
        if masks is None or not isinstance(masks, (list, tuple)) or \
                len(masks) != len(self.output_names):
            masks = [masks if not isinstance(masks, (list, tuple)) else None] * \
                len(self.output_names)
        y_pred = _as_list(y_pred, self.output_names, "model outputs")
        sample_weights = _as_list(sample_weight, self.output_names, "sample_weight") \
            if isinstance(sample_weight, (list, tuple, dict)) else \
            [sample_weight] * len(self.output_names)
        total = None
        for i, (fn, weight) in enumerate(zip(self._callables, self.loss_weights)):
            if fn is None or y_true[i] is None:
                continue
            value = _call_loss(fn, y_true[i], y_pred[i], sample_weights[i], masks[i])
            if self.trackers and self.trackers[i] is not None:
                batch = ops.shape(y_pred[i])[0] if ops.ndim(y_pred[i]) else 1
                self.trackers[i].update_state(value, sample_weight=batch)
            value = ops.multiply(value, weight) if weight != 1.0 else value
            total = value if total is None else ops.add(total, value)
        return total

    def sparse_label_check(self, y, output_shapes):
        """Raise a clear error when integer labels fall outside a sparse loss's classes.

        Runs once before training on in-memory labels (NumPy), never inside a step.
        """
        import numpy as np

        ys = _as_list(y, self.output_names, "y") if y is not None else []
        for fn, labels, shape, name in zip(self.losses, ys, output_shapes, self.output_names):
            if fn is None or labels is None or shape is None or not _is_sparse_loss(fn):
                continue
            labels = np.asarray(ops.convert_to_numpy(labels))
            classes = shape[-1]
            if labels.size == 0 or classes is None or not np.issubdtype(labels.dtype, np.number):
                continue
            low, high = labels.min(), labels.max()
            if low < 0 or high >= classes:
                raise ValueError(
                    f"Sparse labels for output {name!r} must be integers in [0, {classes}) "
                    f"because the output has {classes} classes, but the labels range from "
                    f"{low} to {high}. Check the labels, or give the last layer as many "
                    "units as there are classes (use categorical_crossentropy for one-hot "
                    "labels)."
                )


def _is_sparse_loss(fn):
    name = _loss_name(fn).lower()
    return "sparse_categorical_crossentropy" in name or name == "sparsecategoricalcrossentropy"


def _call_loss(fn, y_true, y_pred, sample_weight, mask=None):
    if mask is None:
        mask = getattr(y_pred, "_keras_mask", None)
    return fn._masked_call(y_true, y_pred, sample_weight, mask)


def _as_list(value, output_names, what):
    count = len(output_names)
    if isinstance(value, dict):
        missing = [n for n in output_names if n not in value]
        if missing and count > 1:
            raise ValueError(
                f"The {what} dict is missing outputs {missing}; it has keys {sorted(value)}."
            )
        return [value.get(n) for n in output_names]
    if isinstance(value, (list, tuple)) and count > 1:
        if len(value) != count:
            raise ValueError(
                f"The model has {count} outputs ({output_names}), but {len(value)} {what} "
                "were given. Pass one per output."
            )
        return list(value)
    if isinstance(value, (list, tuple)) and count == 1 and len(value) == 1:
        return list(value)
    if count == 1:
        return [value]
    if value is None:
        return [None] * count
    raise ValueError(
        f"The model has {count} outputs ({output_names}), but a single {what} value was "
        "given. Pass a list with one per output, or a dict keyed by output name."
    )


class CompileMetrics:
    """The metrics given to ``compile``, matched to the model's outputs.

    A flat list applies to every output (named ``<output>_<metric>`` when there are several
    outputs); a list of lists or a dict gives each output its own metrics. ``"accuracy"``
    and ``"acc"`` become binary, categorical or sparse categorical accuracy depending on
    the loss and the shapes, as in Keras.
    """

    def __init__(self, metrics, weighted_metrics, output_names, losses=None):
        self.output_names = list(output_names or ["output"])
        self._specs = (metrics, weighted_metrics)
        self._losses = losses or [None] * len(self.output_names)
        self.built = False
        self.entries = []  # (output index, metric, is_weighted)

    def build(self, y_true, y_pred):
        """Create the metric objects once the shapes of targets and outputs are known."""
        metrics, weighted = self._specs
        y_true = _as_list(y_true, self.output_names, "y")
        y_pred = _as_list(y_pred, self.output_names, "model outputs")
        multi = len(self.output_names) > 1
        for spec, is_weighted in ((metrics, False), (weighted, True)):
            if spec is None:
                continue
            per_output = self._spread(spec)
            for i, items in enumerate(per_output):
                for item in items:
                    metric = self._make(item, i, y_true[i], y_pred[i])
                    if multi:
                        metric.name = f"{self.output_names[i]}_{metric.name}"
                    if is_weighted and metrics is not None and any(
                            m.name == metric.name for _, m, _ in self.entries):
                        metric.name = f"weighted_{metric.name}"
                    self.entries.append((i, metric, is_weighted))
        self.built = True

    def _spread(self, spec):
        count = len(self.output_names)
        if isinstance(spec, dict):
            unknown = [k for k in spec if k not in self.output_names]
            if unknown:
                raise ValueError(
                    f"compile: the metrics dict has keys {unknown} that are not output "
                    f"names. The model's outputs are named {self.output_names}."
                )
            return [_listify(spec.get(n)) for n in self.output_names]
        if not isinstance(spec, (list, tuple)):
            spec = [spec]
        if count > 1 and len(spec) == count and all(
                isinstance(s, (list, tuple)) or s is None for s in spec):
            return [_listify(s) for s in spec]
        return [list(spec) for _ in range(count)]

    def _make(self, item, index, y_true, y_pred):
        if isinstance(item, str) and item in ("accuracy", "acc"):
            metric = metrics_module.resolve_accuracy(
                self._losses[index], _shape(y_true), _shape(y_pred))
            metric.name = item
            return metric
        metric = metrics_module.get(item)
        if not isinstance(metric, metrics_module.Metric):
            name = getattr(item, "__name__", None) or str(item)
            metric = metrics_module.MeanMetricWrapper(metric, name=name)
        elif isinstance(item, str) and metric.name != item:
            metric.name = item
        return metric

    @property
    def metrics(self):
        """The metric objects, in order."""
        return [m for _, m, _ in self.entries]

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Update every metric with one batch."""
        if not self.built:
            self.build(y_true, y_pred)
        y_true = _as_list(y_true, self.output_names, "y")
        y_pred = _as_list(y_pred, self.output_names, "model outputs")
        weights = _as_list(sample_weight, self.output_names, "sample_weight") \
            if isinstance(sample_weight, (list, tuple, dict)) else \
            [sample_weight] * len(self.output_names)
        for i, metric, is_weighted in self.entries:
            if y_true[i] is None:
                continue
            metric.update_state(y_true[i], y_pred[i],
                                sample_weight=weights[i] if is_weighted else None)

    def reset_state(self):
        """Reset every metric."""
        for metric in self.metrics:
            metric.reset_state()


def _listify(spec):
    if spec is None:
        return []
    if isinstance(spec, (list, tuple)):
        return list(spec)
    return [spec]


def _shape(x):
    return None if x is None else tuple(ops.shape(x))

