"""BackupAndRestore: a run killed with SIGKILL mid-epoch and started again ends with the
same weights as an uninterrupted run; restore, deletion and error behaviour in-process."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.callbacks import BackupAndRestore
from lamina.callbacks import Callback

# The training script run in subprocesses: argv = backup_dir, out.npz, save_freq, kill_at.
# With kill_at = "E,B" it prints KILL-ME after batch B of epoch E and waits to be killed.
_SCRIPT = textwrap.dedent("""
    import sys
    import time

    import numpy as np

    import lamina
    from lamina import layers

    backup_dir, out_path, save_freq, kill_at = sys.argv[1:5]
    save_freq = save_freq if save_freq == "epoch" else int(save_freq)
    lamina.utils.set_random_seed(7)
    data = np.random.RandomState(0)
    x = data.normal(size=(64, 4)).astype("float32")
    y = (x @ data.normal(size=(4, 1))).astype("float32")
    model = lamina.Sequential([
        lamina.Input((4,)),
        layers.Dense(8, activation="relu"),
        layers.Dropout(0.25),
        layers.Dense(1),
    ])
    model.compile(optimizer="adam", loss="mse")

    class KillPoint(lamina.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if kill_at != "none" and (self.epoch, batch) == tuple(map(int, kill_at.split(","))):
                print("KILL-ME", flush=True)
                time.sleep(120)

    backup = lamina.callbacks.BackupAndRestore(backup_dir, save_freq=save_freq)
    model.fit(x, y, batch_size=8, epochs=4, verbose=0, callbacks=[backup, KillPoint()])
    np.savez(out_path, *model.get_weights())
    print("DONE", flush=True)
""")


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    """``(folder, env)`` for running the training script in subprocesses."""
    folder = tmp_path_factory.mktemp("train_script")
    (folder / "train.py").write_text(_SCRIPT)
    env = dict(os.environ, LAMINA_BACKEND=lamina.backend.backend(), PYTHONHASHSEED="0",
               # On JAX, later processes reuse the first one's compiled steps (seconds each).
               JAX_COMPILATION_CACHE_DIR=str(folder / "jax_cache"),
               JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
               JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0")
    return folder, env


def _start(script, folder, name, save_freq, kill_at="none"):
    script_folder, env = script
    args = [sys.executable, str(script_folder / "train.py"), str(folder / f"backup_{name}"),
            str(folder / f"{name}.npz"), str(save_freq), kill_at]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)


def _finish(process):
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, f"training script failed:\n{out}\n{err}"
    return out


def _weights(path):
    with np.load(path) as f:
        return [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]


@pytest.fixture(scope="module")
def reference(script):
    """The weights of an uninterrupted run; it starts at once and is awaited on first use."""
    folder = script[0]
    process = _start(script, folder, "reference", "epoch")
    result = {}

    def weights():
        if "weights" not in result:
            _finish(process)
            result["weights"] = _weights(folder / "reference.npz")
        return result["weights"]

    yield weights
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.mark.parametrize("save_freq", [3, "epoch"])
def test_run_killed_mid_epoch_resumes_to_the_same_weights(tmp_path, script, reference,
                                                          save_freq):
    victim = _start(script, tmp_path, "resumed", save_freq, kill_at="2,5")
    line = victim.stdout.readline()
    assert line.strip() == "KILL-ME", victim.stderr.read()
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    victim.stdout.close()
    victim.stderr.close()
    assert victim.returncode == -signal.SIGKILL
    assert (tmp_path / "backup_resumed" / "training_state.h5").exists()

    assert "DONE" in _finish(_start(script, tmp_path, "resumed", save_freq))
    resumed = _weights(tmp_path / "resumed.npz")
    expected = reference()
    assert len(expected) == len(resumed)
    for a, b in zip(expected, resumed):
        np.testing.assert_allclose(b, a, atol=1e-6, rtol=0)
    # Training ended normally, so the backup is gone.
    assert not (tmp_path / "backup_resumed" / "training_state.h5").exists()


# -- in-process behaviour ------------------------------------------------------------------
class _Interrupt(Callback):
    """Raises after batch ``batch`` of epoch ``epoch``, like a crash."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at = (epoch, batch)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise RuntimeError("Interrupting!")


def _data():
    rng = np.random.RandomState(1)
    return rng.normal(size=(20, 3)).astype("float32"), rng.normal(size=(20, 1)).astype(
        "float32")


class _GlobalNoise(layers.Layer):
    """Adds noise drawn from the global seed generator (``seed=None``) while training."""

    def call(self, inputs, training=None):
        if training:
            return inputs + lamina.random.normal(lamina.ops.shape(inputs), stddev=0.1)
        return inputs


def _model(noise=False):
    lamina.utils.set_random_seed(3)
    noise_layers = [_GlobalNoise()] if noise else []
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(4), *noise_layers,
                               layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_interrupted_fit_resumes_at_the_epoch_after_the_last_backup(tmp_path):
    x, y = _data()
    model = _model()
    backup = BackupAndRestore(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="Interrupting"):
        model.fit(x, y, batch_size=5, epochs=10, verbose=0,
                  callbacks=[backup, _Interrupt(epoch=4, batch=1)])
    history = model.fit(x, y, batch_size=5, epochs=10, verbose=0, callbacks=[backup])
    assert len(history.history["loss"]) == 6


def test_resumed_fit_matches_an_uninterrupted_one_with_batch_backups(tmp_path):
    x, y = _data()
    reference = _model(noise=True)
    reference.fit(x, y, batch_size=5, epochs=3, verbose=0)
    model = _model(noise=True)
    backup = BackupAndRestore(tmp_path / "backup", save_freq=2)
    with pytest.raises(RuntimeError):
        model.fit(x, y, batch_size=5, epochs=3, verbose=0,
                  callbacks=[backup, _Interrupt(epoch=1, batch=2)])
    # Scramble the weights: the backup must bring back the state of the last save.
    model.set_weights([w * 0 + 5 for w in model.get_weights()])
    model.fit(x, y, batch_size=5, epochs=3, verbose=0, callbacks=[backup])
    for a, b in zip(reference.get_weights(), model.get_weights()):
        np.testing.assert_allclose(b, a, atol=1e-6, rtol=0)


def test_backup_restores_the_optimizer_state(tmp_path):
    x, y = _data()
    model = _model()
    with pytest.raises(RuntimeError):
        model.fit(x, y, batch_size=5, epochs=3, verbose=0,
                  callbacks=[BackupAndRestore(tmp_path), _Interrupt(epoch=1, batch=0)])
    fresh = _model()
    fresh.fit(x, y, batch_size=5, epochs=1, verbose=0,
              callbacks=[BackupAndRestore(tmp_path, delete_checkpoint=False),
                         _Interrupt(epoch=99, batch=0)])
    # The backup after epoch 0 holds 4 optimizer iterations; fit had nothing left to run.
    assert int(lamina.ops.convert_to_numpy(fresh.optimizer.iterations)) == 4


def test_backup_is_deleted_when_training_ends_normally(tmp_path):
    x, y = _data()
    _model().fit(x, y, epochs=2, verbose=0, callbacks=[BackupAndRestore(tmp_path)])
    assert not (tmp_path / "training_state.h5").exists()


def test_backup_is_kept_with_delete_checkpoint_false(tmp_path):
    x, y = _data()
    _model().fit(x, y, epochs=2, verbose=0,
                 callbacks=[BackupAndRestore(tmp_path, delete_checkpoint=False)])
    assert (tmp_path / "training_state.h5").exists()


def test_backup_from_another_model_is_refused_with_a_clear_error(tmp_path):
    x, y = _data()
    _model().fit(x, y, epochs=1, verbose=0,
                 callbacks=[BackupAndRestore(tmp_path, delete_checkpoint=False)])
    other = lamina.Sequential([lamina.Input((3,)), layers.Dense(7), layers.Dense(1)])
    other.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="does not fit this model.*Delete the folder"):
        other.fit(x, y, epochs=1, verbose=0, callbacks=[BackupAndRestore(tmp_path)])


