"""Core layers: Dense, Activation, Lambda, Identity, Embedding, Input."""
