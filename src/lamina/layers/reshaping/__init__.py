"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, ZeroPadding, Cropping and
UpSampling.

They move values around without learning anything; none of them has weights.
"""
