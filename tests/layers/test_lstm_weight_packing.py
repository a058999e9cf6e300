"""torch on a GPU: an LSTM's Variables become views of one flat cuDNN weight buffer
(``backend.rnn.pack_lstm_weights``). cuDNN is not on this machine, so its flatten op is
replaced by one that lays the buffer out the same way (w_ih, w_hh, b_ih, b_hh); everything
lamina does with the views (training, fused Adam, parameters(), saving) runs for real."""

import numpy as np
import pytest

import lamina as keras
from lamina import backend
from lamina import layers

pytestmark = pytest.mark.torch_only


def _fake_flatten(weights, stride0, input_size, mode, hidden, proj, num_layers, batch_first,
                  bidirectional):
    import torch

    total = sum(w.numel() for w in weights)
    buffer = torch.zeros(total, dtype=weights[0].dtype, device=weights[0].device)
    offset = 0
    for w in weights:
        n = w.numel()
        buffer[offset:offset + n].copy_(w.reshape(-1))
        w.set_(buffer.untyped_storage(), offset, w.shape, w.stride())
        offset += n
    return buffer


@pytest.fixture
def as_on_a_gpu(monkeypatch):
    from lamina.backend.torch import rnn

    monkeypatch.setattr(rnn, "_cudnn_usable", lambda: True)
    monkeypatch.setattr(rnn, "_on_cudnn_device", lambda tensor: True)
    monkeypatch.setattr(rnn, "_cudnn_lstm_mode", lambda: 2)
    monkeypatch.setattr(rnn, "_FLATTEN", _fake_flatten)


def _model(units=6, use_bias=True):
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((7, 3)),
                              layers.LSTM(units, use_bias=use_bias, name="lstm"),
                              layers.Dense(2)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 7, 3)).astype("float32"), rng.normal(size=(40, 2)).astype(
        "float32")


def test_packed_weights_share_one_buffer_and_keep_their_values(as_on_a_gpu):
    plain_weights = [w.numpy() for w in _model().weights]
    model = _model()
    cell = model.get_layer("lstm").cell
    values = [cell.kernel.value, cell.recurrent_kernel.value, cell.bias.value]
    storages = {v.untyped_storage().data_ptr() for v in values}
    assert len(storages) == 1
    zero = cell.bias.value._lamina_recurrent_bias
    assert zero.untyped_storage().data_ptr() in storages
    assert float(zero.abs().sum()) == 0.0
    # Keras's shapes, and the gates-first memory order the fused kernels read.
    assert tuple(cell.kernel.value.shape) == (3, 24) and cell.kernel.value.stride() == (1, 3)
    for a, b in zip(plain_weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # torch sees the live tensors.
    live = {id(p) for p in model.parameters()}
    assert all(id(v.value) in live for v in model.weights)


def test_packed_lstm_trains_and_saves_as_the_unpacked_one(as_on_a_gpu, monkeypatch, tmp_path):
    x, y = _data()
    packed = _model()
    packed.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    cell = packed.get_layer("lstm").cell
    # Still one buffer after training (updates and assignments are in place).
    assert len({cell.kernel.value.untyped_storage().data_ptr(),
                cell.bias.value.untyped_storage().data_ptr()}) == 1
    from lamina.backend.torch import rnn

    monkeypatch.setattr(rnn, "_cudnn_usable", lambda: False)
    plain = _model()
    plain.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(plain.get_weights(), packed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    path = str(tmp_path / "m.keras")
    packed.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), packed.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-6)
    # set_weights writes into the buffer, not beside it.
    packed.set_weights(plain.get_weights())
    assert cell.kernel.value.untyped_storage().data_ptr() == \
        cell.bias.value.untyped_storage().data_ptr()


def test_weights_are_not_packed_without_a_bias_or_off_the_gpu(as_on_a_gpu, monkeypatch):
    cell = _model(use_bias=False).get_layer("lstm").cell
    assert not hasattr(cell.kernel.value, "_lamina_recurrent_bias")
    assert cell.kernel.value.untyped_storage().data_ptr() != \
        cell.recurrent_kernel.value.untyped_storage().data_ptr()
    from lamina.backend.torch import rnn

    monkeypatch.setattr(rnn, "_on_cudnn_device", lambda tensor: False)
    cell = _model().get_layer("lstm").cell
    assert not hasattr(cell.bias.value, "_lamina_recurrent_bias")


def test_gru_and_lstm_parameters_follow_their_relaid_kernels():
    # Kernels stored gates-first get new storage after they are tracked; torch's
    # parameters() and state_dict() must list the live tensors.
    model = keras.Sequential([keras.Input((5, 3)), layers.LSTM(4, return_sequences=True),
                              layers.GRU(3), layers.Dense(1)])
    live = {id(p) for p in model.parameters()}
    assert all(id(v.value) in live for v in model.weights)
    assert len(list(model.parameters())) == len(model.weights)
    state = model.state_dict()
    kernel = model.layers[0].cell.kernel.value
    assert any(t.data_ptr() == kernel.data_ptr() for t in state.values())
    assert backend.backend() == "torch"
