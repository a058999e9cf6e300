"""``RemoteMonitor``: posts each epoch's logs to an HTTP server.

Keras sends them with the ``requests`` package; lamina adds no dependency for this and
uses the standard library's ``urllib.request``, sending the same requests.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from lamina.callbacks.callback import Callback


def _plain(value):
    """A logs value as JSON can hold it: NumPy scalars and arrays become Python values."""
    if isinstance(value, np.ndarray):
        return value.item() if value.size == 1 else value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


class RemoteMonitor(Callback):
    """Send each epoch's logs to a server with an HTTP POST to ``root + path``.

    The payload is a JSON object holding ``"epoch"`` (0-based) and every logs entry. By
    default it is sent as a form (``application/x-www-form-urlencoded``) whose field
    ``field`` holds the JSON text; with ``send_as_json=True`` the JSON itself is the body
    (``application/json``). A server that cannot be reached gives a warning, not an error,
    so training goes on; the server's reply, error statuses included, is not checked.

    Args:
        root: the server's URL. Defaults to ``"http://localhost:9000"``.
        path: the path appended to ``root``. Defaults to ``"/publish/epoch/end/"``.
        field: the form field holding the JSON, when sending a form. Defaults to
            ``"data"``.
        headers: a dict of extra HTTP headers, or None. A ``Content-Type`` given here
            replaces the default one.
        send_as_json: send the JSON as the request body instead of in a form. Defaults
            to False.

    Example:
        >>> monitor = RemoteMonitor(root="http://localhost:9000", send_as_json=True)
        >>> model.fit(x, y, epochs=3, callbacks=[monitor])
    """

    def __init__(
        self,
        root="http://localhost:9000",
        path="/publish/epoch/end/",
        field="data",
        headers=None,
        send_as_json=False,
    ):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def _request(self, payload):
        text = json.dumps(payload)
        if self.send_as_json:
            body, content_type = text.encode("utf-8"), "application/json"
        else:
            body = urllib.parse.urlencode({self.field: text}).encode("ascii")
            content_type = "application/x-www-form-urlencoded"
        headers = dict(self.headers or {})
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = content_type
        return urllib.request.Request(
            self.root + self.path, data=body, headers=headers, method="POST"
        )

    def on_epoch_end(self, epoch, logs=None):
        """Post ``{"epoch": epoch, **logs}`` to the server."""
        payload = {"epoch": epoch}
        payload.update((key, _plain(value)) for key, value in (logs or {}).items())
        request = self._request(payload)
        try:
            with urllib.request.urlopen(request) as response:
                response.read()
        except urllib.error.HTTPError as error:
            # The server answered: like Keras (requests does not raise on a status), the
            # status is not the training's concern.
            error.close()
        except (urllib.error.URLError, OSError):
            warnings.warn(
                f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2
            )
