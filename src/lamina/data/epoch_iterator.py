"""``EpochIterator``: picks the adapter for the user's data and cuts its passes into epochs.

The trainer makes one ``EpochIterator`` per ``fit`` / ``evaluate`` / ``predict`` call and calls
``enumerate_epoch()`` once per epoch. Epoch rules, as in Keras 3:

1. Without ``steps_per_epoch`` an epoch is one full pass over the data.
2. With ``steps_per_epoch`` an epoch is that many steps, and the next epoch continues the same
   pass where this one stopped; a new pass (reshuffled) starts once the data is used up.
3. A generator is a single stream. If it ends before an epoch's planned steps, the epoch ends
   early and ``ran_out_of_data`` is set (the trainer warns and stops); if it ends during the
   first epoch and no length was known, that epoch simply ends there and its step count
   becomes ``num_batches``.
"""

import collections.abc
import itertools
import warnings

import numpy as np

from lamina import tree
from lamina.config import training_limits
from lamina.data import data_adapter
from lamina.data import data_utils
from lamina.data.array_adapter import ArrayDataAdapter
from lamina.data.array_adapter import check_shuffle
from lamina.data.generator_adapter import GeneratorDataAdapter
from lamina.data.generator_adapter import IterableDataAdapter
from lamina.data.py_dataset import PyDataset
from lamina.data.py_dataset import PyDatasetAdapter

_ACCEPTED = (
    "Accepted: NumPy arrays or backend tensors (or a list / tuple / dict of them), a Python "
    "generator or iterator yielding (x, y) or (x, y, sample_weight) batches, a "
    "lamina.utils.PyDataset, or an iterable of batches such as a torch DataLoader."
)


def _unsupported_arg(arg_name, what, source):
    return ValueError(
        f"When providing `x` as a {source}, `{arg_name}` should not be passed. Instead, "
        f"{what} should be part of each batch the {source} yields: (x, y) or "
        "(x, y, sample_weight)."
    )


def _describe(value):
    if isinstance(value, (list, tuple, dict)):
        kinds = sorted({type(leaf).__name__ for leaf in tree.flatten(value)})
        return f"a {type(value).__name__} of {', '.join(kinds) or 'nothing'}"
    return f"{type(value).__name__}"


def _check_arrays(value, name):
    if value is not None and not data_utils.is_array_structure(value):
        raise ValueError(
            f"`{name}` must be array data when `x` is: a NumPy array or backend tensor, or a "
            f"list / tuple / dict of them. Received {_describe(value)}. If it is a list of "
            f"numbers, wrap it with np.asarray({name})."
        )


def get_data_adapter(
    x,
    y=None,
    sample_weight=None,
    batch_size=None,
    steps_per_epoch=None,
    shuffle=False,
    class_weight=None,
    single_pass=False,
    gather_in_step=False,
):
    """Pick and build the ``DataAdapter`` for ``x`` (see ``EpochIterator`` for the kinds).

    ``batch_size`` only applies to arrays; generators and datasets already make batches,
    so it is ignored for them, as in Keras 3.

    Returns:
        A ``DataAdapter``.

    Example:
        >>> get_data_adapter(np.zeros((8, 2)), batch_size=4).num_batches
        2
    """
    check_shuffle(shuffle)
    if class_weight is not None:
        class_weight = data_utils.check_class_weight(class_weight)
    if x is None:
        raise ValueError(f"`x` is required: the data to iterate over. Received x=None. {_ACCEPTED}")
    if isinstance(x, data_adapter.DataAdapter):
        return x
    if isinstance(x, PyDataset):
        _check_no_targets(y, sample_weight, "PyDataset")
        return PyDatasetAdapter(x, class_weight=class_weight, shuffle=shuffle)
    if data_utils.is_array_structure(x):
        _check_arrays(y, "y")
        _check_arrays(sample_weight, "sample_weight")
        return ArrayDataAdapter(
            x,
            y,
            sample_weight=sample_weight,
            batch_size=batch_size,
            steps=steps_per_epoch,
            shuffle=shuffle,
            class_weight=class_weight,
            single_pass=single_pass,
            gather_in_step=gather_in_step,
        )
    if isinstance(x, (list, tuple, dict, str, bytes)):
        raise ValueError(f"Unrecognized data type: x is {_describe(x)}. {_ACCEPTED}")
    if isinstance(x, collections.abc.Iterator):
        _check_no_targets(y, sample_weight, "generator")
        return GeneratorDataAdapter(x, class_weight=class_weight)
    if isinstance(x, collections.abc.Iterable):
        source = type(x).__name__
        _check_no_targets(y, sample_weight, source)
        return IterableDataAdapter(x, class_weight=class_weight)
    raise ValueError(
        f"Unrecognized data type: x={str(x)[:100]} (of type {type(x).__name__}). {_ACCEPTED}"
    )


def _check_no_targets(y, sample_weight, source):
    if y is not None:
        raise _unsupported_arg("y", "the targets", source)
    if sample_weight is not None:
        raise _unsupported_arg("sample_weight", "the sample weights", source)


