"""The NumPy ops added beyond the basics (element-wise extras, nan-reductions, percentiles,
splits and stacks, bitwise ops, ...): values against NumPy, result dtypes against Keras 3,
and shapes on symbolic tensors."""

import numpy as np
import pytest

import lamina
from lamina import ops

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 4)).astype("float32")
B = RNG.normal(size=(3, 4)).astype("float32")
C3 = RNG.normal(size=(2, 3, 4)).astype("float32")
INTS = RNG.integers(-9, 10, size=(3, 4)).astype("int32")
SPECIAL = np.array([-np.inf, -2.5, -1.0, -0.0, 0.0, 0.5, 1.5, np.inf, np.nan], "float32")
WITH_NAN = A.copy()
WITH_NAN[[0, 0, 1, 2, 2], [0, 3, 2, 0, 1]] = np.nan  # no row or column made only of NaN


def _np(x):
    return ops.convert_to_numpy(x)


def _close(got, expected, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(_np(got), expected, rtol=rtol, atol=atol, equal_nan=True)


# -- element-wise ---------------------------------------------------------------------------
UNARY = [
    ("cbrt", np.cbrt, [A, INTS, SPECIAL]),
    ("deg2rad", np.deg2rad, [A, INTS]),
    ("rad2deg", np.rad2deg, [A, INTS]),
    ("exp2", np.exp2, [A, INTS.astype("float32") / 3, SPECIAL]),
    ("trunc", np.trunc, [A * 3, INTS, SPECIAL]),
    ("signbit", np.signbit, [A, INTS, SPECIAL]),
    ("isneginf", np.isneginf, [SPECIAL, INTS]),
    ("isposinf", np.isposinf, [SPECIAL, INTS]),
    ("isreal", np.isreal, [A, INTS]),
    ("sinc", np.sinc, [A, INTS, np.array([0.0, 1.0, -0.5], "float32")]),
    ("fabs", np.fabs, [A, INTS, SPECIAL]),
    ("conjugate", np.conjugate, [A, INTS, np.array([1 + 2j, -3j], "complex64")]),
    ("angle", np.angle, [A, INTS, np.array([1 + 1j, -1j, -2.0], "complex64")]),
    ("fliplr", np.fliplr, [A, C3]),
    ("flipud", np.flipud, [A, C3, A[0]]),
    ("diagflat", np.diagflat, [A[0], A[:2, :2]]),
    ("corrcoef", np.corrcoef, [A, INTS]),
    ("bitwise_not", np.bitwise_not, [INTS, INTS > 0]),
    ("bitwise_invert", np.bitwise_not, [INTS]),
]


@pytest.mark.parametrize("name,reference,inputs", UNARY, ids=[u[0] for u in UNARY])
def test_unary_op_matches_numpy(name, reference, inputs):
    for x in inputs:
        _close(getattr(ops, name)(x), reference(x))


BINARY = [
    ("hypot", np.hypot, [(A, B), (INTS, 3), (A, B[0])]),
    ("fmod", np.fmod, [(A, B), (INTS, 4), (INTS, np.full((3, 4), -3, "int32"))]),
    ("heaviside", np.heaviside, [(SPECIAL[:-1], 0.5), (INTS.astype("float32"), A)]),
    ("logaddexp2", np.logaddexp2, [(A, B), (INTS, INTS[0])]),
    ("ldexp", np.ldexp, [(A, INTS), (INTS, np.array(3, "int32")), (A, 2)]),
    ("gcd", np.gcd, [(INTS, 6), (INTS, INTS[::-1])]),
    ("lcm", np.lcm, [(INTS, 6), (INTS, INTS[::-1])]),
    ("bitwise_and", np.bitwise_and, [(INTS, 6), (INTS > 0, INTS < 3)]),
    ("bitwise_or", np.bitwise_or, [(INTS, 6), (INTS > 0, INTS < 3)]),
    ("bitwise_xor", np.bitwise_xor, [(INTS, 6), (INTS > 0, INTS < 3)]),
    ("bitwise_left_shift", np.left_shift, [(INTS, 2), (INTS, np.abs(INTS) % 4)]),
    ("left_shift", np.left_shift, [(INTS, 2)]),
    ("bitwise_right_shift", np.right_shift, [(INTS, 1), (INTS, np.abs(INTS) % 4)]),
    ("right_shift", np.right_shift, [(INTS, 1)]),
    ("kron", np.kron, [(A[:2, :2], B[:2, :3]), (INTS[0], INTS[1]), (A[0], C3)]),
    ("inner", np.inner, [(A, B), (INTS, INTS), (A[0], B[1]), (A, 2.0), (C3, A)]),
    ("isin", np.isin, [(INTS, [1, 2, -3]), (A, A[0])]),
]


@pytest.mark.parametrize("name,reference,inputs", BINARY, ids=[b[0] for b in BINARY])
def test_binary_op_matches_numpy(name, reference, inputs):
    for x1, x2 in inputs:
        _close(getattr(ops, name)(x1, x2), reference(x1, x2), rtol=1e-5, atol=1e-5)


def test_ldexp_refuses_float_exponents():
    with pytest.raises(TypeError, match="integer dtype"):
        ops.ldexp(A, B)


def test_fabs_refuses_complex():
    with pytest.raises(TypeError, match="complex"):
        ops.fabs(np.array([1j], "complex64"))


def test_signbit_sees_negative_zero():
    np.testing.assert_array_equal(_np(ops.signbit(np.array([-0.0, 0.0], "float32"))),
                                  [True, False])


@pytest.mark.parametrize("k", [-1, 0, 1, 2, 3, 5])
@pytest.mark.parametrize("axes", [(0, 1), (1, 0), (0, 2), (-1, 1)])
def test_rot90_matches_numpy(k, axes):
    np.testing.assert_array_equal(_np(ops.rot90(C3, k=k, axes=axes)),
                                  np.rot90(C3, k=k, axes=axes))


def test_rot90_needs_two_different_axes():
    with pytest.raises(ValueError, match="different"):
        ops.rot90(A, axes=(1, 1))


# -- nan-reductions and percentiles ---------------------------------------------------------
NAN_REDUCTIONS = ["nansum", "nanmean", "nanmax", "nanmin", "nanprod", "nanstd", "nanvar",
                  "nanmedian"]


@pytest.mark.parametrize("name", NAN_REDUCTIONS)
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, True), (-1, False),
                                           ((0, 1), True)])
