"""The Loss base class, reductions and sample weights, and get / serialize / deserialize."""

import numpy as np
import pytest

from lamina import backend
from lamina import losses
from lamina import ops
from lamina.losses import loss as loss_module

# Keras 3 on torch warns about NumPy 2's __array__ protocol; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]


def _np(x):
    return ops.convert_to_numpy(x)


def _rank3_inputs():
    rng = np.random.default_rng(0)
    return rng.normal(size=(2, 3, 4)).astype("float32"), rng.normal(size=(2, 3, 4)).astype(
        "float32")


# -- reductions and sample weights ------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight",
                                       "none"])
@pytest.mark.parametrize("weight_shape", [None, (), (2, 1), (2, 3), (2, 3, 1), (1, 3), (3,)])
def test_sample_weight_shapes_match_keras(weight_shape, reduction):
    keras = pytest.importorskip("keras")
    y_true, y_pred = _rank3_inputs()
    weight = None
    if weight_shape is not None:
        weight = np.random.default_rng(1).uniform(0.5, 2, size=weight_shape).astype("float32")
    got = _np(losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight=weight))
    want = keras.ops.convert_to_numpy(keras.losses.MeanSquaredError(reduction=reduction)(
        y_true, y_pred, sample_weight=weight))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight_shape", [None, (4,), (4, 1)])
def test_rank_1_losses_with_sample_weight_match_keras(weight_shape, reduction):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(2)
    y_true, y_pred = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    weight = None if weight_shape is None else rng.uniform(0.5, 2, size=weight_shape)
    got = _np(losses.MeanAbsoluteError(reduction=reduction)(y_true, y_pred, sample_weight=weight))
    want = keras.ops.convert_to_numpy(keras.losses.MeanAbsoluteError(reduction=reduction)(
        y_true, y_pred, sample_weight=weight))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_per_sample_weight_broadcasts_over_timesteps():
    # Keras raises here; one weight per sample against (batch, time) losses is what was meant.
    y_true, y_pred = _rank3_inputs()
    weight = np.array([0.5, 2.0], "float32")
    per_sample = ((y_true - y_pred) ** 2).mean(-1)
    got = _np(losses.MeanSquaredError(reduction="sum")(y_true, y_pred, sample_weight=weight))
    np.testing.assert_allclose(got, (per_sample * weight[:, None]).sum(), rtol=1e-5)


def test_incompatible_sample_weight_names_the_argument_and_shapes():
    y_true, y_pred = _rank3_inputs()
    with pytest.raises(ValueError, match=r"`sample_weight` of shape \(5,\).*\(2, 3\)"):
        losses.MeanSquaredError()(y_true, y_pred, sample_weight=np.ones(5))


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight",
                                       "none"])
def test_ignore_class_reductions_match_keras_on_sequences(reduction):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 3, size=(2, 5))
    y_pred = rng.uniform(0.1, 1, size=(2, 5, 3)).astype("float32")
    weight = rng.uniform(0.5, 2, size=(2, 5)).astype("float32")
    ours = losses.SparseCategoricalCrossentropy(ignore_class=2, reduction=reduction)
    theirs = keras.losses.SparseCategoricalCrossentropy(ignore_class=2, reduction=reduction)
    got = _np(ours(y_true, y_pred, sample_weight=weight))
    want = keras.ops.convert_to_numpy(theirs(y_true, y_pred, sample_weight=weight))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_reduce_weighted_values_mask_sets_the_mean_denominator():
    values = ops.convert_to_tensor(np.array([1.0, 2.0, 3.0, 4.0], "float32"))
    got = loss_module.reduce_weighted_values(values, mask=np.array([1, 0, 1, 0]))
    np.testing.assert_allclose(_np(got), (1.0 + 3.0) / 2)


def test_reduce_weighted_values_fully_masked_gives_zero_not_nan():
    values = ops.convert_to_tensor(np.array([1.0, 2.0], "float32"))
    got = loss_module.reduce_weighted_values(values, mask=np.array([False, False]),
                                             reduction="mean_with_sample_weight")
    assert _np(got) == 0.0


def test_reduce_values_averages_without_weights():
    got = loss_module.reduce_values(ops.convert_to_tensor(np.array([1.0, 3.0], "float32")))
    np.testing.assert_allclose(_np(got), 2.0)


def test_squeeze_or_expand_expands_rank_1_partner():
    a, b = loss_module.squeeze_or_expand_to_same_rank(ops.ones((4,)), ops.ones((4, 1)))
    assert ops.shape(a) == (4, 1) and ops.shape(b) == (4, 1)


def test_squeeze_or_expand_squeezes_trailing_one():
    a, b = loss_module.squeeze_or_expand_to_same_rank(ops.ones((4, 3)), ops.ones((4, 3, 1)))
    assert ops.shape(a) == (4, 3) and ops.shape(b) == (4, 3)


@pytest.mark.parametrize("reduction", ["bad", "avg", "auto"])
def test_bad_reduction_lists_the_valid_ones(reduction):
    with pytest.raises(ValueError, match="reduction.*'sum_over_batch_size'.*'none'"):
        losses.MeanSquaredError(reduction=reduction)


# -- the Loss base class ------------------------------------------------------------------------


class HalfAbsoluteError(losses.Loss):
    def call(self, y_true, y_pred):
        return ops.mean(ops.abs(y_true - y_pred), axis=-1) / 2


def test_custom_subclass_gets_snake_case_name_and_default_reduction():
    backend.clear_session()
    loss = HalfAbsoluteError()
    assert loss.name == "half_absolute_error"
    assert loss.reduction == "sum_over_batch_size"
    assert loss.dtype == backend.floatx()


