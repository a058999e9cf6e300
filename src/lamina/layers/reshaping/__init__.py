"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector.

They move values around without learning anything; none of them has weights.
"""
