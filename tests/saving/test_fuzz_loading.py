"""Damaged and hostile files give only lamina errors: never a crash, a hang, a stray
exception type, or code from the file being run.

Every loader must end in one of two ways: it returns a model (a mutation that happens to
be harmless), or it raises ``lamina.saving.LoadingError`` (a ``ValueError``) or
``FileNotFoundError``. Hypothesis drives the mutations with a small budget.
"""

import ast
import base64
import io
import json
import marshal
import pathlib
import struct
import zipfile
import zlib

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import lamina
from lamina import layers
from lamina.saving import LoadingError

_FUZZ = settings(max_examples=50, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])
_SRC = pathlib.Path(lamina.__file__).parent


# -- a genuine model and its files ----------------------------------------------------------
def _model():
    model = lamina.Sequential([lamina.Input((4,)), layers.Dense(3), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 4), "float32"), np.ones((4, 1), "float32"), verbose=0)
    return model


@pytest.fixture(scope="module")
def genuine(tmp_path_factory):
    """Bytes of a genuine ``.keras``, ``.weights.h5`` and legacy ``.h5`` file, the parsed
    config, and a built model matching them."""
    folder = tmp_path_factory.mktemp("genuine")
    model = _model()
    model.save(folder / "m.keras")
    model.save_weights(folder / "m.weights.h5")
    with zipfile.ZipFile(folder / "m.keras") as archive:
        config = json.loads(archive.read("config.json"))
        weights = archive.read("model.weights.h5")
    return {
        "keras": (folder / "m.keras").read_bytes(),
        "weights": (folder / "m.weights.h5").read_bytes(),
        "archive_weights": weights,
        "legacy": _legacy_h5(config, model),
        "config": config,
        "model": model,
    }


def _legacy_h5(config, model):
    """A Keras 2-style HDF5 model file: ``model_config`` plus ``model_weights/<layer>``."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        group = f.create_group("model_weights")
        names = [layer.name for layer in model.layers]
        group.attrs["layer_names"] = [n.encode() for n in names]
        for layer in model.layers:
            layer_group = group.create_group(layer.name)
            weight_names = [f"{layer.name}/{v.name}:0" for v in layer.weights]
            layer_group.attrs["weight_names"] = [n.encode() for n in weight_names]
            for name, variable in zip(weight_names, layer.weights):
                layer_group.create_dataset(name, data=variable.numpy())
    return buffer.getvalue()


def _zip(members, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _archive(config, weights, metadata=b'{"keras_version": "3.15.1"}'):
    members = [("metadata.json", metadata)]
    if config is not None:
        members.append(("config.json", config if isinstance(config, (bytes, str))
                        else json.dumps(config)))
    if weights is not None:
        members.append(("model.weights.h5", weights))
    return _zip(members)


def _expect_lamina_error_or_model(call):
    """Run a loader: a model, or a LoadingError / FileNotFoundError with a message."""
    try:
        return call()
    except (LoadingError, FileNotFoundError) as error:
        assert str(error).strip(), "a loading error must say what is wrong"
        return None


def _load_model(tmp_path, data, suffix=".keras", **kwargs):
    path = tmp_path / f"fuzzed{suffix}"
    path.write_bytes(data)
    return _expect_lamina_error_or_model(lambda: lamina.models.load_model(path, **kwargs))


def _load_weights(tmp_path, data, model, suffix=".weights.h5"):
    path = tmp_path / f"fuzzed{suffix}"
    path.write_bytes(data)
    return _expect_lamina_error_or_model(lambda: model.load_weights(path))


def test_genuine_files_load_with_the_same_predictions(tmp_path, genuine):
    # The fuzz tests mutate these files, so they must be valid to begin with.
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    expected = genuine["model"].predict(x, verbose=0)
    for suffix, key in ((".keras", "keras"), (".h5", "legacy")):
        path = tmp_path / f"genuine{suffix}"
        path.write_bytes(genuine[key])
        loaded = lamina.models.load_model(path)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=1e-6)
    path = tmp_path / "genuine.weights.h5"
    path.write_bytes(genuine["weights"])
    model = _model()
    model.load_weights(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-6)


# -- byte-level damage ----------------------------------------------------------------------
@_FUZZ
@given(data=st.binary(max_size=4096),
       suffix=st.sampled_from([".keras", ".h5", ".weights.h5"]))
def test_random_bytes_raise_a_loading_error(tmp_path, genuine, data, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    with pytest.raises(LoadingError):
        if suffix == ".weights.h5":
            genuine["model"].load_weights(path)
        else:
            lamina.models.load_model(path)


@_FUZZ
@given(kind=st.sampled_from(["keras", "weights", "legacy"]), cut=st.floats(0.0, 0.999))
def test_truncated_files_raise_a_loading_error(tmp_path, genuine, kind, cut):
    data = genuine[kind][:int(len(genuine[kind]) * cut)]
    path = tmp_path / {"keras": "t.keras", "weights": "t.weights.h5", "legacy": "t.h5"}[kind]
    path.write_bytes(data)
    with pytest.raises(LoadingError):
        if kind == "weights":
            genuine["model"].load_weights(path)
        else:
            lamina.models.load_model(path)


@_FUZZ
@given(kind=st.sampled_from(["keras", "weights", "legacy"]),
       flips=st.lists(st.tuples(st.floats(0.0, 0.999), st.integers(0, 255)), min_size=1,
                      max_size=8))
def test_corrupted_bytes_load_or_raise_a_loading_error(tmp_path, genuine, kind, flips):
    data = bytearray(genuine[kind])
    for where, value in flips:
        data[int(len(data) * where)] = value
    if kind == "weights":
        _load_weights(tmp_path, bytes(data), _model())
    else:
        _load_model(tmp_path, bytes(data), suffix=".keras" if kind == "keras" else ".h5")


# -- hostile configs ------------------------------------------------------------------------
_HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([-1, 0, 10**12, -(10**12), 2**63, 2**64 + 1, 10**100]),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["Nope", "__lambda__", "../evil", "os.system", "InputLayer", "Dense"]),
    st.lists(st.integers(-5, 10**9), max_size=4),
    st.recursive(st.none() | st.integers() | st.text(max_size=5),
                 lambda children: st.lists(children, max_size=3)
                 | st.dictionaries(st.text(max_size=5), children, max_size=3),
                 max_leaves=10),
)


def _paths(value, prefix=()):
    """Every path (tuple of keys / indices) into a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


