"""Regularization layers: Dropout and its relatives."""