def test_corrupt_backup_falls_back_to_the_previous_one_with_double_checkpoint(tmp_path):
    x, y = _data()
    model = _model()
    with pytest.raises(RuntimeError):
        model.fit(x, y, batch_size=5, epochs=5, verbose=0,
                  callbacks=[BackupAndRestore(tmp_path, double_checkpoint=True),
                             _Interrupt(epoch=3, batch=0)])
    (tmp_path / "training_state.h5").write_bytes(b"garbage")
    history = _model().fit(x, y, batch_size=5, epochs=5, verbose=0,
                           callbacks=[BackupAndRestore(tmp_path, double_checkpoint=True)])
    # Latest backup (after epoch 2) is unreadable; the previous one (after epoch 1) is used.
    assert len(history.history["loss"]) == 3


def test_corrupt_backup_without_fallback_raises_a_clear_error(tmp_path):
    (tmp_path / "training_state.h5").write_bytes(b"garbage")
    x, y = _data()
    with pytest.raises(ValueError, match="cannot be read.*Delete the folder"):
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[BackupAndRestore(tmp_path)])


@pytest.mark.parametrize("save_freq", [0, -2, "batch", True, 1.5])
def test_bad_save_freq_is_rejected(tmp_path, save_freq):
    with pytest.raises(ValueError, match="save_freq must be 'epoch', a positive int"):
        BackupAndRestore(tmp_path, save_freq=save_freq)


def test_save_freq_false_restores_but_never_writes(tmp_path):
    x, y = _data()
    _model().fit(x, y, epochs=1, verbose=0,
                 callbacks=[BackupAndRestore(tmp_path, save_freq=False,
                                             delete_checkpoint=False)])
    assert not (tmp_path / "training_state.h5").exists()
