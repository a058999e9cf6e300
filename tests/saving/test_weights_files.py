"""``.weights.h5`` files: the optimizer's state travels with the weights, mismatches name
the layer and weight and change nothing, and custom save/load hooks are honoured."""

import h5py
import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import weights_h5


def _model(units=2):
    # tanh before the BatchNormalization: a bias feeding BatchNormalization directly gets a
    # zero gradient, which Adam turns into noise-sized steps that differ between runs.
    return lamina.Sequential([lamina.Input((3,)),
                              layers.Dense(4, activation="tanh", name="hidden"),
                              layers.BatchNormalization(name="norm"),
                              layers.Dense(units, name="head")])


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")


def _trained():
    model = _model()
    model.compile(optimizer=lamina.optimizers.Adam(learning_rate=0.01), loss="mse")
    x, y = _data()
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    return model


def test_save_weights_stores_the_optimizer_state_under_optimizer_vars(tmp_path):
    model = _trained()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        group = f["optimizer/vars"]
        assert len(group) == len(model.optimizer.variables) == 2 + 2 * 6
        assert int(group["0"][()]) == 2  # iterations
        assert group.attrs["name"] == model.optimizer.name


def test_unbuilt_optimizer_writes_its_step_and_learning_rate_as_keras_does(tmp_path):
    model = _model()
    model.compile(optimizer="adam", loss="mse")
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert sorted(f["optimizer/vars"]) == ["0", "1"]


def test_load_weights_restores_optimizer_state_into_a_freshly_compiled_model(tmp_path):
    model = _trained()
    model.save_weights(tmp_path / "w.weights.h5")
    other = _model()
    other.compile(optimizer=lamina.optimizers.Adam(learning_rate=0.01), loss="mse")
    other.load_weights(tmp_path / "w.weights.h5")
    assert other.optimizer.built
    for a, b in zip(model.optimizer.variables, other.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a.numpy()), np.asarray(b.numpy()))
    x, y = _data()
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    other.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_other_optimizer_state_is_skipped_with_a_warning(tmp_path):
    _trained().save_weights(tmp_path / "w.weights.h5")
    other = _model()
    other.compile(optimizer="sgd", loss="mse")
    with pytest.warns(UserWarning, match="Skipping the optimizer state"):
        other.load_weights(tmp_path / "w.weights.h5")


def test_shape_mismatch_names_layer_and_weight_and_changes_nothing(tmp_path):
    _model(units=2).save_weights(tmp_path / "w.weights.h5")
    other = _model(units=5)
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"Layer 'head'.*weight 'kernel' has shape \(4, 5\)"):
        other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(other.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_skip_mismatch_loads_the_matching_layers_and_warns_about_the_rest(tmp_path):
    source = _model(units=2)
    source.save_weights(tmp_path / "w.weights.h5")
    other = _model(units=5)
    with pytest.warns(UserWarning, match="Layer 'head'"):
        other.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    for a, b in zip(other.get_layer("hidden").get_weights(),
                    source.get_layer("hidden").get_weights()):
        np.testing.assert_array_equal(a, b)


def test_missing_layer_group_names_the_layer_and_group(tmp_path):
    lamina.Sequential([lamina.Input((3,)), layers.Dense(4)]).save_weights(
        tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match=r"Layer 'norm' \(group 'layers/batch_normalization/"
                                         r"vars'\).*different model architecture"):
        _model().load_weights(tmp_path / "w.weights.h5")


def test_wrong_kind_of_file_gives_a_clear_error(tmp_path):
    model = _model()
    (tmp_path / "w.npz").write_bytes(b"numpy")
    with pytest.raises(ValueError, match="expected a `.weights.h5`, `.keras` or legacy"):
        model.load_weights(tmp_path / "w.npz")
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="is a weights file.*load_weights"):
        lamina.models.load_model(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="by_name=True` works with legacy `.h5` files only"):
        model.load_weights(tmp_path / "w.weights.h5", by_name=True)


class _Counter(layers.Layer):
    """A layer that saves a Python-side counter through Keras's variable hooks."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.count = 0

    def call(self, x):
        return x

    def save_own_variables(self, store):
        store["count"] = np.array(self.count)

    def load_own_variables(self, store):
        self.count = int(store["count"])


def test_layer_save_and_load_hooks_are_used(tmp_path):
    layer = _Counter()
    model = lamina.Sequential([lamina.Input((2,)), layer])
    layer.count = 7
    model.save_weights(tmp_path / "w.weights.h5")
    other_layer = _Counter()
    lamina.Sequential([lamina.Input((2,)), other_layer]).load_weights(
        tmp_path / "w.weights.h5")
    assert other_layer.count == 7


def test_a_layer_reached_twice_is_saved_once_at_its_first_public_path():
    class Holder(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self._inner = layers.Dense(2)
            self.parts = [layers.Dense(2), self._inner]

        @property
        def a_view(self):
            return self._inner

        def call(self, x):
            return self._inner(self.parts[0](x))

    model = lamina.Sequential([lamina.Input((3,)), Holder()])
    paths = sorted(weights_h5.weight_paths(model))
    # Public names in sorted order, properties included: "a_view" comes before "parts";
    # "_inner" (private) would come last.
    assert paths == ["", "layers/holder", "layers/holder/a_view", "layers/holder/parts/dense"]


def test_loading_into_an_unbuilt_layer_says_to_build_the_model_first(tmp_path):
    class Wrapper(lamina.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    built = Wrapper()
    built(np.ones((1, 3), "float32"))
    built.save_weights(tmp_path / "w.weights.h5")
    unbuilt = Wrapper()
    with pytest.raises(ValueError, match="not built yet.*before loading"):
        weights_h5.load_weights(unbuilt, tmp_path / "w.weights.h5")
