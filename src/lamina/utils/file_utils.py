"""``get_file``: download a file once into the Keras cache, check its hash, unpack archives.

Files land where Keras 3 puts them (``~/.keras/datasets/`` unless told otherwise), so a
cache filled by Keras is reused here and the other way round. A download is written to a
temporary file beside its target, checked, then renamed into place: an interrupted or
corrupted download never leaves a file that looks complete. Archives are unpacked only
after every member has been checked to stay inside the extraction folder.

What the datasets do with the files (parsing, the restricted unpickler) lives in
``lamina.datasets``; this module only fetches bytes.
"""

import hashlib
import http.client
import os
import secrets
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

from lamina.utils import progbar

# Read in 64 KiB pieces: large enough to be fast, small enough for a smooth progress bar.
_CHUNK_SIZE = 65535
# Seconds a stalled connection may stay silent before the download fails (urllib's default
# is to wait forever).
_SOCKET_TIMEOUT_S = 60
_HASH_ALGORITHMS = ("auto", "sha256", "md5")
_ARCHIVE_FORMATS = ("tar", "zip")

_FETCH_FAILED = (
    "get_file could not download origin={origin!r}: {reason}. Check the URL and the network "
    "connection (a proxy is read from the HTTP_PROXY / HTTPS_PROXY environment variables), "
    "or copy the file to {target!r} yourself: a file found there is used without a download."
)
_HASH_MISMATCH = (
    "get_file downloaded origin={origin!r}, but its {algorithm} hash is {actual}, not the "
    "expected file_hash={expected!r}. The download was corrupted or the file at the origin "
    "changed; nothing was saved. Try again, or check that file_hash belongs to this origin."
)
_UNSAFE_MEMBER = (
    "get_file refused to extract {archive!r}: its member {member!r} would be written outside "
    "the extraction folder {folder!r}. The archive is damaged or hostile; nothing was "
    "extracted. Extract it by hand only if you trust its source."
)


