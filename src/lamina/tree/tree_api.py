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


def map_structure(func, *structures, none_is_leaf=True):
    """Apply ``func`` to matching leaves of one or more structures of the same shape.

    Args:
        func: called with one leaf from each structure.
        *structures: structures nested the same way.
        none_is_leaf: pass ``None`` leaves to ``func`` (True, the default) or keep them as
            ``None`` in the result without calling it.
    """
    if not structures:
        raise ValueError("map_structure needs at least one structure.")
    if not callable(func):
        raise TypeError(f"map_structure: `func` must be callable, got {func!r}.")
    flats = [flatten(s) for s in structures]
    lengths = {len(f) for f in flats}
    if len(lengths) != 1:
        raise ValueError(f"map_structure: structures have different numbers of leaves {lengths}.")
    if none_is_leaf:
        values = [func(*leaves) for leaves in zip(*flats)]
    else:
        values = [None if all(leaf is None for leaf in leaves) else func(*leaves)
                  for leaves in zip(*flats)]
    return pack_sequence_as(structures[0], values)


class MAP_TO_NONE:  # noqa: N801 (Keras's spelling)
    """Return this from a :func:`traverse` function to put ``None`` in place of a subtree."""


def traverse(func, structure, top_down=True):
    """Visit every subtree of ``structure`` (depth first) and return the structure with the
    subtrees ``func`` replaced.

    Top-down, a parent is visited before its children: when ``func(subtree)`` returns
    something other than None, that value replaces the subtree and its children are not
    visited. Bottom-up, children come first and a non-None result replaces the subtree.
    Return :class:`MAP_TO_NONE` to replace a subtree with None.

    Example:
        >>> seen = []
        >>> lamina.tree.traverse(seen.append, [(1, 2), 3])
        [(1, 2), 3]
        >>> seen
        [[(1, 2), 3], (1, 2), 1, 2, 3]
    """
    if not callable(func):
        raise TypeError(f"traverse: `func` must be callable, got {func!r}.")
    return _traverse(func, structure, top_down)


def _replacement(value, original):
    if value is None:
        return original
    return None if value is MAP_TO_NONE else value


def _traverse(func, node, top_down):
    if top_down:
        result = func(node)
        if result is not None:
            return None if result is MAP_TO_NONE else result
        if not is_nested(node):
            return node
        return _rebuild(node, [_traverse(func, c, top_down) for c in _children(node)])
    if is_nested(node):
        node = _rebuild(node, [_traverse(func, c, top_down) for c in _children(node)])
    return _replacement(func(node), node)


def _paths(structure, prefix=()):
    if not is_nested(structure):
        return [(prefix, structure)]
    if isinstance(structure, dict):
        keys = sorted(structure, key=_key_order)
    else:
        keys = range(len(structure))
    pairs = []
    for key in keys:
        pairs.extend(_paths(structure[key], prefix + (key,)))
    return pairs


def flatten_with_path(structure):
    """``(path, leaf)`` pairs in :func:`flatten`'s order; a path is the tuple of indices and
    dict keys leading to the leaf.

    Example:
        >>> lamina.tree.flatten_with_path([{"foo": 42}])
        [((0, 'foo'), 42)]
    """
    return _paths(structure)


def _same_structure(a, b, loose):
    """Where ``a`` and ``b`` first differ (a message), or None."""
    if is_nested(a) != is_nested(b):
        return f"{_describe(a)} vs {_describe(b)}"
    if not is_nested(a):
        return None
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)):
            return f"{_describe(a)} vs {_describe(b)}"
        if set(a) != set(b):
            return f"dict keys {sorted(a, key=_key_order)} vs {sorted(b, key=_key_order)}"
    else:
        if not loose and type(a) is not type(b):
            return f"{type(a).__name__} vs {type(b).__name__}"
        if len(a) != len(b):
            return f"{type(a).__name__} of length {len(a)} vs length {len(b)}"
    for x, y in zip(_children(a), _children(b)):
        found = _same_structure(x, y, loose)
        if found:
            return found
    return None


def _describe(x):
    return type(x).__name__ + (f" of length {len(x)}" if is_nested(x) else " (a leaf)")


