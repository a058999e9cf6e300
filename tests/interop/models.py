"""The models the interop tests move between Keras 3 and lamina.

Each builder takes a library module (``keras`` or ``lamina``; both have the same API) and
returns the same small architecture with the same layer names, plus matching input data.
"""

import numpy as np


def mlp(lib):
    """A Sequential MLP with dropout (inactive at inference)."""
    L = lib.layers
    return lib.Sequential([lib.Input((4,)), L.Dense(8, activation="relu"), L.Dropout(0.1),
                           L.Dense(3, activation="softmax")], name="mlp")


def two_in_two_out(lib):
    """A Functional model with two inputs and two outputs."""
    L = lib.layers
    a = lib.Input((3,), name="a")
    b = lib.Input((2,), name="b")
    h = L.Dense(4, activation="relu", name="hidden")(L.Concatenate(name="join")([a, b]))
    return lib.Model([a, b], [L.Dense(2, name="reg")(h),
                              L.Dense(1, activation="sigmoid", name="cls")(h)], name="two")


def cnn(lib):
    """A small CNN with BatchNormalization."""
    L = lib.layers
    return lib.Sequential([
        lib.Input((6, 6, 2)), L.Conv2D(3, 3, padding="same"), L.BatchNormalization(),
        L.Activation("relu"), L.MaxPooling2D(2), L.Flatten(), L.Dense(2),
    ], name="cnn")


def lstm(lib):
    """An LSTM over a sequence, then a Dense head."""
    L = lib.layers
    return lib.Sequential([lib.Input((5, 3)), L.LSTM(4), L.Dense(1)], name="lstm_model")


def bigru(lib):
    """A Bidirectional GRU over a masked Embedding."""
    L = lib.layers
    return lib.Sequential([
        lib.Input((6,), dtype="int32"), L.Embedding(10, 4, mask_zero=True),
        L.Bidirectional(L.GRU(3)), L.Dense(1),
    ], name="bigru")


def attention_block(lib):
    """A self-attention block: MultiHeadAttention, residual Add, LayerNormalization."""
    L = lib.layers
    x = lib.Input((4, 6), name="tokens")
    attended = L.MultiHeadAttention(num_heads=2, key_dim=3, name="mha")(x, x)
    h = L.LayerNormalization(name="norm")(L.Add(name="residual")([x, attended]))
    out = L.Dense(2, name="head")(L.GlobalAveragePooling1D(name="pool")(h))
    return lib.Model(x, out, name="attention")


def nested(lib):
    """A Functional model holding a Sequential, a Functional and a layer applied twice."""
    L = lib.layers
    inner_sequential = lib.Sequential([lib.Input((3,)), L.Dense(4, activation="relu"),
                                       L.BatchNormalization()], name="inner_sequential")
    z = lib.Input((4,))
    inner_functional = lib.Model(z, L.Dense(2)(z), name="inner_functional")
    shared = L.Dense(2, activation="tanh", name="shared")
    x = lib.Input((3,), name="x")
    out = shared(shared(inner_functional(inner_sequential(x))))
    return lib.Model(x, out, name="nested")


BUILDERS = {
    "mlp": mlp,
    "two_in_two_out": two_in_two_out,
    "cnn": cnn,
    "lstm": lstm,
    "bigru": bigru,
    "attention_block": attention_block,
    "nested": nested,
}


def data(name, batch=5, seed=0):
    """Inputs for the model ``name`` (padded token ids for ``bigru``)."""
    rng = np.random.default_rng(seed)
    if name == "two_in_two_out":
        return [rng.normal(size=(batch, 3)).astype("float32"),
                rng.normal(size=(batch, 2)).astype("float32")]
    if name == "bigru":
        ids = rng.integers(1, 10, size=(batch, 6))
        ids[:, 4:] = 0  # padding, masked out by the Embedding
        ids[0, 2:] = 0
        return ids.astype("int32")
    shapes = {"mlp": (4,), "cnn": (6, 6, 2), "lstm": (5, 3), "attention_block": (4, 6),
              "nested": (3,)}
    return rng.normal(size=(batch,) + shapes[name]).astype("float32")


def randomize(model, seed=1):
    """Give every weight random values (variances positive), so that copies are tested."""
    rng = np.random.default_rng(seed)
    values = []
    for weight in model.weights:
        shape = tuple(weight.shape)
        path = str(getattr(weight, "path", weight.name))
        if "variance" in path:
            values.append(rng.uniform(0.5, 1.5, size=shape).astype("float32"))
        else:
            values.append((0.5 * rng.normal(size=shape)).astype("float32"))
    model.set_weights(values)
