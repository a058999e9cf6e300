"""Merging layers: combine a list of tensors into one (Add, Concatenate, Dot, ...).

``base_merge.py`` holds the shared checks and broadcasting; each module holds one layer and
its functional form (``Add`` and ``add``).
"""
