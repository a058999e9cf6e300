"""The Keras 3 ops added late: depth_to_space, space_to_depth, unique, cdist, psnr, polar,
segment_min, segment_prod, get_item, view, vectorize, unfold, fold, adaptive_average_pool and
adaptive_max_pool: values against NumPy references and Keras 3, gradients against finite
differences, symbolic shapes and error text."""

import numpy as np
import pytest

import lamina
from lamina import ops

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _close(got, expected, tol=1e-5):
    got, expected = _np(got), np.asarray(expected)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


def _keras(name, *args, **kwargs):
    """Keras 3's op (torch engine) on torch tensors made from the NumPy arguments."""
    args = [keras.ops.convert_to_tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    result = getattr(keras.ops, name)(*args, **kwargs)
    if isinstance(result, (tuple, list)):
        return tuple(keras.ops.convert_to_numpy(r) for r in result)
    return keras.ops.convert_to_numpy(result)


def _grad(fn, x):
    """d sum(fn(x) * weights) / dx through the engine, with fixed random weights."""
    variable = lamina.Variable(x)
    weights = RNG.normal(size=_np(fn(x)).shape).astype("float32")
    _, (grad,) = lamina.backend.value_and_grad(
        lambda: ops.sum(ops.multiply(fn(variable.value), weights)), [variable])

    def loss(value):
        return float(np.sum(_np(fn(value)).astype("float64") * weights))

    return _np(grad), loss


def _check_finite_differences(fn, x, eps=1e-2, tol=2e-2, picks=4):
    grad, loss = _grad(fn, x)
    assert grad.shape == x.shape
    for flat in RNG.choice(x.size, size=min(picks, x.size), replace=False):
        index = np.unravel_index(flat, x.shape)
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        numeric = (loss(plus) - loss(minus)) / (2 * eps)
        np.testing.assert_allclose(grad[index], numeric, rtol=tol, atol=tol)


# -- depth_to_space / space_to_depth -------------------------------------------------------
def _depth_to_space_reference(x, r, data_format):
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    n, h, w, c = x.shape
    out = np.zeros((n, h * r, w * r, c // (r * r)), x.dtype)
    for a in range(r):
        for b in range(r):
            for k in range(c // (r * r)):
                # TensorFlow's order channels-last, PixelShuffle's channels-first (Keras's).
                channel = ((a * r + b) * (c // (r * r)) + k if data_format == "channels_last"
                           else k * r * r + a * r + b)
                out[:, a::r, b::r, k] = x[..., channel]
    return out if data_format == "channels_last" else np.moveaxis(out, -1, 1)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depth_to_space_matches_reference_and_keras(data_format):
    shape = (2, 3, 4, 12) if data_format == "channels_last" else (2, 12, 3, 4)
    x = RNG.normal(size=shape).astype("float32")
    got = ops.depth_to_space(x, 2, data_format=data_format)
    _close(got, _depth_to_space_reference(x, 2, data_format))
    _close(got, _keras("depth_to_space", x, 2, data_format=data_format))
    _close(ops.space_to_depth(got, 2, data_format=data_format), x)
    _close(ops.space_to_depth(_np(got), 2, data_format=data_format),
           _keras("space_to_depth", _np(got), 2, data_format=data_format))


def test_depth_to_space_symbolic_shape_and_errors():
    out = ops.depth_to_space(lamina.Input((3, 4, 18)), 3)
    assert out.shape == (None, 9, 12, 2)
    assert ops.space_to_depth(lamina.Input((4, 6, 2)), 2).shape == (None, 2, 3, 8)
    with pytest.raises(ValueError, match="depth_to_space: the channel count 12 must be "
                                         "divisible by block_size \\*\\* 2 = 9"):
        ops.depth_to_space(np.zeros((1, 2, 2, 12)), 3)
    with pytest.raises(ValueError, match="space_to_depth: the height 3 and width 4 must be"):
        ops.space_to_depth(np.zeros((1, 3, 4, 1)), 2)
    with pytest.raises(ValueError, match="must be a 4-D image batch"):
        ops.depth_to_space(np.zeros((2, 2, 4)), 2)


# -- unique --------------------------------------------------------------------------------
def test_unique_matches_numpy():
    x = np.array([[3, 1, 2], [1, 3, 7]], "int32")
    values, index, inverse, counts = ops.unique(x, return_index=True, return_inverse=True,
                                                return_counts=True)
    ref = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    for got, expected in zip((values, index, inverse, counts), ref):
        np.testing.assert_array_equal(_np(got), np.reshape(expected, _np(got).shape))
    assert _np(inverse).shape == x.shape
    assert [str(_np(t).dtype) for t in (values, index, inverse, counts)] == ["int32"] * 4
    _close(ops.unique(x), _keras("unique", x))


def test_unique_along_an_axis_matches_numpy_and_keras():
    x = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0]], "float32")
    got = ops.unique(x, axis=0, return_index=True, return_inverse=True, return_counts=True)
    ref = np.unique(x, axis=0, return_index=True, return_inverse=True, return_counts=True)
    for g, expected in zip(got, ref):
        np.testing.assert_array_equal(_np(g), np.reshape(expected, _np(g).shape))
    for g, expected in zip(got, _keras("unique", x, axis=0, return_index=True,
                                       return_inverse=True, return_counts=True)):
        np.testing.assert_array_equal(_np(g), expected)


def test_unique_with_size_pads_and_truncates_as_keras():
    x = np.array([3, 1, 2, 1, 3, 5], "int32")
    kwargs = dict(return_index=True, return_inverse=True, return_counts=True)
    for size, fill in ((6, None), (2, None)):
        got = ops.unique(x, size=size, fill_value=fill, **kwargs)
        expected = _keras("unique", x, size=size, fill_value=fill, **kwargs)
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(_np(g), e)
    values, counts = ops.unique(x, size=6, fill_value=9, return_counts=True)
    np.testing.assert_array_equal(_np(values), [1, 2, 3, 5, 9, 9])
    np.testing.assert_array_equal(_np(counts), [2, 1, 2, 1, 0, 0])


def test_unique_symbolic_shapes_and_errors():
    values, inverse = ops.unique(lamina.Input((4,)), return_inverse=True)
    assert values.shape == (None,) and inverse.shape == (None, 4)
    assert inverse.dtype == "int32"
    values, counts = ops.unique(lamina.Input((4,)), size=3, return_counts=True)
    assert values.shape == (3,) and counts.shape == (3,)
    assert ops.unique(lamina.Input((4,)), axis=1).shape == (None, None)
    with pytest.raises(ValueError, match="unique: `axis` must be None or an int in"):
        ops.unique(np.zeros((2, 2)), axis=2)
    with pytest.raises(ValueError, match="unique: `size` must be None or a positive int"):
        ops.unique(np.zeros((2,)), size=0)


# -- cdist, psnr, polar --------------------------------------------------------------------
def test_cdist_matches_numpy_and_keras():
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    y = RNG.normal(size=(2, 5, 4)).astype("float32")
    expected = np.linalg.norm(x[:, :, None, :] - y[:, None, :, :], axis=-1)
    _close(ops.cdist(x, y), expected)
    _close(ops.cdist(x, y), _keras("cdist", x, y))
    assert ops.cdist(lamina.Input((3, 4)), y[0]).shape == (None, 3, 5)


def test_cdist_gradient_matches_finite_differences_and_is_zero_at_zero_distance():
    y = RNG.normal(size=(5, 3)).astype("float32")
    x = RNG.normal(size=(4, 3)).astype("float32")
    _check_finite_differences(lambda v: ops.cdist(v, y), x, eps=1e-2, tol=3e-2)
    grad, _ = _grad(lambda v: ops.cdist(v, y[:1]), y[:1].copy())
    assert np.all(grad == 0)


def test_cdist_rejects_mismatched_vectors():
    with pytest.raises(ValueError, match="cdist: `x` and `y` must have rank >= 2.*same vector"):
        ops.cdist(np.ones((3, 4)), np.ones((5, 3)))


def test_psnr_matches_numpy_and_keras():
    a = RNG.uniform(size=(2, 4, 4, 3)).astype("float32")
    b = RNG.uniform(size=(2, 4, 4, 3)).astype("float32")
    expected = 20 * np.log10(1.0) - 10 * np.log10(np.mean((a - b) ** 2))
    _close(ops.psnr(a, b, 1.0), expected)
    _close(ops.psnr(a, b, 255.0), _keras("psnr", a, b, 255.0), tol=1e-4)
    assert ops.psnr(lamina.Input((3,)), lamina.Input((3,)), 1.0).shape == ()
    with pytest.raises(ValueError, match=r"psnr: `x1` and `x2` must have the same shape.*"
                                         r"\(2, 3\) and \(3, 3\)"):
        ops.psnr(np.ones((2, 3)), np.ones((3, 3)), 1.0)


def test_polar_matches_numpy_and_keras():
    magnitude = RNG.uniform(size=(2, 3)).astype("float32")
    angle = RNG.normal(size=(2, 3)).astype("float32")
    got = ops.polar(magnitude, angle)
    assert str(_np(got).dtype) == "complex64"
    np.testing.assert_allclose(_np(got), magnitude * np.exp(1j * angle), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(got), _keras("polar", magnitude, angle), rtol=1e-5,
                               atol=1e-6)


# -- segment_min / segment_prod ------------------------------------------------------------
@pytest.mark.parametrize("name, reduce, empty",
                         [("segment_min", np.min, np.inf), ("segment_prod", np.prod, 1.0)])
def test_segment_reductions_match_numpy(name, reduce, empty):
    data = RNG.normal(size=(6, 2)).astype("float32")
    ids = np.array([0, 0, 3, 1, 3, 3], "int32")
    got = getattr(ops, name)(data, ids, num_segments=5)
    expected = np.stack([reduce(data[ids == s], axis=0) if np.any(ids == s)
                         else np.full((2,), empty, "float32") for s in range(5)])
    _close(got, expected)
    _close(getattr(ops, name)(data, ids), expected[:4])
    _close(getattr(ops, name)(data, ids, num_segments=4),
           _keras(name, data, ids, num_segments=4))


def test_segment_min_fills_empty_integer_segments_with_the_highest_value():
    got = ops.segment_min(np.array([4, 2], "int32"), np.array([0, 2], "int32"), num_segments=3)
    np.testing.assert_array_equal(_np(got), [4, np.iinfo("int32").max, 2])


def test_segment_ops_check_their_ids():
    with pytest.raises(ValueError, match="segment_prod: `segment_ids` must be 1-D with one id "
                                         "per row of `data`"):
        ops.segment_prod(np.ones((3, 2)), np.array([0, 1], "int32"))
    with pytest.raises(ValueError, match="segment_min: `segment_ids` must hold integers"):
        ops.segment_min(np.ones((2,)), np.array([0.0, 1.0], "float32"))
    out = ops.segment_min(lamina.Input((3,)), lamina.Input((), dtype="int32"), num_segments=4)
    assert out.shape == (4, 3)


# -- get_item, view, vectorize -------------------------------------------------------------
def test_get_item_matches_numpy_indexing():
    x = np.arange(24).reshape(2, 3, 4).astype("float32")
    for key in (1, (slice(None), 1), (Ellipsis, slice(1, 3)), (0, None, slice(None, None, 2)),
                np.array([1, 0])):
        _close(ops.get_item(x, key), x[key])
    _close(ops.get_item(x, [1, 0]), x[[1, 0]])
    assert ops.get_item(lamina.Input((3, 4)), (slice(None), 1)).shape == (None, 4)


@pytest.mark.parametrize("source, target", [("int32", "float32"), ("int32", "int16"),
                                            ("int16", "int32"), ("float32", "uint8")])
def test_view_matches_numpy(source, target):
    x = np.array([[1, 2, -3, 4]], source)
    got = ops.view(x, target)
    np.testing.assert_array_equal(_np(got), x.view(target))
    assert ops.view(lamina.Input((4,), dtype=source), target).shape == \
        (None, x.view(target).shape[-1])


def test_view_keeps_x_without_dtype_and_explains_bad_sizes():
    _close(ops.view(np.ones((2,), "float32")), np.ones((2,), "float32"))
    with pytest.raises(ValueError, match="view: viewing int16 \\(2 bytes\\) as int32"):
        ops.view(np.ones((3,), "int16"), "int32")


def test_vectorize_matches_numpy_vectorize():
    def affine(a, b):
        return a * 2.0 + b

    a = RNG.normal(size=(3, 4)).astype("float32")
    b = RNG.normal(size=(4,)).astype("float32")
    _close(ops.vectorize(affine)(a, b), np.vectorize(affine)(a, b))
    assert ops.vectorize(affine)(lamina.Input((4,)), b).shape == (None, 4)


def test_vectorize_with_signature_and_excluded_arguments():
    def matvec(m, v):
        return ops.matmul(m, v)

    m = RNG.normal(size=(5, 2, 3)).astype("float32")
    v = RNG.normal(size=(3,)).astype("float32")
    _close(ops.vectorize(matvec, signature="(m,n),(n)->(m)")(m, v), m @ v)

    def scaled(x, factor):
        assert isinstance(factor, float)  # excluded: passed as is
        return x * factor

    x = RNG.normal(size=(4,)).astype("float32")
    _close(ops.vectorize(scaled, excluded={1})(x, 3.0), x * 3.0)
    with pytest.raises(ValueError, match="vectorize: `signature` must look like"):
        ops.vectorize(matvec, signature="m,n->m")


# -- unfold / fold -------------------------------------------------------------------------
def _unfold_reference(x, k, d, p, s):
    n, c, h, w = x.shape
    x = np.pad(x, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])])
    rows = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    cols = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((n, c, k[0], k[1], rows, cols), x.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            for r in range(rows):
                for q in range(cols):
                    out[:, :, i, j, r, q] = x[:, :, r * s[0] + i * d[0], q * s[1] + j * d[1]]
    return out.reshape(n, c * k[0] * k[1], rows * cols)


UNFOLD_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=(3, 2), dilation=(1, 2), padding=1, stride=(2, 1)),
    dict(kernel_size=3, stride=2, padding=(0, 1)),
]


