"""TensorBoard: the event files it writes, read back by a reader written here (records,
checksums, protocol buffers), by the protobuf library, and by TensorBoard when installed."""

import inspect
import json
import os
import re
import struct

import numpy as np
import pytest

import lamina
from lamina import callbacks
from lamina.callbacks import tensorboard as tensorboard_module

# -- a reader independent of the writer --------------------------------------------------


def _crc32c_bitwise(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 * (crc & 1))
    return crc ^ 0xFFFFFFFF


def _masked(data):
    crc = _crc32c_bitwise(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _records(path):
    """The data of each record in the file, checking both checksums of each."""
    blob = open(path, "rb").read()
    out, at = [], 0
    while at < len(blob):
        header = blob[at:at + 8]
        (length,) = struct.unpack("<Q", header)
        assert struct.unpack("<I", blob[at + 8:at + 12])[0] == _masked(header)
        data = blob[at + 12:at + 12 + length]
        assert struct.unpack("<I", blob[at + 12 + length:at + 16 + length])[0] == _masked(data)
        out.append(data)
        at += 16 + length
    return out


def _read_varint(data, at):
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def _fields(data):
    """``{field number: [values]}``; varints as ints, fixed64 / fixed32 as raw bytes."""
    out, at = {}, 0
    while at < len(data):
        key, at = _read_varint(data, at)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _read_varint(data, at)
        elif wire == 1:
            value, at = data[at:at + 8], at + 8
        elif wire == 5:
            value, at = data[at:at + 4], at + 4
        elif wire == 2:
            length, at = _read_varint(data, at)
            value, at = data[at:at + length], at + length
        else:
            raise AssertionError(f"unexpected wire type {wire}")
        out.setdefault(field, []).append(value)
    return out


def _doubles(raw):
    return list(struct.unpack(f"<{len(raw) // 8}d", raw))


def _events(path):
    """Each event as a dict: wall_time, step, and file_version or summary values."""
    events = []
    for data in _records(path):
        fields = _fields(data)
        event = {"wall_time": struct.unpack("<d", fields[1][0])[0],
                 "step": fields.get(2, [0])[0], "values": []}
        if 3 in fields:
            event["file_version"] = fields[3][0].decode()
        for value in _fields(fields[5][0]).get(1, []) if 5 in fields else []:
            value = _fields(value)
            decoded = {"tag": value[1][0].decode()}
            if 2 in value:
                decoded["simple_value"] = struct.unpack("<f", value[2][0])[0]
            if 5 in value:
                histo = _fields(value[5][0])
                decoded["histo"] = {
                    name: struct.unpack("<d", histo[number][0])[0]
                    for number, name in enumerate(["min", "max", "num", "sum", "sum_squares"], 1)
                }
                decoded["histo"]["bucket_limit"] = _doubles(histo[6][0])
                decoded["histo"]["bucket"] = _doubles(histo[7][0])
            if 8 in value:
                tensor = _fields(value[8][0])
                plugin = _fields(_fields(value[9][0])[1][0])
                decoded["tensor"] = {"dtype": tensor[1][0], "string_val": tensor[8][0],
                                     "plugin_name": plugin[1][0].decode(),
                                     "content": plugin[2][0]}
            event["values"].append(decoded)
        events.append(event)
    return events


def _event_file(folder):
    names = [n for n in os.listdir(folder) if n.startswith("events.out.tfevents.")]
    assert len(names) == 1, names
    return os.path.join(folder, names[0])


def _scalars(folder):
    """``{tag: [(step, value), ...]}`` of the folder's event file."""
    out = {}
    for event in _events(_event_file(folder)):
        for value in event["values"]:
            if "simple_value" in value:
                out.setdefault(value["tag"], []).append((event["step"], value["simple_value"]))
    return out


# -- a small training run, shared by the tests that read its files -----------------------

EPOCHS = 2
X = np.random.RandomState(0).rand(20, 3).astype("float32")
Y = np.random.RandomState(1).rand(20, 1).astype("float32")


def _model():
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2, name="hidden"),
                               lamina.layers.Dense(1, name="out")])
    model.compile(lamina.optimizers.SGD(learning_rate=0.05), "mse", metrics=["mae"])
    return model


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A fit (16 training rows in batches of 4, 4 validation rows) writing everything."""
    log_dir = tmp_path_factory.mktemp("logs")
    model = _model()
    board = callbacks.TensorBoard(log_dir, histogram_freq=1, update_freq=3,
                                  write_steps_per_second=True)
    history = model.fit(X, Y, batch_size=4, epochs=EPOCHS, validation_split=0.2,
                        verbose=0, callbacks=[board])
    return {"log_dir": str(log_dir), "model": model, "history": history.history,
            "board": board}


def test_crc32c_matches_the_standard_check_value_and_a_bitwise_crc():
    assert tensorboard_module.crc32c(b"123456789") == 0xE3069283
    data = bytes(range(256)) * 3
    assert tensorboard_module.crc32c(data) == _crc32c_bitwise(data)
    assert tensorboard_module.masked_crc32c(data) == _masked(data)


def test_tensorboard_writes_one_event_file_per_folder_named_as_tensorflow_does(run):
    for folder in ("train", "validation"):
        name = os.path.basename(_event_file(os.path.join(run["log_dir"], folder)))
        assert re.fullmatch(r"events\.out\.tfevents\.\d{10}\..+\.\d+\.\d+\.v2", name)


def test_tensorboard_event_files_start_with_the_file_version(run):
    first = _events(_event_file(os.path.join(run["log_dir"], "train")))[0]
    assert first["file_version"] == "brain.Event:2"
    assert first["wall_time"] > 1e9


def test_tensorboard_writes_epoch_results_and_learning_rate_under_train(run):
    scalars = _scalars(os.path.join(run["log_dir"], "train"))
    history = run["history"]
    for name in ("loss", "mae"):
        steps, values = zip(*scalars[f"epoch_{name}"])
        assert steps == tuple(range(EPOCHS))
        np.testing.assert_allclose(values, history[name], rtol=1e-6)
    assert [v for _, v in scalars["epoch_learning_rate"]] == pytest.approx([0.05] * EPOCHS)
    assert len(scalars["epoch_steps_per_second"]) == EPOCHS
    assert all(v > 0 for _, v in scalars["epoch_steps_per_second"])


def test_tensorboard_writes_validation_results_without_prefix_under_validation(run):
    scalars = _scalars(os.path.join(run["log_dir"], "validation"))
    for name in ("loss", "mae"):
        steps, values = zip(*scalars[f"epoch_{name}"])
        assert steps == tuple(range(EPOCHS))
        np.testing.assert_allclose(values, run["history"][f"val_{name}"], rtol=1e-6)
    assert not any(tag.startswith("epoch_val_") for tag in scalars)


def test_tensorboard_writes_evaluation_results_against_iterations(run):
    scalars = _scalars(os.path.join(run["log_dir"], "validation"))
    steps, values = zip(*scalars["evaluation_loss_vs_iterations"])
    assert steps == (4, 8)  # 4 batches per epoch
    np.testing.assert_allclose(values, run["history"]["val_loss"], rtol=1e-6)


def test_tensorboard_writes_batch_results_every_update_freq_batches(run):
    scalars = _scalars(os.path.join(run["log_dir"], "train"))
    assert [step for step, _ in scalars["batch_loss"]] == [3, 6]
    assert [step for step, _ in scalars["batch_mae"]] == [3, 6]
    assert [step for step, _ in scalars["batch_steps_per_second"]] == [3, 6]


def test_tensorboard_writes_weight_histograms_per_epoch(run):
    events = _events(_event_file(os.path.join(run["log_dir"], "train")))
    histograms = [(e["step"], v) for e in events for v in e["values"] if "histo" in v]
    tags = [v["tag"] for step, v in histograms if step == EPOCHS - 1]
    assert tags == ["hidden/kernel/histogram", "hidden/bias/histogram",
                    "out/kernel/histogram", "out/bias/histogram"]
    kernel = lamina.ops.convert_to_numpy(run["model"].layers[0].kernel).astype("float64")
    histo = [v["histo"] for step, v in histograms
             if step == EPOCHS - 1 and v["tag"] == "hidden/kernel/histogram"][0]
    assert histo["num"] == kernel.size == sum(histo["bucket"])
    np.testing.assert_allclose([histo["min"], histo["max"], histo["sum"], histo["sum_squares"]],
                               [kernel.min(), kernel.max(), kernel.sum(), (kernel**2).sum()],
                               rtol=1e-6)
    assert histo["bucket_limit"][-1] == histo["max"]
    assert len(histo["bucket"]) == len(histo["bucket_limit"]) == 30


def test_tensorboard_writes_the_model_config_for_the_graph_view(run):
    events = _events(_event_file(os.path.join(run["log_dir"], "train")))
    tensors = [(e["step"], v) for e in events for v in e["values"] if "tensor" in v]
    assert len(tensors) == 1
    step, value = tensors[0]
    assert (step, value["tag"]) == (0, "keras")
    assert value["tensor"]["plugin_name"] == "graph_keras_model"
    assert value["tensor"]["dtype"] == 7  # DT_STRING
    assert json.loads(value["tensor"]["string_val"])["class_name"] == "Sequential"


def test_tensorboard_closes_its_files_when_fit_ends(run):
    assert run["board"]._writers == {}


def test_tensorboard_records_decode_with_the_protobuf_library(run):
    descriptor_pb2 = pytest.importorskip("google.protobuf.descriptor_pb2")
    from google.protobuf import descriptor_pool
    from google.protobuf import message_factory

    proto = descriptor_pb2.FileDescriptorProto(name="lamina_test_event.proto",
                                               package="lamina_test")
    f = descriptor_pb2.FieldDescriptorProto
    messages = {
        "Histo": [("min", 1, f.TYPE_DOUBLE, 1, None), ("max", 2, f.TYPE_DOUBLE, 1, None),
                  ("num", 3, f.TYPE_DOUBLE, 1, None), ("sum", 4, f.TYPE_DOUBLE, 1, None),
                  ("sum_squares", 5, f.TYPE_DOUBLE, 1, None),
                  ("bucket_limit", 6, f.TYPE_DOUBLE, 3, None),
                  ("bucket", 7, f.TYPE_DOUBLE, 3, None)],
        "Value": [("tag", 1, f.TYPE_STRING, 1, None), ("simple_value", 2, f.TYPE_FLOAT, 1, None),
                  ("histo", 5, f.TYPE_MESSAGE, 1, ".lamina_test.Histo")],
        "Summary": [("value", 1, f.TYPE_MESSAGE, 3, ".lamina_test.Value")],
        "Event": [("wall_time", 1, f.TYPE_DOUBLE, 1, None), ("step", 2, f.TYPE_INT64, 1, None),
                  ("file_version", 3, f.TYPE_STRING, 1, None),
                  ("summary", 5, f.TYPE_MESSAGE, 1, ".lamina_test.Summary")],
    }
    for name, fields in messages.items():
        message = proto.message_type.add(name=name)
        for field_name, number, kind, label, type_name in fields:
            field = message.field.add(name=field_name, number=number, type=kind, label=label)
            if type_name:
                field.type_name = type_name
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    event_class = message_factory.GetMessageClass(pool.FindMessageTypeByName("lamina_test.Event"))
    found = {}
    for data in _records(_event_file(os.path.join(run["log_dir"], "train"))):
        event = event_class.FromString(data)
        for value in event.summary.value:
            found.setdefault(value.tag, []).append(event.step)
    assert found["epoch_loss"] == list(range(EPOCHS))
    assert found["hidden/kernel/histogram"] == list(range(EPOCHS))


def test_tensorboard_files_load_in_tensorboards_event_accumulator(run):
    accumulator_module = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator")
    accumulator = accumulator_module.EventAccumulator(os.path.join(run["log_dir"], "train"))
    accumulator.Reload()
    loss = accumulator.Scalars("epoch_loss")
    assert [event.step for event in loss] == list(range(EPOCHS))
    np.testing.assert_allclose([event.value for event in loss], run["history"]["loss"],
                               rtol=1e-6)


# -- options -------------------------------------------------------------------------------


def test_tensorboard_writes_no_batch_results_and_skips_batch_hooks_by_default(tmp_path):
    board = callbacks.TensorBoard(tmp_path, write_graph=False)
    assert callbacks.callback.is_default_hook(board, "on_train_batch_end")
    model = _model()
    model.fit(X, Y, batch_size=4, epochs=1, verbose=0, callbacks=[board])
    assert sorted(_scalars(tmp_path / "train")) == ["epoch_learning_rate", "epoch_loss",
                                                     "epoch_mae"]
    assert not (tmp_path / "validation").exists()


def test_tensorboard_update_freq_batch_writes_every_batch(tmp_path):
    board = callbacks.TensorBoard(tmp_path, update_freq="batch")
    assert board.update_freq == 1
    board.set_model(_model())
    board.on_train_begin()
    for batch in range(3):
        board.on_train_batch_begin(batch)
        board.on_train_batch_end(batch, {"loss": float(batch)})
    board.on_train_end()
    assert _scalars(tmp_path / "train")["batch_loss"] == [(1, 0.0), (2, 1.0), (3, 2.0)]


def test_tensorboard_writes_nan_and_too_large_values_and_skips_non_scalars(tmp_path):
    board = callbacks.TensorBoard(tmp_path, write_graph=False)
    board.set_model(_model())
    board.on_train_begin()
    board.on_epoch_end(0, {"loss": float("nan"), "big": 1e300, "small": -1e300,
                           "per_class": [0.5, 0.25]})
    board.on_train_end()
    scalars = _scalars(tmp_path / "train")
    assert np.isnan(scalars["epoch_loss"][0][1])
    assert scalars["epoch_big"] == [(0, float("inf"))]
    assert scalars["epoch_small"] == [(0, float("-inf"))]
    assert "epoch_per_class" not in scalars


def test_tensorboard_evaluate_writes_evaluation_results(tmp_path):
    model = _model()
    model.evaluate(X, Y, verbose=0, callbacks=[callbacks.TensorBoard(tmp_path)])
    scalars = _scalars(tmp_path / "validation")
    assert sorted(scalars) == ["evaluation_loss_vs_iterations", "evaluation_mae_vs_iterations"]
    assert scalars["evaluation_loss_vs_iterations"][0][0] == 0


@pytest.mark.parametrize("update_freq", ["never", 0, -1, 1.5, True])
def test_tensorboard_rejects_a_bad_update_freq(update_freq):
    with pytest.raises(ValueError, match="update_freq"):
        callbacks.TensorBoard(update_freq=update_freq)


@pytest.mark.parametrize("profile_batch", [-1, (5, 2), "a,b", (1, 2, 3)])
def test_tensorboard_rejects_a_bad_profile_batch(profile_batch):
    with pytest.raises(ValueError, match="profile_batch"):
        callbacks.TensorBoard(profile_batch=profile_batch)


@pytest.mark.parametrize("kwargs", [{"profile_batch": 2}, {"profile_batch": "2,4"},
                                    {"write_images": True}])
def test_tensorboard_warns_that_tensorflow_only_options_are_ignored(kwargs):
    with pytest.warns(UserWarning, match="TensorFlow"):
        callbacks.TensorBoard(**kwargs)


def test_tensorboard_embeddings_write_projector_config_and_weights(tmp_path):
    model = lamina.Sequential([lamina.Input((2,), dtype="int32"),
                               lamina.layers.Embedding(5, 2, name="words"),
                               lamina.layers.Flatten(), lamina.layers.Dense(1)])
    model.compile("sgd", "mse")
    board = callbacks.TensorBoard(tmp_path, write_graph=False, embeddings_freq=1,
                                  embeddings_metadata={"words": "meta.tsv"})
    model.fit(np.array([[1, 2], [3, 4]]), np.zeros((2, 1)), epochs=1, verbose=0,
              callbacks=[board])
    config = (tmp_path / "projector_config.pbtxt").read_text()
    assert 'metadata_path: "meta.tsv"' in config
    assert config.startswith("embeddings {\n  tensor_name: ")
    assert (tmp_path / "train" / "keras_embedding.ckpt-0.weights.h5").exists()


def test_tensorboard_signature_matches_keras():
    keras = pytest.importorskip("keras")
    assert inspect.signature(callbacks.TensorBoard) == \
        inspect.signature(keras.callbacks.TensorBoard)
