"""Fixtures for the dataset tests: a local HTTP server and a Keras cache in ``tmp_path``."""

import pytest

from .local_server import LocalServer
from .local_server import sha256


@pytest.fixture(autouse=True)
def keras_home(tmp_path, monkeypatch):
    """A fresh cache root for each test, so no test reads or writes ``~/.keras``."""
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


@pytest.fixture
def server(monkeypatch):
    """A running ``LocalServer``; proxies are bypassed so requests stay on 127.0.0.1."""
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    with LocalServer() as running:
        yield running


@pytest.fixture
def publish(server, monkeypatch):
    """Serve a file for a dataset module: ``publish(module, name, data)``.

    Points the module's ``_ORIGIN_FOLDER`` at the server and sets its hash constant
    (``hash_attr``, ``_FILE_HASH`` by default) to the served bytes' digest, so the loader
    runs its real download and checksum code on the small file.
    """

    def publish_file(module, name, data, hash_attr="_FILE_HASH", digest=sha256):
        server.files[name] = data
        monkeypatch.setattr(module, "_ORIGIN_FOLDER", server.url())
        if hash_attr is not None:
            monkeypatch.setattr(module, hash_attr, digest(data))

    return publish_file
