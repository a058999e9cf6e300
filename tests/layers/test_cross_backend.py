"""Every layer, given the same weights and inputs, computes the same on torch and on JAX.

One subprocess per backend builds each layer in SPECS, fills its weights from a fixed
NumPy generator, runs it, and saves the outputs; the outputs must agree within 1e-5.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

# (layer class, constructor kwargs, input shape (with batch), input kind, call kwargs)
SPECS = [
    ("Dense", {"units": 4, "activation": "tanh"}, (2, 3), "float", {}),
    ("Embedding", {"input_dim": 7, "output_dim": 3}, (2, 4), "int", {}),
    ("BatchNormalization", {}, (4, 3), "float", {"training": True}),
    ("LayerNormalization", {}, (2, 5), "float", {}),
    ("PReLU", {}, (2, 3), "float", {}),
    ("Softmax", {}, (2, 5), "float", {}),
    ("Conv1D", {"filters": 3, "kernel_size": 3, "padding": "causal", "dilation_rate": 2},
     (2, 7, 2), "float", {}),
    ("Conv2D", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
     (2, 7, 7, 2), "float", {}),
    ("Conv3D", {"filters": 2, "kernel_size": 2}, (1, 4, 4, 4, 2), "float", {}),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
     (2, 4, 4, 3), "float", {}),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 3, "depth_multiplier": 2},
     (1, 6, 6, 2), "float", {}),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2}, (1, 6, 6, 2), "float", {}),
    ("MaxPooling2D", {"pool_size": 2, "padding": "same"}, (2, 5, 5, 3), "float", {}),
    ("AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 3),
     "float", {}),
    ("GlobalAveragePooling2D", {}, (2, 4, 4, 3), "float", {}),
    ("UpSampling2D", {"size": 2, "interpolation": "bilinear"}, (1, 3, 3, 2), "float", {}),
    ("ZeroPadding2D", {"padding": ((1, 0), (2, 1))}, (1, 3, 3, 2), "float", {}),
    ("SimpleRNN", {"units": 3, "return_sequences": True}, (2, 5, 4), "float", {}),
    ("LSTM", {"units": 3}, (2, 5, 4), "float", {}),
    ("GRU", {"units": 3, "return_sequences": True}, (2, 5, 4), "float", {}),
    ("GRU", {"units": 3, "reset_after": False}, (2, 5, 4), "float", {}),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 3}, (2, 4, 6), "float", {}),
    ("GroupNormalization", {"groups": 2}, (2, 3, 4), "float", {}),
    ("EinsumDense", {"equation": "abc,cd->abd", "output_shape": (None, 5)}, (2, 3, 4),
     "float", {}),
    ("Conv1DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2}, (2, 5, 3), "float", {}),
    ("Conv3DTranspose", {"filters": 2, "kernel_size": 2, "strides": 2}, (1, 2, 3, 2, 2),
     "float", {}),
    ("SeparableConv1D", {"filters": 3, "kernel_size": 2, "padding": "same"}, (2, 6, 2),
     "float", {}),
    ("DepthwiseConv1D", {"kernel_size": 3, "strides": 2}, (2, 7, 3), "float", {}),
    ("MaxPooling3D", {"pool_size": 2}, (1, 4, 4, 4, 2), "float", {}),
    ("GlobalMaxPooling1D", {}, (2, 5, 3), "float", {}),
    ("Cropping2D", {"cropping": ((1, 0), (0, 2))}, (1, 4, 5, 2), "float", {}),
    ("UpSampling1D", {"size": 3}, (2, 3, 2), "float", {}),
    ("Bidirectional", {"layer": ["LSTM", {"units": 3, "return_sequences": True}]},
     (2, 4, 3), "float", {}),
    ("TimeDistributed", {"layer": ["Dense", {"units": 2}]}, (2, 3, 4), "float", {}),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 3, "padding": "same"}, (1, 3, 5, 5, 2),
     "float", {}),
    ("UnitNormalization", {}, (2, 5), "float", {}),
    ("Attention", {"use_scale": True}, (2, 4, 3), "float", {}),
    ("AdditiveAttention", {}, (2, 4, 3), "float", {}),
    ("GroupQueryAttention", {"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 2},
     (2, 4, 6), "float", {}),
]

_SCRIPT = r"""
import json, sys
import numpy as np
import lamina
from lamina import layers, ops

specs = json.loads(sys.argv[1])
results = {}
for i, (name, kwargs, shape, kind, call_kwargs) in enumerate(specs):
    cls = getattr(layers, name, None)
    if cls is None:
        continue
    rng = np.random.default_rng(i)
    if kind == "int":
        x = rng.integers(0, 7, size=shape).astype("int32")
    else:
        x = rng.normal(size=shape).astype("float32")
    kwargs = {k: tuple(v) if isinstance(v, list) and k != "layer" else v
              for k, v in kwargs.items()}
    if "layer" in kwargs:
        inner_name, inner_kwargs = kwargs["layer"]
        kwargs["layer"] = getattr(layers, inner_name)(**inner_kwargs)
    layer = cls(**kwargs)
    if name in ("MultiHeadAttention", "GroupQueryAttention", "Attention", "AdditiveAttention"):
        pair = (x, x) if name in ("MultiHeadAttention", "GroupQueryAttention") else ([x, x],)
        layer(*pair)
        layer.set_weights([rng.normal(scale=0.3, size=w.shape).astype("float32")
                           for w in layer.get_weights()])
        out = layer(*pair)
    else:
        layer(x)
        layer.set_weights([rng.normal(scale=0.3, size=w.shape).astype("float32")
                           if w.dtype.kind == "f" else w for w in layer.get_weights()])
        out = layer(x, **call_kwargs)
    results[f"{i}_{name}"] = np.asarray(ops.convert_to_numpy(out))
np.savez(sys.argv[2], **results)
"""


@pytest.mark.torch_only
def test_layers_agree_between_torch_and_jax(tmp_path):
    outputs = {}
    for name in ("torch", "jax"):
        path = tmp_path / f"{name}.npz"
        env = dict(os.environ, LAMINA_BACKEND=name)
        subprocess.run([sys.executable, "-c", _SCRIPT, json.dumps(SPECS), str(path)],
                       env=env, check=True)
        outputs[name] = dict(np.load(path))
    assert set(outputs["torch"]) == set(outputs["jax"])
    assert len(outputs["torch"]) == len(SPECS), "a layer in SPECS is missing from lamina"
    for key in outputs["torch"]:
        difference = np.max(np.abs(outputs["torch"][key] - outputs["jax"][key]))
        assert difference <= 1e-5, f"{key}: torch and JAX differ by {difference}"
