"""Regularization layers: Dropout and its relatives.

SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout and
ActivityRegularization.
"""
