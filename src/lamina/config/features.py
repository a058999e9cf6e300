"""Feature switches Keras 3 keeps in ``keras.config``: flash attention, traceback
filtering, Flax NNX.

- Flash attention: attention layers built with ``flash_attention=None`` read
  :func:`is_flash_attention_enabled` (None: let the engine choose, False: never).
- Traceback filtering: Keras trims its own frames from error tracebacks. lamina does not
  rewrite tracebacks (its errors carry messages that name the layer and the fix), so
  ``is_traceback_filtering_enabled()`` is False and the switches only keep scripts that
  call them running.
- Flax NNX: lamina's JAX backend does not build on NNX, so it is never enabled.
"""

_state = {"flash_attention": None}


def enable_flash_attention():
    """Let attention layers use the engine's fused (flash) attention where it applies
    (the default: ``is_flash_attention_enabled()`` is None, "automatic")."""
    _state["flash_attention"] = None


def disable_flash_attention():
    """Make attention layers built with ``flash_attention=None`` skip fused attention."""
    _state["flash_attention"] = False


def is_flash_attention_enabled():
    """None (the engine decides, the default) or False (disabled), as in Keras 3.

    Example:
        >>> lamina.config.disable_flash_attention()
        >>> lamina.config.is_flash_attention_enabled()
        False
    """
    return _state["flash_attention"]


def enable_traceback_filtering():
    """Accepted for Keras compatibility; lamina does not trim tracebacks (see the module),
    so this only warns that nothing changes."""
    import warnings

    warnings.warn("lamina does not filter tracebacks: enable_traceback_filtering() changes "
                  "nothing (tracebacks stay complete).", stacklevel=2)


def disable_traceback_filtering():
    """Accepted for Keras compatibility: lamina's tracebacks are always complete."""


def is_traceback_filtering_enabled():
    """False: lamina never trims frames from tracebacks."""
    return False


def is_nnx_enabled():
    """False: lamina's JAX backend does not use Flax NNX."""
    return False
