"""Convolutional layers: Conv1D-3D, ConvNDTranspose, DepthwiseConvND, SeparableConvND.

The NumPy references below are written from the definitions: a convolution is the
cross-correlation ``out[o] = sum_t x_pad[o * stride + t * dilation] @ kernel[t]`` per channel
group, with TensorFlow's "same" padding (output ``ceil(size / stride)``, the odd padding cell
at the end); a transposed convolution scatters ``x[i] * kernel[t]`` to ``i * stride + t *
dilation`` and keeps Keras's output window.
"""

import inspect
import json

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina import ops

from .layer_checks import config_round_trip
from .layer_checks import keras
from .layer_checks import keras_output
from .layer_checks import lamina_grads
from .layer_checks import numeric_grad
from .layer_checks import random_array
from .layer_checks import reference_loss
from .layer_checks import to_numpy
from .layer_checks import weight_signature


# -- NumPy references ----------------------------------------------------------------------
def _tuple(value, rank):
    return (value,) * rank if isinstance(value, int) else tuple(value)


def _pads(sizes, kernel_size, strides, dilation, padding):
    pads = []
    for size, k, s, d in zip(sizes, kernel_size, strides, dilation):
        reach = (k - 1) * d  # the dilated kernel covers reach + 1 cells
        if padding == "valid":
            pads.append((0, 0))
        elif padding == "causal":
            pads.append((reach, 0))
        else:  # TF "same": ceil(size / stride) outputs, the odd padding cell at the end
            total = max((-(-size // s) - 1) * s + reach + 1 - size, 0)
            pads.append((total // 2, total - total // 2))
    return pads


def np_conv(x, kernel, strides=1, padding="valid", dilation=1, data_format="channels_last"):
    """Grouped N-D cross-correlation; kernel ``(*k, in / groups, out)``."""
    x, kernel = np.asarray(x, "float64"), np.asarray(kernel, "float64")
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    rank = x.ndim - 2
    strides, dilation = _tuple(strides, rank), _tuple(dilation, rank)
    ksize = kernel.shape[:rank]
    x = np.pad(x, [(0, 0)] + _pads(x.shape[1:-1], ksize, strides, dilation, padding)
               + [(0, 0)])
    group_in, filters = kernel.shape[-2:]
    groups = x.shape[-1] // group_in
    out_sizes = [(n - (k - 1) * d - 1) // s + 1
                 for n, k, s, d in zip(x.shape[1:-1], ksize, strides, dilation)]
    out = np.zeros((x.shape[0], *out_sizes, filters))
    per_group = filters // groups
    for tap in np.ndindex(*ksize):
        window = x[(slice(None),) + tuple(
            slice(t * d, t * d + (o - 1) * s + 1, s)
            for t, d, o, s in zip(tap, dilation, out_sizes, strides))]
        for g in range(groups):
            out[..., g * per_group:(g + 1) * per_group] += (
                window[..., g * group_in:(g + 1) * group_in]
                @ kernel[tap][:, g * per_group:(g + 1) * per_group])
    return np.moveaxis(out, -1, 1) if data_format == "channels_first" else out


def np_depthwise_conv(x, kernel, data_format="channels_last", **kwargs):
    """Each channel ``c`` convolved with ``kernel[..., c, m]``, output channel ``c * M + m``."""
    channels, multiplier = kernel.shape[-2:]
    axis = -1 if data_format == "channels_last" else 1
    outs = []
    for c in range(channels):
        xc = np.take(x, [c], axis=axis)
        outs.append(np_conv(xc, kernel[..., c:c + 1, :], data_format=data_format, **kwargs))
    return np.concatenate(outs, axis=axis)


def np_separable_conv(x, depthwise, pointwise, data_format="channels_last", **kwargs):
    mid = np_depthwise_conv(x, depthwise, data_format=data_format, **kwargs)
    return np_conv(mid, pointwise, data_format=data_format)


def np_conv_transpose(x, kernel, strides=1, padding="valid", output_padding=None, dilation=1,
                      data_format="channels_last"):
    """Scatter-add ``x[i] @ kernel[t].T`` to ``i * stride + t * dilation``; kernel
    ``(*k, out, in)``. Keras's output length; the crop is the "same" conv's left pad."""
    x, kernel = np.asarray(x, "float64"), np.asarray(kernel, "float64")
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    rank = x.ndim - 2
    strides, dilation = _tuple(strides, rank), _tuple(dilation, rank)
    ksize = kernel.shape[:rank]
    sizes = x.shape[1:-1]
    effective = [(k - 1) * d + 1 for k, d in zip(ksize, dilation)]
    full_sizes = [(n - 1) * s + e for n, s, e in zip(sizes, strides, effective)]
    full = np.zeros((x.shape[0], *full_sizes, kernel.shape[-2]))
    for tap in np.ndindex(*ksize):
        target = (slice(None),) + tuple(slice(t * d, t * d + (n - 1) * s + 1, s)
                                        for t, d, n, s in zip(tap, dilation, sizes, strides))
        full[target] += x @ kernel[tap].T
    out = full
    for axis in range(rank):
        n, s, e, f = sizes[axis], strides[axis], effective[axis], full_sizes[axis]
        if output_padding is None:
            length = n * s + max(e - s, 0) if padding == "valid" else n * s
        else:
            op = _tuple(output_padding, rank)[axis]
            length = (n - 1) * s + e - 2 * (e // 2 if padding == "same" else 0) + op
        start = 0 if padding == "valid" else max(f - length, 0) // 2
        out = np.take(out, range(start, min(start + length, f)), axis=axis + 1)
        missing = length - out.shape[axis + 1]
        if missing > 0:
            widths = [(0, 0)] * out.ndim
            widths[axis + 1] = (0, missing)
            out = np.pad(out, widths)
    return np.moveaxis(out, -1, 1) if data_format == "channels_first" else out


def _with_bias(out, bias, data_format):
    shape = (-1,) + (1,) * (out.ndim - 2) if data_format == "channels_first" else (-1,)
    return out + bias.reshape(shape)


def _layer(cls, **kwargs):
    """``cls(**kwargs)`` with zero kernel initializers: the tests set their own weights, and
    on JAX each new shape of random initial weights costs a compile."""
    params = inspect.signature(cls.__init__).parameters
    zeros = {name: "zeros" for name in ("kernel_initializer", "depthwise_initializer",
                                        "pointwise_initializer") if name in params}
    return cls(**zeros, **kwargs)


def _randomize(layer, seed=0):
    """Give every weight random values (the default bias is zero) and return them."""
    values = [random_array(*w.shape, seed=seed + i) for i, w in enumerate(layer.weights)]
    layer.set_weights(values)
    return values


def _input(shape, data_format, seed=0):
    """A random channels-last ``shape``, moved to ``data_format``."""
    x = random_array(*shape, seed=seed)
    return np.ascontiguousarray(np.moveaxis(x, -1, 1)) if data_format == "channels_first" else x


# -- forward vs NumPy ------------------------------------------------------------------------
CONV_CASES = [
    (layers.Conv1D, (2, 9, 3), dict(filters=4, kernel_size=3)),
    (layers.Conv1D, (2, 9, 3), dict(filters=2, kernel_size=4, strides=2, padding="same")),
    (layers.Conv1D, (2, 9, 3), dict(filters=2, kernel_size=3, dilation_rate=2,
                                    padding="causal")),
    (layers.Conv1D, (1, 8, 4), dict(filters=4, kernel_size=2, padding="causal", groups=2,
                                    data_format="channels_first")),
    (layers.Conv2D, (2, 7, 6, 2), dict(filters=3, kernel_size=3)),
    (layers.Conv2D, (2, 7, 6, 2), dict(filters=3, kernel_size=(2, 3), strides=(2, 3),
                                       padding="same")),
    (layers.Conv2D, (1, 8, 7, 2), dict(filters=2, kernel_size=2, dilation_rate=(2, 3),
                                       padding="same", data_format="channels_first")),
    (layers.Conv2D, (1, 6, 6, 6), dict(filters=4, kernel_size=3, groups=2, strides=2)),
    (layers.Conv3D, (1, 5, 4, 5, 2), dict(filters=2, kernel_size=(3, 2, 2),
                                          padding="same", strides=2)),
    (layers.Conv3D, (1, 4, 5, 4, 2), dict(filters=3, kernel_size=2,
                                          data_format="channels_first")),
]


@pytest.mark.parametrize("cls, shape, kwargs", CONV_CASES)
def test_conv_forward_matches_numpy_reference(cls, shape, kwargs):
    data_format = kwargs.get("data_format", "channels_last")
    x = _input(shape, data_format)
    layer = _layer(cls, **kwargs)
    layer(x)
    kernel, bias = _randomize(layer)
    expected = _with_bias(np_conv(x, kernel, kwargs.get("strides", 1),
                                  kwargs.get("padding", "valid"),
                                  kwargs.get("dilation_rate", 1), data_format),
                          bias, data_format)
    np.testing.assert_allclose(to_numpy(layer(x)), expected, rtol=1e-5, atol=1e-5)


def test_conv_applies_activation_after_bias():
    x = random_array(2, 6, 2)
    layer = _layer(layers.Conv1D, filters=3, kernel_size=2, activation="relu")
    layer(x)
    kernel, bias = _randomize(layer)
    expected = np.maximum(np_conv(x, kernel) + bias, 0.0)
    np.testing.assert_allclose(to_numpy(layer(x)), expected, rtol=1e-5, atol=1e-5)


def test_conv1d_causal_output_ignores_future_steps():
    layer = _layer(layers.Conv1D, filters=2, kernel_size=3, padding="causal", dilation_rate=2)
    layer(random_array(1, 10, 2))
    _randomize(layer)
    x = random_array(1, 10, 2)
    changed = x.copy()
    changed[:, 6:] += 1.0
    before, after = to_numpy(layer(x)), to_numpy(layer(changed))
    np.testing.assert_allclose(before[:, :6], after[:, :6], atol=1e-6)
    assert not np.allclose(before[:, 6:], after[:, 6:])


DEPTHWISE_CASES = [
    (layers.DepthwiseConv1D, (2, 8, 3), dict(kernel_size=3, depth_multiplier=2)),
    (layers.DepthwiseConv1D, (1, 9, 2), dict(kernel_size=2, strides=2, padding="same",
                                             data_format="channels_first")),
    (layers.DepthwiseConv2D, (2, 6, 5, 3), dict(kernel_size=(3, 2), padding="same")),
    (layers.DepthwiseConv2D, (1, 7, 7, 2), dict(kernel_size=2, depth_multiplier=3,
                                                strides=2, dilation_rate=2)),
]


@pytest.mark.parametrize("cls, shape, kwargs", DEPTHWISE_CASES)
def test_depthwise_conv_forward_matches_numpy_reference(cls, shape, kwargs):
    data_format = kwargs.get("data_format", "channels_last")
    x = _input(shape, data_format)
    layer = _layer(cls, **kwargs)
    layer(x)
    kernel, bias = _randomize(layer)
    expected = np_depthwise_conv(x, kernel, strides=kwargs.get("strides", 1),
                                 padding=kwargs.get("padding", "valid"),
                                 dilation=kwargs.get("dilation_rate", 1),
                                 data_format=data_format)
    np.testing.assert_allclose(to_numpy(layer(x)), _with_bias(expected, bias, data_format),
                               rtol=1e-5, atol=1e-5)


SEPARABLE_CASES = [
    (layers.SeparableConv1D, (2, 8, 3), dict(filters=4, kernel_size=3, depth_multiplier=2)),
    (layers.SeparableConv1D, (1, 9, 2), dict(filters=3, kernel_size=2, strides=2,
                                             padding="same", data_format="channels_first")),
    (layers.SeparableConv2D, (2, 6, 5, 3), dict(filters=2, kernel_size=3, padding="same",
                                                dilation_rate=2)),
    (layers.SeparableConv2D, (1, 7, 6, 2), dict(filters=5, kernel_size=(2, 3), strides=2)),
]


@pytest.mark.parametrize("cls, shape, kwargs", SEPARABLE_CASES)
def test_separable_conv_forward_matches_numpy_reference(cls, shape, kwargs):
    data_format = kwargs.get("data_format", "channels_last")
    x = _input(shape, data_format)
    layer = _layer(cls, **kwargs)
    layer(x)
    depthwise, pointwise, bias = _randomize(layer)
    expected = np_separable_conv(x, depthwise, pointwise, strides=kwargs.get("strides", 1),
                                 padding=kwargs.get("padding", "valid"),
                                 dilation=kwargs.get("dilation_rate", 1),
                                 data_format=data_format)
    np.testing.assert_allclose(to_numpy(layer(x)), _with_bias(expected, bias, data_format),
                               rtol=1e-5, atol=1e-5)


TRANSPOSE_CASES = [
    (layers.Conv1DTranspose, (2, 5, 3), dict(filters=2, kernel_size=3)),
    (layers.Conv1DTranspose, (2, 5, 3), dict(filters=2, kernel_size=4, strides=2,
                                             padding="same")),
    (layers.Conv1DTranspose, (1, 4, 2), dict(filters=3, kernel_size=2, strides=3)),
    (layers.Conv1DTranspose, (1, 4, 2), dict(filters=2, kernel_size=3, strides=3,
                                             padding="same", output_padding=2)),
    (layers.Conv1DTranspose, (1, 5, 2), dict(filters=2, kernel_size=3, dilation_rate=2,
                                             padding="same", data_format="channels_first")),
    (layers.Conv2DTranspose, (2, 4, 3, 2), dict(filters=3, kernel_size=3, strides=2,
                                                padding="same")),
    (layers.Conv2DTranspose, (1, 3, 4, 2), dict(filters=2, kernel_size=(2, 3),
                                                strides=(2, 3), output_padding=(1, 0))),
    (layers.Conv2DTranspose, (1, 3, 3, 3), dict(filters=2, kernel_size=4, strides=2,
                                                padding="same", output_padding=1,
                                                data_format="channels_first")),
    (layers.Conv3DTranspose, (1, 2, 3, 2, 2), dict(filters=2, kernel_size=2, strides=2,
                                                   padding="same")),
]


@pytest.mark.parametrize("cls, shape, kwargs", TRANSPOSE_CASES)
def test_conv_transpose_forward_matches_numpy_reference(cls, shape, kwargs):
    data_format = kwargs.get("data_format", "channels_last")
    x = _input(shape, data_format)
    layer = _layer(cls, **kwargs)
    layer(x)
    kernel, bias = _randomize(layer)
    expected = np_conv_transpose(x, kernel, kwargs.get("strides", 1),
                                 kwargs.get("padding", "valid"),
                                 kwargs.get("output_padding"), kwargs.get("dilation_rate", 1),
                                 data_format)
    np.testing.assert_allclose(to_numpy(layer(x)), _with_bias(expected, bias, data_format),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("padding, strides, kernel_size", [
    ("valid", 2, 3), ("same", 2, 3), ("same", 3, 4), ("valid", 3, 2)])
def test_conv_transpose_op_is_the_adjoint_of_conv(padding, strides, kernel_size):
    # <conv(y, k), x> == <y, conv_transpose(x, k)>: the same kernel maps both ways, and the
    # transposed output size is one that conv maps back to x's size.
    x = random_array(1, 4, 3, seed=1)
    kernel = random_array(kernel_size, 2, 3, seed=2)
    y_shape = to_numpy(ops.conv_transpose(x, kernel, strides, padding)).shape
    y = random_array(*y_shape, seed=3)
    forward = to_numpy(ops.conv(y, kernel, strides, padding))
    backward = to_numpy(ops.conv_transpose(x, kernel, strides, padding))
    assert forward.shape == x.shape
    np.testing.assert_allclose(np.sum(forward * x), np.sum(y * backward), rtol=1e-5)


@pytest.mark.parametrize("op, x_shape, k_shape, kwargs", [
    ("conv", (1, 9, 4), (3, 2, 4), dict(strides=2, dilation_rate=2, padding="same")),
    ("conv", (1, 3, 8, 7), (2, 3, 3, 2), dict(strides=(1, 2), padding="same",
                                              data_format="channels_first")),
    ("depthwise_conv", (1, 8, 7, 2), (3, 2, 2, 2), dict(strides=2, dilation_rate=2,
                                                        padding="same")),
    ("conv_transpose", (1, 4, 3), (3, 2, 3), dict(strides=1, dilation_rate=2,
                                                  padding="same")),
    ("conv_transpose", (1, 4, 5, 2), (4, 3, 3, 2), dict(strides=(3, 2), padding="same",
                                                        output_padding=(2, 0))),
    ("conv_transpose", (1, 2, 4, 3), (2, 2, 2, 2), dict(strides=3, output_padding=1,
                                                        data_format="channels_first")),
])
def test_conv_ops_match_keras_ops(op, x_shape, k_shape, kwargs):
    x, kernel = random_array(*x_shape, seed=1), random_array(*k_shape, seed=2)
    k = keras()
    expected = k.ops.convert_to_numpy(getattr(k.ops, op)(x, kernel, **kwargs))
    np.testing.assert_allclose(to_numpy(getattr(ops, op)(x, kernel, **kwargs)), expected,
                               atol=1e-5)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_op_puts_odd_same_padding_cell_at_the_end(padding):
    # A 2-tap all-ones kernel on [1, 2, 3]: "same" pads (0, 1) as TensorFlow does.
    out = to_numpy(ops.conv(np.array([[[1.0], [2.0], [3.0]]]), np.ones((2, 1, 1)),
                            padding=padding))
    expected = [3.0, 5.0, 3.0] if padding == "same" else [3.0, 5.0]
    np.testing.assert_allclose(out[0, :, 0], expected)


# -- gradients ---------------------------------------------------------------------------------
GRAD_CASES = [
    ("conv2d", lambda: _layer(layers.Conv2D, filters=2, kernel_size=2, strides=2,
                              padding="same"), (1, 3, 3, 2)),
    ("conv1d_causal_groups", lambda: _layer(layers.Conv1D, filters=2, kernel_size=2,
                                            padding="causal", dilation_rate=2, groups=2),
     (1, 5, 2)),
    ("conv2d_transpose", lambda: _layer(layers.Conv2DTranspose, filters=2, kernel_size=3,
                                        strides=2, padding="same", output_padding=1),
     (1, 2, 2, 2)),
    ("depthwise_conv1d", lambda: _layer(layers.DepthwiseConv1D, kernel_size=2,
                                        depth_multiplier=2, data_format="channels_first"),
     (1, 2, 4)),
    ("separable_conv1d", lambda: _layer(layers.SeparableConv1D, filters=2, kernel_size=2,
                                        padding="same"), (1, 4, 2)),
]


def _reference_for(layer):
    data_format = layer.data_format
    common = dict(strides=layer.strides, padding=layer.padding, dilation=layer.dilation_rate,
                  data_format=data_format)
    if isinstance(layer, layers.SeparableConv1D):
        return lambda x, d, p, b: _with_bias(np_separable_conv(x, d, p, **common), b,
                                             data_format)
    if isinstance(layer, layers.DepthwiseConv1D):
        return lambda x, k, b: _with_bias(np_depthwise_conv(x, k, **common), b, data_format)
    if isinstance(layer, layers.Conv2DTranspose):
        return lambda x, k, b: _with_bias(
            np_conv_transpose(x, k, layer.strides, layer.padding, layer.output_padding,
                              layer.dilation_rate, data_format), b, data_format)
    return lambda x, k, b: _with_bias(
        np_conv(x, k, layer.strides, layer.padding, layer.dilation_rate, data_format), b,
        data_format)


@pytest.mark.parametrize("make, shape", [case[1:] for case in GRAD_CASES],
                         ids=[case[0] for case in GRAD_CASES])
def test_conv_gradients_match_finite_differences(make, shape):
    layer = make()
    x = random_array(*shape, seed=4)
    out = layer(x)
    weights = _randomize(layer, seed=5)
    projection = random_array(*out.shape, seed=6)
    grads = lamina_grads(layer, [x], layer.weights, projection)
    loss = reference_loss(_reference_for(layer), projection)
    arrays = [x] + weights
    for index, grad in enumerate(grads):
        def partial(value, index=index):
            args = list(arrays)
            args[index] = value
            return loss(*args)

        np.testing.assert_allclose(grad, numeric_grad(partial, arrays[index]), rtol=1e-3,
                                   atol=1e-4)


# -- Keras parity --------------------------------------------------------------------------
PARITY_CASES = [
    ("Conv1D", (2, 9, 3), dict(filters=4, kernel_size=3, padding="causal",
                               dilation_rate=2)),
    ("Conv1D", (2, 9, 4), dict(filters=4, kernel_size=4, strides=3, padding="same",
                               groups=2)),
    ("Conv2D", (2, 7, 8, 3), dict(filters=4, kernel_size=(3, 2), strides=2, padding="same",
                                  activation="tanh")),
    ("Conv2D", (2, 3, 7, 8), dict(filters=2, kernel_size=2, dilation_rate=2, padding="same",
                                  data_format="channels_first")),
    ("Conv3D", (1, 4, 5, 4, 2), dict(filters=2, kernel_size=2, strides=(1, 2, 2),
                                     padding="same")),
    ("Conv1DTranspose", (2, 5, 3), dict(filters=2, kernel_size=5, strides=2,
                                        padding="same", output_padding=1)),
    ("Conv2DTranspose", (2, 4, 5, 3), dict(filters=2, kernel_size=3, strides=(2, 3),
                                           padding="same")),
    ("Conv2DTranspose", (1, 3, 4, 4), dict(filters=3, kernel_size=2, dilation_rate=2,
                                           data_format="channels_first")),
    ("Conv3DTranspose", (1, 2, 3, 2, 2), dict(filters=2, kernel_size=3, strides=2)),
    ("DepthwiseConv1D", (2, 8, 3), dict(kernel_size=3, depth_multiplier=2, padding="same")),
    ("DepthwiseConv2D", (2, 6, 7, 3), dict(kernel_size=3, strides=2, padding="same")),
    ("SeparableConv1D", (2, 8, 3), dict(filters=4, kernel_size=3, depth_multiplier=2)),
    ("SeparableConv2D", (2, 3, 6, 7), dict(filters=4, kernel_size=2, strides=2,
                                           padding="same", data_format="channels_first")),
]


def _parity_id(case):
    return f"{case[0]}-{'-'.join(f'{k}={v}' for k, v in case[2].items())}"


@pytest.mark.parametrize("name, shape, kwargs", PARITY_CASES, ids=map(_parity_id, PARITY_CASES))
def test_conv_layers_match_keras_with_same_weights(name, shape, kwargs):
    x = random_array(*shape, seed=7)
    k_layer = getattr(keras().layers, name)(**kwargs)
    k_layer(x)
    k_layer.set_weights([random_array(*w.shape, seed=8 + i)
                         for i, w in enumerate(k_layer.weights)])
    layer = _layer(getattr(layers, name), **kwargs)
    layer(x)
    layer.set_weights(k_layer.get_weights())
    np.testing.assert_allclose(to_numpy(layer(x)), keras_output(k_layer, x), atol=1e-5)


@pytest.mark.parametrize("name, shape, kwargs", [
    ("Conv1D", (1, 6, 4), dict(filters=2, kernel_size=3, groups=2, use_bias=False)),
    ("Conv2D", (1, 5, 5, 3), dict(filters=4, kernel_size=(3, 2))),
    ("Conv3D", (1, 4, 4, 4, 2), dict(filters=2, kernel_size=2)),
    ("Conv2DTranspose", (1, 3, 3, 3), dict(filters=4, kernel_size=2)),
    ("Conv3DTranspose", (1, 2, 2, 2, 3), dict(filters=2, kernel_size=2, use_bias=False)),
    ("DepthwiseConv2D", (1, 5, 5, 3), dict(kernel_size=3, depth_multiplier=2)),
    ("SeparableConv2D", (1, 5, 5, 3), dict(filters=4, kernel_size=3, depth_multiplier=2)),
    ("SeparableConv1D", (1, 6, 3), dict(filters=4, kernel_size=3, use_bias=False)),
])
def test_conv_weight_names_shapes_and_order_match_keras(name, shape, kwargs):
    x = random_array(*shape)
    layer, k_layer = _layer(getattr(layers, name), **kwargs), getattr(keras().layers, name)(
        **kwargs)
    layer(x)
    k_layer(x)
    assert weight_signature(layer) == weight_signature(k_layer)


@pytest.mark.parametrize("name, kwargs", [
    ("Conv1D", dict(filters=2, kernel_size=3, padding="causal")),
    ("Conv2D", dict(filters=2, kernel_size=3, groups=2)),
    ("Conv3D", dict(filters=2, kernel_size=1)),
    ("Conv1DTranspose", dict(filters=2, kernel_size=3, strides=2, output_padding=1)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3)),
    ("Conv3DTranspose", dict(filters=2, kernel_size=3)),
    ("DepthwiseConv1D", dict(kernel_size=3)),
    ("DepthwiseConv2D", dict(kernel_size=3)),
    ("SeparableConv1D", dict(filters=2, kernel_size=3)),
    ("SeparableConv2D", dict(filters=2, kernel_size=3)),
])
def test_conv_config_keys_and_values_match_keras(name, kwargs):
    ours = json.loads(json.dumps(getattr(layers, name)(**kwargs).get_config()))
    theirs = json.loads(json.dumps(getattr(keras().layers, name)(**kwargs).get_config()))
    assert list(ours) == list(theirs)
    for key in ("kernel_size", "strides", "padding", "data_format", "dilation_rate",
                "output_padding", "groups", "filters", "depth_multiplier", "use_bias"):
        assert ours.get(key) == theirs.get(key), key


def test_conv_aliases_are_the_keras_3_exports():
    k_names = {n for n in dir(keras().layers)
               if ("Conv" in n or "Convolution" in n) and "LSTM" not in n}
    assert k_names <= set(dir(layers))
    assert layers.Convolution2D is layers.Conv2D
    assert layers.Convolution3DTranspose is layers.Conv3DTranspose
    assert layers.SeparableConvolution1D is layers.SeparableConv1D


@pytest.mark.parametrize("cls, kwargs, shape", [
    (layers.Conv2D, dict(filters=3, kernel_size=2, strides=2, padding="same",
                         activation="relu", kernel_regularizer="l2"), (1, 5, 5, 2)),
    (layers.Conv2DTranspose, dict(filters=3, kernel_size=3, strides=2, output_padding=1,
                                  data_format="channels_first"), (1, 2, 3, 3)),
    (layers.SeparableConv1D, dict(filters=3, kernel_size=2, depth_multiplier=2,
                                  padding="same"), (1, 5, 2)),
    (layers.DepthwiseConv2D, dict(kernel_size=2, depth_multiplier=2, use_bias=False),
     (1, 4, 4, 2)),
])
def test_conv_config_round_trip_rebuilds_same_layer(cls, kwargs, shape):
    layer = _layer(cls, **kwargs)
    x = random_array(*shape)
    layer(x)
    _randomize(layer)
    expected, rebuilt = config_round_trip(layer, x)
    np.testing.assert_allclose(rebuilt, expected, atol=1e-6)


# -- symbolic shapes -----------------------------------------------------------------------
@pytest.mark.parametrize("name, shape, kwargs", [
    ("Conv1D", (None, 3), dict(filters=4, kernel_size=3, strides=2)),
    ("Conv1D", (9, 3), dict(filters=4, kernel_size=3, padding="causal")),
    ("Conv2D", (None, 7, 3), dict(filters=4, kernel_size=3, strides=2, padding="same")),
    ("Conv2D", (3, None, None), dict(filters=2, kernel_size=2, data_format="channels_first")),
    ("Conv3D", (5, None, 4, 2), dict(filters=2, kernel_size=2, dilation_rate=2)),
    ("Conv2DTranspose", (None, 5, 3), dict(filters=2, kernel_size=3, strides=2)),
    ("Conv1DTranspose", (5, 3), dict(filters=2, kernel_size=4, strides=2, padding="same",
                                     output_padding=1)),
    ("DepthwiseConv2D", (6, None, 3), dict(kernel_size=3, depth_multiplier=2)),
    ("SeparableConv2D", (None, None, 3), dict(filters=5, kernel_size=3, padding="same")),
])
def test_conv_symbolic_output_shape_matches_keras(name, shape, kwargs):
    ours = _layer(getattr(layers, name), **kwargs)(lamina.Input(shape)).shape
    theirs = getattr(keras().layers, name)(**kwargs).compute_output_shape((None,) + shape)
    assert tuple(ours) == tuple(theirs)


def test_conv_symbolic_shape_agrees_with_eager_output():
    layer = _layer(layers.Conv2DTranspose, filters=2, kernel_size=3, strides=2, padding="same",
                   output_padding=1)
    symbolic = layer(lamina.Input((4, 5, 3))).shape
    assert tuple(symbolic[1:]) == tuple(layer(random_array(1, 4, 5, 3)).shape[1:])


def test_conv_in_functional_model_predicts_like_the_layer():
    inputs = lamina.Input((8, 8, 1))
    hidden = _layer(layers.Conv2D, filters=4, kernel_size=3, padding="same",
                    activation="relu")(inputs)
    outputs = _layer(layers.Conv2DTranspose, filters=1, kernel_size=3, strides=2,
                     padding="same")(hidden)
    model = lamina.Model(inputs, outputs)
    model.set_weights([random_array(*w.shape, seed=i) for i, w in enumerate(model.weights)])
    x = random_array(2, 8, 8, 1)
    out = model.predict(x, verbose=0)
    assert out.shape == (2, 16, 16, 1)
    np.testing.assert_allclose(out, to_numpy(model(x)), atol=1e-5)


# -- errors ----------------------------------------------------------------------------------
def test_conv_input_too_small_for_kernel_names_layer_sizes_and_kernel():
    layer = layers.Conv2D(4, 3, dilation_rate=2, name="tiny_conv")
    with pytest.raises(ValueError) as info:
        layer(np.zeros((1, 4, 6, 2), "float32"))
    message = str(info.value)
    for fragment in ('"tiny_conv"', "too small", "(4, 6)", "kernel_size=(3, 3)",
                     "dilation_rate=(2, 2)", "(5, 5)", 'padding="same"'):
        assert fragment in message


def test_conv_input_too_small_is_reported_for_symbolic_inputs():
    with pytest.raises(ValueError, match="too small for the kernel"):
        layers.Conv1D(2, 5)(lamina.Input((3, 2)))


def test_conv_wrong_rank_uses_input_spec_message_with_expected_layout():
    with pytest.raises(ValueError) as info:
        layers.Conv2D(4, 3, name="gray")(np.zeros((2, 28, 28), "float32"))
    message = str(info.value)
    assert 'layer "gray"' in message and "expected ndim=4, found ndim=3" in message
    assert "(batch, height, width, channels)" in message and "x[..., None]" in message


def test_conv_too_high_rank_names_the_expected_layout():
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=4.*expects inputs of "
                                         r"shape \(batch, channels, steps\)"):
        layers.Conv1D(2, 3, data_format="channels_first")(np.zeros((1, 2, 5, 5), "float32"))


def test_conv_wrong_channel_count_after_build_uses_input_spec_message():
    layer = _layer(layers.Conv1D, filters=2, kernel_size=3)
    layer(np.zeros((1, 5, 3), "float32"))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(np.zeros((1, 5, 4), "float32"))


@pytest.mark.parametrize("make, fragment", [
    (lambda: layers.Conv2D(5, 3, groups=2), "`filters` must be divisible by `groups`"),
    (lambda: layers.Conv2D(0, 3), "`filters`"),
    (lambda: layers.Conv2D(4, (3, 3, 3)), "`kernel_size` must be an int or a tuple of 2"),
    (lambda: layers.Conv2D(4, 0), "every entry of `kernel_size` must be a positive int"),
    (lambda: layers.Conv2D(4, 3, padding="causal"), "Conv1D only"),
    (lambda: layers.Conv1D(4, 3, padding="full"), "('valid', 'same', 'causal')"),
    (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2), "cannot be combined"),
    (lambda: layers.Conv2D(4, 3, data_format="nhwc"), "data_format must be one of"),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=2),
     "`output_padding` must be smaller than `strides`"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), "`depth_multiplier`"),
    (lambda: layers.SeparableConv2D(4, 3, padding="causal"), "padding"),
])
def test_conv_bad_constructor_arguments_raise_clear_errors(make, fragment):
    with pytest.raises(ValueError) as info:
        make()
    assert fragment in str(info.value)


def test_conv_input_channels_not_divisible_by_groups_raises():
    with pytest.raises(ValueError, match="divisible by `groups`. Received groups=2, but the "
                                         "input has 3 channels"):
        layers.Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3), "float32"))


