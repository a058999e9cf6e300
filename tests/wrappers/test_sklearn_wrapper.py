"""keras.wrappers: scikit-learn estimators around lamina models, checked against
scikit-learn's own machinery (clone, cross_val_score, Pipeline) and against Keras 3's
wrappers on models with fixed weights; clone_model of a compiled model."""

import numpy as np
import pytest

import lamina
from lamina.wrappers import SKLearnClassifier
from lamina.wrappers import SKLearnRegressor
from lamina.wrappers import SKLearnTransformer

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402


def _data(n=120, features=4, classes=2, seed=0):
    return make_classification(n_samples=n, n_features=features, n_informative=3,
                               n_redundant=0, n_classes=classes, random_state=seed)


def _fixed_builder(k, activation="softmax", learning_rate=0.0):
    """A model function whose weights do not depend on the RNG (and, with a zero learning
    rate, do not move): lamina and Keras then compute the same outputs."""
    def build(X, y, units=3):
        model = k.Sequential([
            k.Input((X.shape[1],)),
            k.layers.Dense(units, activation="tanh",
                           kernel_initializer=k.initializers.Constant(0.3),
                           bias_initializer=k.initializers.Constant(-0.1)),
            k.layers.Dense(y.shape[1], activation=activation,
                           kernel_initializer=k.initializers.Constant(
                               np.linspace(-1, 1, units * y.shape[1]).reshape(units, -1)),
                           bias_initializer="zeros"),
        ])
        model.compile(optimizer=k.optimizers.SGD(learning_rate=learning_rate),
                      loss="categorical_crossentropy" if activation == "softmax" else "mse")
        return model
    return build


def _trainable_builder(X, y, units=16):
    model = lamina.Sequential([lamina.Input((X.shape[1],)),
                               lamina.layers.Dense(units, activation="relu"),
                               lamina.layers.Dense(y.shape[1], activation="softmax")])
    model.compile(optimizer=lamina.optimizers.Adam(0.01), loss="categorical_crossentropy")
    return model


def test_classifier_learns_and_scores_like_an_sklearn_classifier():
    X, y = _data(classes=3)
    clf = SKLearnClassifier(_trainable_builder, model_kwargs={"units": 24},
                            fit_kwargs={"epochs": 40, "batch_size": 16, "verbose": 0})
    assert clf.fit(X, y) is clf
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.n_features_in_ == 4 and clf.epoch_ == 40
    predictions = clf.predict(X)
    assert predictions.shape == (120,)
    assert clf.score(X, y) == pytest.approx(np.mean(predictions == y))
    assert clf.score(X, y) > 0.8  # three separable-ish classes, far above chance (1/3)
    probabilities = clf.predict_proba(X[:5])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(predictions[:5], np.argmax(probabilities, axis=1))


def test_classifier_string_labels_round_trip():
    X, _ = _data()
    labels = np.array(["cat", "dog", "eel"])[np.arange(len(X)) % 3]
    clf = SKLearnClassifier(_fixed_builder(lamina), fit_kwargs={"verbose": 0}).fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, ["cat", "dog", "eel"])
    assert set(clf.predict(X)) <= {"cat", "dog", "eel"}


@pytest.mark.parametrize("labels_2d", [False, True])
def test_classifier_matches_keras_wrapper_on_fixed_weights(labels_2d):
    keras = pytest.importorskip("keras")
    from keras.wrappers import SKLearnClassifier as KerasClassifier

    X, y = _data(classes=3, seed=3)
    X = X.astype("float32")
    y = y + 10  # labels that are not indices
    if labels_2d:
        y = y.reshape(-1, 1)
    ours = SKLearnClassifier(_fixed_builder(lamina), fit_kwargs={"verbose": 0}).fit(X, y)
    theirs = KerasClassifier(_fixed_builder(keras), fit_kwargs={"verbose": 0}).fit(X, y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_allclose(ours.decision_function(X), theirs.decision_function(X),
                               rtol=1e-5, atol=1e-6)
    ours_pred, theirs_pred = ours.predict(X), theirs.predict(X)
    assert ours_pred.shape == np.asarray(theirs_pred).shape
    np.testing.assert_array_equal(ours_pred, theirs_pred)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y))


def test_regressor_matches_keras_wrapper_on_fixed_weights():
    keras = pytest.importorskip("keras")
    from keras.wrappers import SKLearnRegressor as KerasRegressor

    X, _ = _data(seed=5)
    X = X.astype("float32")
    y = (X @ np.array([0.5, -1.0, 2.0, 0.1])).astype("float32")
    ours = SKLearnRegressor(_fixed_builder(lamina, "linear"), fit_kwargs={"verbose": 0})
    theirs = KerasRegressor(_fixed_builder(keras, "linear"), fit_kwargs={"verbose": 0})
    ours.fit(X, y)
    theirs.fit(X, y)
    assert ours.predict(X).shape == (len(X),) == np.asarray(theirs.predict(X)).shape
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-5, atol=1e-6)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), rel=1e-5)


