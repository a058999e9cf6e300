"""Normalization layers: BatchNormalization and LayerNormalization.

Also GroupNormalization, RMSNormalization, UnitNormalization and the SpectralNormalization wrapper.
"""