def _replace(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


@_FUZZ
@given(data=st.data(), new=_HOSTILE_VALUES)
def test_config_with_a_hostile_value_loads_or_raises_a_loading_error(tmp_path, genuine, data,
                                                                     new):
    paths = sorted(_paths(genuine["config"]), key=repr)
    path = data.draw(st.sampled_from(paths))
    config = _replace(genuine["config"], path, new)
    _load_model(tmp_path, _archive(config, genuine["archive_weights"]))


@_FUZZ
@given(units=st.sampled_from([10**12, 2**40, -3, 0]),
       dims=st.lists(st.sampled_from([None, -4, 0, 3, 10**6, 10**9, 10**12, 2**63]),
                     min_size=1, max_size=4))
def test_absurd_sizes_are_refused_before_allocating(tmp_path, genuine, units, dims):
    config = json.loads(json.dumps(genuine["config"]))
    config["config"]["layers"][0]["config"]["batch_shape"] = [None] + dims
    config["config"]["layers"][1]["config"]["units"] = units
    config.pop("build_config", None)
    _load_model(tmp_path, _archive(config, genuine["archive_weights"]))


def test_dense_with_10_to_the_12_units_is_refused_naming_the_variable(tmp_path, genuine):
    config = json.loads(json.dumps(genuine["config"]))
    config["config"]["layers"][1]["config"]["units"] = 10**12
    path = tmp_path / "huge.keras"
    path.write_bytes(_archive(config, genuine["archive_weights"]))
    with pytest.raises(LoadingError, match="kernel.*nothing was allocated"):
        lamina.models.load_model(path)


def test_input_with_absurd_dimensions_is_refused(tmp_path, genuine):
    config = json.loads(json.dumps(genuine["config"]))
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, 10**9, 10**9]
    path = tmp_path / "huge_input.keras"
    path.write_bytes(_archive(config, genuine["archive_weights"]))
    with pytest.raises(LoadingError, match="batch_shape.*absurdly large"):
        lamina.models.load_model(path)


@pytest.mark.parametrize("config", [
    b"not json",
    b"[1, 2, 3]",
    b'"a string"',
    b"null",
    b"[" * 100_000 + b"]" * 100_000,
    json.dumps({"class_name": "Sequential", "config": {"layers": [{"class_name": "Nope"}]}}),
    json.dumps({"class_name": {"nested": True}, "config": {}}),
    json.dumps({"class_name": "Dense", "config": {"units": "many"}}),
], ids=["not-json", "list", "string", "null", "deep-nesting", "unknown-class",
        "class-name-dict", "wrong-type"])
