"""Attention layers: dot-product (Luong) and additive (Bahdanau) attention, multi-head and
grouped-query attention.

``base_head_attention.py`` holds what the two multi-head layers share (taking query, value
and key, building the attention mask, the masked softmax and the dot-product step).
"""
