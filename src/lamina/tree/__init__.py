"""Utilities for nested structures of tensors (``lamina.tree``, as ``keras.tree``)."""

from lamina.tree.tree_api import flatten
from lamina.tree.tree_api import is_nested
from lamina.tree.tree_api import map_structure
from lamina.tree.tree_api import pack_sequence_as
from lamina.tree.tree_api import traverse

__all__ = ["flatten", "is_nested", "map_structure", "pack_sequence_as", "traverse"]
