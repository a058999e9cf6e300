"""SwapEMAWeights: evaluation and prediction see the moving averages, training the trained
weights; the same weights and scores as Keras 3's callback."""

import inspect

import numpy as np
import pytest

import lamina
from lamina import callbacks

X = np.random.RandomState(0).rand(16, 3).astype("float32")
Y = np.random.RandomState(1).rand(16, 1).astype("float32")
X_VAL = np.random.RandomState(2).rand(8, 3).astype("float32")
Y_VAL = np.random.RandomState(3).rand(8, 1).astype("float32")
INITIAL = [np.random.RandomState(4).randn(*shape).astype("float32")
           for shape in [(3, 2), (2,), (2, 1), (1,)]]


def _model(module, use_ema=True):
    model = module.Sequential([module.Input((3,)), module.layers.Dense(2),
                               module.layers.Dense(1)])
    model.set_weights(INITIAL)
    model.compile(module.optimizers.SGD(learning_rate=0.1, use_ema=use_ema, ema_momentum=0.5),
                  "mse")
    return model


def _recorder(module):
    """A callback keeping the model's weights at each epoch's end (after the swap)."""

    class Recorder(module.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.weights = []

        def on_epoch_end(self, epoch, logs=None):
            self.weights.append(self.model.get_weights())

    return Recorder()


def _fit(module, swap_on_epoch):
    model = _model(module)
    recorder = _recorder(module)
    history = model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0,
                        validation_data=(X_VAL, Y_VAL),
                        callbacks=[module.callbacks.SwapEMAWeights(swap_on_epoch),
                                   recorder])
    return model, history.history, recorder.weights


def _ema_values(model):
    return [lamina.ops.convert_to_numpy(v)
            for v in model.optimizer._model_variables_moving_average]


def _trained_model():
    """A model trained for 4 steps, whose weights and moving averages differ."""
    model = _model(lamina)
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    # fit wrote the averages into the weights at its end; move the weights off them.
    model.set_weights([w + 1.0 for w in model.get_weights()])
    return model


@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_swap_ema_weights_fit_matches_keras(swap_on_epoch):
    keras = pytest.importorskip("keras")
    ours_model, ours_history, ours_seen = _fit(lamina, swap_on_epoch)
    theirs_model, theirs_history, theirs_seen = _fit(keras, swap_on_epoch)
    np.testing.assert_allclose(ours_history["val_loss"], theirs_history["val_loss"],
                               rtol=1e-5)
    np.testing.assert_allclose(ours_history["loss"], theirs_history["loss"], rtol=1e-5)
    for ours, theirs in zip(ours_seen, theirs_seen):
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(ours_model.get_weights(), theirs_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_swap_ema_weights_evaluate_scores_the_averages_and_restores_weights():
    model = _trained_model()
    trained, averages = model.get_weights(), _ema_values(model)
    loss = model.evaluate(X_VAL, Y_VAL, verbose=0, callbacks=[callbacks.SwapEMAWeights()])
    for ours, before in zip(model.get_weights(), trained):
        np.testing.assert_array_equal(ours, before)
    for ours, before in zip(_ema_values(model), averages):
        np.testing.assert_array_equal(ours, before)
    model.set_weights(averages)
    assert loss == pytest.approx(model.evaluate(X_VAL, Y_VAL, verbose=0), rel=1e-6)


def test_swap_ema_weights_predict_uses_the_averages_and_restores_weights():
    # Keras 3.15 leaves the averages in the model after predict (its on_predict_end tests
    # the flag the wrong way round); lamina puts the trained weights back.
    model = _trained_model()
    trained, averages = model.get_weights(), _ema_values(model)
    predicted = model.predict(X_VAL, verbose=0, callbacks=[callbacks.SwapEMAWeights()])
    for ours, before in zip(model.get_weights(), trained):
        np.testing.assert_array_equal(ours, before)
    model.set_weights(averages)
    np.testing.assert_allclose(predicted, model.predict(X_VAL, verbose=0), rtol=1e-6)


def test_swap_ema_weights_on_epoch_leaves_the_averages_in_the_model_after_fit():
    model, _, seen = _fit(lamina, swap_on_epoch=True)
    for ours, last_seen in zip(model.get_weights(), seen[-1]):
        np.testing.assert_array_equal(ours, last_seen)
    for ours, average in zip(model.trainable_variables, _ema_values(model)):
        np.testing.assert_array_equal(lamina.ops.convert_to_numpy(ours), average)


def test_swap_ema_weights_requires_an_optimizer_with_use_ema():
    model = _model(lamina, use_ema=False)
    with pytest.raises(ValueError, match=r"SwapEMAWeights: .*use_ema=False.*use_ema=True"):
        model.evaluate(X_VAL, Y_VAL, verbose=0, callbacks=[callbacks.SwapEMAWeights()])


def test_swap_ema_weights_explains_an_optimizer_not_built_yet():
    model = _model(lamina)
    with pytest.raises(ValueError, match="has not been built"):
        model.evaluate(X_VAL, Y_VAL, verbose=0, callbacks=[callbacks.SwapEMAWeights()])


def test_swap_ema_weights_signature_matches_keras():
    keras = pytest.importorskip("keras")
    assert inspect.signature(callbacks.SwapEMAWeights) == \
        inspect.signature(keras.callbacks.SwapEMAWeights)
