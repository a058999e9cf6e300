"""ops.rearrange (einops patterns) against NumPy and Keras 3; ops.jvp against analytic
derivatives, finite differences and Keras 3."""

import numpy as np
import pytest

import lamina

IMAGES = np.arange(4 * 6 * 8 * 3, dtype="float32").reshape(4, 6, 8, 3)

CASES = [
    ("b h w c -> b c h w", {}, lambda x: x.transpose(0, 3, 1, 2)),
    ("b h w c -> (b h) w c", {}, lambda x: x.reshape(24, 8, 3)),
    ("b h w c -> h (b w) c", {}, lambda x: x.transpose(1, 0, 2, 3).reshape(6, 32, 3)),
    ("b h w c -> b (c h w)", {}, lambda x: x.transpose(0, 3, 1, 2).reshape(4, -1)),
    ("b (h1 h) (w1 w) c -> (b h1 w1) h w c", {"h1": 2, "w1": 2},
     lambda x: x.reshape(4, 2, 3, 2, 4, 3).transpose(0, 1, 3, 2, 4, 5).reshape(16, 3, 4, 3)),
    ("b (h h1) (w w1) c -> b h w (c h1 w1)", {"h1": 2, "w1": 2},
     lambda x: x.reshape(4, 3, 2, 4, 2, 3).transpose(0, 1, 3, 5, 2, 4).reshape(4, 3, 4, 12)),
]


@pytest.mark.parametrize("pattern, lengths, reference", CASES)
def test_rearrange_matches_numpy_and_keras(pattern, lengths, reference):
    out = lamina.ops.convert_to_numpy(lamina.ops.rearrange(IMAGES, pattern, **lengths))
    np.testing.assert_array_equal(out, reference(IMAGES))
    keras = pytest.importorskip("keras")
    theirs = keras.ops.convert_to_numpy(keras.ops.rearrange(IMAGES, pattern, **lengths))
    np.testing.assert_array_equal(out, theirs)


def test_rearrange_symbolic_batch():
    x = lamina.Input((6, 8, 3))
    assert lamina.ops.rearrange(x, "b h w c -> b c h w").shape == (None, 3, 6, 8)
    assert lamina.ops.rearrange(x, "b h w c -> b (h w c)").shape == (None, 144)
    assert lamina.ops.rearrange(x, "b (h1 h) w c -> b h1 h (w c)", h1=2).shape == \
        (None, 2, 3, 24)


def test_rearrange_errors():
    with pytest.raises(ValueError, match="'input axes -> output axes'"):
        lamina.ops.rearrange(IMAGES, "b h w c")
    with pytest.raises(ValueError, match="the tensor has 4"):
        lamina.ops.rearrange(IMAGES, "b h w -> b w h")
    with pytest.raises(ValueError, match="same axes; only on one side: \\['c', 'd'\\]"):
        lamina.ops.rearrange(IMAGES, "b h w c -> b h w d")
    with pytest.raises(ValueError, match="do not divide"):
        lamina.ops.rearrange(IMAGES, "b (h1 h) w c -> b h1 h w c", h1=4)
    with pytest.raises(ValueError, match="give all but one of their lengths"):
        lamina.ops.rearrange(IMAGES, "b (h1 h) w c -> b h1 h w c")
    with pytest.raises(ValueError, match="appears twice"):
        lamina.ops.rearrange(IMAGES, "b h h c -> b h c")


def test_jvp_values_and_aux():
    x = np.array([0.1, 0.5, 1.0], dtype="float32")
    v = np.array([0.2, -1.0, 3.0], dtype="float32")
    out, tangent = lamina.ops.jvp(lamina.ops.sin, (x,), (v,))
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(out), np.sin(x), rtol=1e-6)
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(tangent), np.cos(x) * v,
                               rtol=1e-6)

    def f(a, b):
        return lamina.ops.sum(a * b ** 2), {"norm": lamina.ops.sum(a)}

    a, b = np.array([1.0, 2.0], "float32"), np.array([3.0, 4.0], "float32")
    da, db = np.array([1.0, 0.0], "float32"), np.array([0.0, 1.0], "float32")
    out, tangent, aux = lamina.ops.linalg.jvp(f, (a, b), (da, db), has_aux=True)
    # d/dt sum((a + t da) * (b + t db)^2) at t = 0 = sum(da b^2 + 2 a b db)
    assert float(lamina.ops.convert_to_numpy(tangent)) == pytest.approx(
        float(np.sum(da * b ** 2 + 2 * a * b * db)))
    assert float(lamina.ops.convert_to_numpy(aux["norm"])) == pytest.approx(3.0)
    eps = 1e-3
    f_num = lambda t: float(np.sum((a + t * da) * (b + t * db) ** 2))  # noqa: E731
    assert float(lamina.ops.convert_to_numpy(tangent)) == pytest.approx(
        (f_num(eps) - f_num(-eps)) / (2 * eps), rel=1e-3)


def test_jvp_matches_keras_and_checks_arguments():
    keras = pytest.importorskip("keras")
    x, v = np.float32(0.3), np.float32(2.0)
    ours = lamina.ops.jvp(lamina.ops.tanh, (x,), (v,))
    theirs = keras.ops.jvp(keras.ops.tanh, (keras.ops.convert_to_tensor(x),),
                           (keras.ops.convert_to_tensor(v),))
    for got, want in zip(ours, theirs):
        np.testing.assert_allclose(lamina.ops.convert_to_numpy(got),
                                   keras.ops.convert_to_numpy(want), rtol=1e-6)
    with pytest.raises(ValueError, match="must be tuples or lists"):
        lamina.ops.jvp(lamina.ops.sin, x, v)
    with pytest.raises(ValueError, match="one tangent per primal"):
        lamina.ops.jvp(lamina.ops.add, (x, x), (v,))
