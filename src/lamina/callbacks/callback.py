"""``Callback``: the base class of everything that hooks into ``fit``, ``evaluate``, ``predict``.

A subclass overrides the hooks it needs; every other hook does nothing. ``CallbackList``
(in ``callback_list.py``) calls the hooks of many callbacks at once.
"""


def _default_hook(method):
    # Marks the do-nothing hooks so CallbackList can tell which ones a callback overrides
    # and skip converting logs (a device sync per step) when nobody listens.
    method._is_default_hook = True
    return method


def is_default_hook(callback, name):
    """True when ``callback``'s hook ``name`` is the base class's do-nothing version.

    Args:
        callback: a ``Callback``.
        name: a hook's name, e.g. ``"on_train_batch_end"``.

    Returns:
        A bool; False for hooks set on the instance (as ``LambdaCallback`` does).

    Example:
        >>> is_default_hook(Callback(), "on_epoch_end")
        True
    """
    return getattr(getattr(callback, name, None), "_is_default_hook", False)


class Callback:
    """Base class for callbacks: objects whose hooks run at points of training and inference.

    Override any of the ``on_*`` hooks. Each takes a ``logs`` dict of Python floats: the
    batch's or epoch's metric results (validation ones prefixed with ``val_``), or None.
    ``self.model`` is the model being trained and ``self.params`` a dict with ``"verbose"``,
    ``"epochs"`` and ``"steps"``; both are set before training starts.

    The Keras 2 names ``on_batch_begin`` / ``on_batch_end`` still work: by default the
    ``on_train_batch_*`` hooks call them.

    Example:
        >>> class PrintLoss(Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(epoch, logs["loss"])
        >>> # model.fit(x, y, callbacks=[PrintLoss()])
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        """Store the training parameters (a dict with "verbose", "epochs", "steps")."""
        self.params = params

    def set_model(self, model):
        """Store the model these hooks act on."""
        self._model = model

    @property
    def model(self):
        """The model being trained, with its state up to date."""
        # Engines that keep state outside the Variables during an epoch (the JAX trainer)
        # write it back here, so a callback reading or saving weights sees current values.
        sync = getattr(self._model, "jax_state_sync", None)
        if callable(sync):
            sync()
        return self._model

    @_default_hook
    def on_batch_begin(self, batch, logs=None):
        """Keras 2 name for ``on_train_batch_begin``; called for training batches."""

    @_default_hook
    def on_batch_end(self, batch, logs=None):
        """Keras 2 name for ``on_train_batch_end``; called for training batches."""

    @_default_hook
    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of training epoch ``epoch`` (0-based)."""

    @_default_hook
    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of epoch ``epoch`` with its training and validation results."""

    @_default_hook
    def on_train_batch_begin(self, batch, logs=None):
        """Called before training batch ``batch`` (0-based within the epoch)."""
        self.on_batch_begin(batch, logs=logs)

    @_default_hook
    def on_train_batch_end(self, batch, logs=None):
        """Called after training batch ``batch`` with the running results of the epoch."""
        self.on_batch_end(batch, logs=logs)

    @_default_hook
    def on_test_batch_begin(self, batch, logs=None):
        """Called before evaluation batch ``batch``."""

    @_default_hook
    def on_test_batch_end(self, batch, logs=None):
        """Called after evaluation batch ``batch`` with the running results."""

    @_default_hook
    def on_predict_batch_begin(self, batch, logs=None):
        """Called before prediction batch ``batch``."""

    @_default_hook
    def on_predict_batch_end(self, batch, logs=None):
        """Called after prediction batch ``batch``; ``logs["outputs"]`` holds its outputs."""

    @_default_hook
    def on_train_begin(self, logs=None):
        """Called once when ``fit`` starts."""

    @_default_hook
    def on_train_end(self, logs=None):
        """Called once when ``fit`` ends, with the last epoch's results."""

    @_default_hook
    def on_test_begin(self, logs=None):
        """Called when evaluation starts (in ``evaluate`` and for validation in ``fit``)."""

    @_default_hook
    def on_test_end(self, logs=None):
        """Called when evaluation ends, with its results."""

    @_default_hook
    def on_predict_begin(self, logs=None):
        """Called when ``predict`` starts."""

    @_default_hook
    def on_predict_end(self, logs=None):
        """Called when ``predict`` ends."""