def _pairs(kw):
    def pair(v):
        return (v, v) if isinstance(v, int) else v

    return (pair(kw["kernel_size"]), pair(kw.get("dilation", 1)), pair(kw.get("padding", 0)),
            pair(kw.get("stride", 1)))


@pytest.mark.parametrize("kwargs", UNFOLD_CASES)
def test_unfold_matches_reference_and_keras(kwargs):
    x = RNG.normal(size=(2, 3, 7, 6)).astype("float32")
    got = ops.unfold(x, **kwargs)
    _close(got, _unfold_reference(x, *_pairs(kwargs)))
    _close(got, _keras("unfold", x, **kwargs))


@pytest.mark.parametrize("kwargs", UNFOLD_CASES)
def test_fold_is_the_adjoint_of_unfold_and_matches_keras(kwargs):
    x = RNG.normal(size=(2, 3, 7, 6)).astype("float32")
    cols = _unfold_reference(x, *_pairs(kwargs))
    y = RNG.normal(size=cols.shape).astype("float32")
    folded = ops.fold(y, (7, 6), **kwargs)
    # <unfold(x), y> == <x, fold(y)>.
    np.testing.assert_allclose(np.sum(cols * y), np.sum(x * _np(folded)), rtol=1e-4)
    _close(folded, _keras("fold", y, (7, 6), **kwargs), tol=1e-4)