def test_malformed_config_raises_a_loading_error(tmp_path, genuine, config):
    path = tmp_path / "bad.keras"
    path.write_bytes(_archive(config, genuine["archive_weights"]))
    with pytest.raises(LoadingError):
        lamina.models.load_model(path)


@pytest.mark.parametrize("levels", [200, 3000])
def test_deeply_nested_models_raise_a_loading_error(tmp_path, genuine, levels):
    config = ('{"class_name": "Sequential", "config": {"layers": [' * levels
              + '{"class_name": "Dense", "config": {"units": 1}}' + "]}}" * levels)
    path = tmp_path / "deep.keras"
    path.write_bytes(_archive(config, genuine["archive_weights"]))
    with pytest.raises(LoadingError, match="nested"):
        lamina.models.load_model(path)


def test_archive_without_config_raises_a_loading_error(tmp_path, genuine):
    path = tmp_path / "empty.keras"
    path.write_bytes(_archive(None, genuine["archive_weights"]))
    with pytest.raises(LoadingError, match="config.json"):
        lamina.models.load_model(path)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        lamina.models.load_model(tmp_path / "nothing.keras")


# -- hostile archives -----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../evil", "../../etc/passwd", "/abs/path", "a/../../up",
                                  "C:/windows", "back\\slash"])
def test_member_paths_that_climb_out_are_refused(tmp_path, genuine, name):
    members = [("config.json", json.dumps(genuine["config"])),
               ("model.weights.h5", genuine["archive_weights"]), (name, b"x")]
    path = tmp_path / "climb.keras"
    path.write_bytes(_zip(members))
    with pytest.raises(LoadingError, match="outside the archive"):
        lamina.models.load_model(path)
    assert not (tmp_path.parent / "evil").exists()


def test_duplicate_members_are_refused(tmp_path, genuine):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        data = _zip([("config.json", json.dumps(genuine["config"])),
                     ("config.json", b"{}")])
    path = tmp_path / "twice.keras"
    path.write_bytes(data)
    with pytest.raises(LoadingError, match="two members"):
        lamina.models.load_model(path)


def _claim_size(data, member, size):
    """Patch the central directory so ``member`` claims ``size`` uncompressed bytes."""
    data = bytearray(data)
    start = 0
    while True:
        start = data.index(b"PK\x01\x02", start)
        name_length = struct.unpack("<H", data[start + 28:start + 30])[0]
        if bytes(data[start + 46:start + 46 + name_length]) == member.encode():
            data[start + 24:start + 28] = struct.pack("<I", size)
            return bytes(data)
        start += 4


@pytest.mark.parametrize("member", ["config.json", "model.weights.h5"])
def test_member_claiming_a_huge_size_is_refused_before_reading(tmp_path, genuine, member,
                                                               monkeypatch):
    data = _claim_size(genuine["keras"], member, 0xFFFFFFF0)
    path = tmp_path / "claims.keras"
    path.write_bytes(data)
    opened = []
    original_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open",
                        lambda self, name, *a, **k: opened.append(getattr(name, "filename",
                                                                          name))
                        or original_open(self, name, *a, **k))
    with pytest.raises(LoadingError, match="claims"):
        lamina.models.load_model(path)
    assert member not in opened


def test_zip_bomb_is_refused_before_unpacking(tmp_path, genuine):
    bomb = b"\0" * (80 * 2**20)  # 80 MiB of zeros deflate to ~80 KiB
    data = _zip([("config.json", json.dumps(genuine["config"])), ("model.weights.h5", bomb)],
                compression=zipfile.ZIP_DEFLATED)
    path = tmp_path / "bomb.keras"
    path.write_bytes(data)
    assert len(data) < 2**20
    with pytest.raises(LoadingError, match="zip bomb"):
        lamina.models.load_model(path)


@pytest.mark.parametrize("method", [99, zipfile.ZIP_BZIP2])
def test_unsupported_or_damaged_compression_raises_a_loading_error(tmp_path, genuine, method):
    data = bytearray(_zip([("config.json", json.dumps(genuine["config"]))],
                          compression=zipfile.ZIP_DEFLATED))
    # Rewrite the compression method in both headers of the only member.
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = data.index(signature)
        data[start + offset:start + offset + 2] = struct.pack("<H", method)
    path = tmp_path / "method.keras"
    path.write_bytes(bytes(data))
    with pytest.raises(LoadingError):
        lamina.models.load_model(path)


