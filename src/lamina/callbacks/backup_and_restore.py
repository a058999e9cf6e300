"""``BackupAndRestore``: backs up the training state so an interrupted ``fit`` resumes.

The backup is one HDF5 file, ``<backup_dir>/training_state.h5``, written atomically
(temporary file, then rename), so a process killed at any moment (``kill -9``) leaves
either the previous backup or the new one, never half of one. It holds:

1. ``model/<i>``: every model Variable (weights, moving statistics, seed states), in
   ``model.variables`` order;
2. ``optimizer/<i>``: every optimizer Variable (iterations, learning rate, slots);
3. ``random/``: the global ``SeedGenerator`` state, NumPy's global RNG state (``fit``
   shuffles with it) and Python's ``random`` state;
4. attributes ``epoch`` and ``step``: where training resumes (``step`` batches of
   ``epoch`` are already done).

The format is private to this callback: a backup is for the same script resuming, not
for sharing (use ``model.save`` for that).
"""

import os
import random as py_random

import numpy as np

from lamina.callbacks.callback import Callback

_STATE_FILE = "training_state.h5"
_PREVIOUS_SUFFIX = ".previous"
_FORMAT = "lamina.BackupAndRestore"
_FORMAT_VERSION = 1

_BAD_SAVE_FREQ = (
    "BackupAndRestore: save_freq must be 'epoch', a positive int (a number of batches) or "
    "False (never back up; only restore); got save_freq={save_freq!r}."
)
_BAD_BACKUP_DIR = (
    "BackupAndRestore: backup_dir must be a folder path (a str or os.PathLike) reserved "
    "for this training run; got backup_dir={backup_dir!r}."
)
_MISMATCH = (
    "BackupAndRestore: the backup {path!r} does not fit this model: {detail}. It was "
    "written by a different model, optimizer or compile configuration. Delete the folder "
    "{folder!r} to start training from scratch, or give BackupAndRestore another backup_dir."
)
_UNREADABLE = (
    "BackupAndRestore: the backup {path!r} cannot be read ({error}). Delete the folder "
    "{folder!r} to start training from scratch (or use double_checkpoint=True, which keeps "
    "the previous backup as a fallback)."
)