def test_unfold_and_fold_gradients_match_finite_differences():
    x = RNG.normal(size=(1, 2, 5, 4)).astype("float32")
    _check_finite_differences(lambda v: ops.unfold(v, 2, padding=1, stride=2), x)
    y = RNG.normal(size=(1, 8, 12)).astype("float32")
    _check_finite_differences(lambda v: ops.fold(v, (5, 4), 2), y)


def test_unfold_and_fold_symbolic_shapes_and_errors():
    assert ops.unfold(lamina.Input((2, 4, 4)), 2, stride=2).shape == (None, 8, 4)
    assert ops.fold(lamina.Input((8, 4)), 4, 2, stride=2).shape == (None, 2, 4, 4)
    with pytest.raises(ValueError, match="unfold: `x` must be a 4-D channels-first batch"):
        ops.unfold(np.ones((2, 4, 4)), 2)
    with pytest.raises(ValueError, match="unfold: no block fits"):
        ops.unfold(np.ones((1, 1, 2, 2)), 3)
    with pytest.raises(ValueError, match="fold: `x` must have shape \\(N, C \\* 4, 4\\)"):
        ops.fold(np.ones((1, 8, 5)), 4, 2, stride=2)
    with pytest.raises(ValueError, match="unfold: `stride` must be an int >= 1"):
        ops.unfold(np.ones((1, 1, 4, 4)), 2, stride=0)


