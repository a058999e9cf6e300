"""A throwaway HTTP server on 127.0.0.1 that serves bytes from a dict and counts requests.

The dataset and ``get_file`` tests point the real download code at it, so nothing reaches
the network. Used by ``tests/datasets/`` and ``tests/utils/test_get_file.py``.
"""

import collections
import hashlib
import http.server
import threading


class LocalServer:
    """Serve ``files[name]`` at ``url(name)`` from a background thread.

    ``requests[name]`` counts the GET requests for each name; a name missing from ``files``
    answers 404. Use it as a context manager so the server stops.

    Example:
        >>> with LocalServer() as server:
        ...     server.files["a.txt"] = b"hi"
        ...     urllib.request.urlopen(server.url("a.txt")).read()
        b'hi'
    """

    def __init__(self):
        self.files = {}
        self.requests = collections.Counter()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # the name http.server calls
                name = self.path.lstrip("/")
                owner.requests[name] += 1
                body = owner.files.get(name)
                if body is None:
                    self.send_error(404, "not found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass  # keep test output clean

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval: shutdown() waits for the next poll, once per test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def url(self, name=""):
        """The URL that serves ``files[name]``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/{name}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def sha256(data):
    """The sha256 hex digest of ``data`` (bytes)."""
    return hashlib.sha256(data).hexdigest()


def md5(data):
    """The md5 hex digest of ``data`` (bytes)."""
    return hashlib.md5(data).hexdigest()
