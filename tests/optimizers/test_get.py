"""``optimizers.get`` / ``serialize`` / ``deserialize``: names, configs and errors."""

import pytest

from lamina import optimizers

NAMES = {
    "sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop",
    "adagrad": "Adagrad", "adadelta": "Adadelta", "adamax": "Adamax", "nadam": "Nadam",
    "lion": "Lion",
}


@pytest.mark.parametrize("name, cls", sorted(NAMES.items()))
def test_get_lower_case_name_gives_a_new_default_instance(name, cls):
    optimizer = optimizers.get(name)
    assert type(optimizer) is getattr(optimizers, cls)
    assert optimizer is not optimizers.get(name)


@pytest.mark.parametrize("name", ["Adam", "ADAM", "RMSprop", "rmsProp", "SGD", "AdamW"])
def test_get_is_case_insensitive_for_built_in_names(name):
    assert type(optimizers.get(name)).__name__.lower() == name.lower()


def test_get_returns_an_optimizer_instance_unchanged():
    optimizer = optimizers.Adam()
    assert optimizers.get(optimizer) is optimizer


def test_get_instantiates_an_optimizer_class():
    assert isinstance(optimizers.get(optimizers.Lion), optimizers.Lion)


def test_get_builds_from_a_config_dict():
    optimizer = optimizers.get({"class_name": "RMSprop", "config": {"learning_rate": 0.5,
                                                                    "rho": 0.8}})
    assert isinstance(optimizer, optimizers.RMSprop)
    assert optimizer.rho == 0.8
    assert optimizer.get_config()["learning_rate"] == pytest.approx(0.5)


def test_get_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError, match="Unknown optimizer: 'adamm'") as error:
        optimizers.get("adamm")
    for name in NAMES:
        assert name in str(error.value)


def test_get_rejects_other_objects_with_the_valid_names():
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier.*rmsprop"):
        optimizers.get(3)


def test_serialize_round_trips_through_deserialize():
    optimizer = optimizers.Nadam(learning_rate=0.02, beta_1=0.8)
    config = optimizers.serialize(optimizer)
    assert config["class_name"] == "Nadam" and config["module"] == "keras.optimizers"
    restored = optimizers.deserialize(config)
    assert isinstance(restored, optimizers.Nadam)
    assert restored.get_config() == optimizer.get_config()


def test_deserialize_reads_what_keras_serializes():
    keras = pytest.importorskip("keras")
    config = keras.optimizers.serialize(keras.optimizers.SGD(learning_rate=0.3, momentum=0.5))
    optimizer = optimizers.deserialize(config)
    assert isinstance(optimizer, optimizers.SGD)
    assert optimizer.momentum == 0.5


def test_deserialize_reads_a_keras_schedule_inside_the_config():
    keras = pytest.importorskip("keras")
    schedule = keras.optimizers.schedules.PolynomialDecay(0.1, 100)
    config = keras.optimizers.serialize(keras.optimizers.Adam(learning_rate=schedule))
    optimizer = optimizers.deserialize(config)
    assert isinstance(optimizer._learning_rate, optimizers.schedules.PolynomialDecay)
