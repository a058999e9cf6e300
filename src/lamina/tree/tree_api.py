"""Nested structures (lists, tuples, dicts of tensors): flatten, map, and rebuild.

Dicts are visited in sorted key order, as Keras does, so a flattened dict is stable.
``None`` is a leaf.
"""


def is_nested(structure):
    """True for a list, tuple or dict."""
    return isinstance(structure, (list, tuple, dict))


def _children(structure):
    if isinstance(structure, dict):
        return [structure[k] for k in sorted(structure, key=_key_order)]
    return list(structure)


def _key_order(key):
    return (type(key).__name__, key) if not isinstance(key, str) else ("", key)


def flatten(structure):
    """All leaves of ``structure``, depth first.

    Example:
        >>> lamina.tree.flatten({"b": [1, 2], "a": 3})
        [3, 1, 2]
    """
    if not is_nested(structure):
        return [structure]
    leaves = []
    for child in _children(structure):
        leaves.extend(flatten(child))
    return leaves


def _rebuild(structure, children):
    if isinstance(structure, dict):
        keys = sorted(structure, key=_key_order)
        rebuilt = dict(zip(keys, children))
        return type(structure)((k, rebuilt[k]) for k in structure) if type(structure) is not dict \
            else {k: rebuilt[k] for k in structure}
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*children)
    return type(structure)(children)


def pack_sequence_as(structure, flat_sequence):
    """Rebuild ``structure`` with its leaves replaced, in order, by ``flat_sequence``."""
    flat_sequence = list(flat_sequence)
    position = [0]
    # A module-level helper, not a nested recursive closure: such a closure is a reference
    # cycle that would keep the leaves (a step's tensors, and their autograd graphs) alive
    # until Python's cycle collector runs.
    result = _build(structure, flat_sequence, position)
    if position[0] != len(flat_sequence):
        raise ValueError(
            f"pack_sequence_as: the structure has {position[0]} leaves but "
            f"{len(flat_sequence)} values were given."
        )
    return result


def _build(node, flat_sequence, position):
    if not is_nested(node):
        value = flat_sequence[position[0]]
        position[0] += 1
        return value
    return _rebuild(node, [_build(child, flat_sequence, position)
                           for child in _children(node)])


def map_structure(func, *structures):
    """Apply ``func`` to matching leaves of one or more structures of the same shape."""
    if not structures:
        raise ValueError("map_structure needs at least one structure.")
    flats = [flatten(s) for s in structures]
    lengths = {len(f) for f in flats}
    if len(lengths) != 1:
        raise ValueError(f"map_structure: structures have different numbers of leaves {lengths}.")
    return pack_sequence_as(structures[0], [func(*leaves) for leaves in zip(*flats)])


def traverse(func, structure):
    """Call ``func`` on every leaf, for its side effects."""
    for leaf in flatten(structure):
        func(leaf)
