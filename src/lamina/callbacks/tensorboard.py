"""``TensorBoard``: writes training curves and weight histograms for the TensorBoard viewer.

TensorFlow is not needed: ``_EventFileWriter`` below writes TensorBoard's event-file format
itself (length-prefixed records, each checked by a masked CRC-32C, holding hand-encoded
``Event`` protocol buffers). Graph tracing and the profiler are TensorFlow's own tools and
are not reproduced; see the ``TensorBoard`` docstring for what each argument does here.
"""

import itertools
import json
import math
import os
import socket
import struct
import time
import warnings

import numpy as np

from lamina import ops
from lamina.callbacks import optimizer_learning_rate
from lamina.callbacks.callback import Callback

# -- CRC-32C (Castagnoli), as the record format checks lengths and payloads --------------


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            # 0x82F63B78: the Castagnoli polynomial, bit-reversed (the CRC is reflected).
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC32C_TABLE = _crc32c_table()


def crc32c(data):
    """The CRC-32C checksum of ``data``.

    Args:
        data: bytes.

    Returns:
        An int in ``[0, 2**32)``.

    Example:
        >>> hex(crc32c(b"123456789"))
        '0xe3069283'
    """
    crc = 0xFFFFFFFF
    table = _CRC32C_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    """The CRC-32C of ``data``, rotated and offset as TFRecord files store it.

    The mask keeps a checksum of data that itself holds checksums from looking valid.

    Args:
        data: bytes.

    Returns:
        An int in ``[0, 2**32)``.

    Example:
        >>> masked_crc32c(b"")
        2726488792
    """
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# -- protocol buffer encoding (only what Event and Summary need) ------------------------

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _varint(value):
    if value < 0:  # int64 fields store negative numbers as their 64-bit two's complement
        value += 1 << 64
    out = bytearray()
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _key(field, wire_type):
    return _varint((field << 3) | wire_type)


def _int_field(field, value):
    return _key(field, 0) + _varint(int(value))


def _double_field(field, value):
    return _key(field, 1) + struct.pack("<d", value)


def _float_field(field, value):
    if math.isfinite(value) and abs(value) > _FLOAT32_MAX:
        # Too large for a float field: it becomes +-inf, as a cast to float32 would make it
        # (struct refuses to pack it).
        value = math.copysign(math.inf, value)
    return _key(field, 5) + struct.pack("<f", value)


def _bytes_field(field, data):
    return _key(field, 2) + _varint(len(data)) + data


def _packed_doubles_field(field, values):
    return _bytes_field(field, struct.pack(f"<{len(values)}d", *values))


# Field numbers of tensorflow/core/framework/summary.proto and util/event.proto.
_EVENT_WALL_TIME, _EVENT_STEP, _EVENT_FILE_VERSION, _EVENT_SUMMARY = 1, 2, 3, 5
_SUMMARY_VALUE = 1
_VALUE_TAG, _VALUE_SIMPLE, _VALUE_HISTO, _VALUE_TENSOR, _VALUE_METADATA = 1, 2, 5, 8, 9
_DT_STRING = 7
_HISTOGRAM_BUCKETS = 30  # tf.summary.histogram's default


def _histogram_proto(values):
    """A HistogramProto of ``values``'s finite entries in equal-width buckets, or None."""
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    low, high = float(values.min()), float(values.max())
    if low == high:
        counts, limits = [float(values.size)], [high]
    else:
        counts, edges = np.histogram(values, bins=_HISTOGRAM_BUCKETS, range=(low, high))
        counts, limits = counts.astype(np.float64).tolist(), edges[1:].tolist()
    return (
        _double_field(1, low)
        + _double_field(2, high)
        + _double_field(3, float(values.size))
        + _double_field(4, float(values.sum()))
        + _double_field(5, float(np.dot(values, values)))
        + _packed_doubles_field(6, limits)
        + _packed_doubles_field(7, counts)
    )


