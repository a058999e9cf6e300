"""Device names as Keras writes them (``"cpu:0"``, ``"gpu:1"``), parsed once for every
engine's ``device_scope``."""


def parse_device_name(device_name):
    """``(kind, index)`` from ``"kind"`` or ``"kind:index"``; ``kind`` lower-cased, with
    ``"cuda"`` read as ``"gpu"``.

    Raises:
        ValueError: for anything else, naming the expected form.

    Example:
        >>> parse_device_name("GPU:1")  # ("gpu", 1)
    """
    message = (
        "device: the device name must be 'type' or 'type:index' with type 'cpu', 'gpu' "
        f"(or 'cuda') or 'tpu', e.g. 'cpu:0' or 'gpu:1'. Received: {device_name!r}."
    )
    if not isinstance(device_name, str) or not device_name:
        raise ValueError(message)
    kind, _, index = device_name.lower().partition(":")
    kind = "gpu" if kind == "cuda" else kind
    if kind not in ("cpu", "gpu", "tpu") or (index and not index.isdigit()):
        raise ValueError(message)
    return kind, int(index or 0)
