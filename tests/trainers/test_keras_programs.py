"""Typical Keras programs, with only their imports changed to lamina, run and learn."""

import numpy as np
import pytest

import lamina as keras
from lamina import layers
from lamina import ops


def _blobs(n, features, classes, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(classes, features))
    y = rng.integers(0, classes, size=n)
    x = centers[y] + rng.normal(size=(n, features))
    return x.astype("float32"), y


def test_program_a_mlp_with_categorical_crossentropy_learns():
    x, y = _blobs(512, 784, 10)
    model = keras.Sequential([
        layers.Dense(512, activation="relu", input_shape=(784,)),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x, keras.utils.to_categorical(y), epochs=5, batch_size=128, verbose=0)
    result = model.evaluate(x, keras.utils.to_categorical(y), verbose=0)
    assert isinstance(result, list) and len(result) == 2
    loss, accuracy = result
    assert accuracy > 0.9
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert set(history.history) == {"loss", "accuracy"}


def test_program_b_keras2_sgd_spelling_trains_binary_classifier():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 8)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("float32")
    model = keras.Sequential()
    model.add(layers.Dense(10, input_dim=8, activation="relu"))
    model.add(layers.Dense(1, activation="sigmoid"))
    sgd = keras.optimizers.SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=False)
    model.compile(loss="binary_crossentropy", optimizer=sgd, metrics=["accuracy"])
    history = model.fit(x, y, epochs=20, batch_size=10, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.85


def test_program_c_linear_regression_on_1d_arrays_recovers_weight_and_bias():
    rng = np.random.default_rng(2)
    X = np.linspace(-1, 1, 100)
    Y = 2 * X + 1 + rng.normal(scale=0.05, size=X.shape)
    model = keras.Sequential([layers.Dense(1, input_shape=(1,))])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, Y, epochs=300, verbose=0)
    weight, bias = model.layers[0].get_weights()
    assert weight.shape == (1, 1)
    assert abs(weight[0, 0] - 2) < 0.1
    assert abs(bias[0] - 1) < 0.1
    prediction = model.predict(np.array([0.5]), verbose=0)
    assert prediction.shape == (1, 1)
    assert abs(prediction[0, 0] - 2.0) < 0.15


def test_program_d_functional_two_inputs_two_outputs_with_loss_weights():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(256, 6)).astype("float32")
    b = rng.normal(size=(256, 4)).astype("float32")
    y_reg = (a.sum(axis=1, keepdims=True) - b[:, :1]).astype("float32")
    y_cls = (a[:, 0] > 0).astype("int64")
    in_a = keras.Input(shape=(6,), name="a")
    in_b = keras.Input(shape=(4,), name="b")
    h = layers.Concatenate()([in_a, in_b])
    h = layers.Dense(32, activation="relu")(h)
    reg = layers.Dense(1, name="reg")(h)
    cls = layers.Dense(2, activation="softmax", name="cls")(h)
    model = keras.Model(inputs=[in_a, in_b], outputs=[reg, cls])
    model.compile(optimizer="adam",
                  loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  loss_weights={"reg": 0.5, "cls": 1.0},
                  metrics={"cls": ["accuracy"]})
    history = model.fit([a, b], [y_reg, y_cls], epochs=15, batch_size=32, verbose=0)
    logs = history.history
    assert {"loss", "reg_loss", "cls_loss", "cls_accuracy"} <= set(logs)
    assert logs["loss"][-1] < logs["loss"][0]
    np.testing.assert_allclose(
        logs["loss"][-1], 0.5 * logs["reg_loss"][-1] + logs["cls_loss"][-1], rtol=1e-3)
    pred_reg, pred_cls = model.predict({"a": a[:5], "b": b[:5]}, verbose=0)
    assert pred_reg.shape == (5, 1) and pred_cls.shape == (5, 2)


class _ScaledDense(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")
        self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

    def call(self, inputs):
        return ops.matmul(inputs, self.w) * self.scale


class _Regressor(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = _ScaledDense(16)
        self.out = layers.Dense(1)

    def call(self, inputs, training=False):
        return self.out(ops.relu(self.hidden(inputs)))


def test_program_e_subclassed_model_with_custom_layer_trains():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(200, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 1))).astype("float32")
    model = _Regressor()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    history = model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    assert len(model.trainable_weights) == 4
    assert [w.name for w in model.hidden.weights] == ["w", "scale"]


class _GAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(1337)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, data):
        real = data[0] if isinstance(data, tuple) else data
        batch = ops.shape(real)[0]
        noise = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        fake = self.generator(noise)
        images = ops.concatenate([fake, real], axis=0)
        labels = ops.concatenate([ops.ones((batch, 1)), ops.zeros((batch, 1))], axis=0)

        def d_loss_fn():
            return self.loss_fn(labels, self.discriminator(images))

        d_loss, grads = keras.backend.value_and_grad(
            d_loss_fn, self.discriminator.trainable_weights)
        self.d_optimizer.apply(grads, self.discriminator.trainable_weights)

        noise = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        misleading = ops.zeros((batch, 1))

        def g_loss_fn():
            return self.loss_fn(misleading, self.discriminator(self.generator(noise)))

        g_loss, grads = keras.backend.value_and_grad(g_loss_fn, self.generator.trainable_weights)
        self.g_optimizer.apply(grads, self.generator.trainable_weights)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def test_program_f_gan_custom_train_step_updates_both_models():
    latent_dim = 4
    discriminator = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                                      layers.Dense(1)], name="discriminator")
    generator = keras.Sequential([keras.Input((latent_dim,)), layers.Dense(8, activation="relu"),
                                  layers.Dense(6)], name="generator")
    gan = _GAN(discriminator, generator, latent_dim)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    d_before = [w.copy() for w in discriminator.get_weights()]
    g_before = [w.copy() for w in generator.get_weights()]
    real = np.random.default_rng(5).normal(size=(64, 6)).astype("float32")
    history = gan.fit(real, epochs=2, batch_size=16, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert all(np.isfinite(v) for v in history.history["d_loss"])
    assert any(not np.allclose(a, b) for a, b in zip(d_before, discriminator.get_weights()))
    assert any(not np.allclose(a, b) for a, b in zip(g_before, generator.get_weights()))
    assert gan.d_optimizer.iterations.numpy() == 8


@pytest.mark.parametrize("seed", [0, 7])
def test_same_seed_and_data_give_identical_weights_after_fit(seed):
    x, y = _blobs(96, 6, 3, seed=1)

    def train():
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                                  layers.Dropout(0.3), layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        return model.get_weights()

    first, second = train(), train()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


@pytest.mark.torch_only
def test_keras3_torch_style_custom_train_step_runs_unchanged():
    import torch

    class CustomModel(keras.Model):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inputs = keras.Input(shape=(32,))
    outputs = layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x, y = np.random.random((256, 32)), np.random.random((256, 1))
    history = model.fit(x, y, epochs=3, verbose=0)
    assert set(history.history) == {"loss", "mae"}
    assert history.history["loss"][-1] < history.history["loss"][0]