def assert_same_structure(a, b, check_types=None):
    """Raise ValueError unless ``a`` and ``b`` are nested the same way: the same container
    types (lists, tuples and each namedtuple type apart; dicts compared by their keys) with
    the same lengths, leaves anywhere.

    Args:
        a, b: the structures.
        check_types: accepted for Keras compatibility; it has no effect (as in Keras 3).

    Example:
        >>> lamina.tree.assert_same_structure([(0, 1)], [(2, 3)])
    """
    if check_types is not None:
        import warnings

        warnings.warn("assert_same_structure: `check_types` has no effect; use "
                      "assert_same_paths for a check that ignores container types.",
                      DeprecationWarning, stacklevel=2)
    found = _same_structure(a, b, loose=False)
    if found:
        raise ValueError(
            f"The two structures don't have the same nested structure: {found}.\n"
            f"First structure: {a!r}\nSecond structure: {b!r}")


def assert_same_paths(a, b):
    """Raise ValueError unless ``a`` and ``b`` have the same leaf paths (container types
    ignored: a list and a tuple of the same length match).

    Example:
        >>> lamina.tree.assert_same_paths([0, 1], (2, 3))
    """
    paths_a = {path for path, _ in _paths(a)}
    paths_b = {path for path, _ in _paths(b)}
    if paths_a != paths_b:
        only_a = sorted(map(str, paths_a - paths_b))
        only_b = sorted(map(str, paths_b - paths_a))
        raise ValueError(
            "The two structures don't have the same paths. Only in the first: "
            f"{only_a}; only in the second: {only_b}.")


def map_structure_up_to(shallow_structure, func, *structures):
    """:func:`map_structure` down to the leaves of ``shallow_structure`` only: what lies
    below them in ``structures`` is passed to ``func`` whole.

    Example:
        >>> lamina.tree.map_structure_up_to([None, None], len, [[1, 1], [2, 2]])
        [2, 2]
    """
    if not structures:
        raise TypeError("map_structure_up_to needs at least one structure.")
    if not callable(func):
        raise TypeError(f"map_structure_up_to: `func` must be callable, got {func!r}.")
    return _map_up_to(shallow_structure, func, structures)


def _map_up_to(shallow, func, structures):
    if not is_nested(shallow):
        return func(*structures)
    for structure in structures:
        if not is_nested(structure):
            raise ValueError(
                f"map_structure_up_to: the structure {structure!r} is shallower than "
                f"{shallow!r}.")
        if isinstance(shallow, dict):
            if not isinstance(structure, dict) or not set(shallow) <= set(structure):
                raise ValueError(
                    f"map_structure_up_to: {structure!r} lacks keys of {shallow!r}.")
        elif len(structure) != len(shallow):
            raise ValueError(
                f"map_structure_up_to: {structure!r} has {len(structure)} items where "
                f"{shallow!r} has {len(shallow)}.")
    if isinstance(shallow, dict):
        keys = sorted(shallow, key=_key_order)
        children = [_map_up_to(shallow[k], func, [s[k] for s in structures]) for k in keys]
    else:
        children = [_map_up_to(child, func, [s[i] for s in structures])
                    for i, child in enumerate(shallow)]
    return _rebuild(shallow, children)


def lists_to_tuples(structure):
    """``structure`` with every list (at any depth) turned into a tuple.

    Example:
        >>> lamina.tree.lists_to_tuples([1, [2, {"a": [3]}]])
        (1, (2, {'a': (3,)}))
    """
    if not is_nested(structure):
        return structure
    children = [lists_to_tuples(c) for c in _children(structure)]
    if isinstance(structure, list):
        return tuple(children)
    return _rebuild(structure, children)


def _is_shape(x):
    return isinstance(x, (tuple, list)) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in x)


def map_shape_structure(func, structure):
    """:func:`map_structure` where tuples (or lists) of ints and Nones count as leaves
    (shapes): ``func`` gets each whole shape.

    Example:
        >>> lamina.tree.map_shape_structure(len, {"a": (2, 3), "b": [(None, 4, 5)]})
        {'a': 2, 'b': [3]}
    """
    if _is_shape(structure) or not is_nested(structure):
        return func(structure)
    return _rebuild(structure,
                    [map_shape_structure(func, c) for c in _children(structure)])
