"""``Config``: a dict-like container of named values with attribute access and freezing."""

import json


class Config:
    """A dict of named values that also reads and writes them as attributes, and can be
    frozen against further changes.

    Args:
        **kwargs: the initial entries.

    Example:
        >>> config = Config(learning_rate=0.1)
        >>> config.momentum = 0.9
        >>> config["seed"] = 123
        >>> config.freeze()
        >>> config.as_dict()  # {'learning_rate': 0.1, 'momentum': 0.9, 'seed': 123}
    """

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self):
        """Whether the config refuses changes."""
        return self._frozen

    def freeze(self):
        """Refuse further changes (setting, deleting, ``update``, ``pop``)."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        """Allow changes again."""
        object.__setattr__(self, "_frozen", False)

    def _raise_if_frozen(self):
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen. "
                             "Call config.unfreeze() first.")

    def as_dict(self):
        """A plain ``dict`` copy of the entries."""
        return dict(self._config)

    def to_json(self):
        """The entries as a JSON string."""
        return json.dumps(self._config)

    def keys(self):
        """The entry names."""
        return self._config.keys()

    def values(self):
        """The entry values."""
        return self._config.values()

    def items(self):
        """The ``(name, value)`` pairs."""
        return self._config.items()

    def get(self, key, default=None):
        """The value of ``key``, or ``default``."""
        return self._config.get(key, default)

    def pop(self, *args):
        """Remove an entry and return its value (``dict.pop``)."""
        self._raise_if_frozen()
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        """Add or replace entries (``dict.update``)."""
        self._raise_if_frozen()
        self._config.update(*args, **kwargs)

    def __getattr__(self, name):
        if name.startswith("__") or name in ("_config", "_frozen"):
            raise AttributeError(name)
        try:
            return self._config[name]
        except KeyError:
            raise AttributeError(f"Unknown attribute: '{name}'.") from None

    def __setattr__(self, name, value):
        self._raise_if_frozen()
        if name in ("frozen",) or isinstance(getattr(type(self), name, None), property):
            raise AttributeError(f"Cannot set the read-only attribute {name!r}.")
        self._config[name] = value

    def __delattr__(self, name):
        self._raise_if_frozen()
        try:
            del self._config[name]
        except KeyError:
            raise AttributeError(f"Unknown attribute: '{name}'.") from None

    def __getitem__(self, key):
        return self._config[key]

    def __setitem__(self, key, value):
        self.__setattr__(key, value)

    def __delitem__(self, key):
        self._raise_if_frozen()
        del self._config[key]

    def __contains__(self, key):
        return key in self._config

    def __iter__(self):
        return iter(self._config)

    def __len__(self):
        return len(self._config)

    def __eq__(self, other):
        if isinstance(other, Config):
            return self._config == other._config
        return self._config == other

    __hash__ = None

    def __repr__(self):
        return f"<Config {self._config!r}>"
