"""``DropoutRNNCell``: the dropout masks a recurrent cell reuses at every timestep.

Recurrent dropout (Gal & Ghahramani, 2016) drops the same input features and the same state
units at every step of a sequence, so a cell draws its masks once per sequence and keeps
them until the RNN layer resets them after the loop. The RNN layer draws them *before* the
loop (``RNN._prepare_dropout_masks``): a draw advances a SeedGenerator, and that assignment
must not happen inside a compiled ``scan`` body.
"""

from lamina import ops
from lamina import random


class DropoutRNNCell:
    """Mixin for cells with ``dropout`` / ``recurrent_dropout`` rates and a ``seed_generator``.

    A cell that sets ``dropout_mask_count`` gets a list of that many independent masks (one
    per gate) instead of one mask.

    Example:
        >>> class MyCell(lamina.layers.Layer, DropoutRNNCell):
        ...     ...  # set self.dropout, self.recurrent_dropout, self.seed_generator
    """

    def _create_dropout_mask(self, step_input, rate):
        ones = ops.ones_like(step_input)
        count = getattr(self, "dropout_mask_count", None)
        if count is None:
            return random.dropout(ones, rate, seed=self.seed_generator)
        return [random.dropout(ones, rate, seed=self.seed_generator) for _ in range(count)]

    def get_dropout_mask(self, step_input):
        """The input dropout mask for this sequence (drawn on first use), or None."""
        if getattr(self, "_dropout_mask", None) is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(step_input, self.dropout)
        return getattr(self, "_dropout_mask", None)

    def get_recurrent_dropout_mask(self, step_input):
        """The state dropout mask for this sequence (drawn on first use), or None."""
        if getattr(self, "_recurrent_dropout_mask", None) is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(
                step_input, self.recurrent_dropout)
        return getattr(self, "_recurrent_dropout_mask", None)

    def reset_dropout_mask(self):
        """Forget the input mask, so the next sequence draws a new one."""
        # Straight into __dict__ (a mask is nothing to track): this runs on every call.
        if self.__dict__.get("_dropout_mask") is not None:
            self.__dict__["_dropout_mask"] = None

    def reset_recurrent_dropout_mask(self):
        """Forget the state mask, so the next sequence draws a new one."""
        if self.__dict__.get("_recurrent_dropout_mask") is not None:
            self.__dict__["_recurrent_dropout_mask"] = None


def apply_mask(x, mask):
    """``x * mask``, or ``x`` when there is no mask."""
    return x if mask is None else ops.multiply(x, mask)


def clip_rate(rate):
    """Keras clips dropout rates into ``[0, 1]`` rather than rejecting them."""
    return min(1.0, max(0.0, float(rate)))
