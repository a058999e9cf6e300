"""The restricted unpickler: arrays load, any other global is refused and never called."""

import io
import pickle
import zipfile

import numpy as np
import pytest

from lamina.datasets import _safe_pickle
from lamina.datasets import cifar10
from lamina.datasets import imdb

from . import dataset_files


def _system_call_pickle(marker):
    """A protocol-0 pickle that calls ``os.system('touch <marker>')`` when loaded freely."""
    return f"cos\nsystem\n(S'touch {marker}'\ntR.".encode()


def _object_npy(payload):
    """A ``.npy`` file whose header announces an object array and whose body is ``payload``."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "|O", "fortran_order": False, "shape": (1,)}
    )
    return buffer.getvalue() + payload


def test_unpickler_rebuilds_arrays_and_plain_values():
    value = {b"data": np.arange(6, dtype=np.uint8).reshape(2, 3), b"labels": [1, 2],
             b"name": b"batch"}
    for protocol in (3, 4):
        data = pickle.dumps(value, protocol=protocol)
        loaded = _safe_pickle.NumpyOnlyUnpickler(io.BytesIO(data)).load()
        np.testing.assert_array_equal(loaded[b"data"], value[b"data"])
        assert loaded[b"labels"] == [1, 2] and loaded[b"name"] == b"batch"


@pytest.mark.parametrize("module", [b"numpy.core.multiarray", b"numpy._core.multiarray"])
def test_unpickler_reads_python_2_arrays_of_numpy_1_and_2(module):
    data = dataset_files.python2_pickle({b"x": np.array([[1, 2], [3, 4]])}, numpy_module=module)
    assert module + b"\n_reconstruct" in data
    loaded = _safe_pickle.NumpyOnlyUnpickler(io.BytesIO(data), encoding="bytes").load()
    np.testing.assert_array_equal(loaded[b"x"], [[1, 2], [3, 4]])


def test_unpickler_refuses_python_3_protocol_2_bytes():
    # Python 3 writes bytes under protocol 2 as a call to _codecs.encode: a global call,
    # refused like any other even though this one would be harmless.
    with pytest.raises(pickle.UnpicklingError, match="_codecs.encode"):
        _safe_pickle.NumpyOnlyUnpickler(io.BytesIO(pickle.dumps(b"x", protocol=2))).load()


def test_unpickler_refuses_os_system_without_calling_it(tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(pickle.UnpicklingError, match=r"refers to the Python global 'os\.system'"):
        _safe_pickle.NumpyOnlyUnpickler(io.BytesIO(_system_call_pickle(marker))).load()
    assert not marker.exists()


@pytest.mark.parametrize("reference", [b"builtins\neval", b"numpy\nload", b"numpy.lib\nformat"])
def test_unpickler_refuses_other_globals(reference):
    with pytest.raises(pickle.UnpicklingError, match="only numpy arrays"):
        _safe_pickle.NumpyOnlyUnpickler(io.BytesIO(b"c" + reference + b"\n.")).load()


def test_load_npz_reads_object_and_numeric_arrays(tmp_path):
    path = tmp_path / "mixed.npz"
    sequences = dataset_files.object_array([[1, 2, 3], [4]])
    path.write_bytes(dataset_files.npz_bytes(x=sequences, y=np.array([0, 1])))
    arrays = _safe_pickle.load_npz(path)
    assert [list(s) for s in arrays["x"]] == [[1, 2, 3], [4]]
    np.testing.assert_array_equal(arrays["y"], [0, 1])


def test_imdb_refuses_a_npz_whose_object_array_runs_a_command(publish, tmp_path):
    marker = tmp_path / "pwned"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x_train.npy", _object_npy(_system_call_pickle(marker)))
    publish(imdb, "imdb.npz", buffer.getvalue())
    with pytest.raises(pickle.UnpicklingError, match=r"x_train.*'os\.system'"):
        imdb.load_data()
    assert not marker.exists()


def test_cifar10_refuses_a_batch_that_runs_a_command(publish, tmp_path):
    marker = tmp_path / "pwned"
    members = {"cifar-10-batches-py/data_batch_1": _system_call_pickle(marker)}
    publish(cifar10, "cifar-10-python.tar.gz", dataset_files.tar_gz(members))
    with pytest.raises(pickle.UnpicklingError, match=r"data_batch_1.*'os\.system'"):
        cifar10.load_data()
    assert not marker.exists()


def test_unpickler_refuses_persistent_ids():
    with pytest.raises(pickle.UnpicklingError, match="persistent id"):
        _safe_pickle.NumpyOnlyUnpickler(io.BytesIO(b"P0\n.")).load()


def test_damaged_pickle_error_names_the_file(tmp_path):
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps({b"data": [1, 2, 3]})[:-5])
    with pytest.raises(pickle.UnpicklingError, match=r"batch'.*damaged"):
        _safe_pickle.load_pickle(path)
