"""Dtype policies: the dtype a layer computes in and the dtype it stores its weights in.

``"mixed_float16"`` and ``"mixed_bfloat16"`` compute in 16-bit floats while keeping the
weights in float32, which is faster on hardware with 16-bit units and keeps the updates
accurate. While a layer with such a policy runs, its float32 weights are read in the
compute dtype (``backend.scopes.autocast_scope``).
"""

from lamina import backend

_POLICY_NAMES = ("float16", "bfloat16", "float32", "float64", "mixed_float16",
                 "mixed_bfloat16")


class DTypePolicy:
    """A layer's compute and variable dtypes, named as in Keras.

    Args:
        name: ``"float32"``, ``"float16"``, ``"bfloat16"``, ``"float64"``,
            ``"mixed_float16"`` or ``"mixed_bfloat16"``; None uses ``floatx()``.

    Example:
        >>> policy = lamina.mixed_precision.DTypePolicy("mixed_float16")
        >>> policy.compute_dtype, policy.variable_dtype
        ('float16', 'float32')
    """

    def __init__(self, name=None):
        if name is None:
            name = backend.floatx()
        if isinstance(name, DTypePolicy):
            name = name.name
        given = str(name)
        name = given
        if name not in _POLICY_NAMES:
            # Any plain dtype is a policy too (an integer layer, say).
            try:
                name = backend.standardize_dtype(name)
            except ValueError:
                raise ValueError(
                    f"Unknown dtype policy {given!r}. Use a dtype name or one of "
                    f"{', '.join(_POLICY_NAMES)}."
                ) from None
        self._name = name
        if name.startswith("mixed_"):
            self._compute_dtype = name[len("mixed_"):]
            self._variable_dtype = "float32"
        else:
            self._compute_dtype = self._variable_dtype = name

    @property
    def name(self):
        """The policy's name."""
        return self._name

    @property
    def compute_dtype(self):
        """The dtype layers compute in."""
        return self._compute_dtype

    @property
    def variable_dtype(self):
        """The dtype weights are stored in."""
        return self._variable_dtype

    def get_config(self):
        """``{"name": ...}``."""
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        """A policy from :meth:`get_config`'s output."""
        return cls(**config)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)


Policy = DTypePolicy
_global_policy = None


def set_global_policy(policy):
    """Set the dtype policy new layers use by default.

    Args:
        policy: a policy name (``"mixed_float16"``...) or a ``DTypePolicy``; None resets
            to ``floatx()``.

    Example:
        >>> lamina.mixed_precision.set_global_policy("mixed_bfloat16")
    """
    global _global_policy
    _global_policy = None if policy is None else DTypePolicy(policy)


def global_policy():
    """The policy new layers use by default (``floatx()`` unless set)."""
    return _global_policy or DTypePolicy(backend.floatx())


set_dtype_policy = set_global_policy
dtype_policy = global_policy


def get(identifier):
    """A ``DTypePolicy`` from a name, a config dict, a policy, or None (the global one)."""
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        config = identifier.get("config", identifier)
        return DTypePolicy(config.get("name"))
    return DTypePolicy(getattr(identifier, "name", identifier))
