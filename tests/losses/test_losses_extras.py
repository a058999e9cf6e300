"""Dice, Tversky, Circle and generalized cross-entropy: NumPy references written here from
the formulas, Keras 3 as an oracle (every reduction, with sample weights), configs, name
lookup, errors, and training with them on the active backend."""

import inspect
import os

import numpy as np
import pytest

import lamina
from lamina import losses
from lamina import ops

os.environ.setdefault("KERAS_BACKEND", "torch")

EPS = 1e-7

# Keras 3 on torch warns about NumPy 2's __array__ protocol; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def keras3():
    return pytest.importorskip("keras")


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


# -- NumPy references (float64) --------------------------------------------------------------


def ref_dice(t, p, axis=None):
    return 1 - 2 * (t * p).sum(axis) / (t.sum(axis) + p.sum(axis) + EPS)


def ref_tversky(t, p, alpha=0.5, beta=0.5, axis=None):
    overlap = (t * p).sum(axis)
    missed, spurious = (t * (1 - p)).sum(axis), ((1 - t) * p).sum(axis)
    return 1 - overlap / (overlap + alpha * missed + beta * spurious + EPS)


def ref_categorical_generalized_cross_entropy(labels, p, q):
    chosen = np.take_along_axis(p, labels.astype(int)[..., None], axis=-1)[..., 0]
    return (1 - chosen**q) / q


def ref_circle(labels, emb, gamma=80.0, margin=0.4, remove_diagonal=True):
    """Row losses from the pair formulas, one pair at a time."""
    rows = []
    for i in range(len(labels)):
        pos, neg = [], []
        for j in range(len(labels)):
            d = max(1 - float(emb[i] @ emb[j]), 0.0)
            if labels[i] == labels[j] and not (remove_diagonal and i == j):
                pos.append(-gamma * max(margin + d, 0) * (margin - d))
            elif labels[i] != labels[j]:
                neg.append(gamma * max(1 + margin - d, 0) * (1 - margin - d))
        if not pos or not neg:
            rows.append(0.0)
            continue
        total = np.logaddexp.reduce(pos) + np.logaddexp.reduce(neg)
        rows.append(np.logaddexp(0.0, total))
    return np.array(rows)


# -- inputs -----------------------------------------------------------------------------------


def _masks(rng, shape=(3, 4, 4, 1)):
    t = (rng.random(shape) > 0.5).astype("float32")
    return t, rng.random(shape).astype("float32")


def _embeddings(rng, n=8, dim=4):
    e = rng.normal(size=(n, dim))
    return (e / np.linalg.norm(e, axis=1, keepdims=True)).astype("float32")


def _probabilities(rng, n=6, classes=4):
    p = rng.random((n, classes)) + 0.05
    return (p / p.sum(1, keepdims=True)).astype("float32")


# -- references ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [{}, {"axis": (1, 2, 3)}, {"axis": [1, 2]}])
def test_dice_matches_the_numpy_reference(kwargs):
    t, p = _masks(np.random.default_rng(0))
    want = ref_dice(t.astype("float64"), p.astype("float64"),
                    **{k: tuple(v) for k, v in kwargs.items()})
    np.testing.assert_allclose(_np(losses.dice(t, p, **kwargs)), want, rtol=1e-5)


@pytest.mark.parametrize("kwargs", [{}, {"alpha": 0.7, "beta": 0.3, "axis": (1, 2)}])
def test_tversky_matches_the_numpy_reference(kwargs):
    t, p = _masks(np.random.default_rng(1))
    want = ref_tversky(t.astype("float64"), p.astype("float64"), **kwargs)
    np.testing.assert_allclose(_np(losses.tversky(t, p, **kwargs)), want, rtol=1e-5)


def test_tversky_with_equal_weights_is_dice():
    t, p = _masks(np.random.default_rng(2))
    np.testing.assert_allclose(_np(losses.tversky(t, p, axis=(1, 2))),
                               _np(losses.dice(t, p, axis=(1, 2))), rtol=1e-5)


@pytest.mark.parametrize("q", [0.2, 0.7])
def test_generalized_cross_entropy_matches_the_numpy_reference(q):
    rng = np.random.default_rng(3)
    p, labels = _probabilities(rng), rng.integers(0, 4, 6)
    want = ref_categorical_generalized_cross_entropy(labels, p.astype("float64"), q)
    got = losses.categorical_generalized_cross_entropy(labels, p, q=q)
    np.testing.assert_allclose(_np(got), want, rtol=1e-5)
    column = losses.categorical_generalized_cross_entropy(labels[:, None], p, q=q)
    np.testing.assert_allclose(_np(column), want, rtol=1e-5)


