"""Normalization layers: BatchNormalization and LayerNormalization."""