class EpochIterator:
    """Serve the user's data one epoch at a time as ``(step, (x, y, sample_weight))``.

    Args:
        x: NumPy arrays or backend tensors (or a list / tuple / dict of them, for several
            inputs); a Python generator or iterator yielding ``(x, y)`` or
            ``(x, y, sample_weight)`` (or ``x`` alone, for predict); a ``PyDataset``; or any
            re-iterable object of batches such as a torch ``DataLoader``.
        y: targets, only with array ``x``; a list / dict for several outputs.
        sample_weight: per-sample weights, only with array ``x``: one array (shared by all
            outputs) or one per output.
        batch_size: samples per batch for arrays (default 32, or ``ceil(samples /
            steps_per_epoch)`` when that is given); ignored for generators and datasets.
        steps_per_epoch: steps in an epoch; ``None`` means one full pass.
        shuffle: for arrays True / False / ``"batch"``; for a ``PyDataset``, whether to
            shuffle the batch order; ignored for generators and loaders (as in Keras,
            which expects them to yield batches in a shuffled order already).
        class_weight: dict class index -> weight; each sample's weight is its class's weight
            (argmax of one-hot ``y`` or the integer label), multiplied into
            ``sample_weight`` when both are given. Single-output models only.
        steps_per_execution: how many steps the trainer runs per compiled call; stored for
            the trainer, which groups the steps this iterator yields.
        single_pass: the data is read once (``predict`` and ``evaluate`` pass True): array
            data may then be copied to the device batch by batch (see ``ArrayDataAdapter``).
        gather_in_step: the batches go to a compiled training step that gathers rows of
            device-resident arrays itself (``fit`` on JAX; see ``ArrayDataAdapter``).

    Attributes:
        ran_out_of_data: True after an epoch that ended before its planned steps because the
            data was used up (the trainer should warn, and stop for a generator).

    Example:
        >>> iterator = EpochIterator(np.zeros((10, 3)), np.zeros((10,)), batch_size=4)
        >>> [int(x.shape[0]) for _, (x, y, sw) in iterator.enumerate_epoch()]
        [4, 4, 2]
    """

    def __init__(
        self,
        x=None,
        y=None,
        sample_weight=None,
        batch_size=None,
        steps_per_epoch=None,
        shuffle=False,
        class_weight=None,
        steps_per_execution=1,
        single_pass=False,
        gather_in_step=False,
    ):
        for name, value in (("steps_per_epoch", steps_per_epoch),
                            ("steps_per_execution", steps_per_execution)):
            if value is not None and (isinstance(value, bool)
                                      or not isinstance(value, (int, np.integer)) or value < 1):
                raise ValueError(
                    f"`{name}` must be a positive integer or None. Received: {name}={value!r}"
                )
        cap = training_limits.max_steps_per_epoch()
        if cap and (not steps_per_epoch or cap < steps_per_epoch):
            warnings.warn(f"Limiting steps_per_epoch to {cap} (lamina.config."
                          "set_max_steps_per_epoch / KERAS_MAX_STEPS_PER_EPOCH).",
                          stacklevel=3)
            steps_per_epoch = cap
        self.steps_per_epoch = None if steps_per_epoch is None else int(steps_per_epoch)
        self.steps_per_execution = 1 if steps_per_execution is None else int(steps_per_execution)
        self.data_adapter = get_data_adapter(
            x,
            y=y,
            sample_weight=sample_weight,
            batch_size=batch_size,
            steps_per_epoch=steps_per_epoch,
            shuffle=shuffle,
            class_weight=class_weight,
            single_pass=single_pass,
            gather_in_step=gather_in_step,
        )
        self.ran_out_of_data = False
        self._inferred_num_batches = None
        self._pass = None
        self._steps_in_pass = 0
        self._peeked = False

    def peek(self):
        """The first batch the next epoch will yield, without consuming it (None if empty).

        The trainer uses it to build the model before the first step.
        """
        if self._pass is None:
            self._pass = self.data_adapter.new_pass()
            self._steps_in_pass = 0
        try:
            batch = next(self._pass)
        except StopIteration:
            self._pass = None
            return None
        self._pass = itertools.chain([batch], self._pass)
        self._peeked = True
        return batch

    @property
    def num_batches(self):
        """Steps in an epoch: ``steps_per_epoch``, else the data's batch count (None if unknown).

        For a generator of unknown length the count is learned when the first epoch ends.
        """
        if self.steps_per_epoch:
            return self.steps_per_epoch
        known = self.data_adapter.num_batches
        return known if known is not None else self._inferred_num_batches

    def reset(self):
        """Forget the pass in progress, so the next epoch starts over (re-iterable data)."""
        self._pass = None
        self._steps_in_pass = 0

    def _planned_steps(self):
        if self.steps_per_epoch:
            return self.steps_per_epoch
        known = self.data_adapter.num_batches
        if known is not None:
            return known
        # A re-iterable source of unknown length may differ between passes: read it whole.
        return self._inferred_num_batches if self.data_adapter.is_one_shot else None

    def enumerate_epoch(self):
        """Yield ``(step, (x, y, sample_weight))`` for one epoch, steps counted from 0.

        Leaves are backend tensors in the structure of the user's data; ``y`` and
        ``sample_weight`` are None when absent.
        """
        adapter = self.data_adapter
        self.ran_out_of_data = False
        adapter.on_epoch_begin()
        planned = self._planned_steps()
        if self._pass is None or (not self.steps_per_epoch and not self._peeked):
            self._pass = adapter.new_pass()
            self._steps_in_pass = 0
        self._peeked = False
        step = 0
        while planned is None or step < planned:
            try:
                batch = next(self._pass)
            except StopIteration:
                self._pass = None
                if planned is None and step > 0:
                    if adapter.is_one_shot:
                        self._inferred_num_batches = step
                else:
                    self.ran_out_of_data = True
                break
            self._steps_in_pass += 1
            yield step, batch
            step += 1
        known = adapter.num_batches
        if self._pass is not None and known is not None and self._steps_in_pass >= known:
            # The pass ended exactly with the epoch: the next epoch starts a fresh one.
            self._pass = None
        adapter.on_epoch_end()
