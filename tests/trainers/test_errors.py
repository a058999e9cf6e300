"""Every user mistake in the core issue's list gets an error a person can act on."""

import numpy as np
import pytest

import lamina as keras
from lamina import layers


def _mlp(input_dim=8, classes=3, compile_model=True):
    model = keras.Sequential([layers.Dense(4, activation="relu", input_shape=(input_dim,)),
                              layers.Dense(classes, activation="softmax")])
    if compile_model:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _wrong_input_shape():
    _mlp().predict(np.zeros((10, 5), dtype="float32"), verbose=0)


def _sample_count_mismatch():
    _mlp().fit(np.zeros((100, 8)), np.zeros((90,)), verbose=0)


def _unknown_optimizer():
    _mlp(compile_model=False).compile(optimizer="adamm", loss="mse")


def _unknown_loss():
    _mlp(compile_model=False).compile(optimizer="adam", loss="mean_sqared_error")


def _sparse_label_out_of_range():
    _mlp(classes=3).fit(np.zeros((6, 8)), np.array([0, 1, 2, 3, 1, 0]), verbose=0)


def _fit_before_compile():
    _mlp(compile_model=False).fit(np.zeros((4, 8)), np.zeros((4,)), verbose=0)


def _wrong_number_of_model_inputs():
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    out = layers.Dense(1)(layers.Concatenate()([a, b]))
    keras.Model([a, b], out).predict(np.zeros((4, 3)), verbose=0)


def _loss_became_nan():
    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([[1.0, np.nan]] * 8, dtype="float32")
    model.fit(x, np.ones((8, 1)), verbose=0)


ERRORS = [
    (_wrong_input_shape, ValueError, r'layer "dense.*expected axis -1 of input shape to have '
                                     r"value 8.*\(10, 5\)"),
    (_sample_count_mismatch, ValueError, r"x sizes: 100.*y sizes: 90"),
    (_unknown_optimizer, ValueError, r"Unknown optimizer.*'adamm'.*adam"),
    (_unknown_loss, ValueError, r"mean_sqared_error.*mean_squared_error"),
    (_sparse_label_out_of_range, ValueError,
     r"Sparse labels.*must be integers in \[0, 3\).*from 0 to 3"),
    (_fit_before_compile, ValueError, r"must call `compile\(\)` before"),
    (_wrong_number_of_model_inputs, ValueError, r"expects 2 input\(s\).*received 1"),
    (_loss_became_nan, FloatingPointError, r"loss became NaN at epoch 1, batch 0"),
]


@pytest.mark.parametrize("action,error_type,pattern", ERRORS,
                         ids=[e[0].__name__.strip("_") for e in ERRORS])
def test_user_mistake_raises_clear_error(action, error_type, pattern):
    with pytest.raises(error_type, match=pattern):
        action()
