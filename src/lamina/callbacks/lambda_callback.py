"""``LambdaCallback``: a callback made from plain functions, without a subclass."""

from lamina.callbacks.callback import Callback

_HOOKS = (
    "on_batch_begin",
    "on_batch_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
    "on_predict_begin",
    "on_predict_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_test_begin",
    "on_test_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_train_begin",
    "on_train_end",
)


class LambdaCallback(Callback):
    """A callback whose hooks are the functions given.

    Each function takes the hook's arguments: ``(epoch, logs)`` for epoch hooks,
    ``(batch, logs)`` for batch hooks and ``(logs)`` for begin/end hooks.

    Args:
        on_epoch_begin: called at the start of each epoch.
        on_epoch_end: called at the end of each epoch.
        on_train_begin: called when training starts.
        on_train_end: called when training ends.
        on_train_batch_begin: called before each training batch.
        on_train_batch_end: called after each training batch.
        **kwargs: any other hook by name, e.g. ``on_test_end=fn``.

    Example:
        >>> print_epoch = LambdaCallback(
        ...     on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
        >>> model.fit(x, y, epochs=2, callbacks=[print_epoch])
    """

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
        **kwargs,
    ):
        super().__init__()
        unknown = sorted(set(kwargs) - set(_HOOKS))
        if unknown:
            raise TypeError(
                f"LambdaCallback got unknown hooks: {', '.join(unknown)}. Valid hook names: "
                f"{', '.join(_HOOKS)}."
            )
        hooks = dict(kwargs)
        hooks.update(
            on_epoch_begin=on_epoch_begin,
            on_epoch_end=on_epoch_end,
            on_train_begin=on_train_begin,
            on_train_end=on_train_end,
            on_train_batch_begin=on_train_batch_begin,
            on_train_batch_end=on_train_batch_end,
        )
        for name, function in hooks.items():
            if function is None:
                continue
            if not callable(function):
                raise TypeError(
                    f"LambdaCallback: {name} must be a function; got {function!r}."
                )
            # Set on the instance, shadowing the do-nothing method of Callback.
            setattr(self, name, function)