@pytest.mark.parametrize("kwargs", [{}, {"gamma": 4.0, "margin": 0.25, "remove_diagonal": False}])
def test_circle_matches_the_pairwise_reference(kwargs):
    rng = np.random.default_rng(4)
    emb, labels = _embeddings(rng), np.array([0, 0, 1, 1, 2, 2, 0, 3])
    want = ref_circle(labels, emb.astype("float64"), **kwargs)
    np.testing.assert_allclose(_np(losses.circle(labels, emb, **kwargs)), want,
                               rtol=2e-5, atol=1e-4)


def test_circle_class_averages_over_rows_with_a_positive_loss():
    rng = np.random.default_rng(5)
    emb, labels = _embeddings(rng), np.array([0, 0, 1, 1, 2, 2, 0, 3])  # class 3 has no pair
    rows = ref_circle(labels, emb.astype("float64"), gamma=4.0)
    assert rows[-1] == 0.0
    got = _np(losses.Circle(gamma=4.0)(labels, emb))
    assert got == pytest.approx(rows[rows > 0].mean(), rel=2e-5)


# -- Keras 3 as the oracle --------------------------------------------------------------------


def _case_inputs(kind, rng):
    if kind == "mask":
        t, p = _masks(rng)
        return t, p, rng.uniform(0.5, 2.0, size=(3,)).astype("float32")
    if kind == "embedding":
        return (np.array([0, 1, 1, 2, 0, 2, 3, 1]), _embeddings(rng),
                rng.uniform(0.5, 2.0, size=(8,)).astype("float32"))
    p = _probabilities(rng)
    return rng.integers(0, 4, 6), p, rng.uniform(0.5, 2.0, size=(6,)).astype("float32")


CLASS_CASES = [
    ("Dice", "mask", {}),
    ("Dice", "mask", {"axis": (1, 2)}),
    ("Tversky", "mask", {"alpha": 0.3, "beta": 0.7}),
    ("Tversky", "mask", {"axis": (1, 2, 3)}),
    ("Circle", "embedding", {}),
    ("Circle", "embedding", {"gamma": 8.0, "margin": 0.2, "remove_diagonal": False}),
    ("CategoricalGeneralizedCrossEntropy", "sparse", {}),
    ("CategoricalGeneralizedCrossEntropy", "sparse", {"q": 0.9}),
]


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean",
                                       "mean_with_sample_weight", "none"])
@pytest.mark.parametrize("cls, kind, kwargs", CLASS_CASES,
                         ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(CLASS_CASES)])
def test_class_matches_keras(cls, kind, kwargs, reduction, keras3):
    y_true, y_pred, weight = _case_inputs(kind, np.random.default_rng(6))
    for sample_weight in (None, weight):
        got = _np(getattr(losses, cls)(reduction=reduction, **kwargs)(
            y_true, y_pred, sample_weight=sample_weight))
        want = keras3.ops.convert_to_numpy(getattr(keras3.losses, cls)(
            reduction=reduction, **kwargs)(y_true, y_pred, sample_weight=sample_weight))
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-5)


FUNCTION_CASES = [
    ("dice", "mask", {"axis": (1, 2)}),
    ("tversky", "mask", {"alpha": 0.2, "beta": 0.8}),
    ("circle", "embedding", {"gamma": 10}),
    ("categorical_generalized_cross_entropy", "sparse", {"q": 0.4}),
]


@pytest.mark.parametrize("fn, kind, kwargs", FUNCTION_CASES, ids=[c[0] for c in FUNCTION_CASES])
def test_function_matches_keras(fn, kind, kwargs, keras3):
    y_true, y_pred, _ = _case_inputs(kind, np.random.default_rng(7))
    got = _np(getattr(losses, fn)(y_true, y_pred, **kwargs))
    # Keras's generalized cross-entropy function wants a tensor, not a NumPy array.
    keras_pred = keras3.ops.convert_to_tensor(y_pred)
    want = keras3.ops.convert_to_numpy(getattr(keras3.losses, fn)(y_true, keras_pred, **kwargs))
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-5)


def test_circle_with_reference_embeddings_matches_keras(keras3):
    rng = np.random.default_rng(8)
    emb, refs = _embeddings(rng, 5), _embeddings(rng, 7)
    labels, ref_labels = np.array([0, 1, 2, 0, 1]), np.array([1, 0, 2, 2, 1, 0, 3])
    kwargs = {"ref_labels": ref_labels, "ref_embeddings": refs, "remove_diagonal": False}
    got = _np(losses.circle(labels, emb, **kwargs))
    want = keras3.ops.convert_to_numpy(keras3.losses.circle(labels, emb, **kwargs))
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-5)