# -- hostile HDF5 ---------------------------------------------------------------------------
def _edited_weights(genuine, edit):
    """The genuine ``.weights.h5`` bytes after ``edit(h5file)``."""
    buffer = io.BytesIO(genuine["weights"])
    with h5py.File(buffer, "r+") as f:
        edit(f)
    return buffer.getvalue()


def _dataset_paths(genuine):
    found = []
    with h5py.File(io.BytesIO(genuine["weights"]), "r") as f:
        f.visititems(lambda name, item: found.append(name)
                     if isinstance(item, h5py.Dataset) else None)
    return sorted(found)


def _replace_dataset(path, make):
    def edit(f):
        del f[path]
        make(f, path)
    return edit


_DATASET_EDITS = {
    "delete": lambda f, p: None,
    "wrong-shape": lambda f, p: f.create_dataset(p, data=np.zeros((7, 2), "float32")),
    "huge-unallocated": lambda f, p: f.create_dataset(p, shape=(2**40,), dtype="float32",
                                                      chunks=(1024,)),
    "strings": lambda f, p: f.create_dataset(p, data=np.array([b"evil", b"data"])),
    "compound": lambda f, p: f.create_dataset(
        p, data=np.zeros(2, dtype=[("a", "f4"), ("b", "i4")])),
    "group": lambda f, p: f.create_group(p),
    "scalar": lambda f, p: f.create_dataset(p, data=3.0),
    "int64": lambda f, p: f.create_dataset(p, data=np.full((4, 3), 2**62, "int64")),
    "soft-link": lambda f, p: f.__setitem__(p, h5py.SoftLink("/vars")),
    "external-link": lambda f, p: f.__setitem__(p, h5py.ExternalLink("/etc/hostname", "/")),
    "external-storage": lambda f, p: f.create_dataset(
        p, shape=(4, 3), dtype="float32", external=[("/etc/hostname", 0, 48)]),
}


@pytest.mark.filterwarnings("ignore:Skipping the optimizer state")
@_FUZZ
@given(data=st.data(), edit=st.sampled_from(sorted(_DATASET_EDITS)),
       via=st.sampled_from(["load_weights", "load_model"]))
def test_hostile_weights_datasets_load_or_raise_a_loading_error(tmp_path, genuine, data, edit,
                                                                via):
    target = data.draw(st.sampled_from(_dataset_paths(genuine)))
    weights = _edited_weights(genuine, _replace_dataset(target, _DATASET_EDITS[edit]))
    if via == "load_weights":
        _load_weights(tmp_path, weights, _model())
    else:
        _load_model(tmp_path, _archive(genuine["config"], weights))


@pytest.mark.parametrize("edit", ["soft-link", "external-link", "external-storage"])
def test_weights_from_other_places_are_refused(tmp_path, genuine, edit):
    target = "layers/dense/vars/0"
    weights = _edited_weights(genuine, _replace_dataset(target, _DATASET_EDITS[edit]))
    path = tmp_path / "links.weights.h5"
    path.write_bytes(weights)
    with pytest.raises(LoadingError, match="elsewhere|other files"):
        _model().load_weights(path)


def _edited_legacy(genuine, edit):
    buffer = io.BytesIO(genuine["legacy"])
    with h5py.File(buffer, "r+") as f:
        edit(f)
    return buffer.getvalue()


@pytest.mark.parametrize("edit", ["external-link", "external-storage"])
def test_legacy_h5_weights_from_other_places_are_refused(tmp_path, genuine, edit):
    with h5py.File(io.BytesIO(genuine["legacy"]), "r") as f:
        found = []
        f["model_weights"].visititems(lambda name, item: found.append(name)
                                      if isinstance(item, h5py.Dataset) else None)
    target = "model_weights/" + sorted(found)[0]

    def replace(f):
        del f[target]
        _DATASET_EDITS[edit](f, target)

    path = tmp_path / "legacy.h5"
    path.write_bytes(_edited_legacy(genuine, replace))
    with pytest.raises(LoadingError, match="elsewhere|other files"):
        lamina.models.load_model(path)


def test_legacy_h5_with_absurd_input_dimensions_is_refused(tmp_path, genuine):
    config = json.loads(json.dumps(genuine["config"]))
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, 10**9, 10**9]

    def edit(f):
        f.attrs["model_config"] = json.dumps(config)

    path = tmp_path / "legacy.h5"
    path.write_bytes(_edited_legacy(genuine, edit))
    with pytest.raises(LoadingError, match="absurdly large"):
        lamina.models.load_model(path)