def _keras_home():
    """``$KERAS_HOME`` when set, else ``~/.keras``: read on each call, as the cache root."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def _fallback_cache_root():
    """Where files go when the cache root cannot be written (as Keras: ``/tmp/.keras``)."""
    base = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()
    return os.path.join(base, ".keras")


def _make_cache_folder(cache_dir, cache_subdir):
    """Create ``cache_dir/cache_subdir`` and return it; fall back to ``/tmp/.keras``.

    The root is created when missing (Keras creates ``~/.keras`` when it is imported; importing
    lamina writes nothing, so the first download does it).
    """
    root = os.path.expanduser(cache_dir)
    try:
        os.makedirs(root, exist_ok=True)
        is_writable = os.access(root, os.W_OK)
    except OSError:
        is_writable = False
    if not is_writable:
        root = _fallback_cache_root()
    folder = os.path.join(root, cache_subdir)
    os.makedirs(folder, exist_ok=True)
    return folder


def _new_hasher(algorithm, file_hash=None):
    """A hashlib object for ``algorithm``; ``"auto"`` reads sha256 from a 64-digit hash."""
    if algorithm == "sha256" or (algorithm == "auto" and file_hash and len(file_hash) == 64):
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """Compute the sha256 (or md5) hex digest of a file.

    Args:
        fpath: path of the file.
        algorithm: ``"sha256"`` (the default), ``"md5"``, or ``"auto"`` (sha256 here, since
            there is no expected hash to look at).
        chunk_size: bytes read at a time. Defaults to 65535.

    Returns:
        The digest as a string of lowercase hex digits.

    Example:
        >>> hash_file("empty.txt")
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    hasher = _new_hasher(algorithm if algorithm != "auto" else "sha256")
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Tell whether a file's sha256 or md5 hash is ``file_hash``.

    Args:
        fpath: path of the file.
        file_hash: the expected hex digest (case does not matter).
        algorithm: ``"sha256"``, ``"md5"``, or ``"auto"`` (the default): sha256 for a
            64-digit hash, md5 otherwise.
        chunk_size: bytes read at a time. Defaults to 65535.

    Returns:
        True when the hashes match.

    Example:
        >>> validate_file("empty.txt", "d41d8cd98f00b204e9800998ecf8427e")  # md5, by length
        True
    """
    hasher = _new_hasher(algorithm, file_hash)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest() == str(file_hash).lower()


def _remove_quietly(path):
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)
    except FileNotFoundError:
        pass


def _unique_sibling(path, suffix):
    """A new name beside ``path`` for work in progress (same folder, so renames are atomic)."""
    return f"{path}.{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def _copy_from_url(origin, out, hasher, target):
    """Stream ``origin`` into the open file ``out``, feeding ``hasher``; draw a progress bar."""

    def failed(reason):
        return OSError(_FETCH_FAILED.format(origin=origin, reason=reason, target=target))

    try:
        response = urllib.request.urlopen(origin, timeout=_SOCKET_TIMEOUT_S)
    except urllib.error.HTTPError as error:
        raise failed(f"HTTP {error.code} {error.reason}") from error
    except urllib.error.URLError as error:
        raise failed(error.reason) from error
    except (OSError, http.client.HTTPException) as error:
        raise failed(error) from error
    except ValueError as error:  # urllib's "unknown url type"
        raise ValueError(
            f"get_file: origin must be a URL such as 'https://host/file', got "
            f"origin={origin!r} ({error})."
        ) from error
    with response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        bar = progbar.Progbar(total)
        received = 0
        while True:
            try:
                chunk = response.read(_CHUNK_SIZE)
            except (OSError, http.client.HTTPException) as error:
                raise failed(f"the connection broke after {received} bytes ({error!r})") from error
            if not chunk:
                break
            out.write(chunk)
            if hasher is not None:
                hasher.update(chunk)
            received += len(chunk)
            bar.update(received, finalize=False)
        if total is not None and received != total:
            raise failed(f"the server announced {total} bytes but sent {received}")
        bar.update(received, finalize=True)


def _download(origin, target, file_hash, algorithm):
    """Download ``origin`` to ``target`` atomically, checking ``file_hash`` when given.

    Steps: 1. stream into a new file in ``target``'s folder (so the final rename never
    crosses file systems), hashing as the bytes arrive; 2. compare the hash; 3. rename the
    new file over ``target``. Any failure removes the new file.
    """
    print(f"Downloading data from {origin}", flush=True)
    hasher = _new_hasher(algorithm, file_hash) if file_hash is not None else None
    partial = _unique_sibling(target, ".part")
    try:
        # Mode "xb" creates the file with the usual permissions (mkstemp's are owner-only,
        # which would lock other users out of a shared cache such as /tmp/.keras).
        with open(partial, "xb") as out:
            _copy_from_url(origin, out, hasher, target)
        if hasher is not None and hasher.hexdigest() != str(file_hash).lower():
            raise ValueError(
                _HASH_MISMATCH.format(
                    origin=origin, algorithm=hasher.name, actual=hasher.hexdigest(),
                    expected=file_hash,
                )
            )
        os.replace(partial, target)
    except BaseException:
        # BaseException: a Ctrl-C mid-download must not leave the partial file behind either.
        _remove_quietly(partial)
        raise


def _check_member_path(name, folder, archive_path):
    """Raise ValueError when the member ``name`` would land outside ``folder``."""
    # Checked on the names alone (no file system lookups): the folder is new and empty, and
    # links are never extracted, so nothing on disk can redirect a path.
    destination = os.path.normpath(os.path.join(folder, name))
    is_inside = (
        not os.path.isabs(name)
        and not os.path.splitdrive(name)[0]
        and os.path.commonpath([folder, destination]) == folder
    )
    if not is_inside:
        raise ValueError(_UNSAFE_MEMBER.format(archive=archive_path, member=name, folder=folder))


def _safe_tar_members(archive, folder, archive_path):
    """The tar members to extract: plain files and folders, all inside ``folder``."""
    members = []
    for member in archive.getmembers():
        _check_member_path(member.name, folder, archive_path)
        if member.isfile() or member.isdir():
            members.append(member)
            continue
        # Links (and devices, fifos) are skipped: a link could point a later member, or the
        # reader, outside the folder, and datasets never need one.
        warnings.warn(
            f"get_file skipped the member {member.name!r} of {archive_path!r}: links and "
            "special files are not extracted.",
            stacklevel=4,
        )
    return members


def _extract_tar(archive_path, folder):
    with tarfile.open(archive_path) as archive:
        members = _safe_tar_members(archive, folder, archive_path)
        # tarfile's "data" filter (Python 3.12, backported to 3.10.12 / 3.11.4) also drops
        # unsafe permission bits; it is a second guard, the checks above are the first.
        options = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(folder, members=members, **options)


def _extract_zip(archive_path, folder):
    with zipfile.ZipFile(archive_path) as archive:
        members = archive.infolist()
        for member in members:
            _check_member_path(member.filename, folder, archive_path)
        archive.extractall(folder, members=members)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar (``.tar``, ``.tar.gz``, ``.tar.bz2``) or zip archive into ``path``.

    Every member is checked first: an absolute name, or one that climbs out of ``path`` with
    ``..``, stops the extraction with a ValueError before anything is written. Links and
    special files are skipped with a warning.

    Args:
        file_path: path of the archive.
        path: the folder to extract into (created when missing). Defaults to ``"."``.
        archive_format: ``"auto"`` (the default: try tar, then zip), ``"tar"``, ``"zip"``, a
            list of those, or None (extract nothing).

    Returns:
        True when the file was one of the formats tried and was extracted, else False.

    Raises:
        ValueError: an unknown ``archive_format``, or a member that would escape ``path``.

    Example:
        >>> extract_archive("photos.tar.gz", "photos")
        True
    """
    if not archive_format:
        return False
    formats = _ARCHIVE_FORMATS if archive_format == "auto" else archive_format
    formats = [formats] if isinstance(formats, str) else list(formats)
    unknown = [name for name in formats if name not in _ARCHIVE_FORMATS]
    if unknown:
        raise ValueError(
            f"extract_archive: archive_format must be 'auto', 'tar', 'zip', a list of those, "
            f"or None; got {archive_format!r}. Pick one of the supported formats."
        )
    file_path = os.fspath(file_path)
    folder = os.path.realpath(os.fspath(path))
    for name in formats:
        if name == "tar" and tarfile.is_tarfile(file_path):
            os.makedirs(folder, exist_ok=True)
            _extract_tar(file_path, folder)
            return True
        if name == "zip" and zipfile.is_zipfile(file_path):
            os.makedirs(folder, exist_ok=True)
            _extract_zip(file_path, folder)
            return True
    return False


