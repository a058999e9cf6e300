"""Pooling layers: windowed, adaptive and global max / average pooling, 1-D to 3-D.

None of them has weights. Windowed pooling runs on ``ops.max_pool`` / ``ops.average_pool``;
adaptive pooling on ``ops.adaptive_max_pool`` / ``ops.adaptive_average_pool``; global
pooling is a reduction over the spatial axes.
"""
