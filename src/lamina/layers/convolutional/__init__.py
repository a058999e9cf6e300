"""Convolutional layers: Conv1D-3D, their transposes, depthwise and separable convolutions.

Each family has a base module (``base_conv.py``, ...) holding the behaviour and a module
with its rank variants; the NumPy-like work happens in ``ops.conv`` and friends.
"""
