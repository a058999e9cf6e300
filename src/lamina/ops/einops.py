"""``rearrange``: einops-style axis reordering, merging and splitting (``keras.ops``)."""

import math
import re

from lamina.ops import core
from lamina.ops import numpy as arrays

_TOKEN = re.compile(r"\(|\)|[A-Za-z_][A-Za-z0-9_]*|\S")


def _parse_side(text, pattern):
    """The groups of one side of a pattern: ``"b (h w) c"`` -> ``[["b"], ["h", "w"], ["c"]]``."""
    groups, current = [], None
    for token in _TOKEN.findall(text):
        if token == "(":
            if current is not None:
                raise ValueError(f"rearrange: nested parentheses in pattern {pattern!r}.")
            current = []
        elif token == ")":
            if current is None:
                raise ValueError(f"rearrange: unbalanced ')' in pattern {pattern!r}.")
            groups.append(current)
            current = None
        elif token[0].isalpha() or token[0] == "_":
            if current is None:
                groups.append([token])
            else:
                current.append(token)
        else:
            raise ValueError(
                f"rearrange: unexpected {token!r} in pattern {pattern!r}; axes are names, "
                "optionally grouped in parentheses, e.g. 'b h w c -> b (h w) c'."
            )
    if current is not None:
        raise ValueError(f"rearrange: unbalanced '(' in pattern {pattern!r}.")
    return groups


def _parse(pattern):
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ValueError(
            "rearrange: `pattern` must be a string 'input axes -> output axes', e.g. "
            f"'b h w c -> b c h w'. Received: {pattern!r}."
        )
    left, right = pattern.split("->")
    lhs, rhs = _parse_side(left, pattern), _parse_side(right, pattern)
    names_in = [name for group in lhs for name in group]
    names_out = [name for group in rhs for name in group]
    for names, side in ((names_in, "input"), (names_out, "output")):
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"rearrange: axis {repeated[0]!r} appears twice on the {side} "
                             f"side of {pattern!r}.")
    if set(names_in) != set(names_out):
        raise ValueError(
            f"rearrange: both sides of {pattern!r} must name the same axes; only on one "
            f"side: {sorted(set(names_in) ^ set(names_out))}."
        )
    return lhs, rhs, names_in, names_out


def rearrange(tensor, pattern, **axes_lengths):
    """Reorder, merge and split the axes of ``tensor`` as an einops pattern says.

    The pattern names each input axis on the left of ``->`` and each output axis on the
    right; names in parentheses are one axis made of several (merged on the right, split on
    the left, where all lengths of a split but one must be given in ``axes_lengths``).

    Args:
        tensor: the input tensor.
        pattern: e.g. ``"b h w c -> b c h w"``, ``"b h w c -> b (h w c)"``,
            ``"b (h1 h) w c -> (b h1) h w c"``.
        **axes_lengths: lengths of the axes a split needs, e.g. ``h1=2``.

    Returns:
        The rearranged tensor.

    Example:
        >>> lamina.ops.rearrange(np.zeros((32, 30, 40, 3)), "b h w c -> b c h w").shape
        (32, 3, 30, 40)
    """
    lhs, rhs, names_in, names_out = _parse(pattern)
    tensor = core.convert_to_tensor(tensor) if not hasattr(tensor, "shape") else tensor
    shape = tuple(tensor.shape)
    if len(shape) != len(lhs):
        raise ValueError(
            f"rearrange: the pattern's input side has {len(lhs)} axes but the tensor has "
            f"{len(shape)} (shape {shape})."
        )
    unused = sorted(set(axes_lengths) - set(names_in))
    if unused:
        raise ValueError(f"rearrange: `axes_lengths` names axes not in the pattern: {unused}.")
    lengths = {}
    for group, size in zip(lhs, shape):
        known = [n for n in group if n in axes_lengths]
        unknown = [n for n in group if n not in axes_lengths]
        for name in known:
            lengths[name] = int(axes_lengths[name])
        if len(unknown) > 1:
            raise ValueError(
                f"rearrange: cannot split an axis into {group} with {unknown} unknown; give "
                f"all but one of their lengths, e.g. {unknown[0]}=2."
            )
        product = math.prod(lengths[n] for n in known)
        if unknown:
            if size is None:
                if known:
                    raise ValueError(
                        f"rearrange: cannot split the axis {group} of unknown length.")
                lengths[unknown[0]] = None
            elif size % product:
                raise ValueError(
                    f"rearrange: the axis {group} has length {size}, which the given lengths "
                    f"(product {product}) do not divide."
                )
            else:
                lengths[unknown[0]] = size // product
        elif size is not None and size != product:
            raise ValueError(
                f"rearrange: the axis {group} has length {size}, but the given lengths "
                f"multiply to {product}."
            )

    def dims(groups):
        out = []
        for group in groups:
            sizes = [lengths[n] for n in group]
            out.append(None if None in sizes else math.prod(sizes))
        return out

    def reshape(x, target):
        if None in target:
            if target.count(None) > 1:
                raise ValueError("rearrange: more than one axis of unknown length would be "
                                 "merged or split; give the shapes statically.")
            target = [-1 if d is None else d for d in target]
        return arrays.reshape(x, tuple(target))

    if any(len(group) != 1 for group in lhs):
        tensor = reshape(tensor, [lengths[n] for n in names_in])
    order = [names_in.index(n) for n in names_out]
    if order != list(range(len(order))):
        tensor = arrays.transpose(tensor, order)
    if any(len(group) != 1 for group in rhs):
        tensor = reshape(tensor, dims(rhs))
    return tensor
