"""Recurrent layers: SimpleRNN, LSTM, GRU (cells and layers), RNN, StackedRNNCells,
Bidirectional, TimeDistributed, ConvLSTM, and the ``ops.scan`` loop under them.

The NumPy references below are written from the gate equations (float64) and loop over
timesteps with Keras's mask rule: a masked step keeps the states and repeats the previous
output (zeros before the first step, or always zeros with ``zero_output_for_mask``).
"""

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

RIGHT_PADDED = np.array([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1], [1, 1, 0, 0, 0]], bool)
WITH_HOLES = np.array([[1, 0, 1, 1, 0], [1, 1, 1, 1, 1], [0, 1, 0, 0, 1]], bool)
EMPTY_ROW = np.array([[1, 1, 1, 0, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]], bool)


# -- NumPy references ------------------------------------------------------------------------
def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _simple_rnn_step(x, states, weights):
    kernel, recurrent, bias = weights
    h = np.tanh(x @ kernel + bias + states[0] @ recurrent)
    return h, [h]


def _lstm_step(x, states, weights):
    kernel, recurrent, bias = weights
    h, c = states
    i, f, g, o = np.split(x @ kernel + h @ recurrent + bias, 4, axis=-1)  # Keras: i, f, c, o
    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    h = _sigmoid(o) * np.tanh(c)
    return h, [h, c]


def _gru_step(reset_after):
    def step(x, states, weights):
        kernel, recurrent, bias = weights
        h = states[0]
        input_bias = bias[0] if reset_after else bias
        x_z, x_r, x_h = np.split(x @ kernel + input_bias, 3, axis=-1)  # Keras: z, r, h
        u_z, u_r, u_h = np.split(recurrent, 3, axis=1)
        if reset_after:
            b_z, b_r, b_h = np.split(bias[1], 3)
            z = _sigmoid(x_z + h @ u_z + b_z)
            r = _sigmoid(x_r + h @ u_r + b_r)
            candidate = np.tanh(x_h + r * (h @ u_h + b_h))
        else:
            z = _sigmoid(x_z + h @ u_z)
            r = _sigmoid(x_r + h @ u_r)
            candidate = np.tanh(x_h + (r * h) @ u_h)
        h = z * h + (1.0 - z) * candidate
        return h, [h]

    return step


def _rnn_reference(step, x, weights, states, mask=None, go_backwards=False,
                   zero_output_for_mask=False):
    """``(last_output, outputs in processing order, final states)`` of a step function."""
    x = np.asarray(x, "float64")
    states = [np.asarray(s, "float64") for s in states]
    previous = np.zeros_like(states[0])
    outputs = []
    order = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    for t in order:
        output, new_states = step(x[:, t], states, weights)
        if mask is not None:
            keep = mask[:, t][:, None]
            output = np.where(keep, output, 0.0 if zero_output_for_mask else previous)
            new_states = [np.where(keep, n, s) for n, s in zip(new_states, states)]
        states, previous = new_states, output
        outputs.append(output)
    return previous, np.stack(outputs, axis=1), states


# name -> (reference step, number of states, constructor kwargs)
KINDS = {
    "SimpleRNN": (_simple_rnn_step, 1, {}),
    "LSTM": (_lstm_step, 2, {}),
    "GRU": (_gru_step(True), 1, {}),
    "GRU_reset_before": (_gru_step(False), 1, {"reset_after": False}),
}


def _make(kind, units=3, features=2, weight_seed=0, **kwargs):
    """A built lamina layer of ``kind`` with random (non-default) weights."""
    name = kind.split("_")[0]
    layer = getattr(layers, name)(units, **KINDS[kind][2], **kwargs)
    layer.build((None, 5, features))
    layer.set_weights([random_array(*w.shape, seed=weight_seed + i, low=-0.8, high=0.8)
                       for i, w in enumerate(layer.weights)])
    return layer


def _reference(kind, layer, x, mask=None, initial_state=None):
    step, n_states, _ = KINDS[kind]
    weights = [w.astype("float64") for w in layer.get_weights()]
    batch, units = x.shape[0], layer.units
    states = initial_state or [np.zeros((batch, units))] * n_states
    return _rnn_reference(step, x, weights, states, mask, layer.go_backwards,
                          layer.zero_output_for_mask)


def _expected_output(layer, reference):
    last, outputs, states = reference
    output = outputs if layer.return_sequences else last
    return [output, *states] if layer.return_state else [output]


def _as_list(result):
    return [to_numpy(r) for r in result] if isinstance(result, (list, tuple)) \
        else [to_numpy(result)]


