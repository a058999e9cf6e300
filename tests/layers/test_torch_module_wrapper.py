"""layers.TorchModuleWrapper: a torch.nn.Module trained as a lamina layer, checked against
the same module trained by hand and against Keras 3's TorchModuleWrapper (its files load)."""

import numpy as np
import pytest

import lamina


def _module(torch, seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6),
                               torch.nn.Tanh())


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    return x, (x @ np.array([[1.0], [-1.0], [0.5], [2.0]], dtype="float32"))


@pytest.mark.torch_only
def test_parameters_are_the_modules_own_tensors_and_train():
    torch = pytest.importorskip("torch")
    module = _module(torch)
    layer = lamina.layers.TorchModuleWrapper(module)
    assert layer.built
    params = list(module.parameters())
    assert len(layer.trainable_weights) == len(params) == 4
    for variable, parameter in zip(layer.trainable_weights, params):
        assert variable.value is parameter
    assert {id(p) for p in layer.parameters()} == {id(p) for p in params}
    model = lamina.Sequential([lamina.Input((4,)), layer, lamina.layers.Dense(1)])
    assert model.count_params() == sum(p.numel() for p in params) + 7
    assert model.output_shape == (None, 1)
    before = module[0].weight.detach().clone()
    running = module[1].running_mean.clone()
    model.compile(optimizer="sgd", loss="mse")
    x, y = _data()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert not torch.equal(before, module[0].weight)  # fit trained the module
    assert not torch.equal(running, module[1].running_mean)  # train mode: BN statistics
    frozen = module[1].running_mean.clone()
    model.predict(x, verbose=0)
    assert torch.equal(frozen, module[1].running_mean)  # inference: eval mode


@pytest.mark.torch_only
def test_one_sgd_step_equals_a_hand_written_torch_step():
    torch = pytest.importorskip("torch")
    x, y = _data()
    wrapped, reference = _module(torch), _module(torch)
    head = torch.nn.Linear(6, 1)
    layer = lamina.layers.TorchModuleWrapper(wrapped)
    model = lamina.Sequential([lamina.Input((4,)), layer, lamina.layers.Dense(1)])
    model.layers[-1].set_weights([head.weight.detach().numpy().T, head.bias.detach().numpy()])
    model.compile(optimizer=lamina.optimizers.SGD(0.1), loss="mse")
    model.train_on_batch(x, y)

    optimizer = torch.optim.SGD(list(reference.parameters()) + list(head.parameters()), lr=0.1)
    loss = torch.nn.functional.mse_loss(head(reference(torch.from_numpy(x))),
                                        torch.from_numpy(y))
    loss.backward()
    optimizer.step()
    for ours, theirs in zip(wrapped.state_dict().values(), reference.state_dict().values()):
        # (lamina moves the wrapped module to its device: a GPU where there is one)
        np.testing.assert_allclose(ours.detach().cpu().numpy(), theirs.detach().numpy(),
                                   rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.layers[-1].kernel.numpy(), head.weight.detach().numpy().T,
                               rtol=1e-5, atol=1e-6)


@pytest.mark.torch_only
def test_stateless_call_uses_the_given_values():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    layer = lamina.layers.TorchModuleWrapper(torch.nn.Linear(3, 2))
    x = np.ones((1, 3), dtype="float32")
    zeros = [np.zeros(v.shape, "float32") for v in layer.trainable_variables]
    out, _ = layer.stateless_call(zeros, [], x)
    np.testing.assert_array_equal(lamina.ops.convert_to_numpy(out), np.zeros((1, 2)))
    assert not np.allclose(lamina.ops.convert_to_numpy(layer(x)), 0)  # own weights intact


@pytest.mark.torch_only
def test_save_and_load_passes_the_module_back(tmp_path):
    torch = pytest.importorskip("torch")
    x, y = _data()
    layer = lamina.layers.TorchModuleWrapper(_module(torch), name="block")
    model = lamina.Sequential([lamina.Input((4,)), layer, lamina.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    expected = model.predict(x, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with pytest.raises(ValueError, match="never does that.*custom_objects"):
        lamina.models.load_model(path)
    fresh = _module(torch, seed=1)
    loaded = lamina.models.load_model(path, safe_mode=False, custom_objects={"block": fresh})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(fresh[1].running_var.cpu().numpy(),
                                  layer.module[1].running_var.cpu().numpy())


@pytest.mark.torch_only
def test_keras_files_load_with_the_module_passed_back(tmp_path):
    torch = pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("Keras runs on torch in this test set-up")
    x, _ = _data()
    theirs = keras.Sequential([keras.Input((4,)),
                               keras.layers.TorchModuleWrapper(_module(torch), name="block"),
                               keras.layers.Dense(1)])
    theirs.predict(x, verbose=0)
    keras_path = str(tmp_path / "keras.keras")
    theirs.save(keras_path)
    ours = lamina.models.load_model(keras_path, safe_mode=False,
                                    custom_objects={"block": _module(torch, seed=5)})
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)



@pytest.mark.torch_only
def test_bad_modules_are_refused():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="must be a torch.nn.Module. Received: int"):
        lamina.layers.TorchModuleWrapper(3)
    with pytest.raises(ValueError, match="lazy module LazyLinear has uninitialized"):
        lamina.layers.TorchModuleWrapper(torch.nn.LazyLinear(3))


@pytest.mark.jax_only
def test_needs_the_torch_backend():
    with pytest.raises(ValueError, match="needs the torch backend; the active backend is 'jax'"):
        lamina.layers.TorchModuleWrapper(object())
