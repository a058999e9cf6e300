"""lamina.utils.get_file against a local HTTP server: cache, checksums, atomic downloads,
archive extraction and its safety checks, and errors that name the origin."""

import io
import os
import socket
import tarfile
import zipfile

import pytest

import lamina
from datasets.local_server import LocalServer  # tests/datasets/local_server.py
from datasets.local_server import md5
from datasets.local_server import sha256
from lamina.utils import file_utils
from lamina.utils import get_file

DATA = b"some bytes worth caching\n" * 10


@pytest.fixture(autouse=True)
def keras_home(tmp_path, monkeypatch):
    """Point the default cache at tmp_path, so no test touches ~/.keras."""
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    with LocalServer() as running:
        running.files["data.bin"] = DATA
        yield running


def _tar_gz(members):
    """A .tar.gz from (TarInfo-type, name, bytes-or-link-target) triples."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for kind, name, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                archive.addfile(info, io.BytesIO(payload))
            else:
                info.type, info.linkname = kind, payload
                archive.addfile(info)
    return buffer.getvalue()


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def _files_under(folder):
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, _, names in os.walk(folder) for name in names)


# -- downloading and the cache -----------------------------------------------------------------
def test_downloads_into_keras_home_datasets(server, keras_home):
    path = get_file("data.bin", origin=server.url("data.bin"))
    assert path == str(keras_home / "datasets" / "data.bin")
    assert open(path, "rb").read() == DATA


def test_takes_the_file_name_from_the_url_when_fname_is_none(server, keras_home):
    assert get_file(origin=server.url("data.bin")) == str(keras_home / "datasets" / "data.bin")


def test_cache_dir_and_cache_subdir_choose_the_folder(server, tmp_path):
    path = get_file("data.bin", server.url("data.bin"), cache_dir=tmp_path / "c",
                    cache_subdir="mine")
    assert path == str(tmp_path / "c" / "mine" / "data.bin")


def test_defaults_to_dot_keras_in_the_home_folder(server, tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_file("data.bin", server.url("data.bin")) == str(
        tmp_path / ".keras" / "datasets" / "data.bin")


def test_falls_back_to_tmp_keras_when_the_cache_cannot_be_written(server, tmp_path,
                                                                  monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_bytes(b"")
    monkeypatch.setattr(file_utils, "_fallback_cache_root", lambda: str(tmp_path / "fallback"))
    path = get_file("data.bin", server.url("data.bin"), cache_dir=blocker / "cache")
    assert path == str(tmp_path / "fallback" / "datasets" / "data.bin")


def test_a_cached_file_is_not_downloaded_again(server):
    get_file("data.bin", server.url("data.bin"), file_hash=sha256(DATA))
    get_file("data.bin", server.url("data.bin"), file_hash=sha256(DATA))
    get_file("data.bin", server.url("data.bin"))
    assert server.requests["data.bin"] == 1


def test_force_download_downloads_again(server):
    get_file("data.bin", server.url("data.bin"))
    get_file("data.bin", server.url("data.bin"), force_download=True)
    assert server.requests["data.bin"] == 2


def test_a_cached_file_with_the_wrong_hash_is_replaced(server, capsys):
    path = get_file("data.bin", server.url("data.bin"))
    with open(path, "wb") as f:
        f.write(b"half a fi")
    assert get_file("data.bin", server.url("data.bin"), file_hash=sha256(DATA)) == path
    assert open(path, "rb").read() == DATA and server.requests["data.bin"] == 2
    assert "does not match the expected" in capsys.readouterr().out


def test_prints_where_it_downloads_from(server, capsys):
    get_file("data.bin", server.url("data.bin"))
    assert f"Downloading data from {server.url('data.bin')}" in capsys.readouterr().out


# -- checksums ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {"file_hash": sha256(DATA)},
    {"file_hash": sha256(DATA).upper()},
    {"file_hash": md5(DATA)},  # "auto" reads md5 from the 32-digit length
    {"file_hash": md5(DATA), "hash_algorithm": "md5"},
    {"md5_hash": md5(DATA)},  # the deprecated spelling
], ids=["sha256", "uppercase", "md5_auto", "md5", "md5_hash"])
def test_accepts_a_matching_hash(server, kwargs):
    assert open(get_file("data.bin", server.url("data.bin"), **kwargs), "rb").read() == DATA


def test_a_wrong_hash_raises_and_saves_nothing(server, keras_home):
    with pytest.raises(ValueError, match=r"data\.bin', but its sha256 hash is .* not the expected"):
        get_file("data.bin", server.url("data.bin"), file_hash="0" * 64)
    assert os.listdir(keras_home / "datasets") == []


def test_hash_algorithm_sha256_with_an_md5_digest_does_not_match(server):
    with pytest.raises(ValueError, match="sha256 hash"):
        get_file("data.bin", server.url("data.bin"), file_hash=md5(DATA), hash_algorithm="sha256")


def test_hash_file_and_validate_file(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(DATA)
    assert file_utils.hash_file(path) == sha256(DATA)
    assert file_utils.hash_file(path, algorithm="md5") == md5(DATA)
    assert file_utils.validate_file(path, md5(DATA))
    assert not file_utils.validate_file(path, sha256(b"other"))


# -- errors ------------------------------------------------------------------------------------
def test_http_error_names_the_origin_and_saves_nothing(server, keras_home):
    origin = server.url("nowhere.bin")
    with pytest.raises(OSError, match=rf"could not download origin='{origin}': HTTP 404"):
        get_file("nowhere.bin", origin)
    assert os.listdir(keras_home / "datasets") == []


def test_refused_connection_names_the_origin(monkeypatch):
    monkeypatch.setenv("no_proxy", "*")
    with socket.socket() as s:  # a port nobody listens on once this socket closes
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    origin = f"http://127.0.0.1:{port}/x.bin"
    with pytest.raises(OSError, match=rf"origin='{origin}'.*refused"):
        get_file("x.bin", origin)


@pytest.mark.parametrize("kwargs, message", [
    ({"fname": "x"}, "needs origin="),
    ({"fname": "dir/x", "origin": "http://h/x"}, "fname must be a plain file name"),
    ({"fname": "..", "origin": "http://h/x"}, "fname must be a plain file name"),
    ({"origin": "http://h/"}, "could not read a file name from origin"),
    ({"origin": "http://h/x", "hash_algorithm": "sha1"}, "hash_algorithm must be one of"),
    ({"origin": "example.com/x"}, "origin must be a URL"),
])
def test_bad_arguments_raise_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        get_file(**kwargs)


# -- extraction --------------------------------------------------------------------------------
def test_extracts_a_tar_gz_to_a_folder_named_by_fname(server, keras_home):
    server.files["pack.tar.gz"] = _tar_gz([("file", "pack/a.txt", b"a"),
                                           ("file", "pack/sub/b.txt", b"b")])
    folder = get_file("pack", server.url("pack.tar.gz"), extract=True)
    assert folder == str(keras_home / "datasets" / "pack")
    assert _files_under(folder) == ["pack/a.txt", "pack/sub/b.txt"]
    assert (keras_home / "datasets" / "pack_archive").is_file()


def test_fname_with_a_dot_extracts_to_stem_extracted(server, keras_home):
    server.files["pack.zip"] = _zip({"a.txt": b"a"})
    folder = get_file("pack.zip", server.url("pack.zip"), extract=True)
    assert folder == str(keras_home / "datasets" / "pack_extracted")
    assert _files_under(folder) == ["a.txt"]
    assert (keras_home / "datasets" / "pack.zip").is_file()


def test_untar_is_extract_for_tar_archives(server):
    server.files["pack.tar.gz"] = _tar_gz([("file", "a.txt", b"a")])
    assert _files_under(get_file("pack", server.url("pack.tar.gz"), untar=True)) == ["a.txt"]


def test_extraction_is_reused_until_the_archive_is_downloaded_again(server):
    server.files["pack.tar.gz"] = _tar_gz([("file", "a.txt", b"a")])
    folder = get_file("pack", server.url("pack.tar.gz"), extract=True)
    assert get_file("pack", server.url("pack.tar.gz"), extract=True) == folder
    server.files["pack.tar.gz"] = _tar_gz([("file", "new.txt", b"n")])
    get_file("pack", server.url("pack.tar.gz"), extract=True, force_download=True)
    assert _files_under(folder) == ["new.txt"] and server.requests["pack.tar.gz"] == 2


def test_a_file_that_is_no_archive_warns(server):
    with pytest.warns(UserWarning, match="could not extract"):
        get_file("data", server.url("data.bin"), extract=True)


@pytest.mark.parametrize("member", ["../escape.txt", "ok/../../escape.txt", "/tmp/escape.txt"])
def test_tar_member_escaping_the_folder_is_refused(server, keras_home, member):
    server.files["evil.tar.gz"] = _tar_gz([("file", "fine.txt", b"x"), ("file", member, b"x")])
    with pytest.raises(ValueError, match=r"would be written outside the extraction folder"):
        get_file("evil", server.url("evil.tar.gz"), extract=True)
    assert not (keras_home / "datasets" / "escape.txt").exists()
    assert not (keras_home / "escape.txt").exists()
    assert sorted(os.listdir(keras_home / "datasets")) == ["evil_archive"]  # no folder left


def test_zip_member_escaping_the_folder_is_refused(server, keras_home):
    server.files["evil.zip"] = _zip({"../escape.txt": b"x"})
    with pytest.raises(ValueError, match=r"member '../escape.txt'"):
        get_file("evil", server.url("evil.zip"), extract=True)
    assert not (keras_home / "datasets" / "escape.txt").exists()


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_tar_links_are_skipped(server, kind):
    server.files["links.tar.gz"] = _tar_gz([("file", "a.txt", b"a"),
                                            (kind, "link", "/etc/passwd")])
    with pytest.warns(UserWarning, match="skipped the member 'link'"):
        folder = get_file("links", server.url("links.tar.gz"), extract=True)
    assert os.listdir(folder) == ["a.txt"]


def test_get_file_is_exported_from_lamina_utils():
    assert lamina.utils.get_file is file_utils.get_file
