"""Building blocks shared by several application architectures of the second group
(EfficientNet, EfficientNetV2): the squeeze-and-excitation gate and the original
TensorFlow initializers. Blocks used by one architecture only stay in its module.
"""

from lamina import layers
from lamina.applications import _building

# The initializers of the original (TensorFlow TPU) EfficientNet implementations.
CONV_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"},
}
DENSE_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"},
}


def squeeze_excite(x, filters, squeezed, activation, name):
    """Scale each of the ``filters`` channels of ``x`` by a gate computed from the mean of
    all channels: average, 1x1 conv to ``squeezed`` channels (``activation``), 1x1 conv back
    (sigmoid), multiply. Layers: ``{name}se_squeeze``, ``_reshape``, ``_reduce``,
    ``_expand``, ``_excite``.

    Returns:
        The gated tensor, of the shape of ``x``.
    """
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se_shape = (filters, 1, 1) if _building.channel_axis() == 1 else (1, 1, filters)
    se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
    se = layers.Conv2D(squeezed, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER,
                       name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER,
                       name=f"{name}se_expand")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def drop_connect_add(x, inputs, rate, name):
    """Add the block input back after dropping whole samples of the branch at ``rate``
    (a ``{name}drop`` Dropout only when the rate is nonzero; ``{name}add``)."""
    if rate:
        x = layers.Dropout(rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
    return layers.add([x, inputs], name=f"{name}add")
