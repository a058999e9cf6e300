"""``CallbackList``: calls a hook on many callbacks at once, in order.

The trainer talks only to a ``CallbackList``. It converts each ``logs`` dict once (tensors
to Python floats, nested dicts flattened, keys sorted) and hands the same dict to every
callback, so a key one callback adds (``ReduceLROnPlateau``'s ``learning_rate``) is seen
by those after it, ``History`` included.
"""

from lamina.callbacks.callback import Callback
from lamina.callbacks.callback import is_default_hook
from lamina.callbacks.history import History
from lamina.callbacks.logs import pythonify_logs
from lamina.callbacks.progbar_logger import ProgbarLogger

_NOT_A_CALLBACK = (
    "CallbackList: `callbacks` must hold lamina.callbacks.Callback instances; item {index} "
    "is {value!r} of type {type_name}. Subclass lamina.callbacks.Callback (or use "
    "lamina.callbacks.LambdaCallback for plain functions)."
)

# Hooks whose default implementation forwards to a Keras 2 name: a callback listens to the
# hook if it overrides either.
_ALSO_LISTENS_VIA = {
    "on_train_batch_begin": ("on_batch_begin",),
    "on_train_batch_end": ("on_batch_end",),
}


def _flatten_callbacks(callbacks):
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    flat = []
    for item in callbacks:
        if isinstance(item, (list, tuple)):
            flat.extend(_flatten_callbacks(item))
        else:
            flat.append(item)
    return flat


class CallbackList(Callback):
    """A list of callbacks that is itself a callback: each hook calls every member in order.

    Args:
        callbacks: a list of ``Callback`` instances (nested lists are flattened), or None.
        add_history: add a ``History`` at the end unless the list already has one.
        add_progbar: add a ``ProgbarLogger`` at the end unless the list already has one.
        model: the model the callbacks act on; when given, each callback gets it, and a
            ``History`` in the list becomes ``model.history``.
        **params: training parameters (``verbose``, ``epochs``, ``steps``) handed to each
            callback through ``set_params``.

    Example:
        >>> callbacks = CallbackList([EarlyStopping()], add_history=True, model=model,
        ...                          verbose=0, epochs=3, steps=10)
        >>> callbacks.on_train_begin()
    """

    def __init__(
        self,
        callbacks=None,
        add_history=False,
        add_progbar=False,
        model=None,
        **params,
    ):
        super().__init__()
        self.callbacks = _flatten_callbacks(callbacks)
        for index, item in enumerate(self.callbacks):
            if not isinstance(item, Callback):
                raise TypeError(
                    _NOT_A_CALLBACK.format(
                        index=index, value=item, type_name=type(item).__name__
                    )
                )
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history, add_progbar):
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next(
            (cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None
        )
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def set_params(self, params):
        """Store ``params`` and hand them to every callback (when not empty)."""
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        """Hand ``model`` to every callback; None leaves them as they are."""
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _call(self, name, *args, logs=None):
        """Call hook ``name`` on each callback that overrides it, with converted logs."""
        listeners, raw_ok = self._listeners(name)
        if not listeners:
            return
        if not raw_ok:
            logs = pythonify_logs(logs)
        for callback in listeners:
            # Keras passes logs by keyword to batch hooks and by position to the others;
            # doing the same keeps every function that works with Keras working here.
            if "batch" in name:
                getattr(callback, name)(*args, logs=logs)
            else:
                getattr(callback, name)(*args, logs)

    def listens_to(self, name):
        """Whether any callback overrides hook ``name`` (e.g. ``"on_predict_batch_end"``):
        loops skip per-batch bookkeeping nobody reads."""
        return bool(self._listeners(name)[0])

    def _listeners(self, name):
        """The callbacks overriding hook ``name``, and whether all of them take raw logs.

        Looked up once per hook (hooks run every step); replacing ``self.callbacks`` or
        adding / removing a callback starts the lookup over.
        """
        callbacks = self.callbacks
        key = (id(callbacks), len(callbacks), id(callbacks[-1]) if callbacks else None)
        cache = self.__dict__.get("_listener_cache")
        if cache is None or cache[0] != key:
            cache = self._listener_cache = (key, {})
        found = cache[1].get(name)
        if found is None:
            names = (name,) + _ALSO_LISTENS_VIA.get(name, ())
            listeners = [cb for cb in self.callbacks
                         if not all(is_default_hook(cb, n) for n in names)]
            raw_ok = all(getattr(cb, "_raw_logs", False) for cb in listeners)
            found = cache[1][name] = (listeners, raw_ok)
        return found

    def on_batch_begin(self, batch, logs=None):
        """Call ``on_batch_begin`` on each callback."""
        self._call("on_batch_begin", batch, logs=logs)

    def on_batch_end(self, batch, logs=None):
        """Call ``on_batch_end`` on each callback."""
        self._call("on_batch_end", batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        """Call ``on_epoch_begin`` on each callback."""
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        """Call ``on_epoch_end`` on each callback."""
        self._call("on_epoch_end", epoch, logs=logs)

    def on_train_batch_begin(self, batch, logs=None):
        """Call ``on_train_batch_begin`` on each callback."""
        self._call("on_train_batch_begin", batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Call ``on_train_batch_end`` on each callback."""
        self._call("on_train_batch_end", batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Call ``on_test_batch_begin`` on each callback."""
        self._call("on_test_batch_begin", batch, logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        """Call ``on_test_batch_end`` on each callback."""
        self._call("on_test_batch_end", batch, logs=logs)

    def on_predict_batch_begin(self, batch, logs=None):
        """Call ``on_predict_batch_begin`` on each callback."""
        self._call("on_predict_batch_begin", batch, logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        """Call ``on_predict_batch_end`` on each callback."""
        self._call("on_predict_batch_end", batch, logs=logs)

    def on_train_begin(self, logs=None):
        """Call ``on_train_begin`` on each callback."""
        self._call("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        """Call ``on_train_end`` on each callback."""
        self._call("on_train_end", logs=logs)

    def on_test_begin(self, logs=None):
        """Call ``on_test_begin`` on each callback."""
        self._call("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        """Call ``on_test_end`` on each callback."""
        self._call("on_test_end", logs=logs)

    def on_predict_begin(self, logs=None):
        """Call ``on_predict_begin`` on each callback."""
        self._call("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        """Call ``on_predict_end`` on each callback."""
        self._call("on_predict_end", logs=logs)
