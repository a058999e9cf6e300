"""Activation layers: ReLU, LeakyReLU, PReLU, ELU and Softmax as layers with their own
arguments (``Activation("relu")`` in ``core/`` takes any activation by name).
"""