def test_wrong_shape_is_refused_without_changing_the_model(tmp_path, genuine):
    target = "layers/dense/vars/0"
    weights = _edited_weights(genuine, _replace_dataset(target, _DATASET_EDITS["wrong-shape"]))
    path = tmp_path / "shape.weights.h5"
    path.write_bytes(weights)
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(LoadingError, match="shape"):
        model.load_weights(path)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_string_data_is_refused_as_not_numbers(tmp_path, genuine):
    target = "layers/dense/vars/0"
    weights = _edited_weights(genuine, _replace_dataset(target, _DATASET_EDITS["strings"]))
    path = tmp_path / "strings.weights.h5"
    path.write_bytes(weights)
    with pytest.raises(LoadingError, match="not numbers"):
        _model().load_weights(path)


# -- code in files ----------------------------------------------------------------------------
_FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
_FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve", "joblib"}


def _loader_sources():
    files = sorted((_SRC / "saving").glob("*.py"))
    return files + [_SRC / "layers" / "core" / "lambda_layer.py"]


@pytest.mark.parametrize("source", _loader_sources(), ids=lambda p: p.name)
def test_loader_never_unpickles_or_evaluates(source):
    tree = ast.parse(source.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = {alias.name.split(".")[0] for alias in node.names}
            assert not names & _FORBIDDEN_MODULES, f"{source.name} imports {names}"
        elif isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] not in _FORBIDDEN_MODULES, source.name
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                assert func.id not in _FORBIDDEN_CALLS, f"{source.name} calls {func.id}()"
            for keyword in node.keywords:
                assert keyword.arg != "allow_pickle", f"{source.name} allows pickles"
        elif isinstance(node, ast.Attribute):
            assert node.attr not in ("loads", "load") or not (
                isinstance(node.value, ast.Name) and node.value.id in _FORBIDDEN_MODULES)


def _lambda_archive(genuine, sentinel):
    """A .keras file laid out as Keras writes a Lambda layer: its function as bytecode
    that would create ``sentinel`` if it ever ran."""
    code = compile(f"lambda x: (open({str(sentinel)!r}, 'w').close(), x)[1]", "<file>",
                   "eval").co_consts[0]
    stored = base64.b64encode(marshal.dumps(code)).decode()
    config = json.loads(json.dumps(genuine["config"]))
    config["config"]["layers"].insert(2, {
        "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
        "config": {"name": "lambda", "trainable": True, "dtype": "float32",
                   "function": {"class_name": "__lambda__",
                                "config": {"code": stored, "defaults": None,
                                           "closure": None}},
                   "arguments": {}},
    })
    config.pop("build_config", None)
    config.pop("compile_config", None)
    return _archive(config, genuine["archive_weights"])


def test_lambda_stored_as_code_is_refused_in_safe_mode_with_how_to_opt_in(tmp_path, genuine):
    sentinel = tmp_path / "code_ran"
    path = tmp_path / "lambda.keras"
    path.write_bytes(_lambda_archive(genuine, sentinel))
    with pytest.raises(LoadingError, match="safe_mode=True.*safe_mode=False, "
                                           "custom_objects=\\{'lambda': my_function\\}"):
        lamina.models.load_model(path)
    assert not sentinel.exists()


def test_lambda_stored_as_code_never_runs_even_with_safe_mode_off(tmp_path, genuine):
    sentinel = tmp_path / "code_ran"
    path = tmp_path / "lambda.keras"
    path.write_bytes(_lambda_archive(genuine, sentinel))
    with pytest.raises(LoadingError, match="bytecode"):
        lamina.models.load_model(path, safe_mode=False)
    model = lamina.models.load_model(path, safe_mode=False,
                                     custom_objects={"lambda": lambda x: x * 2.0})
    x = np.ones((2, 4), "float32")
    dense, dense_1 = genuine["model"].layers
    expected = dense_1(dense(x) * 2.0)
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               lamina.ops.convert_to_numpy(expected), atol=1e-6)
    assert not sentinel.exists()


def test_zlib_level_damage_in_a_deflated_member_raises_a_loading_error(tmp_path, genuine):
    data = bytearray(_zip([("config.json", json.dumps(genuine["config"]) * 20),
                           ("model.weights.h5", genuine["archive_weights"])],
                          compression=zipfile.ZIP_DEFLATED))
    start = data.index(b"PK\x03\x04") + 30 + len("config.json")
    data[start:start + 16] = zlib.compress(b"garbage")[:16]
    path = tmp_path / "deflate.keras"
    path.write_bytes(bytes(data))
    with pytest.raises(LoadingError, match="damaged"):
        lamina.models.load_model(path)