# -- adaptive pooling ----------------------------------------------------------------------
def _adaptive_reference(x, output_size, reduce):
    """Channels-last NumPy reference: window i of n over L cells spans
    [floor(i L / n), ceil((i + 1) L / n))."""
    spatial = x.shape[1:-1]
    out = np.zeros((x.shape[0],) + tuple(output_size) + (x.shape[-1],), "float64")
    for cell in np.ndindex(*output_size):
        window = tuple(slice(int(np.floor(i * size / n)), int(np.ceil((i + 1) * size / n)))
                       for i, size, n in zip(cell, spatial, output_size))
        block = x[(slice(None),) + window]
        out[(slice(None),) + cell] = reduce(block, axis=tuple(range(1, len(spatial) + 1)))
    return out


# 3-D inputs, channels_first and gradients: tests/layers/test_adaptive_pooling.py. The
# second case mixes an axis whose windows tile (6 -> 3) with one whose windows overlap.
ADAPTIVE_CASES = [((2, 9, 3), (4,)), ((2, 10, 6, 3), (3, 3)), ((2, 4, 4, 1), (8, 8))]


@pytest.mark.parametrize("shape, output_size", ADAPTIVE_CASES)
@pytest.mark.parametrize("mode", ["average", "max"])
def test_adaptive_pool_matches_reference_and_keras(shape, output_size, mode):
    op = ops.adaptive_average_pool if mode == "average" else ops.adaptive_max_pool
    reduce = np.mean if mode == "average" else np.max
    x = RNG.normal(size=shape).astype("float32")
    got = op(x, output_size, data_format="channels_last")
    _close(got, _adaptive_reference(x, output_size, reduce))
    name = "adaptive_average_pool" if mode == "average" else "adaptive_max_pool"
    _close(got, _keras(name, x, output_size, data_format="channels_last"))