def test_default_names_are_made_unique_like_keras():
    backend.clear_session()
    assert [losses.Loss().name, losses.Loss().name] == ["loss", "loss_1"]


def test_custom_subclass_call_is_weighted_and_reduced():
    loss = HalfAbsoluteError(reduction="sum")
    got = loss(np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([[2.0, 2.0], [4.0, 4.0]]),
               sample_weight=np.array([1.0, 0.5]))
    np.testing.assert_allclose(_np(got), 1.0 * 1.0 + 2.0 * 0.5)


def test_loss_converts_integer_inputs_to_its_dtype():
    got = losses.MeanSquaredError()(np.array([[1, 2]]), np.array([[1, 4]]))
    assert ops.dtype(got) == "float32"
    np.testing.assert_allclose(_np(got), 2.0)


def test_base_loss_call_is_abstract():
    with pytest.raises(NotImplementedError, match="call"):
        losses.Loss()(np.zeros((1, 1)), np.zeros((1, 1)))


def test_loss_config_round_trip_keeps_reduction_and_name():
    loss = losses.Huber(delta=0.3, reduction="sum", name="my_huber")
    clone = losses.Huber.from_config(loss.get_config())
    assert (clone.name, clone.reduction, clone.get_config()["delta"]) == ("my_huber", "sum", 0.3)


def test_loss_function_wrapper_passes_kwargs_and_round_trips():
    wrapper = losses.LossFunctionWrapper(losses.huber, delta=2.0, name="h")
    np.testing.assert_allclose(_np(wrapper([[0.0]], [[3.0]])), 2.0 * (3.0 - 1.0))
    clone = losses.LossFunctionWrapper.from_config(wrapper.get_config())
    assert clone.fn is losses.huber and clone.get_config() == wrapper.get_config()


def test_loss_function_wrapper_config_matches_keras():
    keras = pytest.importorskip("keras")
    from keras.src.losses.losses import LossFunctionWrapper

    theirs = LossFunctionWrapper(keras.losses.huber, delta=2.0, name="w").get_config()
    ours = losses.LossFunctionWrapper(losses.huber, delta=2.0, name="w").get_config()
    assert ours == theirs


# -- get, serialize, deserialize ----------------------------------------------------------------


@pytest.mark.parametrize("alias, fn", [
    ("mse", "mean_squared_error"), ("MSE", "mean_squared_error"),
    ("mae", "mean_absolute_error"), ("MAE", "mean_absolute_error"),
    ("mape", "mean_absolute_percentage_error"), ("MAPE", "mean_absolute_percentage_error"),
    ("msle", "mean_squared_logarithmic_error"), ("MSLE", "mean_squared_logarithmic_error"),
    ("kld", "kl_divergence"), ("KLD", "kl_divergence"), ("bce", "binary_crossentropy"),
    ("BCE", "binary_crossentropy"), ("kullback_leibler_divergence", "kl_divergence"),
    ("logcosh", "log_cosh"), ("huber_loss", "huber"), ("huber", "huber"),
])
def test_get_alias_gives_the_function(alias, fn):
    assert losses.get(alias) is getattr(losses, fn)


def test_get_accepts_every_keras_name():
    pytest.importorskip("keras")
    from keras.src.losses import ALL_OBJECTS_DICT

    skipped = {"CTC", "Circle", "Dice", "Tversky", "ctc", "circle", "dice", "tversky"}
    missing = sorted(set(ALL_OBJECTS_DICT) - skipped - set(losses.ALL_OBJECTS)
                     - set(losses.ALIASES))
    assert missing == []


def test_get_class_name_gives_an_instance():
    loss = losses.get("CategoricalCrossentropy")
    assert isinstance(loss, losses.CategoricalCrossentropy)


def test_get_passes_instances_callables_and_none_through():
    instance = losses.Poisson()
    assert losses.get(instance) is instance
    assert losses.get(len) is len
    assert losses.get(None) is None


def test_get_class_gives_an_instance():
    assert isinstance(losses.get(losses.Hinge), losses.Hinge)


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="'mean_sqared_error'.*mean_squared_error.*mse"):
        losses.get("mean_sqared_error")


def test_get_config_dict_gives_configured_instance():
    loss = losses.get({"class_name": "BinaryCrossentropy",
                       "config": {"from_logits": True, "reduction": "sum"}})
    assert loss.get_config()["from_logits"] is True and loss.reduction == "sum"


@pytest.mark.parametrize("name", ["BinaryFocalCrossentropy", "CosineSimilarity", "Huber",
                                  "SparseCategoricalCrossentropy", "MeanSquaredError"])
def test_serialize_round_trip_keeps_config(name):
    loss = losses.get(name)
    assert losses.deserialize(losses.serialize(loss)).get_config() == loss.get_config()


def test_serialize_function_uses_keras_format():
    keras = pytest.importorskip("keras")
    assert losses.serialize(losses.poisson) == keras.losses.serialize(keras.losses.poisson)


def test_deserialize_reads_keras_serialized_losses():
    keras = pytest.importorskip("keras")
    config = keras.losses.serialize(keras.losses.CategoricalCrossentropy(label_smoothing=0.1))
    loss = losses.deserialize(config)
    assert isinstance(loss, losses.CategoricalCrossentropy)
    assert loss.get_config()["label_smoothing"] == 0.1
    assert losses.deserialize(keras.losses.serialize(keras.losses.hinge)) is losses.hinge


def test_keras_deserializes_our_serialized_losses():
    keras = pytest.importorskip("keras")
    loss = keras.losses.deserialize(losses.serialize(losses.Huber(delta=0.5, reduction="sum")))
    assert isinstance(loss, keras.losses.Huber) and loss.reduction == "sum"