class BackupAndRestore(Callback):
    """Back up the training state during ``fit`` and resume from it after an interruption.

    When ``fit`` starts and ``backup_dir`` holds a backup, the model's variables, the
    optimizer's state, the random state and the position in training (the epoch, and the
    batch within it when ``save_freq`` is an int) are restored, and ``fit`` continues from
    there instead of from ``initial_epoch``. On CPU with a fixed seed
    (``lamina.utils.set_random_seed``) and in-memory array data, the resumed run ends with
    the same weights as an uninterrupted one. When ``fit`` ends normally the backup is
    deleted (unless ``delete_checkpoint=False``); when the process dies it stays.

    Metric values and other callbacks' state are not backed up: the logs of an epoch that
    resumes mid-way cover only the batches run after resuming. Data given with
    ``steps_per_epoch`` smaller than one pass, or as a generator, resumes at the right
    epoch and step but not necessarily with the same batches.

    Args:
        backup_dir: a folder reserved for this training run's backup (created if missing).
        save_freq: ``"epoch"`` to back up after each epoch, an int to back up every that
            many batches, or False to never back up (only restore). Defaults to
            ``"epoch"``.
        double_checkpoint: keep the previous backup too, and fall back to it when the
            latest one cannot be read. Defaults to False.
        delete_checkpoint: delete the backup when training ends normally. Defaults to
            True.

    Example:
        >>> backup = lamina.callbacks.BackupAndRestore(backup_dir="/tmp/backup")
        >>> model.fit(x, y, epochs=10, callbacks=[backup])  # killed at epoch 4...
        >>> model.fit(x, y, epochs=10, callbacks=[backup])  # ...resumes at epoch 4
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if isinstance(backup_dir, bytes) or not isinstance(backup_dir, (str, os.PathLike)) \
                or not os.fspath(backup_dir):
            raise ValueError(_BAD_BACKUP_DIR.format(backup_dir=backup_dir))
        is_batch_count = isinstance(save_freq, int) and not isinstance(save_freq, bool)
        if not (save_freq == "epoch" or save_freq is False or (is_batch_count and save_freq > 0)):
            raise ValueError(_BAD_SAVE_FREQ.format(save_freq=save_freq))
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = bool(double_checkpoint)
        self.delete_checkpoint = bool(delete_checkpoint)
        self._state_path = os.path.join(self.backup_dir, _STATE_FILE)
        self._previous_path = self._state_path + _PREVIOUS_SUFFIX
        self._current_epoch = 0
        self._last_batch_seen = -1
        self._batches_since_save = 0
        self._resume_step = 0
        self._epoch_start_numpy_state = None

    # -- hooks ---------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        """Restore the latest backup, if any, and tell ``fit`` where to resume."""
        self._batches_since_save = 0
        self._resume_step = 0
        self._current_epoch = 0
        path = self._readable_backup()
        if path is None:
            return
        epoch, step = self._restore(path)
        model = self.model
        # fit reads these right after on_train_begin and starts there.
        model._initial_epoch = epoch
        model._initial_step = step
        self._current_epoch = epoch
        self._resume_step = step

    def on_epoch_begin(self, epoch, logs=None):
        """Remember the epoch and NumPy's RNG state before the epoch's data shuffle."""
        self._current_epoch = epoch
        # fit draws the epoch's shuffle from NumPy after this hook; a backup taken during
        # the epoch stores this state, so a resumed run draws the same permutation.
        self._epoch_start_numpy_state = np.random.get_state()
        self._last_batch_seen = self._resume_step - 1
        self._resume_step = 0

    def on_train_batch_end(self, batch, logs=None):
        """Back up every ``save_freq`` batches when ``save_freq`` is an int."""
        # Steps may advance by more than one per call (steps_per_execution).
        self._batches_since_save += batch - self._last_batch_seen
        self._last_batch_seen = batch
        if self._saves_by_batch() and self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(epoch=self._current_epoch, step=batch + 1,
                       numpy_state=self._epoch_start_numpy_state)

    def on_epoch_end(self, epoch, logs=None):
        """Back up after the epoch when ``save_freq="epoch"``."""
        if self.save_freq == "epoch":
            self._save(epoch=epoch + 1, step=0, numpy_state=np.random.get_state())

    def on_train_end(self, logs=None):
        """Delete the backup (training finished normally) unless ``delete_checkpoint=False``."""
        if not self.delete_checkpoint:
            return
        for path in (self._state_path, self._previous_path):
            if os.path.exists(path):
                os.remove(path)

    def _saves_by_batch(self):
        return self.save_freq not in ("epoch", False)

    # -- writing -------------------------------------------------------------------------
    def _save(self, epoch, step, numpy_state):
        from lamina.saving import weights_h5

        model = self.model  # syncs engine-held state into the Variables first
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._state_path):
            os.replace(self._state_path, self._previous_path)

        def write(tmp_path):
            _write_state(tmp_path, model, epoch, step, numpy_state)

        weights_h5.atomic_write(self._state_path, write)

    # -- reading -------------------------------------------------------------------------
    def _readable_backup(self):
        """The path of the backup to restore from, or None when there is none."""
        candidates = [self._state_path]
        if self.double_checkpoint:
            candidates.append(self._previous_path)
        existing = [p for p in candidates if os.path.exists(p)]
        if not existing:
            return None
        errors = []
        for path in existing:
            error = _check_readable(path)
            if error is None:
                return path
            errors.append(error)
        raise ValueError(_UNREADABLE.format(path=existing[0], error=errors[0],
                                            folder=self.backup_dir))

    def _restore(self, path):
        import h5py

        model = self.model
        with h5py.File(path, "r") as f:
            _assign_all(f["model"], model.variables, "model variables", path, self.backup_dir)
            optimizer = getattr(model, "optimizer", None)
            if optimizer is not None and "optimizer" in f:
                if not optimizer.built:
                    optimizer.build(model.trainable_variables)
                _assign_all(f["optimizer"], optimizer.variables, "optimizer variables", path,
                            self.backup_dir)
            _restore_random_state(f["random"])
            return int(f.attrs["epoch"]), int(f.attrs["step"])


def _write_state(path, model, epoch, step, numpy_state):
    import h5py

    from lamina.random.seed_generator import global_seed_generator

    with h5py.File(path, "w") as f:
        f.attrs["format"] = _FORMAT
        f.attrs["format_version"] = _FORMAT_VERSION
        f.attrs["epoch"] = int(epoch)
        f.attrs["step"] = int(step)
        _write_variables(f.create_group("model"), model.variables)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and optimizer.built:
            _write_variables(f.create_group("optimizer"), optimizer.variables)
        rng = f.create_group("random")
        rng.create_dataset("seed_generator", data=global_seed_generator().state.numpy())
        name, keys, position, has_gauss, cached_gaussian = numpy_state
        numpy_group = rng.create_group("numpy")
        numpy_group.create_dataset("keys", data=np.asarray(keys, dtype=np.uint32))
        numpy_group.attrs["algorithm"] = name
        numpy_group.attrs["position"] = int(position)
        numpy_group.attrs["has_gauss"] = int(has_gauss)
        numpy_group.attrs["cached_gaussian"] = float(cached_gaussian)
        version, internal, gauss_next = py_random.getstate()
        python_group = rng.create_group("python")
        python_group.create_dataset("internal", data=np.asarray(internal, dtype=np.int64))
        python_group.attrs["version"] = int(version)
        python_group.attrs["has_gauss_next"] = gauss_next is not None
        python_group.attrs["gauss_next"] = float(gauss_next or 0.0)


def _write_variables(group, variables):
    for i, variable in enumerate(variables):
        dataset = group.create_dataset(str(i), data=variable.numpy())
        dataset.attrs["path"] = str(getattr(variable, "path", None) or variable.name)


def _check_readable(path):
    """None when ``path`` is a complete backup, else a short reason it is not."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != _FORMAT:
                return "not a BackupAndRestore backup"
            for key in ("model", "random/seed_generator", "random/numpy/keys",
                        "random/python/internal"):
                if key not in f:
                    return f"it has no {key!r}"
            int(f.attrs["epoch"])
            int(f.attrs["step"])
    except (OSError, KeyError, ValueError, TypeError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def _assign_all(group, variables, what, path, folder):
    """Assign ``variables`` from datasets ``"0"``, ``"1"``, ... after checking they fit."""
    if len(group) != len(variables):
        raise ValueError(_MISMATCH.format(
            path=path, folder=folder,
            detail=f"it holds {len(group)} {what}, the model has {len(variables)}"))
    values = []
    for i, variable in enumerate(variables):
        value = np.asarray(group[str(i)])
        if tuple(value.shape) != tuple(variable.shape):
            raise ValueError(_MISMATCH.format(
                path=path, folder=folder,
                detail=f"{what} {i} ({variable.name!r}) has shape {tuple(variable.shape)}, "
                       f"the backup holds shape {tuple(value.shape)}"))
        values.append(value)
    # Assign only once everything fits, so a mismatch leaves the model untouched.
    for variable, value in zip(variables, values):
        variable.assign(value)


def _restore_random_state(group):
    from lamina.random.seed_generator import global_seed_generator

    global_seed_generator().state.assign(np.asarray(group["seed_generator"]))
    numpy_group = group["numpy"]
    np.random.set_state((
        str(numpy_group.attrs["algorithm"]),
        np.asarray(numpy_group["keys"], dtype=np.uint32),
        int(numpy_group.attrs["position"]),
        int(numpy_group.attrs["has_gauss"]),
        float(numpy_group.attrs["cached_gaussian"]),
    ))
    python_group = group["python"]
    gauss_next = float(python_group.attrs["gauss_next"]) \
        if bool(python_group.attrs["has_gauss_next"]) else None
    internal = tuple(int(v) for v in np.asarray(python_group["internal"]))
    py_random.setstate((int(python_group.attrs["version"]), internal, gauss_next))
