"""The backend seam: choice, Variables, gradients and seeded random draws."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import lamina
from lamina import backend
from lamina import ops
from lamina import random


def test_backend_name_comes_from_environment():
    assert backend.backend() == os.environ.get("LAMINA_BACKEND", "torch")


def test_backend_read_from_config_file_when_env_unset(tmp_path):
    config_dir = tmp_path / ".lamina"
    config_dir.mkdir()
    (config_dir / "lamina.json").write_text(json.dumps({"backend": "jax"}))
    env = {k: v for k, v in os.environ.items() if k not in ("LAMINA_BACKEND", "KERAS_BACKEND")}
    env["HOME"] = str(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", "import lamina; print(lamina.backend.backend())"],
        env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "jax"


def test_unknown_backend_name_is_a_clear_error():
    env = dict(os.environ, LAMINA_BACKEND="tensorflow")
    out = subprocess.run([sys.executable, "-c", "import lamina"], env=env,
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "LAMINA_BACKEND must be one of" in out.stderr


def test_variable_assign_and_read_back():
    v = lamina.Variable(np.zeros((2, 2)), name="v")
    assert v.dtype == "float32"
    v.assign(np.ones((2, 2)))
    v.assign_add(np.ones((2, 2)))
    np.testing.assert_array_equal(v.numpy(), 2 * np.ones((2, 2)))


def test_variable_assign_with_wrong_shape_names_the_variable():
    v = lamina.Variable(np.zeros((2,)), name="kernel")
    with pytest.raises(ValueError, match="kernel.*shape \\(2,\\).*shape \\(3,\\)"):
        v.assign(np.zeros((3,)))


def test_value_and_grad_matches_analytic_gradient():
    w = lamina.Variable(np.array([1.0, -2.0, 3.0], dtype="float32"), name="w")
    x = np.array([0.5, 1.5, -1.0], dtype="float32")

    def loss_fn():
        return ops.sum(ops.square(ops.multiply(w.value, x)))

    loss, (grad,) = backend.value_and_grad(loss_fn, [w])
    expected_loss = np.sum((w.numpy() * x) ** 2)
    np.testing.assert_allclose(float(ops.convert_to_numpy(loss)), expected_loss, rtol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(grad), 2 * w.numpy() * x * x, rtol=1e-6)


def test_value_and_grad_carries_out_other_state_updates():
    w = lamina.Variable(np.array(2.0, dtype="float32"), name="w")
    counter = lamina.Variable(np.array(0.0, dtype="float32"), trainable=False, name="count")

    def loss_fn():
        counter.assign_add(1.0)
        return ops.square(w.value)

    _, (grad,) = backend.value_and_grad(loss_fn, [w])
    assert float(ops.convert_to_numpy(grad)) == pytest.approx(4.0)
    assert float(counter.numpy()) == 1.0


def test_seed_generator_draws_differ_but_repeat_from_same_seed():
    first = random.SeedGenerator(7)
    a1 = ops.convert_to_numpy(random.normal((4,), seed=first))
    a2 = ops.convert_to_numpy(random.normal((4,), seed=first))
    second = random.SeedGenerator(7)
    b1 = ops.convert_to_numpy(random.normal((4,), seed=second))
    assert not np.allclose(a1, a2)
    np.testing.assert_array_equal(a1, b1)


def test_int_seed_gives_the_same_draw_every_call():
    a = ops.convert_to_numpy(random.uniform((3,), seed=3))
    b = ops.convert_to_numpy(random.uniform((3,), seed=3))
    np.testing.assert_array_equal(a, b)


def test_dropout_keeps_expected_fraction_and_scales():
    x = np.ones((200, 50), dtype="float32")
    out = ops.convert_to_numpy(random.dropout(x, 0.3, seed=random.SeedGenerator(1)))
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)


def test_floatx_and_image_data_format_settings_round_trip():
    assert backend.floatx() == "float32"
    assert backend.image_data_format() == "channels_last"
    backend.set_image_data_format("channels_first")
    try:
        assert backend.image_data_format() == "channels_first"
    finally:
        backend.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="channels_last"):
        backend.set_image_data_format("nhwc")


def test_convert_to_tensor_stacks_a_list_of_tensors_where_they_are():
    # A nested list holding tensors (a Loss maps each leaf of [[0.0]] to a tensor) becomes
    # one tensor; on a GPU NumPy could not read the device tensors.
    stacked = ops.convert_to_tensor([[ops.convert_to_tensor(1.5)], [ops.ones(())]])
    assert tuple(stacked.shape) == (2, 1) and backend.standardize_dtype(stacked.dtype) == \
        "float32"
    np.testing.assert_array_equal(ops.convert_to_numpy(stacked), [[1.5], [1.0]])
    mixed = ops.convert_to_tensor([ops.ones((2,), dtype="int32"), [0.5, 2.0]])
    assert backend.standardize_dtype(mixed.dtype) == "float32"
    np.testing.assert_array_equal(ops.convert_to_numpy(mixed), [[1, 1], [0.5, 2.0]])


@pytest.mark.parametrize("value, dtype", [(True, "bool"), (3, "int32"), (2.5, "float32"),
                                          (2**40, "int64")])
def test_convert_to_tensor_of_a_python_number_keeps_keras_dtypes(value, dtype):
    # As Keras 3: bool, int32 (on torch int64 past the int32 range; JAX without x64 has no
    # int64 and refuses such a number, as Keras on JAX does), floatx.
    if value == 2**40 and backend.backend() == "jax":
        with pytest.raises(OverflowError):
            ops.convert_to_tensor(value)
        return
    tensor = ops.convert_to_tensor(value)
    assert tuple(tensor.shape) == () and backend.standardize_dtype(tensor.dtype) == dtype
    assert ops.convert_to_numpy(tensor).item() == value


@pytest.mark.torch_only
def test_torch_seed_generator_reads_its_state_once_and_follows_assignments(monkeypatch):
    # On a GPU each read of the state would wait for the device: the engine keeps a host
    # copy, advanced with the state and dropped when anything else writes it.
    import torch

    generator = random.SeedGenerator(7)
    reads = []
    original = torch.Tensor.tolist
    monkeypatch.setattr(torch.Tensor, "tolist", lambda t: reads.append(1) or original(t))
    draws = [ops.convert_to_numpy(random.uniform((3,), seed=generator)) for _ in range(3)]
    assert len(reads) == 1
    np.testing.assert_array_equal(generator.state.numpy(), [0, 10])
    for k, draw in enumerate(draws):  # the same draws as explicit seeds (0, 8), (0, 9), ...
        expected = random.uniform((3,), seed=ops.convert_to_tensor([0, 8 + k], "int64"))
        np.testing.assert_array_equal(draw, ops.convert_to_numpy(expected))
    generator.state.assign([0, 100])
    after = random.uniform((3,), seed=generator)
    np.testing.assert_array_equal(
        ops.convert_to_numpy(after),
        ops.convert_to_numpy(random.uniform((3,), seed=ops.convert_to_tensor([0, 101],
                                                                             "int64"))))
    np.testing.assert_array_equal(generator.state.numpy(), [0, 101])