def _extract_atomically(archive_path, extraction_dir, archive_format):
    """Extract into a new temporary folder, then rename it to ``extraction_dir``.

    A reader never sees a half-extracted folder, and a refused archive leaves nothing behind.
    """
    staging = _unique_sibling(extraction_dir, ".partial")
    os.mkdir(staging)  # the usual permissions, unlike mkdtemp's owner-only folder
    try:
        if not extract_archive(archive_path, staging, archive_format):
            warnings.warn(
                f"get_file could not extract {archive_path!r}: it is not a "
                f"{archive_format!r} archive. The downloaded file is kept as is.",
                stacklevel=3,
            )
            _remove_quietly(staging)
            return
        if os.path.lexists(extraction_dir):
            _remove_quietly(extraction_dir)
        os.replace(staging, extraction_dir)
    except BaseException:
        _remove_quietly(staging)
        raise


def _target_paths(fname, origin, folder, is_extracting):
    """Where the download goes and, when extracting, the folder it unpacks to.

    The names are Keras 3's, so a cache filled by Keras is found here: a given ``fname``
    with a dot (``"data.tar.gz"``) is downloaded under that name and unpacked to
    ``data_extracted``; otherwise (``"data"``, or the name taken from the URL) the archive
    is saved as ``<name>_archive`` and unpacked to ``<name>``.
    """
    name = os.fspath(fname) if fname else None
    if not name:
        name = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not name:
            raise ValueError(
                f"get_file could not read a file name from origin={origin!r}. "
                "Pass fname='<name>' to say what to call the file in the cache."
            )
    elif any(sep and sep in name for sep in (os.sep, os.altsep)) or name in (".", ".."):
        raise ValueError(
            f"get_file: fname must be a plain file name, got fname={name!r}. To choose "
            "the folder, pass cache_dir= (and cache_subdir=) instead of a path in fname."
        )
    if not is_extracting:
        return os.path.join(folder, name), None
    if fname and "." in name:
        stem = name[: name.index(".")]
        return os.path.join(folder, name), os.path.join(folder, f"{stem}_extracted")
    return os.path.join(folder, f"{name}_archive"), os.path.join(folder, name)