def test_regressor_learns_a_linear_function():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 3)).astype("float32")
    y = X @ np.array([1.0, -2.0, 0.5], dtype="float32") + 0.3

    def build(X, y):
        model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(y.shape[1])])
        model.compile(optimizer=lamina.optimizers.Adam(0.05), loss="mse")
        return model

    reg = SKLearnRegressor(build, fit_kwargs={"epochs": 60, "verbose": 0}).fit(X, y)
    assert reg.score(X, y) > 0.99  # R^2
    assert reg.predict(X[:4]).shape == (4,)
    two = SKLearnRegressor(build, fit_kwargs={"epochs": 1, "verbose": 0})
    assert two.fit(X, np.stack([y, -y], 1)).predict(X[:4]).shape == (4, 2)


def test_transformer_outputs_the_models_outputs_and_fits_in_a_pipeline():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    X, y = _data()
    X = X.astype("float32")
    target = np.eye(2, dtype="float32")[y]
    embed = SKLearnTransformer(_fixed_builder(lamina), fit_kwargs={"verbose": 0})
    out = embed.fit(X, target).transform(X)
    assert out.shape == (len(X), 2)
    np.testing.assert_allclose(out, embed.model_.predict(X, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(embed.fit_transform(X, target), out, rtol=1e-6)
    pipe = make_pipeline(SKLearnTransformer(_fixed_builder(lamina),
                                            fit_kwargs={"verbose": 0}),
                         LogisticRegression())
    assert pipe.fit(X, y).predict(X).shape == (len(X),)


def test_cross_val_score_and_clone():
    from sklearn.model_selection import cross_val_score

    X, y = _data()
    clf = SKLearnClassifier(_trainable_builder, fit_kwargs={"epochs": 5, "verbose": 0})
    scores = cross_val_score(clf, X, y, cv=2)
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "model_")


def test_model_instance_is_cloned_unless_warm_start():
    X, y = _data()
    model = _fixed_builder(lamina, learning_rate=0.1)(X, np.zeros((1, 2)))
    before = [w.copy() for w in model.get_weights()]
    clf = SKLearnClassifier(model, fit_kwargs={"epochs": 2, "verbose": 0}).fit(X, y)
    assert clf.model_ is not model and clf.model_.compiled
    for w, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, b)  # the given model is left untouched
    copy = clone(clf)
    assert copy.model is not model
    for w, b in zip(copy.model.get_weights(), before):
        np.testing.assert_array_equal(w, b)  # clone copies the weights

    warm = SKLearnClassifier(model, warm_start=True, fit_kwargs={"epochs": 1, "verbose": 0})
    warm.fit(X, y)
    assert warm.model_ is model
    first = [w.copy() for w in model.get_weights()]
    assert not np.allclose(first[0], before[0])
    warm.fit(X, y)  # continues from the previous fit's weights
    assert warm.model_ is model and not np.allclose(model.get_weights()[0], first[0])


def test_errors_are_clear():
    X, y = _data()
    clf = SKLearnClassifier(_fixed_builder(lamina), fit_kwargs={"verbose": 0})
    with pytest.raises(NotFittedError):
        clf.predict(X)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="type is 'continuous'.*SKLearnRegressor"):
        clf.fit(X, np.linspace(0, 1, len(X)))
    clf.fit(X, y)
    with pytest.raises(ValueError, match="3 features"):
        clf.predict(X[:, :3])

    def uncompiled(X, y):
        return lamina.Sequential([lamina.Input((X.shape[1],)), lamina.layers.Dense(2)])

    with pytest.raises(RuntimeError, match="must be compiled with a loss and an optimizer"):
        SKLearnClassifier(uncompiled, fit_kwargs={"verbose": 0}).fit(X, y)
    with pytest.raises(TypeError, match="must return a compiled lamina Model"):
        SKLearnRegressor(lambda X, y: "not a model").fit(X, y.astype("float32"))
    with pytest.raises(TypeError, match="`model` must be a compiled lamina Model"):
        SKLearnRegressor(model=3).fit(X, y.astype("float32"))


def test_clone_model_compiles_the_clone_like_keras():
    keras = pytest.importorskip("keras")
    for k in (lamina, keras):
        model = k.Sequential([k.Input((3,)), k.layers.Dense(2)])
        model.compile(optimizer=k.optimizers.Adam(learning_rate=0.02), loss="mse",
                      metrics=["mae"])
        copy = k.models.clone_model(model)
        assert copy.compiled
        assert copy.optimizer is not model.optimizer
        assert type(copy.optimizer).__name__ == "Adam"
        assert float(np.asarray(copy.optimizer.learning_rate)) == pytest.approx(0.02)
        config = copy.get_compile_config()
        assert config["loss"] == "mse"
        history = copy.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
        assert set(history.history) == {"loss", "mae"}


def test_clone_model_of_a_custom_loss_warns_and_stays_uncompiled():
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2)])

    def unregistered_loss(y_true, y_pred):
        return lamina.ops.mean(lamina.ops.abs(y_true - y_pred))

    model.compile(optimizer="adam", loss=unregistered_loss)
    with pytest.warns(UserWarning, match="could not be compiled like the original"):
        copy = lamina.models.clone_model(model)
    assert not copy.compiled
