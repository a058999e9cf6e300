"""Normalization layers: BatchNormalization and LayerNormalization.

Also GroupNormalization, UnitNormalization and the SpectralNormalization wrapper.
"""