def _assert_all_close(actual, expected, atol=1e-5):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=atol)


# -- cells -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(KINDS))
def test_cell_one_step_matches_gate_equations(kind):
    layer = _make(kind)
    x = random_array(3, 2, seed=7)
    states = [random_array(3, 3, seed=8 + i) for i in range(KINDS[kind][1])]
    output, new_states = layer.cell(x, states)
    weights = [w.astype("float64") for w in layer.get_weights()]
    expected_output, expected_states = KINDS[kind][0](x.astype("float64"), states, weights)
    _assert_all_close(_as_list([output, *new_states]), [expected_output, *expected_states])


def test_lstm_cell_starts_forget_gate_bias_at_one():
    cell = layers.LSTMCell(3)
    cell.build((None, 2))
    np.testing.assert_array_equal(to_numpy(cell.bias.value), [0] * 3 + [1] * 3 + [0] * 6)


def test_lstm_cell_without_unit_forget_bias_uses_the_bias_initializer():
    cell = layers.LSTMCell(2, unit_forget_bias=False, bias_initializer="ones")
    cell.build((None, 2))
    np.testing.assert_array_equal(to_numpy(cell.bias.value), np.ones(8))


@pytest.mark.parametrize("kind, shapes", [
    ("SimpleRNN", [(2, 3), (3, 3), (3,)]),
    ("LSTM", [(2, 12), (3, 12), (12,)]),
    ("GRU", [(2, 9), (3, 9), (2, 9)]),
    ("GRU_reset_before", [(2, 9), (3, 9), (9,)]),
])
def test_weight_names_and_shapes_follow_keras_layout(kind, shapes):
    layer = _make(kind)
    assert weight_signature(layer) == list(zip(["kernel", "recurrent_kernel", "bias"], shapes))


# -- layers vs the NumPy reference -----------------------------------------------------------
CONFIGS = [
    ({}, {}),
    ({"return_sequences": True}, {}),
    ({"return_sequences": True, "go_backwards": True}, {}),
    ({"return_state": True}, {}),
    ({"return_sequences": True, "return_state": True}, {"mask": RIGHT_PADDED}),
    ({"return_sequences": True}, {"mask": WITH_HOLES}),
    ({"return_state": True, "go_backwards": True}, {"mask": WITH_HOLES}),
    ({"return_sequences": True, "zero_output_for_mask": True}, {"mask": EMPTY_ROW}),
    ({"unroll": True, "return_sequences": True}, {"mask": RIGHT_PADDED}),
]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("config, call_kwargs", CONFIGS)
def test_layer_matches_numpy_reference(kind, config, call_kwargs):
    x = random_array(3, 5, 2, seed=1)
    config = dict(config)
    zero_output = config.pop("zero_output_for_mask", False)
    layer = _make(kind, **config)
    layer.zero_output_for_mask = zero_output
    result = _as_list(layer(x, **call_kwargs))
    expected = _expected_output(layer, _reference(kind, layer, x, call_kwargs.get("mask")))
    _assert_all_close(result, expected)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_initial_state_is_where_the_sequence_starts(kind):
    x = random_array(3, 5, 2, seed=2)
    layer = _make(kind, return_state=True)
    initial = [random_array(3, 3, seed=10 + i) for i in range(KINDS[kind][1])]
    result = _as_list(layer(x, initial_state=initial))
    _assert_all_close(result, _expected_output(layer, _reference(kind, layer, x, None, initial)))


def test_mask_passes_through_when_returning_sequences():
    layer = _make("GRU", return_sequences=True)
    assert layer.compute_mask(None, RIGHT_PADDED) is RIGHT_PADDED
    assert _make("GRU").compute_mask(None, RIGHT_PADDED) is None


def test_embedding_mask_zero_masks_the_lstm_like_an_explicit_mask():
    tokens = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2]])
    embedding = layers.Embedding(10, 2, mask_zero=True)
    lstm = _make("LSTM", return_sequences=True)
    model = lamina.Sequential([embedding, lstm])
    expected = to_numpy(lstm(to_numpy(embedding(tokens)), mask=tokens != 0))
    np.testing.assert_allclose(to_numpy(model(tokens)), expected, rtol=1e-6, atol=1e-6)


def test_stateful_layer_continues_from_the_last_states():
    x = random_array(3, 5, 2, seed=3)
    layer = _make("LSTM", stateful=True, return_state=True)
    _, h, c = layer(x)
    second = _as_list(layer(x))
    expected = _expected_output(layer, _reference("LSTM", layer, x, None,
                                                  [to_numpy(h), to_numpy(c)]))
    _assert_all_close(second, expected)


