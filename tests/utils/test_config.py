"""utils.Config: attribute and item access, freezing, JSON, compared with Keras 3's."""

import json

import pytest

import lamina


@pytest.mark.parametrize("lib_name", ["lamina", "keras"])
def test_config_behaves_like_keras(lib_name):
    lib = lamina if lib_name == "lamina" else pytest.importorskip("keras")
    config = lib.utils.Config(learning_rate=0.1, momentum=0.9)
    config.use_ema = True
    config["seed"] = 123
    assert config.seed == 123 and config["learning_rate"] == 0.1
    assert list(config.keys()) == ["learning_rate", "momentum", "use_ema", "seed"]
    assert dict(config.items()) == config.as_dict()
    assert json.loads(config.to_json()) == config.as_dict()
    assert len(config) == 4 and "seed" in config and config.get("nope", 5) == 5
    with pytest.raises(AttributeError, match="Unknown attribute: 'missing'"):
        config.missing  # noqa: B018
    config.freeze()
    assert config.frozen
    with pytest.raises(ValueError, match="config is frozen"):
        config.foo = "bar"
    with pytest.raises(ValueError, match="config is frozen"):
        config["foo"] = "bar"
    with pytest.raises(ValueError, match="config is frozen"):
        config.update(foo=1)
    with pytest.raises(ValueError, match="config is frozen"):
        config.pop("seed")
    config.unfreeze()
    config.update(foo=1)
    assert config.pop("foo") == 1 and "foo" not in config
