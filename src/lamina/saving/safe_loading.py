"""Defences for reading files that may be damaged or hostile.

Every loader (``load_model``, ``load_weights``) runs inside :func:`loading_errors`, so
whatever goes wrong with a file surfaces as one error type, :class:`LoadingError` (a
``ValueError``) naming the file and the problem, never as a stray ``KeyError`` or
``zipfile.BadZipFile``. Before anything large is read or allocated, the checks here refuse:

1. zip members with names that climb out of the archive (``../evil``, ``/etc/x``) or appear
   twice, and members whose claimed size is absurd (zip bombs), before reading them;
2. configs nested absurdly deep, and input shapes with negative or absurd dimensions;
3. variables larger in total than the file's weights could fill (``Dense(units=10**12)``),
   before their memory is taken;
4. HDF5 entries that are links, external or virtual datasets (data from other files),
   not numbers, or shaped unlike the variable they are read into.

Nothing here (or anywhere in loading) unpickles, imports or evaluates anything from a file.
"""

import contextlib
import posixpath

import numpy as np

# A member larger than this must not have been compressed more than MAX_COMPRESSION_RATIO
# times: deflate reaches ~1000x only on data that is almost all zeros, i.e. a zip bomb.
LARGE_MEMBER_BYTES = 64 * 2**20
MAX_COMPRESSION_RATIO = 100
# Configs nest a few levels per sub-model; thousands of levels are an attack on the parser.
MAX_CONFIG_DEPTH = 500
# An input shape may hold at most this many elements (an unknown batch counted as 3, other
# unknown sizes as 11): building the model runs each layer on placeholder arrays that size.
MAX_INPUT_ELEMENTS = 2**28
# Variables created while building a loaded model may take this much more memory than the
# weights file stores (metric state and other small unsaved variables).
VARIABLE_SLACK_BYTES = 256 * 2**20

_SHAPE_KEYS = ("batch_shape", "batch_input_shape", "input_shape")


class LoadingError(ValueError):
    """A file could not be loaded: it is damaged, hostile, or not what was expected.

    Raised by ``lamina.models.load_model`` and ``Model.load_weights`` for every problem
    with the file's content; the message names the file and the problem. It is a
    ``ValueError``, so ``except ValueError`` catches it too. (A missing file raises
    ``FileNotFoundError``.)

    Example:
        >>> try:
        ...     lamina.models.load_model("damaged.keras")
        ... except lamina.saving.LoadingError as error:
        ...     print(error)
    """


@contextlib.contextmanager
def loading_errors(filepath):
    """Turn any error raised while loading ``filepath`` into a :class:`LoadingError`.

    Errors lamina raises on purpose keep their message (prefixed with the file name);
    anything else (a parser's ``KeyError``, a broken zip, ...) gets its type and text
    quoted with a hint.
    """
    try:
        yield
    except (LoadingError, FileNotFoundError):
        raise
    except Exception as error:  # the trust boundary: the file's content caused this
        text = str(error) or type(error).__name__
        if isinstance(error, RecursionError):
            text = f"its content is nested too deeply to read ({text})"
        elif not isinstance(error, ValueError):
            text = (f"{type(error).__name__}: {text}. The file is damaged, was not written "
                    "by Keras or lamina, or needs custom objects (custom_objects=)")
        if repr(filepath) not in text:
            text = f"Cannot load {filepath!r}: {text}"
        raise LoadingError(text) from error


# -- zip archives ------------------------------------------------------------------------
def check_zip_members(archive, filepath):
    """Refuse member names that climb out of the archive, and duplicated names."""
    seen = set()
    for info in archive.infolist():
        name = info.filename
        if not _is_safe_member_name(name):
            raise LoadingError(
                f"{filepath!r} holds a member named {name!r}, a path that leads outside the "
                "archive. A genuine .keras file never does; the file may be hostile."
            )
        if name in seen:
            raise LoadingError(
                f"{filepath!r} holds two members named {name!r}; a genuine .keras file "
                "holds each once."
            )
        seen.add(name)


def _is_safe_member_name(name):
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return False
    if len(name) > 1 and name[1] == ":":  # a Windows drive letter
        return False
    return ".." not in posixpath.normpath(name).split("/") and not posixpath.isabs(name)