def test_adaptive_pool_symbolic_shapes_and_errors():
    out = ops.adaptive_average_pool(lamina.Input((9, 7, 3)), 2, data_format="channels_last")
    assert out.shape == (None, 2, 2, 3)
    out = ops.adaptive_max_pool(lamina.Input((3, 9)), 4, data_format="channels_first")
    assert out.shape == (None, 3, 4)
    with pytest.raises(ValueError, match="adaptive_max_pool: `output_size` must be a positive "
                                         "int or a tuple of 2 positive ints"):
        ops.adaptive_max_pool(np.ones((1, 4, 4, 1)), (2, 0))
    with pytest.raises(ValueError, match="adaptive_average_pool: `inputs` must have rank 3, 4 "
                                         "or 5"):
        ops.adaptive_average_pool(np.ones((4, 4)), 2)


def test_new_ops_live_where_keras_puts_them():
    for name in ("depth_to_space", "space_to_depth", "psnr", "polar", "unfold", "fold",
                 "adaptive_average_pool", "adaptive_max_pool"):
        assert getattr(lamina.ops.nn, name) is getattr(lamina.ops, name)
    for name in ("unique", "get_item", "view", "vectorize"):
        assert getattr(lamina.ops.numpy, name) is getattr(lamina.ops, name)
    for name in ("cdist", "segment_min", "segment_prod"):
        assert callable(getattr(lamina.ops, name))


# -- CTC -----------------------------------------------------------------------------------
def _ctc_batch():
    """One small batch for every CTC test (one set of shapes: JAX compiles once)."""
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(3, 6, 4)).astype("float32")
    target = rng.integers(1, 4, size=(3, 3)).astype("int32")
    target[0, 2] = target[0, 1]  # a repeated label needs a blank between
    return target, logits, np.array([3, 2, 0], "int32"), np.array([6, 4, 3], "int32")


def _ctc_reference(labels, log_probs):
    """-log P(labels) by brute force over every alignment (NumPy, float64)."""
    import itertools

    total = 0.0
    for path in itertools.product(range(log_probs.shape[1]), repeat=log_probs.shape[0]):
        collapsed = [c for i, c in enumerate(path) if c != 0 and (i == 0 or c != path[i - 1])]
        if collapsed == list(labels):
            total += np.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
    return -np.log(total)


def test_ctc_loss_matches_brute_force_and_keras():
    target, logits, target_length, output_length = _ctc_batch()
    got = ops.ctc_loss(target, logits, target_length, output_length)
    _close(got, _keras("ctc_loss", target, logits, target_length, output_length), tol=1e-4)
    wide = logits.astype("float64")
    log_probs = wide - np.log(np.exp(wide).sum(-1, keepdims=True))
    expected = [_ctc_reference(target[b, :target_length[b]], log_probs[b, :output_length[b]])
                for b in range(3)]
    _close(got, expected, tol=1e-4)


