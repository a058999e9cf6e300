"""``TerminateOnNaN``: stops training as soon as the loss becomes NaN or infinite."""

import math

from lamina.callbacks.callback import Callback
from lamina.utils import io_utils


class TerminateOnNaN(Callback):
    """Stop training when a batch's loss is NaN or infinite.

    Args:
        raise_error: False (the default) prints a message and sets
            ``model.stop_training``, so ``fit`` ends cleanly and every callback's
            ``on_train_end`` runs. True raises ``RuntimeError`` at once instead, skipping
            that clean-up (useful to keep a backup untouched).

    Example:
        >>> model.fit(x, y, callbacks=[TerminateOnNaN()])
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        """Check the batch's loss; stop (or raise) when it is not finite."""
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        try:
            loss = float(loss)
        except (TypeError, ValueError):
            return
        if math.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(
                f"TerminateOnNaN: the loss is {loss} at batch {batch}; stopping training "
                "now. Check the learning rate, the inputs for NaN or infinite values, and "
                "the loss for log(0) or division by zero."
            )
        io_utils.print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