def test_nan_reduction_matches_numpy(name, axis, keepdims):
    result = getattr(ops, name)(WITH_NAN, axis=axis, keepdims=keepdims)
    _close(result, getattr(np, name)(WITH_NAN, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("name", NAN_REDUCTIONS)
def test_nan_reduction_on_integers_matches_numpy(name):
    _close(getattr(ops, name)(INTS, axis=1), getattr(np, name)(INTS, axis=1))


@pytest.mark.parametrize("name", ["nanmean", "nanmax", "nanmin", "nanstd", "nanvar",
                                  "nanmedian"])
def test_nan_reduction_of_only_nan_is_nan(name):
    x = np.array([[np.nan, np.nan], [1.0, np.nan]], "float32")
    np.testing.assert_array_equal(np.isnan(_np(getattr(ops, name)(x, axis=1))), [True, False])


@pytest.mark.parametrize("name", ["nanargmax", "nanargmin"])
@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_nan_arg_reduction_matches_numpy(name, axis, keepdims):
    result = getattr(ops, name)(WITH_NAN, axis=axis, keepdims=keepdims)
    expected = getattr(np, name)(WITH_NAN, axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(_np(result), expected)
    np.testing.assert_array_equal(_np(getattr(ops, name)(INTS, axis=axis)),
                                  getattr(np, name)(INTS, axis=axis))


def test_nan_arg_reduction_of_only_nan_is_minus_one():
    x = np.array([[np.nan, np.nan], [1.0, np.nan]], "float32")
    np.testing.assert_array_equal(_np(ops.nanargmax(x, axis=1)), [-1, 0])


@pytest.mark.parametrize("name", ["nancumsum", "nancumprod"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_nan_cumulative_matches_numpy(name, axis):
    _close(getattr(ops, name)(WITH_NAN, axis=axis), getattr(np, name)(WITH_NAN, axis=axis))
    _close(getattr(ops, name)(INTS, axis=axis), getattr(np, name)(INTS, axis=axis))


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_percentile_methods_match_numpy(method):
    # No q lands exactly between two values: there jnp's "nearest" rounds unlike NumPy's.
    q = [10.0, 40.0, 90.0]
    _close(ops.percentile(A, q, axis=1, method=method), np.percentile(A, q, 1, method=method))
    _close(ops.nanpercentile(WITH_NAN, q, axis=1, method=method),
           np.nanpercentile(WITH_NAN, q, axis=1, method=method))


@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_percentiles_reduce_axes_as_numpy(axis, keepdims):
    kwargs = dict(axis=axis, keepdims=keepdims)
    for q in (30.0, [10.0, 40.0, 90.0]):
        _close(ops.percentile(A, q, **kwargs), np.percentile(A, q, **kwargs))
        _close(ops.nanpercentile(WITH_NAN, q, **kwargs),
               np.nanpercentile(WITH_NAN, q, **kwargs))
        quantile = np.asarray(q) / 100
        _close(ops.nanquantile(WITH_NAN, quantile, **kwargs),
               np.nanquantile(WITH_NAN, quantile, **kwargs))


def test_nanquantile_reduces_several_axes():
    x = np.where(C3 > 1.0, np.nan, C3).astype("float32")
    for keepdims in (False, True):
        _close(ops.nanquantile(x, [0.25, 0.5], axis=(0, 2), keepdims=keepdims),
               np.nanquantile(x, [0.25, 0.5], axis=(0, 2), keepdims=keepdims))


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, True), (1, False),
                                           ((0, 1), True)])
def test_ptp_matches_numpy(axis, keepdims):
    _close(ops.ptp(A, axis=axis, keepdims=keepdims), np.ptp(A, axis=axis, keepdims=keepdims))
    _close(ops.ptp(INTS, axis=axis, keepdims=keepdims),
           np.ptp(INTS, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("bins,range_", [(10, None), (4, (-1.0, 1.0)), (1, None)])
def test_histogram_matches_numpy(bins, range_):
    x = np.concatenate([A.ravel(), [1.0, -1.0]]).astype("float32")
    counts, edges = ops.histogram(x, bins=bins, range=range_)
    expected_counts, expected_edges = np.histogram(x, bins=bins, range=range_)
    _close(counts, expected_counts)
    _close(edges, expected_edges)


def test_histogram_of_constant_values_widens_the_range():
    counts, edges = ops.histogram(np.full((3,), 2.0, "float32"), bins=2)
    expected_counts, expected_edges = np.histogram(np.full((3,), 2.0), bins=2)
    _close(counts, expected_counts)
    _close(edges, expected_edges)


def test_histogram_validates_its_arguments():
    with pytest.raises(ValueError, match="bins"):
        ops.histogram(A[0], bins=-1)
    with pytest.raises(ValueError, match="range"):
        ops.histogram(A[0], range=(1.0, 0.0))
    with pytest.raises(ValueError, match="1-D"):
        ops.histogram(A)


def test_corrcoef_of_a_vector_is_one():
    _close(ops.corrcoef(A[0]), np.corrcoef(A[0]))


def test_trapezoid_matches_numpy():
    _close(ops.trapezoid(A), np.trapezoid(A))
    _close(ops.trapezoid(A, axis=0, dx=0.5), np.trapezoid(A, axis=0, dx=0.5))
    x = np.cumsum(np.abs(B[0])).astype("float32")
    _close(ops.trapezoid(A, x=x), np.trapezoid(A, x=x))
    _close(ops.trapezoid(A, x=np.abs(B).cumsum(0), axis=0),
           np.trapezoid(A, x=np.abs(B).cumsum(0), axis=0))
    _close(ops.trapezoid(INTS), np.trapezoid(INTS))


# -- building, splitting and searching ------------------------------------------------------
def _check_parts(parts, expected):
    assert len(parts) == len(expected)
    for got, want in zip(parts, expected):
        np.testing.assert_array_equal(_np(got), want)


@pytest.mark.parametrize("sections", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_array_split_matches_numpy(sections, axis):
    x = np.arange(30).reshape(6, 5)
    _check_parts(ops.array_split(x, sections, axis=axis), np.array_split(x, sections, axis))


def test_array_split_needs_a_positive_int():
    with pytest.raises(TypeError, match="int"):
        ops.array_split(A, [1, 2])
    with pytest.raises(ValueError, match="positive"):
        ops.array_split(A, 0)


@pytest.mark.parametrize("name", ["hsplit", "vsplit", "dsplit"])
@pytest.mark.parametrize("sections", [2, [1, 3]])
def test_direction_splits_match_numpy(name, sections):
    x = np.arange(64).reshape(4, 4, 4)
    _check_parts(getattr(ops, name)(x, sections), getattr(np, name)(x, sections))
    if name == "hsplit":
        _check_parts(ops.hsplit(np.arange(4), sections), np.hsplit(np.arange(4), sections))


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_append_matches_numpy(axis):
    x2 = B if axis is not None else B[:2]
    _close(ops.append(A, x2, axis=axis), np.append(A, x2, axis=axis))
    assert ops.dtype(ops.append(INTS, A, axis=axis if axis is not None else None)) == "float32"


def test_dstack_matches_numpy():
    for xs in ([A, B], [A[0], B[0]], [C3, C3[:, :, :1]], [np.float32(1), np.float32(2)]):
        _close(ops.dstack(xs), np.dstack(xs))


def test_empty_like_has_the_shape_and_dtype():
    result = ops.empty_like(INTS)
    assert tuple(result.shape) == INTS.shape and ops.dtype(result) == "int32"
    assert ops.dtype(ops.empty_like(INTS, dtype="float32")) == "float32"


@pytest.mark.parametrize("endpoint", [True, False])
def test_logspace_and_geomspace_match_numpy(endpoint):
    _close(ops.logspace(0, 3, num=7, endpoint=endpoint),
           np.logspace(0, 3, num=7, endpoint=endpoint), rtol=1e-5)
    _close(ops.logspace(-1.0, 2.0, num=5, endpoint=endpoint, base=2),
           np.logspace(-1.0, 2.0, num=5, endpoint=endpoint, base=2), rtol=1e-5)
    _close(ops.geomspace(1, 1000, num=4, endpoint=endpoint),
           np.geomspace(1, 1000, num=4, endpoint=endpoint), rtol=1e-5)
    _close(ops.geomspace(-2.0, -32.0, num=5, endpoint=endpoint),
           np.geomspace(-2.0, -32.0, num=5, endpoint=endpoint), rtol=1e-5)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_logspace_and_geomspace_take_tensor_bounds(axis):
    start, stop = np.array([0.0, 1.0], "float32"), np.array([2.0, 3.0], "float32")
    _close(ops.logspace(start, stop, num=3, axis=axis),
           np.logspace(start, stop, num=3, axis=axis), rtol=1e-5)
    _close(ops.geomspace(start + 1, stop * 10, num=3, axis=axis),
           np.geomspace(start + 1, stop * 10, num=3, axis=axis), rtol=1e-5)


@pytest.mark.parametrize("N", [None, 0, 2, 5])
@pytest.mark.parametrize("increasing", [False, True])
def test_vander_matches_numpy(N, increasing):
    for x in (A[0], np.array([1, 2, 3], "int32")):
        _close(ops.vander(x, N=N, increasing=increasing), np.vander(x, N=N, increasing=increasing))


def test_unravel_index_matches_numpy():
    for indices, shape in (([5, 7, 0], (2, 4)), (np.array([[3, 23], [0, 11]]), (2, 3, 4)),
                           (17, (3, 6))):
        result = ops.unravel_index(indices, shape)
        expected = np.unravel_index(indices, shape)
        assert len(result) == len(expected)
        for got, want in zip(result, expected):
            np.testing.assert_array_equal(_np(got), want)


def test_select_matches_numpy():
    x = np.arange(6, dtype="int32")
    conditions, choices = [x < 2, x > 3], [x, x * 10]
    np.testing.assert_array_equal(_np(ops.select(conditions, choices)),
                                  np.select(conditions, choices))
    np.testing.assert_array_equal(_np(ops.select(conditions, choices, default=-1)),
                                  np.select(conditions, choices, default=-1))
    assert ops.dtype(ops.select(conditions, choices)) == "int32"


def test_select_needs_matching_lists():
    with pytest.raises(ValueError, match="lists"):
        ops.select(A > 0, A)
    with pytest.raises(ValueError, match="same length"):
        ops.select([A > 0], [A, B])


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_matches_numpy(side):
    sequence = np.array([1.0, 2.0, 2.0, 5.0], "float32")
    for values in (A, np.array([2, 6, 0], "int32"), np.float32(2.0)):
        result = ops.searchsorted(sequence, values, side=side)
        np.testing.assert_array_equal(_np(result), np.searchsorted(sequence, values, side))
        assert ops.dtype(result) == "int32"


@pytest.mark.parametrize("invert", [False, True])
def test_isin_can_invert(invert):
    np.testing.assert_array_equal(_np(ops.isin(INTS, [1, 2], invert=invert)),
                                  np.isin(INTS, [1, 2], invert=invert))


@pytest.mark.parametrize("axis", [-1, 0, None])
@pytest.mark.parametrize("kth", [0, 1, 2])
def test_argpartition_partitions_around_kth(axis, kth):
    order = _np(ops.argpartition(A, kth, axis=axis))
    assert order.dtype == np.int32
    values = A.ravel() if axis is None else A
    work_axis = 0 if axis is None else axis
    parted = np.take_along_axis(values, order.astype("int64"), axis=work_axis)
    parted = np.moveaxis(parted, work_axis, -1)
    expected = np.moveaxis(np.sort(values, axis=work_axis), work_axis, -1)[..., kth]
    np.testing.assert_array_equal(parted[..., kth], expected)
    assert np.all(parted[..., :kth] <= expected[..., None])
    assert np.all(parted[..., kth + 1:] >= expected[..., None])


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("lengths", [(5, 3), (3, 5), (4, 4), (4, 1)])
def test_correlate_matches_numpy(mode, lengths):
    x1, x2 = RNG.normal(size=lengths[0]), RNG.normal(size=lengths[1])
    x1, x2 = x1.astype("float32"), x2.astype("float32")
    _close(ops.correlate(x1, x2, mode=mode), np.correlate(x1, x2, mode=mode), atol=1e-5)


def test_correlate_conjugates_the_second_sequence():
    x1 = np.array([1 + 1j, 2, 3j], "complex64")
    x2 = np.array([1j, 2 - 1j], "complex64")
    _close(ops.correlate(x1, x2, mode="full"), np.correlate(x1, x2, mode="full"))


# -- result dtypes against Keras ------------------------------------------------------------
# One dtype per rule (bool, narrow int, int, narrow float, float); JAX compiles every op
# once per dtype, so it checks one dtype of each kind the rules tell apart.
DTYPES = (["bool", "int8", "int32", "float16", "float32"] if lamina.backend.backend() == "torch"
          else ["bool", "int32", "float16", "float32"])
# (name, call on one tensor); Keras's own errors (e.g. bitwise ops on floats) are skipped.
DTYPE_CASES = [
    (name, lambda lib, x, name=name: getattr(lib.ops, name)(x))
    for name in ["fliplr", "flipud", "rot90", "cbrt", "deg2rad", "rad2deg", "exp2", "trunc",
                 "signbit", "isneginf", "isposinf", "isreal", "sinc", "fabs", "conjugate",
                 "angle", "nansum", "nanmean", "nanmax", "nanmin", "nanprod", "nanstd",
                 "nanvar", "nanargmax", "nanargmin", "nancumsum", "nancumprod", "nanmedian",
                 "ptp", "diagflat", "empty_like", "corrcoef", "bitwise_not", "bitwise_invert",
                 "trapezoid"]
] + [
    (name, lambda lib, x, name=name: getattr(lib.ops, name)(x, x))
    for name in ["hypot", "fmod", "heaviside", "logaddexp2", "append", "inner", "kron", "gcd",
                 "lcm", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
                 "bitwise_right_shift", "isin"]
] + [
    ("argpartition", lambda lib, x: lib.ops.argpartition(x, 1)),
    ("percentile", lambda lib, x: lib.ops.percentile(x, 50)),
    ("nanpercentile", lambda lib, x: lib.ops.nanpercentile(x, 50)),
    ("nanquantile", lambda lib, x: lib.ops.nanquantile(x, 0.5)),
    ("ldexp", lambda lib, x: lib.ops.ldexp(x, lib.ops.ones((3, 3), dtype="int32"))),
    ("fmod_scalar", lambda lib, x: lib.ops.fmod(x, 2)),
    ("shift_scalar", lambda lib, x: lib.ops.left_shift(x, 1)),
    ("vander", lambda lib, x: lib.ops.vander(x[0])),
    ("correlate", lambda lib, x: lib.ops.correlate(x[0], x[1])),
    ("select", lambda lib, x: lib.ops.select([x[0] > 0], [x[0]])),
    ("unravel_index", lambda lib, x: lib.ops.unravel_index(x[0], (2, 2))[0]),
    ("histogram", lambda lib, x: lib.ops.histogram(x[0])[1]),
]


# Keras's result depends on its engine here (torch: int64, JAX: int32); lamina gives int32.
_NOT_COMPARED = {("shift_scalar", "bool")}


@pytest.mark.parametrize("name,fn", DTYPE_CASES, ids=[c[0] for c in DTYPE_CASES])
def test_result_dtype_matches_keras(name, fn):
    values = np.array([[1, 0, 2], [3, 1, 0], [2, 2, 1]])
    checked = 0
    for dtype in DTYPES:
        if (name, dtype) in _NOT_COMPARED:
            continue
        try:
            expected = fn(keras, keras.ops.convert_to_tensor(values, dtype=dtype))
        except Exception:  # Keras has no kernel for this dtype: nothing to match
            continue
        result = fn(lamina, ops.convert_to_tensor(values, dtype=dtype))
        assert ops.dtype(result) == keras.backend.standardize_dtype(expected.dtype), dtype
        checked += 1
    assert checked


# -- symbolic tensors -----------------------------------------------------------------------
def test_ops_infer_shapes_on_symbolic_tensors():
    x = lamina.Input((5, 4))
    assert tuple(ops.nanmean(x, axis=1).shape) == (None, 4)
    assert tuple(ops.rot90(x, axes=(1, 2)).shape) == (None, 4, 5)
    assert tuple(ops.percentile(x, [10.0, 90.0], axis=-1).shape) == (2, None, 5)
    assert tuple(ops.kron(x, np.ones((1, 1, 2), "float32")).shape) == (None, 5, 8)
    assert [tuple(p.shape) for p in ops.array_split(x, 2, axis=1)] == [(None, 3, 4),
                                                                      (None, 2, 4)]
    assert ops.nanargmax(x, axis=-1).dtype == "int32"
    assert tuple(ops.hypot(x, x).shape) == (None, 5, 4)
    assert tuple(ops.append(x, x, axis=2).shape) == (None, 5, 8)


def test_symbolic_op_runs_in_a_functional_model():
    inputs = lamina.Input((3,))
    outputs = ops.nansum(ops.cbrt(inputs), axis=-1)
    model = lamina.Model(inputs, outputs)
    x = np.array([[8.0, np.nan, 27.0]], "float32")
    _close(model.predict(x, verbose=0), [5.0])