def read_member(archive, name, filepath, max_bytes=None):
    """The bytes of member ``name``, after checking its claimed size (zip bombs).

    Args:
        archive: an open ``zipfile.ZipFile``.
        name: the member's name.
        filepath: the archive's path, for messages.
        max_bytes: the largest uncompressed size accepted (None: no fixed limit, only the
            compression-ratio check).

    Raises:
        LoadingError: when the member is too large, suspiciously compressed or damaged.
    """
    info = archive.getinfo(name)
    if max_bytes is not None and info.file_size > max_bytes:
        raise LoadingError(
            f"{filepath!r}: the member {name!r} claims {info.file_size} bytes, more than "
            f"the {max_bytes} accepted for it; the file is damaged or hostile."
        )
    if info.file_size > LARGE_MEMBER_BYTES and \
            info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
        raise LoadingError(
            f"{filepath!r}: the member {name!r} claims {info.file_size} bytes from only "
            f"{info.compress_size} compressed bytes (a 'zip bomb'); refusing to unpack it."
        )
    try:
        return archive.read(name)
    except Exception as error:  # BadZipFile (bad CRC), zlib.error, EOFError, encryption...
        raise LoadingError(
            f"{filepath!r}: the member {name!r} is damaged ({type(error).__name__}: {error})."
        ) from None


# -- configs -----------------------------------------------------------------------------
def check_config(config, filepath):
    """Refuse configs nested too deeply and input shapes with bad or absurd dimensions."""
    stack = [(config, 1, False)]
    while stack:
        value, depth, in_input_layer = stack.pop()
        if depth > MAX_CONFIG_DEPTH:
            raise LoadingError(
                f"{filepath!r}: the model config is nested more than {MAX_CONFIG_DEPTH} "
                "levels deep; a genuine model's config is not."
            )
        if isinstance(value, dict):
            is_input = value.get("class_name") == "InputLayer"
            for key, item in value.items():
                if key in _SHAPE_KEYS or (in_input_layer and key == "shape"):
                    _check_shape(item, key, filepath)
                stack.append((item, depth + 1, is_input or (in_input_layer and key == "config")))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, False) for item in value)


def _check_shape(shape, key, filepath):
    if shape is None:
        return
    if isinstance(shape, dict):
        for item in shape.values():
            _check_shape(item, key, filepath)
        return
    if not isinstance(shape, list):
        raise LoadingError(f"{filepath!r}: {key} must be a list of dimensions, got {shape!r}.")
    if shape and all(isinstance(d, list) or d is None for d in shape) and \
            any(isinstance(d, list) for d in shape):
        for item in shape:  # one shape per input
            _check_shape(item, key, filepath)
        return
    elements = 1
    for axis, dim in enumerate(shape):
        if dim is None:
            # The sizes placeholders use: a batch of at most 3, other unknown sizes 11.
            elements *= 3 if axis == 0 else 11
            continue
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 0:
            raise LoadingError(
                f"{filepath!r}: {key} {shape!r} has the dimension {dim!r}; dimensions are "
                "non-negative ints or null."
            )
        elements *= dim
    if elements > MAX_INPUT_ELEMENTS:
        raise LoadingError(
            f"{filepath!r}: {key} {shape!r} is absurdly large ({elements} elements, more "
            f"than the {MAX_INPUT_ELEMENTS} accepted); the file is damaged or hostile. (For "
            "a genuine model this large, raise lamina.saving.safe_loading.MAX_INPUT_ELEMENTS.)"
        )


class VariableBudget:
    """A variable creation check refusing variables beyond a total size in bytes.

    Args:
        filepath: the file being loaded, for messages.
        max_bytes: the total bytes all variables created in the scope may take.
    """

    def __init__(self, filepath, max_bytes):
        self.filepath = filepath
        self.max_bytes = int(max_bytes)
        self.used = 0

    def __call__(self, name, shape, dtype):
        if any(d < 0 for d in shape):
            raise LoadingError(
                f"{self.filepath!r}: the config asks for variable {name!r} of shape "
                f"{shape}, which has a negative dimension."
            )
        size = int(np.prod(shape, dtype=object)) * _itemsize(dtype)
        self.used += size
        if self.used > self.max_bytes:
            raise LoadingError(
                f"{self.filepath!r}: the config asks for variable {name!r} of shape {shape} "
                f"({size} bytes), which brings the model's variables past the {self.max_bytes} "
                "bytes its weights file can fill. The config is damaged or hostile (for "
                "example Dense(units=10**12)); nothing was allocated. (For a genuine model, "
                "raise lamina.saving.safe_loading.VARIABLE_SLACK_BYTES.)"
            )


