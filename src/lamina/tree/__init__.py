"""Utilities for nested structures of tensors (``lamina.tree``, as ``keras.tree``)."""

from lamina.tree.tree_api import MAP_TO_NONE
from lamina.tree.tree_api import assert_same_paths
from lamina.tree.tree_api import assert_same_structure
from lamina.tree.tree_api import flatten
from lamina.tree.tree_api import flatten_with_path
from lamina.tree.tree_api import is_nested
from lamina.tree.tree_api import lists_to_tuples
from lamina.tree.tree_api import map_shape_structure
from lamina.tree.tree_api import map_structure
from lamina.tree.tree_api import map_structure_up_to
from lamina.tree.tree_api import pack_sequence_as
from lamina.tree.tree_api import traverse

__all__ = [
    "MAP_TO_NONE",
    "assert_same_paths",
    "assert_same_structure",
    "flatten",
    "flatten_with_path",
    "is_nested",
    "lists_to_tuples",
    "map_shape_structure",
    "map_structure",
    "map_structure_up_to",
    "pack_sequence_as",
    "traverse",
]