def test_reset_state_makes_a_stateful_layer_start_from_zeros():
    x = random_array(3, 5, 2, seed=3)
    layer = _make("GRU", stateful=True)
    first = to_numpy(layer(x))
    layer(x)
    layer.reset_state()
    np.testing.assert_allclose(to_numpy(layer(x)), first, rtol=1e-6)
    layer(x)
    layer.reset_states()
    np.testing.assert_allclose(to_numpy(layer(x)), first, rtol=1e-6)


def test_stateful_states_are_not_weights():
    layer = _make("LSTM", stateful=True)
    layer(random_array(3, 5, 2))
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]


def test_dropout_is_identity_when_not_training():
    x = random_array(3, 5, 2)
    plain = _make("LSTM")
    dropped = _make("LSTM", dropout=0.5, recurrent_dropout=0.5)
    # Same weights; the fused kernel (cuDNN on a GPU) and the step loop round differently.
    np.testing.assert_allclose(to_numpy(dropped(x)), to_numpy(plain(x)), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("kwargs", [{"dropout": 0.5}, {"recurrent_dropout": 0.5}])
def test_dropout_changes_the_output_when_training(kwargs):
    x = random_array(3, 5, 2)
    layer = _make("GRU", seed=3, **kwargs)
    assert not np.allclose(to_numpy(layer(x, training=True)), to_numpy(layer(x)))


# -- fused kernel (torch) vs the generic loop ------------------------------------------------
FUSED_CASES = [
    ({}, {}),
    ({"return_sequences": True, "go_backwards": True}, {}),
    ({"return_sequences": True, "return_state": True}, {"mask": RIGHT_PADDED}),
    ({"return_sequences": True, "go_backwards": True, "return_state": True},
     {"mask": RIGHT_PADDED}),
    ({"return_sequences": True, "zero_output_for_mask": True}, {"mask": EMPTY_ROW}),
    ({"return_state": True, "go_backwards": True}, {"mask": EMPTY_ROW}),
]


def _fused_and_scan(kind, config):
    zero_output = config.pop("zero_output_for_mask", False)
    fused = _make(kind, **config)
    scan = _make(kind, use_cudnn=False, **config)
    fused.zero_output_for_mask = scan.zero_output_for_mask = zero_output
    return fused, scan


@pytest.mark.torch_only
@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("config, call_kwargs", FUSED_CASES)
def test_fused_kernel_matches_scan_loop(kind, config, call_kwargs):
    x = random_array(3, 5, 2, seed=4)
    fused, scan = _fused_and_scan(kind, dict(config))
    _assert_all_close(_as_list(fused(x, **call_kwargs)), _as_list(scan(x, **call_kwargs)))


@pytest.mark.torch_only
@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_fused_kernel_gradients_match_scan_loop(kind):
    x = random_array(3, 5, 2, seed=5)
    projection = random_array(3, 5, 3, seed=6)
    grads = []
    for layer in _fused_and_scan(kind, {"return_sequences": True}):
        grads.append(lamina_grads(lambda v, layer=layer: layer(v, mask=RIGHT_PADDED), [x],
                                  layer.weights, projection))
    for fused_grad, scan_grad in zip(*grads):
        np.testing.assert_allclose(fused_grad, scan_grad, rtol=1e-5, atol=1e-6)


@pytest.mark.torch_only
def test_fused_kernel_and_scan_loop_drop_the_same_inputs_for_one_seed():
    x = random_array(3, 5, 2, seed=4)
    fused, scan = _fused_and_scan("LSTM", {"dropout": 0.5, "seed": 7})
    np.testing.assert_allclose(to_numpy(fused(x, training=True)),
                               to_numpy(scan(x, training=True)), rtol=1e-5, atol=1e-6)


def _spy(monkeypatch, name):
    calls = []
    original = getattr(lamina.backend.rnn, name)

    def spy(*args, **kwargs):
        result = original(*args, **kwargs)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(lamina.backend.rnn, name, spy)
    return calls


@pytest.mark.torch_only
@pytest.mark.parametrize("kind, mask", [("LSTM", None), ("GRU", None),
                                        ("LSTM", RIGHT_PADDED), ("GRU", RIGHT_PADDED)])
def test_default_lstm_and_gru_run_the_fused_torch_kernel(monkeypatch, kind, mask):
    calls = _spy(monkeypatch, kind.lower())
    _make(kind)(random_array(3, 5, 2), mask=mask)
    assert calls == [True]


@pytest.mark.torch_only
def test_mask_with_holes_falls_back_from_the_fused_kernel(monkeypatch):
    calls = _spy(monkeypatch, "lstm")
    layer = _make("LSTM", return_sequences=True)
    result = to_numpy(layer(random_array(3, 5, 2), mask=WITH_HOLES))
    expected = _reference("LSTM", layer, random_array(3, 5, 2), WITH_HOLES)[1]
    assert calls == [False]
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind, kwargs", [
    ("LSTM", {"use_cudnn": False}), ("LSTM", {"recurrent_dropout": 0.1}),
    ("LSTM", {"unroll": True}), ("LSTM", {"activation": "relu"}),
    ("GRU_reset_before", {}), ("GRU", {"recurrent_activation": "hard_sigmoid"}),
])
def test_non_default_configurations_skip_the_fused_kernel(monkeypatch, kind, kwargs):
    calls = _spy(monkeypatch, kind.split("_")[0].lower())
    _make(kind, **kwargs)(random_array(3, 5, 2))
    assert calls == []


