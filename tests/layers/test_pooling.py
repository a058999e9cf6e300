"""Pooling layers: MaxPooling / AveragePooling 1-3D, GlobalMax / GlobalAverage 1-3D.

NumPy references are written from the definition: a window starts every ``stride`` cells;
"same" padding gives ``ceil(size / stride)`` windows, pads ``total // 2`` cells before
(the extra one after), and a window over the border reduces over its real cells only.
"""

import itertools
import json

import numpy as np
import pytest

from lamina import backend
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


def _as_tuple(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


def _window_grid(sizes, pool_size, strides, padding):
    """Windows per spatial axis, and the padding cells before the first window (TF-style
    "same" puts the odd cell after)."""
    counts, befores = [], []
    for size, window, stride in zip(sizes, pool_size, strides):
        if padding == "valid":
            counts.append((size - window) // stride + 1)
            befores.append(0)
        else:
            count = -(-size // stride)
            counts.append(count)
            befores.append(max((count - 1) * stride + window - size, 0) // 2)
    return counts, befores


def pool_reference(x, pool_size, strides=None, padding="valid", mode="max",
                   data_format="channels_last"):
    """Windowed max / mean of ``x`` from the definition (float64)."""
    x = np.asarray(x, dtype="float64")
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    sizes = x.shape[1:-1]
    pool_size = _as_tuple(pool_size, len(sizes))
    strides = pool_size if strides is None else _as_tuple(strides, len(sizes))
    counts, befores = _window_grid(sizes, pool_size, strides, padding)
    out = np.zeros((x.shape[0], *counts, x.shape[-1]))
    axes = tuple(range(1, len(sizes) + 1))
    for index in itertools.product(*[range(c) for c in counts]):
        window_slices = tuple(
            slice(max(i * s - b, 0), min(i * s - b + k, n))
            for i, s, b, k, n in zip(index, strides, befores, pool_size, sizes))
        cells = x[(slice(None),) + window_slices]
        out[(slice(None),) + index] = cells.max(axes) if mode == "max" else cells.mean(axes)
    return np.moveaxis(out, -1, 1) if data_format == "channels_first" else out


# name -> (layer class name, constructor kwargs, input shape)
POOL_CASES = {
    "max1d_default": ("MaxPooling1D", {}, (2, 7, 3)),
    "max1d_same_stride1": ("MaxPooling1D", {"pool_size": 3, "strides": 1, "padding": "same"},
                           (2, 6, 2)),
    "max1d_channels_first": ("MaxPooling1D", {"pool_size": 2, "strides": 3,
                                              "data_format": "channels_first"}, (2, 3, 8)),
    "max2d_default": ("MaxPooling2D", {}, (2, 4, 5, 3)),
    "max2d_same_odd": ("MaxPooling2D", {"pool_size": (3, 2), "strides": (2, 1),
                                        "padding": "same"}, (2, 5, 4, 2)),
    "max2d_channels_first_same": ("MaxPooling2D", {"pool_size": 2, "padding": "same",
                                                   "data_format": "channels_first"},
                                  (1, 2, 5, 5)),
    "max3d_default": ("MaxPooling3D", {}, (1, 4, 5, 4, 2)),
    "max3d_same_channels_first": ("MaxPooling3D", {"pool_size": (2, 3, 2), "strides": 2,
                                                   "padding": "same",
                                                   "data_format": "channels_first"},
                                  (1, 2, 3, 5, 4)),
    "avg1d_valid": ("AveragePooling1D", {"pool_size": 3, "strides": 2}, (2, 8, 3)),
    "avg1d_same_stride1": ("AveragePooling1D", {"pool_size": 3, "strides": 1,
                                                "padding": "same"}, (2, 6, 2)),
    "avg2d_valid": ("AveragePooling2D", {"pool_size": 2}, (2, 4, 5, 3)),
    "avg2d_same_even_pad": ("AveragePooling2D", {"pool_size": 3, "strides": 1,
                                                 "padding": "same"}, (1, 4, 5, 2)),
    "avg2d_same_uneven_pad": ("AveragePooling2D", {"pool_size": (2, 3), "strides": (1, 2),
                                                   "padding": "same"}, (2, 5, 6, 3)),
    "avg2d_channels_first": ("AveragePooling2D", {"pool_size": (2, 3),
                                                  "data_format": "channels_first"},
                             (2, 3, 4, 6)),
    "avg3d_valid": ("AveragePooling3D", {"pool_size": 2, "strides": (1, 2, 2)},
                    (1, 3, 4, 5, 2)),
    "avg3d_same_channels_first": ("AveragePooling3D", {"pool_size": 2, "padding": "same",
                                                       "data_format": "channels_first"},
                                  (1, 2, 3, 3, 4)),
}

# Where "same" padding is uneven (an extra cell after), Keras 3.15's torch backend pads by
# replicating the border cells and then counts them in the average, unlike its own JAX and
# TensorFlow backends, which average the real cells only. We follow JAX / TF (the NumPy
# reference above), so Keras-on-torch parity is not checked for those cases.
KERAS_TORCH_SAME_AVERAGE_DIFFERS = {"avg2d_same_uneven_pad"}


def _reference(name, kwargs, x):
    mode = "max" if name.startswith("Max") else "average"
    return pool_reference(x, kwargs.get("pool_size", 2), kwargs.get("strides"),
                          kwargs.get("padding", "valid"), mode,
                          kwargs.get("data_format", "channels_last"))


@pytest.mark.parametrize("case", sorted(POOL_CASES))
def test_pooling_layer_matches_numpy_reference(case):
    name, kwargs, shape = POOL_CASES[case]
    x = random_array(*shape)
    out = to_numpy(getattr(layers, name)(**kwargs)(x))
    np.testing.assert_allclose(out, _reference(name, kwargs, x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", sorted(set(POOL_CASES) - KERAS_TORCH_SAME_AVERAGE_DIFFERS))
def test_pooling_layer_matches_keras(case):
    name, kwargs, shape = POOL_CASES[case]
    x = random_array(*shape, seed=3)
    expected = keras_output(getattr(keras().layers, name)(**kwargs), x)
    out = to_numpy(getattr(layers, name)(**kwargs)(x))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", ["max1d_same_stride1", "max2d_channels_first_same",
                                  "avg2d_same_uneven_pad", "avg3d_same_channels_first"])
def test_pooling_layer_input_gradient_matches_finite_differences(case):
    name, kwargs, shape = POOL_CASES[case]
    shape = (1,) + shape[1:]
    x = random_array(*shape, seed=1)
    layer = getattr(layers, name)(**kwargs)
    projection = random_array(*_reference(name, kwargs, x).shape, seed=2)
    (grad,) = lamina_grads(layer, [x], (), projection)
    expected = numeric_grad(
        reference_loss(lambda v: _reference(name, kwargs, v), projection), x)
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", sorted(POOL_CASES))
def test_pooling_layer_config_round_trip_gives_same_output(case):
    name, kwargs, shape = POOL_CASES[case]
    expected, actual = config_round_trip(getattr(layers, name)(**kwargs), random_array(*shape))
    np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("case", ["max1d_default", "max2d_same_odd", "avg3d_valid",
                                  "avg2d_channels_first"])
def test_pooling_layer_config_equals_keras_config(case):
    name, kwargs, _ = POOL_CASES[case]
    config = getattr(layers, name)(**kwargs).get_config()
    k_config = getattr(keras().layers, name)(**kwargs).get_config()
    assert set(config) == set(k_config)
    for key in ("pool_size", "strides", "padding", "data_format"):
        assert json.dumps(config[key]) == json.dumps(k_config[key]), key


@pytest.mark.parametrize("layer, input_shape, expected", [
    (lambda: layers.MaxPooling1D(), (7, 3), (None, 3, 3)),
    (lambda: layers.MaxPooling1D(3, strides=1, padding="same"), (None, 3), (None, None, 3)),
    (lambda: layers.MaxPooling2D((2, 3), padding="same"), (5, 7, 2), (None, 3, 3, 2)),
    (lambda: layers.MaxPooling2D(data_format="channels_first"), (3, None, 6),
     (None, 3, None, 3)),
    (lambda: layers.AveragePooling2D(3, strides=2), (None, 9, 4), (None, None, 4, 4)),
    (lambda: layers.AveragePooling3D(2, padding="same"), (3, 5, None, 2),
     (None, 2, 3, None, 2)),
])
def test_pooling_layer_symbolic_output_shape(layer, input_shape, expected):
    assert layer()(layers.Input(input_shape)).shape == expected


@pytest.mark.parametrize("case", sorted(POOL_CASES))
def test_pooling_layer_compute_output_shape_matches_keras(case):
    name, kwargs, shape = POOL_CASES[case]
    expected = getattr(keras().layers, name)(**kwargs).compute_output_shape(shape)
    assert getattr(layers, name)(**kwargs).compute_output_shape(shape) == tuple(expected)


def test_max_pooling_keeps_integer_dtype():
    x = np.arange(12, dtype="int32").reshape(1, 6, 2)
    out = layers.MaxPooling1D(2)(x)
    assert ops.convert_to_numpy(out).dtype == np.int32
    np.testing.assert_array_equal(to_numpy(out), pool_reference(x, 2).astype("int32"))


@pytest.mark.parametrize("alias, name", [
    ("MaxPool1D", "MaxPooling1D"), ("MaxPool2D", "MaxPooling2D"), ("MaxPool3D", "MaxPooling3D"),
    ("AvgPool1D", "AveragePooling1D"), ("AvgPool2D", "AveragePooling2D"),
    ("AvgPool3D", "AveragePooling3D"), ("GlobalMaxPool1D", "GlobalMaxPooling1D"),
    ("GlobalMaxPool2D", "GlobalMaxPooling2D"), ("GlobalMaxPool3D", "GlobalMaxPooling3D"),
    ("GlobalAvgPool1D", "GlobalAveragePooling1D"),
    ("GlobalAvgPool2D", "GlobalAveragePooling2D"),
    ("GlobalAvgPool3D", "GlobalAveragePooling3D"),
])
def test_pooling_alias_is_the_keras_class(alias, name):
    assert getattr(layers, alias) is getattr(layers, name)
    assert getattr(keras().layers, alias) is getattr(keras().layers, name)


def test_pooling_window_larger_than_input_error_names_layer_and_sizes():
    layer = layers.MaxPooling2D((3, 3), name="too_big_pool")
    with pytest.raises(ValueError) as info:
        layer(np.ones((1, 2, 5, 1), "float32"))
    message = str(info.value)
    assert '"too_big_pool"' in message
    assert "pool_size=(3, 3)" in message and "(2, 5)" in message
    assert "padding=\"same\"" in message


def test_pooling_window_larger_than_input_is_reported_on_symbolic_input():
    with pytest.raises(ValueError, match=r"pool_size=\(4,\).*\(3,\)"):
        layers.AveragePooling1D(4)(layers.Input((3, 2)))


def test_pooling_window_larger_than_input_is_fine_with_same_padding():
    out = layers.MaxPooling1D(4, padding="same")(np.ones((1, 3, 2), "float32"))
    assert tuple(out.shape) == (1, 1, 2)


def test_pooling_rejects_unknown_padding_and_lists_valid_names():
    with pytest.raises(ValueError, match=r"`padding` must be one of \('valid', 'same'\)"):
        layers.MaxPooling2D(padding="full")


def test_pooling_rejects_pool_size_of_wrong_length():
    with pytest.raises(ValueError, match=r"MaxPooling2D: `pool_size` must be an int or a "
                                         r"tuple of 2 ints"):
        layers.MaxPooling2D(pool_size=(2, 2, 2))


def test_pooling_rejects_non_positive_strides():
    with pytest.raises(ValueError, match="`strides` must be a positive int"):
        layers.AveragePooling1D(2, strides=0)


def test_pooling_rejects_input_of_wrong_rank():
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.MaxPooling2D()(np.ones((2, 4, 3), "float32"))


def test_max_pool_op_error_names_op_and_sizes():
    with pytest.raises(ValueError, match=r"max_pool: the pooling window pool_size=\(5,\)"):
        ops.max_pool(np.ones((1, 4, 1), "float32"), 5)


def test_average_pool_op_accepts_upper_case_padding():
    x = random_array(1, 5, 2)
    out = to_numpy(ops.average_pool(x, 2, 2, "SAME"))
    np.testing.assert_allclose(out, pool_reference(x, 2, 2, "same", "average"), rtol=1e-6)


# -- global pooling ------------------------------------------------------------------------

GLOBAL_CASES = {
    "gmax1d": ("GlobalMaxPooling1D", {}, (2, 5, 3)),
    "gmax1d_keepdims_cf": ("GlobalMaxPooling1D", {"keepdims": True,
                                                  "data_format": "channels_first"}, (2, 3, 5)),
    "gmax2d": ("GlobalMaxPooling2D", {}, (2, 3, 4, 2)),
    "gmax2d_keepdims": ("GlobalMaxPooling2D", {"keepdims": True}, (2, 3, 4, 2)),
    "gmax3d_cf": ("GlobalMaxPooling3D", {"data_format": "channels_first"}, (2, 2, 3, 2, 3)),
    "gavg1d": ("GlobalAveragePooling1D", {}, (2, 5, 3)),
    "gavg1d_cf": ("GlobalAveragePooling1D", {"data_format": "channels_first"}, (2, 3, 5)),
    "gavg2d_keepdims_cf": ("GlobalAveragePooling2D", {"keepdims": True,
                                                      "data_format": "channels_first"},
                           (2, 3, 4, 2)),
    "gavg3d": ("GlobalAveragePooling3D", {}, (2, 2, 3, 2, 3)),
    "gavg3d_keepdims": ("GlobalAveragePooling3D", {"keepdims": True}, (1, 2, 3, 2, 3)),
}


def _global_reference(name, kwargs, x):
    axes = (tuple(range(1, x.ndim - 1)) if kwargs.get("data_format") != "channels_first"
            else tuple(range(2, x.ndim)))
    reduce = np.max if "Max" in name else np.mean
    return reduce(x.astype("float64"), axis=axes, keepdims=kwargs.get("keepdims", False))


@pytest.mark.parametrize("case", sorted(GLOBAL_CASES))
def test_global_pooling_layer_matches_numpy_reference(case):
    name, kwargs, shape = GLOBAL_CASES[case]
    x = random_array(*shape)
    out = to_numpy(getattr(layers, name)(**kwargs)(x))
    np.testing.assert_allclose(out, _global_reference(name, kwargs, x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", sorted(GLOBAL_CASES))
def test_global_pooling_layer_matches_keras(case):
    name, kwargs, shape = GLOBAL_CASES[case]
    x = random_array(*shape, seed=4)
    expected = keras_output(getattr(keras().layers, name)(**kwargs), x)
    np.testing.assert_allclose(to_numpy(getattr(layers, name)(**kwargs)(x)), expected,
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", ["gmax2d_keepdims", "gavg1d_cf"])
def test_global_pooling_layer_input_gradient_matches_finite_differences(case):
    name, kwargs, shape = GLOBAL_CASES[case]
    x = random_array(*shape, seed=1)
    layer = getattr(layers, name)(**kwargs)
    projection = random_array(*_global_reference(name, kwargs, x).shape, seed=2)
    (grad,) = lamina_grads(layer, [x], (), projection)
    expected = numeric_grad(
        reference_loss(lambda v: _global_reference(name, kwargs, v), projection), x)
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", sorted(GLOBAL_CASES))
def test_global_pooling_layer_config_round_trip_and_keras_keys(case):
    name, kwargs, shape = GLOBAL_CASES[case]
    layer = getattr(layers, name)(**kwargs)
    expected, actual = config_round_trip(layer, random_array(*shape))
    np.testing.assert_array_equal(actual, expected)
    assert set(layer.get_config()) == set(getattr(keras().layers, name)(**kwargs).get_config())


@pytest.mark.parametrize("layer, input_shape, expected", [
    (lambda: layers.GlobalMaxPooling1D(), (None, 3), (None, 3)),
    (lambda: layers.GlobalAveragePooling1D(keepdims=True), (None, 3), (None, 1, 3)),
    (lambda: layers.GlobalAveragePooling2D(data_format="channels_first"), (4, None, None),
     (None, 4)),
    (lambda: layers.GlobalMaxPooling3D(keepdims=True, data_format="channels_first"),
     (2, None, 3, 4), (None, 2, 1, 1, 1)),
])
def test_global_pooling_layer_symbolic_output_shape(layer, input_shape, expected):
    assert layer()(layers.Input(input_shape)).shape == expected


def _masked_mean_reference(x, mask, channels_first=False, keepdims=False):
    if channels_first:
        x = np.moveaxis(x, 1, 2)
    keep = mask[:, :, None].astype("float64")
    out = (x * keep).sum(1, keepdims=keepdims) / keep.sum(1, keepdims=keepdims)
    return np.moveaxis(out, 1, 2) if channels_first and keepdims else out


MASK = np.array([[True, True, False, True, False], [False, True, True, True, True]])


@pytest.mark.parametrize("kwargs", [{}, {"keepdims": True},
                                    {"data_format": "channels_first"},
                                    {"data_format": "channels_first", "keepdims": True}])
def test_global_average_pooling1d_averages_unmasked_steps_only(kwargs):
    channels_first = kwargs.get("data_format") == "channels_first"
    x = random_array(2, 3, 5) if channels_first else random_array(2, 5, 3)
    out = to_numpy(layers.GlobalAveragePooling1D(**kwargs)(x, mask=MASK))
    expected = _masked_mean_reference(x, MASK, channels_first, kwargs.get("keepdims", False))
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)


def test_global_average_pooling1d_masked_matches_keras():
    x = random_array(2, 5, 3, seed=5)
    expected = keras_output(keras().layers.GlobalAveragePooling1D(), x, mask=MASK)
    out = to_numpy(layers.GlobalAveragePooling1D()(x, mask=MASK))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_global_average_pooling1d_ignores_non_finite_values_in_masked_steps():
    x = random_array(2, 5, 3)
    x[0, 2] = np.inf
    x[1, 0] = np.nan
    out = to_numpy(layers.GlobalAveragePooling1D()(x, mask=MASK))
    assert np.isfinite(out).all()


def test_global_average_pooling1d_masked_input_gradient_matches_finite_differences():
    x = random_array(2, 5, 2, seed=1)
    layer = layers.GlobalAveragePooling1D()
    projection = random_array(2, 2, seed=2)
    (grad,) = lamina_grads(lambda v: layer(v, mask=MASK), [x], (), projection)
    expected = numeric_grad(
        reference_loss(lambda v: _masked_mean_reference(v, MASK), projection), x)
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-5)


def test_global_average_pooling1d_consumes_the_mask():
    layer = layers.GlobalAveragePooling1D()
    assert layer.supports_masking
    assert layer.compute_mask(random_array(2, 5, 3), MASK) is None


def test_global_max_pooling1d_takes_no_mask_like_keras():
    # Keras 3's GlobalMaxPooling1D has no `mask` argument (a mask is dropped with a
    # warning); we match it so a masked model gives Keras's numbers.
    assert not layers.GlobalMaxPooling1D().supports_masking
    with pytest.raises(TypeError, match="mask"):
        layers.GlobalMaxPooling1D()(random_array(2, 5, 3), mask=MASK)


def test_global_pooling_rejects_input_of_wrong_rank():
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.GlobalAveragePooling2D()(np.ones((2, 4, 3), "float32"))


def _first_max_gradient(x, pool_size, projection, strides=None, padding="valid"):
    """d sum(maxpool(x) * projection) / dx (channels last), where each window's gradient
    goes to its first maximal cell in row-major order; overlapping windows add up."""
    strides = pool_size if strides is None else strides
    sizes = x.shape[1:-1]
    counts, befores = _window_grid(sizes, pool_size, strides, padding)
    grad = np.zeros_like(x, dtype="float64")
    for b in range(x.shape[0]):
        for c in range(x.shape[-1]):
            for index in itertools.product(*[range(n) for n in counts]):
                starts = [i * s - before for i, s, before in zip(index, strides, befores)]
                cells = tuple(slice(max(st, 0), min(st + w, n))
                              for st, w, n in zip(starts, pool_size, sizes))
                window = x[(b,) + cells + (c,)]
                first = np.unravel_index(np.argmax(window), window.shape)  # first maximum
                at = tuple(cell.start + f for cell, f in zip(cells, first))
                grad[(b,) + at + (c,)] += projection[(b,) + tuple(index) + (c,)]
    return grad


@pytest.mark.parametrize("name, kwargs, shape", [
    ("MaxPooling1D", {"pool_size": 2}, (2, 9, 3)),
    ("MaxPooling1D", {"pool_size": 3, "strides": 1, "padding": "same"}, (2, 7, 2)),
    ("MaxPooling2D", {"pool_size": 2}, (2, 6, 7, 3)),
    ("MaxPooling2D", {"pool_size": (3, 2)}, (1, 7, 6, 2)),
    ("MaxPooling2D", {"pool_size": 2, "padding": "same"}, (1, 5, 7, 2)),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2}, (2, 7, 8, 2)),
    ("MaxPooling3D", {"pool_size": 2}, (1, 4, 5, 4, 2)),
])
@pytest.mark.parametrize("accelerator_path", [False, True])
def test_max_pooling_gradient_goes_to_the_first_maximum_on_ties(name, kwargs, shape,
                                                               accelerator_path, monkeypatch):
    # Rounded values tie inside many windows (as relu outputs and flat image regions do);
    # the gradient must go to one cell per window, the first maximal one, as in Keras.
    # JAX pools with strided slices on the CPU and with reduce_window on accelerators:
    # both give these gradients.
    if accelerator_path:
        if backend.backend() != "jax":
            pytest.skip("JAX's accelerator pooling path")
        from lamina.backend.jax import nn as jax_nn

        monkeypatch.setattr(jax_nn, "_slices_preferred", lambda: False)
    rng = np.random.default_rng(0)
    x = np.round(rng.uniform(0, 2, size=shape)).astype("float32")
    projection = rng.normal(size=_reference(name, kwargs, x).shape)
    (grad,) = lamina_grads(getattr(layers, name)(**kwargs), [x], (), projection)
    rank = len(shape) - 2
    pool = _as_tuple(kwargs["pool_size"], rank)
    strides = _as_tuple(kwargs.get("strides", pool), rank)
    expected = _first_max_gradient(x, pool, projection, strides,
                                   kwargs.get("padding", "valid"))
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-6)


def test_max_pooling_forward_mode_derivative_follows_the_first_maximum():
    # JAX only: forward mode (jax.jvp, jacfwd) works through max pooling as through
    # reduce_window, and matches the reverse-mode rule (the first maximal cell).
    if backend.backend() != "jax":
        pytest.skip("forward-mode autodiff is a JAX feature")
    import jax
    rng = np.random.default_rng(3)
    x = np.round(rng.uniform(0, 2, size=(1, 6, 5, 2))).astype("float32")
    tangent = rng.normal(size=x.shape).astype("float32")
    for kwargs in ({"pool_size": 2}, {"pool_size": 3, "strides": 1, "padding": "same"}):
        projection = rng.normal(size=_reference("MaxPooling2D", kwargs, x).shape)
        pool = (kwargs["pool_size"],) * 2
        strides = _as_tuple(kwargs.get("strides", pool), 2)

        def loss(value, kwargs=kwargs, projection=projection):
            return ops.sum(ops.multiply(ops.max_pool(value, **kwargs),
                                        projection.astype("float32")))

        _, derivative = jax.jvp(loss, (x,), (tangent,))
        expected = np.sum(_first_max_gradient(x, pool, projection, strides,
                                              kwargs.get("padding", "valid")) * tangent)
        np.testing.assert_allclose(float(derivative), expected, rtol=1e-5, atol=1e-5)
