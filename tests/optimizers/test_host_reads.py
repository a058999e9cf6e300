"""torch on a GPU: Adam's fused update reads the step counter and a constant learning rate
from host copies, remembered until the tensors are written, instead of waiting for the
device every step. Here the CPU is made to take that path (``FREE_HOST_READS`` emptied),
and every result is checked against the plain path."""

import numpy as np
import pytest

import lamina
from lamina import backend

pytestmark = pytest.mark.torch_only


@pytest.fixture
def remembered_reads(monkeypatch):
    """Make CPU tensors take the GPU's remembered-host-value path; count fused calls."""
    if backend.backend() != "torch":
        pytest.skip("torch backend only")
    from lamina.backend.torch import optimizers as torch_optimizers

    calls = []
    fused = torch_optimizers._FUSED_ADAM
    if fused is None:
        pytest.skip("this torch has no fused Adam kernel")

    def counting(*args, **kwargs):
        calls.append(kwargs["lr"])
        return fused(*args, **kwargs)

    monkeypatch.setattr(torch_optimizers, "_FUSED_ADAM", counting)
    return monkeypatch, torch_optimizers, calls


def _train(steps, learning_rate=1e-2, changes=None, **options):
    rng = np.random.default_rng(0)
    variables = [backend.Variable(rng.normal(size=shape).astype("float32"))
                 for shape in ((4, 3), (3,))]
    grads = [[rng.normal(size=tuple(v.shape)).astype("float32") for v in variables]
             for _ in range(steps)]
    optimizer = lamina.optimizers.Adam(learning_rate, **options)
    for step, step_grads in enumerate(grads):
        if changes and step in changes:
            changes[step](optimizer)
        optimizer.apply([backend.convert_to_tensor(g) for g in step_grads], variables)
    return [v.numpy() for v in variables], optimizer


def _plain(steps, learning_rate=1e-2, changes=None, monkeypatch=None, module=None,
           **options):
    monkeypatch.setattr(module, "_FUSED_ADAM", None)  # the multi-tensor update
    return _train(steps, learning_rate, changes, **options)


def test_remembered_host_values_give_the_plain_update(remembered_reads):
    monkeypatch, module, calls = remembered_reads
    monkeypatch.setattr(module, "FREE_HOST_READS", ())
    got, optimizer = _train(5)
    assert calls == [pytest.approx(1e-2)] * 5  # the fused kernel ran every step
    assert int(optimizer.iterations.numpy()) == 5
    want, _ = _plain(5, monkeypatch=monkeypatch, module=module)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_a_written_rate_or_step_counter_is_read_again(remembered_reads):
    monkeypatch, module, calls = remembered_reads
    monkeypatch.setattr(module, "FREE_HOST_READS", ())
    changes = {2: lambda opt: setattr(opt, "learning_rate", 0.05),
               4: lambda opt: opt.iterations.assign(0)}
    got, optimizer = _train(6, changes=changes)
    assert calls == [pytest.approx(1e-2)] * 2 + [pytest.approx(0.05)] * 4
    assert int(optimizer.iterations.numpy()) == 2  # restarted from 0 at step 4
    want, _ = _plain(6, changes=changes, monkeypatch=monkeypatch, module=module)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_a_schedule_uses_the_multi_tensor_update_on_a_gpu(remembered_reads):
    # A rate computed per step has no stable tensor to remember: reading it would wait
    # for the device every step, so the fused path declines.
    monkeypatch, module, calls = remembered_reads
    monkeypatch.setattr(module, "FREE_HOST_READS", ())
    schedule = lamina.optimizers.schedules.ExponentialDecay(1e-2, 1, 0.5)
    got, _ = _train(3, learning_rate=schedule)
    assert calls == []
    # Reads made free on whatever device the tests run (the CPU, or a GPU when present).
    monkeypatch.setattr(module, "FREE_HOST_READS", ("cpu", "cuda"))
    want, _ = _train(3, learning_rate=schedule)
    assert len(calls) == 3
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_gradient_accumulation_declines_the_fused_update_on_a_gpu(remembered_reads):
    # With gradient accumulation the step count is computed per call (no Variable to keep
    # a host copy of): the fused path declines instead of failing (it raised on a GPU).
    monkeypatch, module, calls = remembered_reads
    monkeypatch.setattr(module, "FREE_HOST_READS", ())
    got, optimizer = _train(4, gradient_accumulation_steps=2)
    assert calls == []
    assert int(backend.convert_to_numpy(optimizer.iterations)) == 2
    want, _ = _plain(4, gradient_accumulation_steps=2, monkeypatch=monkeypatch,
                     module=module)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_host_value_is_remembered_until_the_tensor_is_written():
    if backend.backend() != "torch":
        pytest.skip("torch backend only")
    import torch

    from lamina.backend.torch import core

    counter = backend.Variable(np.int64(7), dtype="int64")
    assert core.host_value(counter._value) == 7
    counter.assign_add(1)  # the optimizer's own increment keeps the copy current
    assert core.known_host_value(counter._value) == 8
    with torch.no_grad():
        counter._value.add_(5)  # any other write makes it unknown again
    assert core.known_host_value(counter._value) is None
    assert core.host_value(counter._value) == 13


def test_compiled_steps_leave_the_host_copies_alone(monkeypatch):
    # Under torch.compile the host copies (a dict whose entries go when their tensors are
    # collected) must not be read: dynamo guarded on the dict's size, and an entry dropped
    # mid-step failed the guard on a GPU ("Guard failed on the same frame it was created").
    if backend.backend() != "torch":
        pytest.skip("torch backend only")
    import gc

    import torch

    from lamina.backend.torch import core

    reads = []
    original = core.known_host_value

    def spy(tensor):
        reads.append(torch.compiler.is_compiling())
        return original(tensor)

    monkeypatch.setattr(core, "known_host_value", spy)
    keep = backend.Variable(np.int64(1), dtype="int64")
    core.host_value(keep._value)  # the dict is not empty
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    x = np.ones((8, 3), "float32")
    try:
        history = model.fit(x, np.zeros((8, 2), "float32"), batch_size=4, epochs=2,
                            verbose=0)
    finally:
        del model
        torch._dynamo.reset()  # the traces (and their fake tensors) go now, not in a
        gc.collect()           # later test's garbage collection
    assert np.isfinite(history.history["loss"]).all()
    assert True not in reads