def test_use_cudnn_true_without_a_usable_fused_kernel_is_an_error():
    layer = _make("LSTM", unroll=True, use_cudnn=True)
    with pytest.raises(ValueError, match="use_cudnn=True.*use_cudnn='auto'"):
        layer(random_array(3, 5, 2))


# -- gradients -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, kwargs", [
    ("LSTM", {"return_sequences": True}),
    ("GRU_reset_before", {"go_backwards": True}),
    ("SimpleRNN", {"return_sequences": True}),
])
def test_gradients_match_finite_differences(kind, kwargs):
    x = random_array(2, 3, 2, seed=11)
    layer = _make(kind, units=2, **kwargs)
    layer.use_cudnn = False  # the fused kernel's gradients are checked against the loop
    out_shape = (2, 3, 2) if layer.return_sequences else (2, 2)
    projection = random_array(*out_shape, seed=12)
    weights = [w.astype("float64") for w in layer.get_weights()]
    step = KINDS[kind][0]

    def reference(x_, *ws):
        last, seq, _ = _rnn_reference(step, x_, list(ws), [np.zeros((2, 2))] * KINDS[kind][1],
                                      go_backwards=layer.go_backwards)
        return seq if layer.return_sequences else last

    loss = reference_loss(reference, projection)
    grads = lamina_grads(layer, [x], layer.weights, projection)
    arguments = [x.astype("float64")] + weights
    for position, grad in enumerate(grads):
        def partial(value, position=position):
            args = list(arguments)
            args[position] = value
            return loss(*args)

        np.testing.assert_allclose(grad, numeric_grad(partial, arguments[position]),
                                   rtol=1e-3, atol=1e-4)


