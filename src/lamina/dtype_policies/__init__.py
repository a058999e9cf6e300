"""Dtype policies (``lamina.dtype_policies``, Keras's ``keras.dtype_policies``): the compute and
variable dtypes of a layer, by name (``"float32"``, ``"mixed_float16"``...).

Example:
    >>> policy = lamina.dtype_policies.get("mixed_bfloat16")
    >>> lamina.dtype_policies.serialize(policy)["config"]
    {'name': 'mixed_bfloat16'}
"""

from lamina.mixed_precision.dtype_policies import DTypePolicy
from lamina.mixed_precision.dtype_policies import get as _get


class FloatDTypePolicy(DTypePolicy):
    """A floating-point :class:`DTypePolicy`; the same thing under its older Keras name."""


def serialize(dtype_policy):
    """The policy as a Keras config dict (``class_name`` ``"DTypePolicy"`` and its name).

    Example:
        >>> serialize(DTypePolicy("float16"))["config"]
        {'name': 'float16'}
    """
    return {"module": "keras", "class_name": "DTypePolicy",
            "config": dtype_policy.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """The policy a :func:`serialize` dict (or a Keras-saved one) describes.

    Example:
        >>> deserialize({"class_name": "DTypePolicy", "config": {"name": "bfloat16"}})
        <DTypePolicy "bfloat16">
    """
    if not isinstance(config, dict) or not isinstance(config.get("config", config), dict):
        raise ValueError(
            f"dtype_policies.deserialize: expected a dict such as {{'class_name': "
            f"'DTypePolicy', 'config': {{'name': 'float32'}}}}; got {config!r}.")
    return _get(config)


def get(identifier):
    """A policy from a name, a config dict or a policy; None gives the global policy.

    Example:
        >>> get("mixed_float16").compute_dtype
        'float16'
    """
    return _get(identifier)


__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]
