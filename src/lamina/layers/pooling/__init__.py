"""Pooling layers: windowed max / average pooling and global pooling, 1-D to 3-D.

None of them has weights. Windowed pooling runs on ``ops.max_pool`` / ``ops.average_pool``;
global pooling is a reduction over the spatial axes.
"""