@pytest.mark.parametrize("call, fragment", [
    (lambda: ops.conv(np.zeros((1, 5, 2)), np.zeros((3, 3, 2, 4))), "must have the rank"),
    (lambda: ops.conv(np.zeros((1, 5, 3)), np.zeros((3, 2, 4))), "divide the input's 3"),
    (lambda: ops.conv(np.zeros((1, 2, 2)), np.zeros((3, 2, 4))), "zero or negative"),
    (lambda: ops.conv(np.zeros((1, 5, 2)), np.zeros((3, 2, 4)), padding="full"),
     "`padding` must be one of"),
    (lambda: ops.depthwise_conv(np.zeros((1, 5, 2)), np.zeros((3, 3, 1))),
     "(*kernel_size, 2, depth_multiplier)"),
    (lambda: ops.conv_transpose(np.zeros((1, 5, 2)), np.zeros((3, 2, 4))),
     "(*kernel_size, out_channels, 2)"),
])
def test_conv_ops_raise_clear_errors(call, fragment):
    with pytest.raises(ValueError) as info:
        call()
    assert fragment in str(info.value)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_repeated_conv_and_pool_calls_match_the_checked_first_call(data_format, padding):
    # After a call that passed every check, later calls on inputs of the same shape go to
    # the engine directly (the conv with its bias fused in): the same numbers, and the
    # checks come back for another shape.
    conv = layers.Conv2D(3, 3, padding=padding, data_format=data_format,
                         bias_initializer="random_normal", activation="relu")
    pool = layers.MaxPooling2D(2, data_format=data_format)
    shape = (2, 2, 7, 6) if data_format == "channels_first" else (2, 7, 6, 2)
    x = random_array(*shape)
    first = to_numpy(pool(conv(x)))
    second = to_numpy(pool(conv(x)))
    np.testing.assert_allclose(second, first, rtol=1e-6, atol=1e-6)
    kernel, bias = (to_numpy(w) for w in conv.weights)
    expected = to_numpy(ops.max_pool(ops.relu(ops.add(
        ops.conv(x, kernel, padding=padding, data_format=data_format),
        bias if data_format == "channels_last" else bias.reshape(-1, 1, 1))), 2,
        data_format=data_format))
    np.testing.assert_allclose(second, expected, rtol=1e-5, atol=1e-6)
    small = (1, 2, 2, 1) if data_format == "channels_first" else (1, 2, 1, 2)
    if padding == "valid":  # ("same" accepts any size)
        with pytest.raises(ValueError, match="input is too small for the kernel"):
            conv(random_array(*small))


def test_engine_conv_adds_a_bias_as_a_separate_addition_would():
    from lamina import backend

    x = random_array(2, 6, 5, 3)
    kernel, bias = random_array(3, 3, 3, 4), random_array(4)
    for data_format, inputs in (("channels_last", x),
                                ("channels_first", np.moveaxis(x, -1, 1))):
        fused = backend.nn.conv(inputs, kernel, (1, 1), "same", data_format, (1, 1),
                                bias=bias)
        plain = backend.nn.conv(inputs, kernel, (1, 1), "same", data_format, (1, 1))
        shaped = bias if data_format == "channels_last" else bias.reshape(-1, 1, 1)
        np.testing.assert_allclose(to_numpy(fused), to_numpy(plain) + shaped, rtol=1e-5,
                                   atol=1e-6)