class _EventFileWriter:
    """Appends Summary events to a new ``events.out.tfevents.*`` file in ``logdir``.

    Each record is: the data's length (uint64, little-endian), the masked CRC-32C of those
    8 bytes, the data (a serialized ``Event``), the masked CRC-32C of the data.
    """

    _file_numbers = itertools.count()
    _FLUSH_EVERY_S = 120  # as TensorFlow's writers do, so long epochs show up meanwhile

    def __init__(self, logdir):
        os.makedirs(logdir, exist_ok=True)
        name = "events.out.tfevents.%010d.%s.%d.%d.v2" % (
            int(time.time()), socket.gethostname(), os.getpid(), next(self._file_numbers)
        )
        self.path = os.path.join(logdir, name)
        self._file = open(self.path, "wb")
        self._last_flush = time.time()
        self._write_event(_bytes_field(_EVENT_FILE_VERSION, b"brain.Event:2"))
        self.flush()

    @property
    def closed(self):
        return self._file.closed

    def _write_event(self, body):
        data = _double_field(_EVENT_WALL_TIME, time.time()) + body
        header = struct.pack("<Q", len(data))
        self._file.write(
            header
            + struct.pack("<I", masked_crc32c(header))
            + data
            + struct.pack("<I", masked_crc32c(data))
        )
        if time.time() - self._last_flush > self._FLUSH_EVERY_S:
            self.flush()

    def _write_value(self, step, value):
        summary = _bytes_field(_SUMMARY_VALUE, value)
        self._write_event(_int_field(_EVENT_STEP, step) + _bytes_field(_EVENT_SUMMARY, summary))

    def scalar(self, tag, value, step):
        """Write ``value`` (a float) under ``tag`` at ``step``."""
        self._write_value(
            step, _bytes_field(_VALUE_TAG, tag.encode()) + _float_field(_VALUE_SIMPLE, value)
        )

    def histogram(self, tag, values, step):
        """Write a histogram of ``values`` (an array) under ``tag`` at ``step``."""
        histo = _histogram_proto(values)
        if histo is not None:
            self._write_value(
                step, _bytes_field(_VALUE_TAG, tag.encode()) + _bytes_field(_VALUE_HISTO, histo)
            )

    def string_tensor(self, tag, data, step, plugin_name, content=b""):
        """Write ``data`` (bytes) as a scalar string tensor for TensorBoard plugin
        ``plugin_name``."""
        plugin_data = _bytes_field(1, plugin_name.encode()) + _bytes_field(2, content)
        metadata = _bytes_field(1, plugin_data)
        # TensorProto: dtype, an empty (scalar) shape, one string value.
        tensor = _int_field(1, _DT_STRING) + _bytes_field(2, b"") + _bytes_field(8, data)
        self._write_value(
            step,
            _bytes_field(_VALUE_TAG, tag.encode())
            + _bytes_field(_VALUE_TENSOR, tensor)
            + _bytes_field(_VALUE_METADATA, metadata),
        )

    def flush(self):
        """Hand what was written to the operating system."""
        self._file.flush()
        self._last_flush = time.time()

    def close(self):
        """Flush and close the file."""
        if not self._file.closed:
            self._file.close()


# -- arguments ---------------------------------------------------------------------------

_BAD_UPDATE_FREQ = (
    "TensorBoard: `update_freq` must be 'epoch', 'batch' or a positive integer (write the "
    "batch results every that many batches); got {value!r}."
)
_BAD_PROFILE_BATCH = (
    "TensorBoard: `profile_batch` must be a non-negative integer or a pair of positive "
    "integers (start, stop) with start <= stop, as a tuple or a 'start,stop' string; got "
    "{value!r}."
)
_NOT_SUPPORTED = (
    "TensorBoard: {argument}={value!r} needs TensorFlow's {tool}, which lamina does not use; "
    "the argument is ignored and the other summaries are written as usual."
)


def _update_freq(value):
    if value in ("epoch", "batch"):
        return 1 if value == "batch" else value
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(_BAD_UPDATE_FREQ.format(value=value))
    return value


def _profile_range(value):
    """``profile_batch`` as ``(start, stop)``; ``(0, 0)`` turns profiling off."""
    pair = value
    try:
        if isinstance(pair, str):
            pair = [int(part) for part in pair.split(",")]
        if isinstance(pair, int) and not isinstance(pair, bool):
            pair = (pair, pair)
        start, stop = (int(part) for part in pair)
    except (TypeError, ValueError):
        raise ValueError(_BAD_PROFILE_BATCH.format(value=value)) from None
    if start < 0 or stop < start:
        raise ValueError(_BAD_PROFILE_BATCH.format(value=value))
    return start, stop


def _as_float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None  # lists, strings: not a scalar curve


