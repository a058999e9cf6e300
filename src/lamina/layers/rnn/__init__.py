"""Recurrent layers: the ``RNN`` loop and its cells (SimpleRNN, LSTM, GRU), stacking,
``Bidirectional`` and ``TimeDistributed`` wrappers."""
