"""keras.random.gamma / beta / binomial: moments against the distributions' formulas,
broadcast parameters, seeding as the other random ops."""

import numpy as np
import pytest

import lamina as keras


def _np(x):
    return keras.ops.convert_to_numpy(x)


@pytest.mark.parametrize("alpha", [0.5, 3.0])
def test_gamma_moments(alpha):
    x = _np(keras.random.gamma((40000,), alpha=alpha, seed=3))
    assert x.dtype == np.float32 and x.min() > 0
    # Gamma(alpha, 1): mean alpha, variance alpha (tolerances ~5 standard errors).
    np.testing.assert_allclose(x.mean(), alpha, rtol=0.03)
    np.testing.assert_allclose(x.var(), alpha, rtol=0.08)


def test_beta_moments_and_range():
    a, b = 2.0, 5.0
    x = _np(keras.random.beta((40000,), alpha=a, beta=b, seed=4))
    assert x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0
    assert _np(keras.random.beta((3,), a, b, seed=4, dtype="float16")).dtype == np.float16
    np.testing.assert_allclose(x.mean(), a / (a + b), rtol=0.02)
    np.testing.assert_allclose(x.var(), a * b / ((a + b) ** 2 * (a + b + 1)), rtol=0.06)


def test_binomial_moments_and_broadcast_parameters():
    x = _np(keras.random.binomial((40000,), counts=10, probabilities=0.3, seed=5))
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x, np.round(x))
    assert x.min() >= 0 and x.max() <= 10
    np.testing.assert_allclose(x.mean(), 3.0, rtol=0.02)
    np.testing.assert_allclose(x.var(), 2.1, rtol=0.06)
    # Per-column parameters broadcast to the shape.
    y = _np(keras.random.binomial((20000, 2), counts=np.array([4.0, 20.0]),
                                  probabilities=np.array([0.5, 0.1]), seed=6))
    np.testing.assert_allclose(y.mean(axis=0), [2.0, 2.0], rtol=0.04)
    assert y[:, 0].max() <= 4


def test_per_element_alpha():
    alpha = np.array([[1.0], [10.0]], "float32")
    x = _np(keras.random.gamma((2, 20000), alpha=alpha, seed=7))
    np.testing.assert_allclose(x.mean(axis=1), [1.0, 10.0], rtol=0.04)


@pytest.mark.parametrize("draw", [
    lambda seed: keras.random.gamma((6,), 2.0, seed=seed),
    lambda seed: keras.random.beta((6,), 2.0, 3.0, seed=seed),
    lambda seed: keras.random.binomial((6,), 8, 0.4, seed=seed),
])
def test_seeding(draw):
    np.testing.assert_array_equal(_np(draw(11)), _np(draw(11)))
    assert not np.array_equal(_np(draw(11)), _np(draw(12)))
    generator = keras.random.SeedGenerator(3)
    assert not np.array_equal(_np(draw(generator)), _np(draw(generator)))


@pytest.mark.torch_only
def test_torch_global_generator_is_left_as_it_was():
    import torch

    before = torch.random.get_rng_state()
    keras.random.gamma((10,), 2.0, seed=1)
    keras.random.beta((10,), 2.0, 2.0, seed=1)
    assert torch.equal(before, torch.random.get_rng_state())