# -- RNN with a user cell, StackedRNNCells ---------------------------------------------------
class _AccumulatorCell(layers.Layer):
    """A user cell: ``state = state + x @ w``, output ``2 * state``."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")

    def call(self, inputs, states, training=None):
        state = ops.add(states[0], ops.matmul(inputs, self.w.value))
        return ops.multiply(state, 2.0), [state]


def _accumulator_step(x, states, weights):
    state = states[0] + x @ weights[0]
    return 2.0 * state, [state]


@pytest.mark.parametrize("config, call_kwargs", [
    ({"return_sequences": True}, {}),
    ({"return_state": True, "go_backwards": True}, {"mask": WITH_HOLES}),
    ({"return_sequences": True}, {"mask": RIGHT_PADDED}),
])
def test_rnn_runs_a_user_cell_like_the_reference(config, call_kwargs):
    x = random_array(3, 5, 2, seed=13)
    layer = layers.RNN(_AccumulatorCell(3), **config)
    result = _as_list(layer(x, **call_kwargs))
    weights = [w.astype("float64") for w in layer.get_weights()]
    reference = _rnn_reference(_accumulator_step, x, weights, [np.zeros((3, 3))],
                               call_kwargs.get("mask"), layer.go_backwards)
    _assert_all_close(result, _expected_output(layer, reference))


def test_stacked_cells_feed_each_output_to_the_next_cell():
    x = random_array(3, 5, 2, seed=14)
    layer = layers.RNN([layers.SimpleRNNCell(4), layers.LSTMCell(3)], return_state=True)
    output, simple_states, lstm_states = layer(x)
    w = [v.astype("float64") for v in layer.get_weights()]
    _, seq, first_states = _rnn_reference(_simple_rnn_step, x, w[:3], [np.zeros((3, 4))])
    last, _, second_states = _rnn_reference(_lstm_step, seq, w[3:], [np.zeros((3, 3))] * 2)
    _assert_all_close(_as_list([output, *simple_states, *lstm_states]),
                      [last, *first_states, *second_states])


# -- Bidirectional and TimeDistributed -------------------------------------------------------
MERGES = {"concat": lambda a, b: np.concatenate([a, b], -1), "sum": np.add,
          "mul": np.multiply, "ave": lambda a, b: (a + b) / 2}


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("return_sequences, mask", [(True, None), (False, RIGHT_PADDED),
                                                    (True, WITH_HOLES)])
def test_bidirectional_merges_forward_and_flipped_backward(merge_mode, return_sequences, mask):
    x = random_array(3, 5, 2, seed=15)
    layer = layers.Bidirectional(layers.GRU(3, return_sequences=return_sequences),
                                 merge_mode=merge_mode)
    result = _as_list(layer(x, mask=mask))
    w = [v.astype("float64") for v in layer.get_weights()]
    zeros, step = [np.zeros((3, 3))], _gru_step(True)
    f_last, f_seq, _ = _rnn_reference(step, x, w[:3], zeros, mask, False, return_sequences)
    b_last, b_seq, _ = _rnn_reference(step, x, w[3:], zeros, mask, True, return_sequences)
    forward, backward = (f_seq, b_seq[:, ::-1]) if return_sequences else (f_last, b_last)
    expected = [forward, backward] if merge_mode is None else \
        [MERGES[merge_mode](forward, backward)]
    _assert_all_close(result, expected)


def test_bidirectional_return_state_gives_forward_then_backward_states():
    x = random_array(3, 5, 2, seed=16)
    layer = layers.Bidirectional(layers.LSTM(3, return_state=True))
    initial = [random_array(3, 3, seed=20 + i) for i in range(4)]
    output, *states = _as_list(layer(x, initial_state=initial))
    w = [v.astype("float64") for v in layer.get_weights()]
    f_last, _, f_states = _rnn_reference(_lstm_step, x, w[:3], initial[:2])
    b_last, _, b_states = _rnn_reference(_lstm_step, x, w[3:], initial[2:], go_backwards=True)
    _assert_all_close([output, *states],
                      [np.concatenate([f_last, b_last], -1), *f_states, *b_states])


def test_bidirectional_names_its_two_copies_and_weights_split_in_half():
    base = layers.LSTM(2, name="encoder")
    weights = [random_array(*s, seed=i) for i, s in enumerate([(3, 8), (2, 8), (8,)] * 2)]
    layer = layers.Bidirectional(base, weights=weights)
    layer(random_array(1, 4, 3))
    assert (layer.forward_layer.name, layer.backward_layer.name) == \
        ("forward_encoder", "backward_encoder")
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    for got, want in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(got, want)


def test_bidirectional_uses_a_given_backward_layer():
    backward = layers.SimpleRNN(3, go_backwards=True)
    layer = layers.Bidirectional(layers.GRU(3), backward_layer=backward, merge_mode=None)
    x = random_array(3, 5, 2, seed=27)
    _, backward_output = layer(x)
    np.testing.assert_allclose(to_numpy(backward_output), to_numpy(backward(x)), rtol=1e-6)


def test_bidirectional_rejects_a_backward_layer_with_other_return_sequences():
    with pytest.raises(ValueError, match="same `return_sequences`"):
        layers.Bidirectional(layers.GRU(3), backward_layer=layers.GRU(
            3, go_backwards=True, return_sequences=True))


def test_time_distributed_dense_applies_the_same_weights_at_each_step():
    x = random_array(3, 4, 2, seed=17)
    layer = layers.TimeDistributed(layers.Dense(5, activation="tanh"))
    out = to_numpy(layer(x))
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, np.tanh(x @ kernel + bias), rtol=1e-5, atol=1e-6)


def test_time_distributed_loops_other_layers_over_time():
    x = random_array(2, 3, 5, 2, seed=18)
    layer = layers.TimeDistributed(layers.Flatten())
    np.testing.assert_array_equal(to_numpy(layer(x)), x.reshape(2, 3, 10))


def test_time_distributed_passes_the_mask_through():
    layer = layers.TimeDistributed(layers.Dense(2))
    assert layer.compute_mask(None, RIGHT_PADDED) is RIGHT_PADDED


# -- ConvLSTM --------------------------------------------------------------------------------
def test_conv_lstm_2d_weights_follow_keras_layout():
    layer = layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True)
    layer.build((None, 3, 5, 5, 2))
    assert weight_signature(layer) == [("kernel", (3, 3, 2, 16)),
                                       ("recurrent_kernel", (3, 3, 4, 16)), ("bias", (16,))]


def test_conv_lstm_1d_without_padding_equals_lstm_on_single_position():
    # A kernel covering the whole (length-1 after conv) signal is a dense LSTM step.
    x = random_array(2, 4, 3, 2, seed=19)
    layer = layers.ConvLSTM1D(3, 3, return_sequences=True)
    out = to_numpy(layer(x))
    kernel, recurrent, bias = [w.astype("float64") for w in layer.get_weights()]
    dense = [kernel.reshape(6, 12), recurrent[1], bias]  # "same" recurrent conv: centre tap
    _, seq, _ = _rnn_reference(_lstm_step, x.reshape(2, 4, 6), dense, [np.zeros((2, 3))] * 2)
    np.testing.assert_allclose(out[:, :, 0], seq, rtol=1e-5, atol=1e-5)


# -- ops.scan --------------------------------------------------------------------------------
def test_scan_stacks_outputs_and_returns_the_last_carry():
    xs = np.array([1.0, 2.0, 3.0], "float32")
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), np.float32(0.0), xs)
    assert float(to_numpy(carry)) == 6.0
    np.testing.assert_array_equal(to_numpy(ys), [0.0, 2.0, 9.0])


def test_scan_reverse_keeps_outputs_aligned_with_inputs():
    xs = np.array([1.0, 2.0, 3.0], "float32")
    _, ys = ops.scan(lambda c, x: (c + x, c + x), np.float32(0.0), xs, reverse=True)
    np.testing.assert_array_equal(to_numpy(ys), [6.0, 5.0, 3.0])


def test_scan_without_xs_runs_length_steps_with_nested_carry():
    init = {"a": np.float32(1.0), "b": np.float32(0.0)}
    carry, ys = ops.scan(lambda c, _: ({"a": c["a"] * 2, "b": c["b"] + c["a"]}, None),
                         init, length=4)
    assert ys is None
    assert (float(to_numpy(carry["a"])), float(to_numpy(carry["b"]))) == (16.0, 15.0)


def test_scan_without_xs_or_length_is_an_error():
    with pytest.raises(ValueError, match="`length`"):
        ops.scan(lambda c, x: (c, None), 0.0)


# -- Keras parity ----------------------------------------------------------------------------
def _keras_pair(name, *args, **kwargs):
    return getattr(keras().layers, name)(*args, **kwargs), getattr(layers, name)(*args, **kwargs)


@pytest.mark.parametrize("name, kwargs, call_kwargs", [
    ("LSTM", {"units": 3, "return_sequences": True}, {}),
    ("LSTM", {"units": 3, "return_state": True, "go_backwards": True}, {"mask": WITH_HOLES}),
    ("GRU", {"units": 3, "return_sequences": True}, {"mask": RIGHT_PADDED}),
    ("GRU", {"units": 3, "reset_after": False, "return_state": True}, {}),
    ("SimpleRNN", {"units": 3, "go_backwards": True, "return_sequences": True}, {}),
])
def test_layer_matches_keras_with_copied_weights(name, kwargs, call_kwargs):
    x = random_array(3, 5, 4, seed=21)
    k_layer, l_layer = _keras_pair(name, **kwargs)
    expected = k_layer(x, **call_kwargs)
    l_layer(x)
    l_layer.set_weights(k_layer.get_weights())
    expected = [np.asarray(keras().ops.convert_to_numpy(e))
                for e in (expected if isinstance(expected, (list, tuple)) else [expected])]
    _assert_all_close(_as_list(l_layer(x, **call_kwargs)), expected)


@pytest.mark.parametrize("build, shape", [
    (lambda L: L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode="sum"), (2, 4, 5)),
    (lambda L: L.TimeDistributed(L.Dense(2)), (2, 4, 5)),
    (lambda L: L.RNN([L.GRUCell(3), L.LSTMCell(2)], return_sequences=True), (2, 4, 5)),
    (lambda L: L.ConvLSTM1D(2, 3, padding="same", return_sequences=True), (2, 4, 5, 1)),
])
def test_wrappers_and_conv_lstm_match_keras_with_copied_weights(build, shape):
    x = random_array(*shape, seed=22)
    k_layer, l_layer = build(keras().layers), build(layers)
    expected = keras_output(k_layer, x)
    l_layer(x)
    assert weight_signature(l_layer) == weight_signature(k_layer)
    l_layer.set_weights(k_layer.get_weights())
    np.testing.assert_allclose(to_numpy(l_layer(x)), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name, kwargs, shape", [
    ("LSTM", {"units": 3}, (2, 5, 4)), ("GRU", {"units": 3}, (2, 5, 4)),
    ("GRU", {"units": 3, "reset_after": False}, (2, 5, 4)),
    ("SimpleRNN", {"units": 3}, (2, 5, 4)),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 3}, (1, 2, 5, 5, 2)),
])
def test_weight_signature_and_config_keys_equal_keras(name, kwargs, shape):
    k_layer, l_layer = _keras_pair(name, **kwargs)
    k_layer.build(shape)
    l_layer.build(shape)
    assert weight_signature(l_layer) == weight_signature(k_layer)
    assert list(l_layer.get_config()) == list(k_layer.get_config())


# -- config round trip and symbolic shapes ---------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: layers.LSTM(3, return_sequences=True, go_backwards=True, dropout=0.1, seed=2),
    lambda: layers.GRU(3, reset_after=False, return_state=True),
    lambda: layers.SimpleRNN(3, activation="relu", use_bias=False),
    lambda: layers.RNN(layers.StackedRNNCells([layers.LSTMCell(3), layers.GRUCell(2)])),
    lambda: layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode="ave"),
    lambda: layers.TimeDistributed(layers.Dense(2)),
])
def test_config_round_trip_gives_the_same_layer(make):
    x = random_array(2, 4, 3, seed=23)
    expected, rebuilt = config_round_trip(make(), x)
    for e, r in zip(expected if isinstance(expected, list) else [expected],
                    rebuilt if isinstance(rebuilt, list) else [rebuilt]):
        np.testing.assert_allclose(r, e, rtol=1e-6)


def test_conv_lstm_config_round_trip_gives_the_same_layer():
    layer = layers.ConvLSTM1D(2, 3, padding="same", return_sequences=True, go_backwards=True)
    expected, rebuilt = config_round_trip(layer, random_array(2, 4, 5, 1, seed=26))
    np.testing.assert_allclose(rebuilt, expected, rtol=1e-6)


@pytest.mark.parametrize("make, shape, expected", [
    (lambda: layers.LSTM(4), (5, 3), [(None, 4)]),
    (lambda: layers.GRU(4, return_sequences=True, return_state=True), (None, 3),
     [(None, None, 4), (None, 4)]),
    (lambda: layers.LSTM(4, return_state=True), (5, 3), [(None, 4)] * 3),
    (lambda: layers.Bidirectional(layers.SimpleRNN(4, return_sequences=True)), (5, 3),
     [(None, 5, 8)]),
    (lambda: layers.Bidirectional(layers.LSTM(4, return_state=True), merge_mode=None),
     (5, 3), [(None, 4)] * 6),
    (lambda: layers.TimeDistributed(layers.Dense(2)), (5, 3), [(None, 5, 2)]),
    (lambda: layers.ConvLSTM2D(2, 3, return_sequences=True), (4, 6, 6, 1),
     [(None, 4, 4, 4, 2)]),
])
def test_symbolic_output_shapes(make, shape, expected):
    outputs = make()(lamina.Input(shape))
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    assert [tuple(o.shape) for o in outputs] == expected


def test_functional_decoder_starts_from_encoder_states():
    encoder_in, decoder_in = lamina.Input((5, 3)), lamina.Input((4, 2))
    encoder = layers.LSTM(3, return_state=True)
    decoder = layers.LSTM(3, return_sequences=True)
    _, h, c = encoder(encoder_in)
    model = lamina.Model([encoder_in, decoder_in], decoder(decoder_in, initial_state=[h, c]))
    a, b = random_array(2, 5, 3, seed=24), random_array(2, 4, 2, seed=25)
    _, h_value, c_value = encoder(a)
    expected = to_numpy(decoder(b, initial_state=[h_value, c_value]))
    np.testing.assert_allclose(to_numpy(model([a, b])), expected, rtol=1e-6)


# -- errors ----------------------------------------------------------------------------------
def test_lstm_given_images_says_it_expects_three_dimensional_input():
    with pytest.raises(ValueError) as info:
        lamina.Sequential([layers.LSTM(8, input_shape=(28, 28, 1))])
    message = str(info.value)
    assert 'LSTM layer "lstm' in message
    assert "3-D input of shape (batch, timesteps, features)" in message
    assert "(None, 28, 28, 1)" in message


def test_recurrent_layer_given_two_dimensional_input_suggests_a_feature_axis():
    with pytest.raises(ValueError, match=r"received an input of shape \(2, 5\).*x\[\.\.\., None\]"):
        layers.GRU(2)(random_array(2, 5))


def test_bidirectional_rejects_a_non_recurrent_layer():
    with pytest.raises(ValueError, match="recurrent layer.*no go_backwards.*TimeDistributed"):
        layers.Bidirectional(layers.Dense(3))


def test_bidirectional_rejects_an_unknown_merge_mode():
    with pytest.raises(ValueError, match="merge_mode.*'concat', 'sum', 'mul', 'ave' and None"):
        layers.Bidirectional(layers.LSTM(3), merge_mode="max")


@pytest.mark.parametrize("initial_state, received", [
    ([np.zeros((3, 3), "float32")], r"1 tensor\(s\) of shapes \[\(3, 3\)\]"),
    ([np.zeros((3, 2), "float32")] * 2, r"2 tensor\(s\) of shapes \[\(3, 2\), \(3, 2\)\]"),
])
def test_initial_state_with_wrong_count_or_shape_is_explained(initial_state, received):
    layer = _make("LSTM")
    with pytest.raises(ValueError, match=r"list of 2 tensor\(s\) of shapes \[\(3, 3\), "
                                         r"\(3, 3\)\].*" + received):
        layer(random_array(3, 5, 2), initial_state=initial_state)


def test_rnn_given_a_layer_instead_of_a_cell_is_an_error():
    with pytest.raises(ValueError, match="must be a cell such as layers.LSTMCell"):
        layers.RNN(layers.LSTM(3))


def test_invalid_use_cudnn_lists_the_valid_values():
    with pytest.raises(ValueError, match="'auto', True or False"):
        layers.GRU(3, use_cudnn="yes")


def test_stateful_layer_rejects_another_batch_size():
    layer = _make("SimpleRNN", stateful=True)
    layer(random_array(3, 5, 2))
    with pytest.raises(ValueError, match="batches of 3 samples but received a batch of 2"):
        layer(random_array(2, 5, 2))


def test_time_distributed_needs_a_time_axis():
    with pytest.raises(ValueError, match=r"at least 3 dimensions.*\(2, 3\)"):
        layers.TimeDistributed(layers.Dense(2))(random_array(2, 3))


def test_built_layer_given_another_feature_size_names_the_expected_size():
    layer = _make("LSTM")
    with pytest.raises(ValueError, match='layer "lstm.*axis -1.*value 2'):
        layer(random_array(3, 5, 4))


def test_bidirectional_copies_a_rnn_with_an_unregistered_user_cell():
    layer = layers.Bidirectional(layers.RNN(_AccumulatorCell(3)), merge_mode="sum")
    x = random_array(3, 5, 2, seed=28)
    out = to_numpy(layer(x))
    w = [v.astype("float64") for v in layer.get_weights()]
    zeros = [np.zeros((3, 3))]
    forward, _, _ = _rnn_reference(_accumulator_step, x, w[:1], zeros)
    backward, _, _ = _rnn_reference(_accumulator_step, x, w[1:], zeros, go_backwards=True)
    np.testing.assert_allclose(out, forward + backward, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cell_cls", [layers.LSTMCell, layers.GRUCell, layers.SimpleRNNCell])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_loop_without_mask_matches_loop_with_a_full_mask(cell_cls, return_sequences):
    # Without a mask the loop takes the output of built-in cells from their first state
    # (no separate carry); an all-True mask runs the carrying loop. Both must agree.
    lamina.utils.set_random_seed(0)
    layer = layers.RNN(cell_cls(5), return_sequences=return_sequences, return_state=True)
    x = np.random.default_rng(0).normal(size=(3, 6, 4)).astype("float32")
    plain = [ops.convert_to_numpy(t) for t in layer(x)]
    masked = [ops.convert_to_numpy(t) for t in layer(x, mask=np.ones((3, 6), bool))]
    for a, b in zip(plain, masked):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(plain[0][:, -1] if return_sequences else plain[0], plain[1],
                               rtol=1e-6, atol=1e-6)


def test_subclassed_cell_output_is_not_taken_from_its_state():
    class DoubledOutput(layers.LSTMCell):
        def call(self, inputs, states, training=False):
            h, new_states = super().call(inputs, states, training=training)
            return ops.multiply(h, 2.0), new_states

    lamina.utils.set_random_seed(0)
    layer = layers.RNN(DoubledOutput(4), return_state=True)
    x = np.random.default_rng(1).normal(size=(2, 5, 3)).astype("float32")
    output, h, _ = (ops.convert_to_numpy(t) for t in layer(x))
    np.testing.assert_allclose(output, 2.0 * h, rtol=1e-6, atol=1e-6)