def _itemsize(dtype):
    try:
        return np.dtype(dtype).itemsize
    except TypeError:
        return 4  # bfloat16 and other names NumPy lacks: no wider than 4 bytes matters here


@contextlib.contextmanager
def variable_budget(filepath, stored_bytes):
    """Within this scope, variables may take at most ``stored_bytes`` plus a small slack.

    Args:
        filepath: the file being loaded, for messages.
        stored_bytes: how many bytes of weights the file holds (uncompressed).
    """
    from lamina.backend.common import scopes

    budget = VariableBudget(filepath, int(stored_bytes) + VARIABLE_SLACK_BYTES)
    with scopes.variable_creation_check(budget):
        yield budget


# -- HDF5 --------------------------------------------------------------------------------
def check_h5_file(h5file, filepath, max_objects=1_000_000):
    """Walk an open HDF5 file once and refuse what a weights file never holds.

    Refused: soft and external links (they lead to other places or other files), external
    and virtual datasets (their data comes from other files) and more than ``max_objects``
    entries. Hard-linked cycles are walked once.
    """
    import h5py

    seen = {h5file.id}
    stack = [h5file]
    count = 0
    while stack:
        group = stack.pop()
        for name in group.keys():
            count += 1
            if count > max_objects:
                raise LoadingError(
                    f"{filepath!r} holds more than {max_objects} HDF5 entries; a weights "
                    "file does not."
                )
            where = f"{group.name.rstrip('/')}/{name}"
            link = group.get(name, getlink=True)
            if not isinstance(link, h5py.HardLink):
                raise LoadingError(
                    f"{filepath!r}: {where!r} is a {type(link).__name__} to data elsewhere; "
                    "weights files hold plain groups and datasets, so the file is refused."
                )
            item = group[name]
            if item.id in seen:
                continue
            seen.add(item.id)
            if isinstance(item, h5py.Group):
                stack.append(item)
            elif isinstance(item, h5py.Dataset) and (item.external or item.is_virtual):
                raise LoadingError(
                    f"{filepath!r}: the dataset {where!r} takes its data from other files, "
                    "which loading never reads; the file is refused."
                )


def dataset(group, key, where):
    """``group[key]`` as an ``h5py.Dataset``, after refusing what a weights file never holds.

    Refused: a missing entry, links (soft or external: they lead elsewhere), anything but a
    dataset, external or virtual datasets (their data lives in other files) and
    non-numeric data. Nothing is read yet: check the shape, then read ``item[()]``.

    Args:
        group: the ``h5py.Group`` expected to hold the dataset.
        key: the dataset's name in it.
        where: what is being loaded (a file name, a layer), for messages.
    """
    import h5py

    if not isinstance(group, h5py.Group):
        raise LoadingError(f"{where}: {group.name!r} should be a group of weights.")
    path = f"{group.name.rstrip('/')}/{key}"
    link = group.get(key, getlink=True)
    if link is None:
        raise LoadingError(f"{where}: the weights file has no dataset {key!r} in "
                           f"{group.name!r}.")
    if not isinstance(link, h5py.HardLink):
        raise LoadingError(
            f"{where}: {path!r} is a {type(link).__name__} to data elsewhere; weights files "
            "hold plain datasets, so it is refused."
        )
    item = group[key]
    if not isinstance(item, h5py.Dataset):
        raise LoadingError(f"{where}: {path!r} should be a dataset of weights.")
    if item.external or item.is_virtual:
        raise LoadingError(
            f"{where}: the dataset {path!r} takes its data from other files, which loading "
            "never reads; it is refused."
        )
    if item.dtype.kind not in "fiub":
        raise LoadingError(f"{where}: the dataset {path!r} holds {item.dtype} data, not "
                           "numbers.")
    return item