class TensorBoard(Callback):
    """Write event files for TensorBoard: metric curves per epoch (and per batch), weight
    histograms, the model's config.

    Files go to ``log_dir/train`` and ``log_dir/validation``; view them with
    ``tensorboard --logdir log_dir``. At each epoch's end, the training results and the
    optimizer's learning rate are written as ``epoch_<name>`` (``epoch_loss``,
    ``epoch_accuracy``, ``epoch_learning_rate``) under ``train``, and the validation
    results under ``validation`` with the same tags (``val_loss`` becomes ``epoch_loss``),
    with the epoch as the step. Each evaluation (in ``fit`` or ``evaluate``) also writes
    ``evaluation_<name>_vs_iterations`` under ``validation`` with the optimizer's step
    count as the step. Files are flushed at each epoch's end and closed when ``fit`` ends.

    Args:
        log_dir: the folder for the event files. Defaults to ``"logs"``. Give each run its
            own folder.
        histogram_freq: write a histogram of every layer weight (tag
            ``<weight path>/histogram``) every this many epochs; 0 (the default) never.
        write_graph: write the model's config for TensorBoard's graph view (tag ``keras``,
            Sequential and Functional models only). Defaults to True. The traced op graph
            TensorFlow adds is not written.
        write_images: accepted for Keras compatibility; weight images are not written
            (a warning says so). Defaults to False.
        write_steps_per_second: also write the training speed, ``epoch_steps_per_second``
            and, with batch logging, ``batch_steps_per_second``. Defaults to False.
        update_freq: ``"epoch"`` (the default) writes once per epoch; ``"batch"`` or an
            integer ``n`` also writes each ``n``-th batch's running results as
            ``batch_<name>`` (the step counts batches over the whole ``fit``).
        profile_batch: validated as Keras does (an int, or a ``(start, stop)`` pair), but
            the profiler is TensorFlow's: a non-zero value only warns. Defaults to 0.
        embeddings_freq: save the weights every this many epochs to
            ``log_dir/train/keras_embedding.ckpt-<epoch>.weights.h5`` and list the
            ``Embedding`` layers in ``log_dir/projector_config.pbtxt``, as Keras does;
            0 (the default) never.
        embeddings_metadata: a metadata file name for all ``Embedding`` layers, or a dict
            layer name -> file name, written into ``projector_config.pbtxt``.

    Example:
        >>> tensorboard = TensorBoard(log_dir="logs/run1", histogram_freq=1)
        >>> model.fit(x, y, epochs=3, validation_split=0.2, callbacks=[tensorboard])
        >>> # then: tensorboard --logdir logs
    """

    def __init__(
        self,
        log_dir="logs",
        histogram_freq=0,
        write_graph=True,
        write_images=False,
        write_steps_per_second=False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq=0,
        embeddings_metadata=None,
    ):
        super().__init__()
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = _update_freq(update_freq)
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._start_batch, self._stop_batch = _profile_range(profile_batch)
        if self._stop_batch > 0:
            warnings.warn(
                _NOT_SUPPORTED.format(
                    argument="profile_batch", value=profile_batch, tool="profiler"
                ),
                stacklevel=2,
            )
        if write_images:
            warnings.warn(
                _NOT_SUPPORTED.format(
                    argument="write_images", value=write_images, tool="image summaries"
                ),
                stacklevel=2,
            )
        if self.update_freq == "epoch":
            # Nothing is written per batch: present the base class's do-nothing hooks, so
            # fit keeps its fast paths (no logs computed per step, several steps per call).
            self.on_train_batch_begin = Callback.on_train_batch_begin.__get__(self)
            self.on_train_batch_end = Callback.on_train_batch_end.__get__(self)
        self._writers = {}
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._global_train_batch = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._epoch_start_iterations = 0

    # -- writers -------------------------------------------------------------------------
    def _writer(self, name):
        writer = self._writers.get(name)
        if writer is None or writer.closed:
            folder = self._train_dir if name == "train" else self._val_dir
            writer = self._writers[name] = _EventFileWriter(folder)
        return writer

    def _flush_writers(self):
        for writer in self._writers.values():
            if not writer.closed:
                writer.flush()

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def set_model(self, model):
        """Store the model and start new event files for it."""
        super().set_model(model)
        self._close_writers()

    # -- hooks ---------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        """Reset the batch count; write the model's config and the embeddings config."""
        self._global_train_batch = 0
        if self.write_graph:
            self._write_model_config()
        if self.embeddings_freq:
            self._write_projector_config()

    def on_train_end(self, logs=None):
        """Close the event files."""
        self._close_writers()

    def on_train_batch_begin(self, batch, logs=None):
        """Count the batch (and start its timer for ``write_steps_per_second``)."""
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        """Write the running results as ``batch_<name>`` every ``update_freq`` batches."""
        step = self._global_train_batch
        if step % self.update_freq:
            return
        writer = self._writer("train")
        if self.write_steps_per_second:
            elapsed = time.time() - self._batch_start_time
            if elapsed > 0:
                writer.scalar("batch_steps_per_second", 1.0 / elapsed, step)
        for name, value in (logs or {}).items():
            value = _as_float(value)
            if value is not None:
                writer.scalar(f"batch_{name}", value, step)

    def on_epoch_begin(self, epoch, logs=None):
        """Start the epoch's timer for ``write_steps_per_second``."""
        if self.write_steps_per_second:
            self._epoch_start_iterations = self._iterations()
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        """Write the epoch's results, the histograms and embeddings when due; flush."""
        self._write_epoch_logs(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self.model.save_weights(
                os.path.join(self._train_dir, f"keras_embedding.ckpt-{epoch}.weights.h5")
            )
        self._flush_writers()

    def on_test_end(self, logs=None):
        """Write the evaluation results against the optimizer's step count."""
        if getattr(self.model, "optimizer", None) is None or not logs:
            return
        step = self._iterations()
        writer = self._writer("validation")
        for name, value in logs.items():
            value = _as_float(value)
            if value is not None:
                writer.scalar(f"evaluation_{name}_vs_iterations", value, step)
        writer.flush()

    # -- what is written -----------------------------------------------------------------
    def _iterations(self):
        iterations = getattr(self.model.optimizer, "iterations", None)
        return 0 if iterations is None else int(ops.convert_to_numpy(iterations))

    def _write_epoch_logs(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[len("val_"):]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if optimizer is not None and (
            hasattr(optimizer, "learning_rate") or getattr(optimizer, "optimizers", None)
        ):
            optimizer_learning_rate.log_learning_rates(self.model, train_logs, "TensorBoard")
        if self.write_steps_per_second:
            elapsed = time.time() - self._epoch_start_time
            steps = self._iterations() - self._epoch_start_iterations
            train_logs["steps_per_second"] = steps / elapsed if elapsed > 0 else 0.0
        for folder, folder_logs in (("train", train_logs), ("validation", val_logs)):
            values = {k: _as_float(v) for k, v in folder_logs.items()}
            values = {k: v for k, v in values.items() if v is not None}
            if values:
                writer = self._writer(folder)
                for name, value in values.items():
                    writer.scalar(f"epoch_{name}", value, epoch)

    def _write_histograms(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                tag = weight.path.replace(":", "_") + "/histogram"
                writer.histogram(tag, ops.convert_to_numpy(weight), epoch)

    def _write_model_config(self):
        # Keras writes the config of Sequential and Functional models only: TensorBoard's
        # graph view draws their layer graph from it.
        if type(self.model).__name__ not in ("Sequential", "Functional"):
            return
        try:
            config = self.model.to_json()
        except Exception as error:  # noqa: BLE001 - a config that fails is skipped, as in Keras
            warnings.warn(
                f"TensorBoard: the model's config could not be written as JSON ({error}); "
                "the graph view will be empty.",
                stacklevel=2,
            )
            return
        self._writer("train").string_tensor(
            "keras", config.encode(), 0, plugin_name="graph_keras_model", content=b"1"
        )

    def _write_projector_config(self):
        from lamina import layers

        metadata = self.embeddings_metadata
        unused = set(metadata) if isinstance(metadata, dict) else set()
        lines = []
        for layer in self.model.layers:
            if not isinstance(layer, layers.Embedding):
                continue
            # The name Keras writes for every embedding (a TensorFlow checkpoint key).
            lines += ["embeddings {", '  tensor_name: "layer_with_weights-0/embeddings/'
                      '.ATTRIBUTES/VARIABLE_VALUE"']
            if isinstance(metadata, str):
                lines.append(f"  metadata_path: {json.dumps(metadata)}")
            elif isinstance(metadata, dict) and layer.name in metadata:
                unused.discard(layer.name)
                lines.append(f"  metadata_path: {json.dumps(metadata[layer.name])}")
            lines.append("}")
        if unused:
            raise ValueError(
                "TensorBoard: `embeddings_metadata` names layers that are not Embedding "
                f"layers of the model: {sorted(unused)}. Use the names of the model's "
                "Embedding layers (model.layers)."
            )
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as f:
            f.write("\n".join(lines) + "\n" if lines else "")
