"""``SwapEMAWeights``: evaluates (and optionally checkpoints) with the optimizer's moving
average of the weights instead of the weights themselves."""

from lamina import ops
from lamina.callbacks.callback import Callback

_NO_EMA = (
    "SwapEMAWeights: the model's optimizer {optimizer!r} keeps no moving average of the "
    "weights (use_ema={use_ema}). Create it with use_ema=True, e.g. "
    "model.compile(optimizer=lamina.optimizers.SGD(use_ema=True), ...)."
)
_NO_EMA_IN_ANY = (
    "SwapEMAWeights: none of the optimizers in {optimizer!r} keeps a moving average of the "
    "weights. Create at least one with use_ema=True."
)
_NOT_BUILT = (
    "SwapEMAWeights: the optimizer {optimizer!r} has use_ema=True but has not been built, "
    "so it holds no moving averages yet. Train the model (fit) before evaluating or "
    "predicting with this callback, or build the optimizer with "
    "optimizer.build(model.trainable_variables)."
)


def _ema_optimizers(model):
    """The optimizers of ``model`` whose moving averages are swapped in (at least one)."""
    optimizer = model.optimizer
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    inner = getattr(optimizer, "optimizers", None)
    if inner:
        found = [opt for opt in inner if getattr(opt, "use_ema", False)]
        if not found:
            raise ValueError(_NO_EMA_IN_ANY.format(optimizer=optimizer))
    else:
        if not getattr(optimizer, "use_ema", False):
            raise ValueError(
                _NO_EMA.format(optimizer=optimizer, use_ema=getattr(optimizer, "use_ema", None))
            )
        found = [optimizer]
    for opt in found:
        if not hasattr(opt, "_model_variables_moving_average"):
            raise ValueError(_NOT_BUILT.format(optimizer=opt))
    return found


class SwapEMAWeights(Callback):
    """Put the optimizer's moving average of the weights into the model while it is
    evaluated, and the trained weights back afterwards.

    Use it with an optimizer created with ``use_ema=True``: validation in ``fit``, and
    ``evaluate`` / ``predict`` given this callback, then score the averaged weights
    ("Polyak averaging"), while training goes on from the trained ones. The two sets of
    values trade places in the same Variables, so no extra copy of the model is kept; do
    not change either set from another callback meanwhile.

    Args:
        swap_on_epoch: also hold the averages in the model between an epoch's end and the
            next epoch's start, so callbacks listed after this one (``ModelCheckpoint``)
            see and save them. After the last epoch the averages stay in the model.
            Defaults to False.

    Example:
        >>> model.compile(optimizer=lamina.optimizers.SGD(use_ema=True), loss="mse")
        >>> model.fit(x, y, validation_split=0.2, callbacks=[SwapEMAWeights()])
        >>> # save checkpoints of the averaged weights:
        >>> model.fit(x, y, callbacks=[SwapEMAWeights(swap_on_epoch=True),
        ...                            ModelCheckpoint("best.keras")])
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _swap(self):
        """Trade the values of the trained variables and their moving averages."""
        for optimizer in _ema_optimizers(self.model):
            for variable, average in zip(
                optimizer._trainable_variables, optimizer._model_variables_moving_average
            ):
                trained = ops.convert_to_numpy(variable)
                variable.assign(average)
                average.assign(trained)
        self._ema_weights_in_model = not self._ema_weights_in_model

    def _finalize(self):
        """Make the averages equal the values now in the model (the averages), so the
        write-back ``fit`` does at its end keeps them there."""
        for optimizer in _ema_optimizers(self.model):
            for variable, average in zip(
                optimizer._trainable_variables, optimizer._model_variables_moving_average
            ):
                average.assign(variable)

    def _swap_in(self):
        if not self._ema_weights_in_model:
            self._swap()

    def _swap_out(self):
        if self._ema_weights_in_model:
            self._swap()

    def on_epoch_begin(self, epoch, logs=None):
        """With ``swap_on_epoch``: put the trained weights back before training goes on."""
        if self.swap_on_epoch:
            self._swap_out()

    def on_epoch_end(self, epoch, logs=None):
        """With ``swap_on_epoch``: put the averages in the model for later callbacks."""
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap()
            if epoch == (self.params or {}).get("epochs", 0) - 1:
                self._finalize()

    def on_test_begin(self, logs=None):
        """Put the averages in the model for evaluation."""
        self._swap_in()

    def on_test_end(self, logs=None):
        """Put the trained weights back."""
        self._swap_out()

    def on_predict_begin(self, logs=None):
        """Put the averages in the model for prediction."""
        self._swap_in()

    def on_predict_end(self, logs=None):
        """Put the trained weights back."""
        self._swap_out()