def get_file(
    fname=None,
    origin=None,
    untar=False,
    md5_hash=None,
    file_hash=None,
    cache_subdir="datasets",
    hash_algorithm="auto",
    extract=False,
    archive_format="auto",
    cache_dir=None,
    force_download=False,
):
    """Download a file from a URL unless it is already cached, and return its local path.

    The file goes to ``cache_dir/cache_subdir/fname``: by default
    ``~/.keras/datasets/<fname>`` (``$KERAS_HOME`` replaces ``~/.keras`` when set; when that
    folder cannot be written, ``/tmp/.keras`` is used). A cached file is used as is, unless
    ``file_hash`` is given and no longer matches (then it is downloaded again) or
    ``force_download`` is True. Downloads are atomic: the file appears only once it is
    complete and its hash checked.

    Args:
        fname: the file's name in the cache; None takes the last part of the URL. When
            extracting, a name without a dot names the extraction folder.
        origin: the URL to download from (required).
        untar: deprecated spelling of ``extract=True`` for tar archives.
        md5_hash: deprecated spelling of ``file_hash`` with ``hash_algorithm="md5"``.
        file_hash: the expected sha256 or md5 hex digest of the downloaded file (what
            ``sha256sum`` prints). Recommended: it guards against corruption and tampering.
        cache_subdir: the subfolder of the cache; an absolute path is used as is.
            Defaults to ``"datasets"``.
        hash_algorithm: ``"auto"`` (the default: sha256 for a 64-digit hash, md5
            otherwise), ``"sha256"`` or ``"md5"``.
        extract: whether to unpack a tar or zip archive. Defaults to False.
        archive_format: ``"auto"`` (tar, then zip), ``"tar"``, ``"zip"``, a list of those,
            or None. Defaults to ``"auto"``.
        cache_dir: the cache root; None means ``$KERAS_HOME``, else ``~/.keras``.
        force_download: download again even when a cached copy exists. Defaults to False.

    Returns:
        The path of the downloaded file, or of the extraction folder when extracting.

    Raises:
        ValueError: no ``origin``, a bad ``fname`` or ``hash_algorithm``, a download whose
            hash is not ``file_hash``, or an archive member that would escape its folder.
        OSError: the download failed (the message names the origin).

    Example:
        >>> path = get_file(
        ...     origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        ...     file_hash="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        ... )
        >>> os.path.basename(path)
        'mnist.npz'
    """
    if origin is None:
        raise ValueError(
            "get_file needs origin=, the URL to download from; got origin=None. "
            "Example: get_file('data.csv', origin='https://example.com/data.csv')."
        )
    if hash_algorithm not in _HASH_ALGORITHMS:
        raise ValueError(
            f"get_file: hash_algorithm must be one of {_HASH_ALGORITHMS}, got "
            f"{hash_algorithm!r}. 'auto' picks sha256 or md5 from the length of file_hash."
        )
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    is_extracting = bool(extract or untar)
    folder = _make_cache_folder(_keras_home() if cache_dir is None else cache_dir, cache_subdir)
    target, extraction_dir = _target_paths(fname, origin, folder, is_extracting)

    is_downloading = force_download or not os.path.exists(target)
    if not is_downloading and file_hash is not None:
        if not validate_file(target, file_hash, algorithm=hash_algorithm):
            print(
                f"The cached file {target} does not match the expected {hash_algorithm} hash "
                f"{file_hash} (incomplete or outdated): downloading it again.",
                flush=True,
            )
            is_downloading = True
    if is_downloading:
        _download(origin, target, file_hash, hash_algorithm)

    if not is_extracting:
        return target
    # Unlike Keras, which unpacks again on every call, an existing extraction folder is kept
    # until the archive itself is downloaded again: it was published whole (see below).
    if is_downloading or not os.path.isdir(extraction_dir):
        _extract_atomically(target, extraction_dir, "tar" if untar else archive_format)
    return extraction_dir