def test_ctc_loss_composite_matches_the_engine_kernel():
    from lamina.ops import ctc

    target, logits, target_length, output_length = _ctc_batch()
    composite = ctc._ctc_loss_forward(*(ops.convert_to_tensor(a) for a in (
        target, logits, target_length, output_length)), 0)
    _close(composite, _keras("ctc_loss", target, logits, target_length, output_length),
           tol=1e-4)


def test_ctc_loss_is_inf_when_no_alignment_fits():
    target, logits, target_length, _ = _ctc_batch()
    # The first labels (a, b, b) need 4 steps: the repeat needs a blank between.
    got = _np(ops.ctc_loss(target, logits, target_length, np.array([3, 4, 3], "int32")))
    assert np.isinf(got[0]) and np.all(np.isfinite(got[1:]))


@pytest.mark.slow
def test_ctc_loss_gradient_matches_keras_on_torch():
    torch = pytest.importorskip("torch")
    target, logits, target_length, output_length = _ctc_batch()
    variable = lamina.Variable(logits)
    _, (grad,) = lamina.backend.value_and_grad(lambda: ops.sum(ops.ctc_loss(
        target, variable.value, target_length, output_length)), [variable])
    tensor = torch.tensor(logits, requires_grad=True)
    keras.ops.sum(keras.ops.ctc_loss(torch.tensor(target), tensor, torch.tensor(target_length),
                                     torch.tensor(output_length))).backward()
    np.testing.assert_allclose(_np(grad), tensor.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("strategy, top_paths", [("greedy", 1), ("beam_search", 2)])
def test_ctc_decode_matches_keras(strategy, top_paths):
    _, logits, _, output_length = _ctc_batch()
    decoded, scores = ops.ctc_decode(logits, output_length, strategy=strategy,
                                     top_paths=top_paths)
    expected_decoded, expected_scores = _keras("ctc_decode", logits, output_length,
                                               strategy=strategy, top_paths=top_paths)
    np.testing.assert_array_equal(_np(decoded), expected_decoded)
    _close(scores, expected_scores, tol=1e-4)


def test_ctc_decode_greedy_merges_repeats_only_when_asked():
    probs = np.array([[[0.1, 0.9], [0.1, 0.9], [0.9, 0.1], [0.1, 0.9]]], "float32")
    merged, _ = ops.ctc_decode(np.log(probs), np.array([4]))
    np.testing.assert_array_equal(_np(merged)[0, 0], [1, 1, -1, -1])
    kept, _ = ops.ctc_decode(np.log(probs), np.array([4]), merge_repeated=False)
    np.testing.assert_array_equal(_np(kept)[0, 0], [1, 1, 1, -1])


def test_ctc_errors_name_the_argument():
    logits = np.zeros((2, 4, 3), "float32")
    with pytest.raises(ValueError, match="ctc_decode: `strategy` must be 'greedy' or "
                                         "'beam_search'"):
        ops.ctc_decode(logits, np.array([4, 4]), strategy="viterbi")
    with pytest.raises(ValueError, match="ctc_loss: `output_length` must have shape"):
        ops.ctc_loss(np.ones((2, 2)), logits, np.array([2, 2]), np.array([4]))
    with pytest.raises(ValueError, match="ctc_decode: `top_paths` \\(3\\) cannot exceed"):
        ops.ctc_decode(logits, np.array([4, 4]), strategy="beam_search", beam_width=2,
                       top_paths=3)


def test_ctc_loss_class_matches_keras_and_round_trips():
    target, logits, _, _ = _ctc_batch()
    target[1, 2:] = 0  # padding: 0 is the blank
    loss = lamina.losses.CTC()
    expected = keras.losses.CTC()(keras.ops.convert_to_tensor(target),
                                  keras.ops.convert_to_tensor(logits))
    _close(loss(target, logits), keras.ops.convert_to_numpy(expected), tol=1e-4)
    _close(lamina.losses.ctc(target, logits),
           _keras("convert_to_numpy", keras.losses.ctc(keras.ops.convert_to_tensor(target),
                                                       keras.ops.convert_to_tensor(logits))),
           tol=1e-4)
    assert loss.get_config() == keras.losses.CTC().get_config()
    assert isinstance(lamina.losses.get("CTC"), lamina.losses.CTC)
    assert lamina.losses.get("ctc") is lamina.losses.ctc