NEW_NAMES = ["CategoricalGeneralizedCrossEntropy", "Circle", "Dice", "Tversky",
             "categorical_generalized_cross_entropy", "circle", "dice", "tversky"]


@pytest.mark.parametrize("name", NEW_NAMES)
def test_signature_matches_keras(name, keras3):
    ours = inspect.signature(getattr(losses, name))
    theirs = inspect.signature(getattr(keras3.losses, name))
    assert [(p.name, p.default) for p in ours.parameters.values()] == [
        (p.name, p.default) for p in theirs.parameters.values()]


@pytest.mark.parametrize("cls, kind, kwargs", CLASS_CASES,
                         ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(CLASS_CASES)])
def test_config_matches_keras_and_round_trips(cls, kind, kwargs, keras3):
    ours = getattr(losses, cls)(name="l", reduction="sum", **kwargs)
    theirs = getattr(keras3.losses, cls)(name="l", reduction="sum", **kwargs).get_config()
    assert ours.get_config() == theirs
    clone = losses.deserialize(losses.serialize(ours))
    assert type(clone) is type(ours) and clone.get_config() == ours.get_config()


# -- name lookup and errors ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dice", "tversky", "circle",
                                  "categorical_generalized_cross_entropy"])
def test_get_gives_the_function_for_its_name(name):
    assert losses.get(name) is getattr(losses, name)


@pytest.mark.parametrize("name", ["Dice", "Tversky", "Circle",
                                  "CategoricalGeneralizedCrossEntropy"])
def test_get_gives_an_instance_for_a_class_name(name):
    assert type(losses.get(name)).__name__ == name


def test_axis_from_a_json_config_still_works():
    loss = losses.Dice.from_config({"name": "dice", "reduction": "none", "axis": [1, 2]})
    t, p = _masks(np.random.default_rng(9))
    np.testing.assert_allclose(_np(loss(t, p)), _np(losses.dice(t, p, axis=(1, 2))), rtol=1e-6)


@pytest.mark.parametrize("q", [0, 1, 1.5, -0.2, True])
def test_generalized_cross_entropy_rejects_q_outside_zero_one(q):
    with pytest.raises(ValueError, match=r"`q` must be a number in the open interval \(0, 1\)"):
        losses.CategoricalGeneralizedCrossEntropy(q=q)


def test_generalized_cross_entropy_rejects_one_hot_labels():
    p = _probabilities(np.random.default_rng(10), n=2, classes=3)
    with pytest.raises(ValueError, match="categorical_generalized_cross_entropy.*integer labels"):
        losses.categorical_generalized_cross_entropy(np.eye(3)[:2], p, q=0.5)


def test_bad_reduction_is_refused():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        losses.Dice(reduction="average")


# -- training -------------------------------------------------------------------------------------


def _train(model, loss, x, y):
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.1), loss=loss)
    history = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history["loss"]
    assert all(np.isfinite(history))
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    return history


def test_segmentation_losses_train_a_model():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(16, 4, 4, 2)).astype("float32")
    y = (x[..., :1] > 0).astype("float32")
    for loss in (losses.Dice(axis=(1, 2, 3)), "tversky"):
        model = lamina.Sequential([lamina.Input((4, 4, 2)),
                                   lamina.layers.Dense(1, activation="sigmoid")])
        history = _train(model, loss, x, y)
        assert history[-1] < history[0]


def test_circle_and_generalized_cross_entropy_train_a_model(tmp_path):
    rng = np.random.default_rng(12)
    x = rng.normal(size=(16, 3)).astype("float32")
    # Each batch of 8 has pairs of a class and two singletons (3 and 4): rows without a
    # positive pair give a zero loss, and their gradients must stay finite.
    y = np.array([0, 0, 1, 1, 2, 2, 3, 4] * 2)
    embedder = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(4),
                                  lamina.layers.UnitNormalization()])
    _train(embedder, "circle", x, y)
    classifier = lamina.Sequential([lamina.Input((3,)),
                                    lamina.layers.Dense(5, activation="softmax")])
    _train(classifier, losses.CategoricalGeneralizedCrossEntropy(q=0.3), x, y)
    path = tmp_path / "gce.keras"
    classifier.save(path)
    loaded = lamina.models.load_model(path)
    assert isinstance(loaded.loss, losses.CategoricalGeneralizedCrossEntropy)
    assert loaded.loss.get_config() == classifier.loss.get_config()
