"""``History``: records each epoch's logs; ``fit`` returns it."""

from lamina.callbacks.callback import Callback


class History(Callback):
    """Collects the logs of every epoch into ``history``, a dict of lists.

    ``fit`` adds one automatically and returns it. ``history["loss"][i]`` is epoch ``i``'s
    training loss; ``epoch`` lists the epoch numbers seen in the latest ``fit``, and
    ``params`` the training parameters.

    Example:
        >>> history = model.fit(x, y, epochs=3, verbose=0)
        >>> history.history["loss"]   # three floats
        >>> history.epoch
        [0, 1, 2]
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        """Start a fresh list of epoch numbers."""
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        """Append the epoch's number and each of its logs."""
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        # Set on every epoch so a model stopped part-way still points at its history.
        if self.model is not None:
            self.model.history = self
