"""RemoteMonitor: the POST requests it sends, received by a server on 127.0.0.1."""

import http.server
import inspect
import json
import socket
import threading
import urllib.parse
import warnings

import numpy as np
import pytest

import lamina
from lamina import callbacks


class _PostServer:
    """Record each POST (path, headers, body) and answer with ``status``."""

    def __init__(self, status=200):
        self.posts = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.posts.append({"path": self.path, "headers": dict(self.headers),
                                    "body": body})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass  # keep test output clean

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def root(self):
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def _form_json(post, field="data"):
    form = urllib.parse.parse_qs(post["body"].decode())
    (text,) = form[field]
    return json.loads(text)


def test_remote_monitor_posts_logs_as_a_form_field_by_default():
    with _PostServer() as server:
        monitor = callbacks.RemoteMonitor(root=server.root)
        monitor.on_epoch_end(3, {"loss": 0.5, "val_loss": 0.25})
    (post,) = server.posts
    assert post["path"] == "/publish/epoch/end/"
    assert post["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert _form_json(post) == {"epoch": 3, "loss": 0.5, "val_loss": 0.25}


def test_remote_monitor_uses_path_and_field():
    with _PostServer() as server:
        monitor = callbacks.RemoteMonitor(root=server.root, path="/runs/7", field="payload")
        monitor.on_epoch_end(0, {"loss": 1.0})
    (post,) = server.posts
    assert post["path"] == "/runs/7"
    assert _form_json(post, field="payload") == {"epoch": 0, "loss": 1.0}


def test_remote_monitor_send_as_json_posts_the_json_body():
    with _PostServer() as server:
        monitor = callbacks.RemoteMonitor(root=server.root, send_as_json=True)
        monitor.on_epoch_end(1, {"loss": np.float32(0.5), "acc": np.array(0.75)})
    (post,) = server.posts
    assert post["headers"]["Content-Type"] == "application/json"
    assert json.loads(post["body"]) == {"epoch": 1, "loss": 0.5, "acc": 0.75}


def test_remote_monitor_sends_custom_headers():
    headers = {"Authorization": "Bearer token", "Content-Type": "text/plain"}
    with _PostServer() as server:
        monitor = callbacks.RemoteMonitor(root=server.root, headers=headers,
                                          send_as_json=True)
        monitor.on_epoch_end(0, {"loss": 1.0})
    (post,) = server.posts
    assert post["headers"]["Authorization"] == "Bearer token"
    assert post["headers"]["Content-Type"] == "text/plain"


def test_remote_monitor_posts_once_per_epoch_of_fit():
    model = lamina.Sequential([lamina.Input((2,)), lamina.layers.Dense(1)])
    model.compile("sgd", "mse")
    with _PostServer() as server:
        model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=2, verbose=0,
                  callbacks=[callbacks.RemoteMonitor(root=server.root, send_as_json=True)])
    bodies = [json.loads(post["body"]) for post in server.posts]
    assert [body["epoch"] for body in bodies] == [0, 1]
    assert all(isinstance(body["loss"], float) for body in bodies)


def test_remote_monitor_warns_when_the_server_cannot_be_reached():
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monitor = callbacks.RemoteMonitor(root=f"http://127.0.0.1:{port}")
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        monitor.on_epoch_end(0, {"loss": 1.0})


def test_remote_monitor_ignores_an_error_status_as_keras_does():
    with _PostServer(status=500) as server:
        monitor = callbacks.RemoteMonitor(root=server.root)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            monitor.on_epoch_end(0, {"loss": 1.0})
    assert len(server.posts) == 1


@pytest.mark.parametrize("send_as_json", [False, True])
def test_remote_monitor_sends_what_keras_sends(send_as_json):
    keras = pytest.importorskip("keras")
    pytest.importorskip("requests")  # Keras's RemoteMonitor needs it; lamina does not
    posts = []
    for module in (lamina, keras):
        with _PostServer() as server:
            monitor = module.callbacks.RemoteMonitor(root=server.root,
                                                     send_as_json=send_as_json)
            monitor.on_epoch_end(2, {"loss": 0.5, "val_loss": 0.25})
        posts.append(server.posts[0])
    ours, theirs = posts
    assert ours["body"] == theirs["body"]
    assert ours["headers"]["Content-Type"] == theirs["headers"]["Content-Type"]


def test_remote_monitor_signature_matches_keras():
    keras = pytest.importorskip("keras")
    assert inspect.signature(callbacks.RemoteMonitor) == \
        inspect.signature(keras.callbacks.RemoteMonitor)
