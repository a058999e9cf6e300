"""The top-level names and ``dtype_policies`` of Keras 3 exist in lamina under the same
spelling and behave alike (Keras installed as a test-only dependency)."""

import pytest

import lamina

keras = pytest.importorskip("keras")

# Keras 3 top-level classes lamina builds (the rest of keras.* is listed in the README).
TOP_LEVEL = ["DTypePolicy", "FloatDTypePolicy", "Initializer", "Input", "InputSpec",
             "KerasTensor", "Layer", "Loss", "Metric", "Model", "Optimizer", "Regularizer",
             "Sequential", "Variable"]


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_name_exists_as_in_keras(name):
    assert hasattr(keras, name)
    assert callable(getattr(lamina, name))  # classes (Input is a function, as in Keras)
    assert name in dir(lamina)


@pytest.mark.parametrize("name", ["float32", "mixed_float16", "mixed_bfloat16", "float16"])
def test_dtype_policies_serialize_like_keras(name):
    ours = lamina.dtype_policies.serialize(lamina.dtype_policies.get(name))
    theirs = keras.dtype_policies.serialize(keras.dtype_policies.get(name))
    assert ours == theirs
    back = lamina.dtype_policies.deserialize(theirs)
    assert (back.name, back.compute_dtype, back.variable_dtype) == (
        name, keras.DTypePolicy(name).compute_dtype, keras.DTypePolicy(name).variable_dtype)


def test_dtype_policies_deserialize_rejects_a_non_dict():
    with pytest.raises(ValueError, match=r"deserialize: expected a dict.*got 'float32'"):
        lamina.dtype_policies.deserialize("float32")


def test_layer_dtype_policy_is_assignable_as_in_keras():
    layer = lamina.layers.Dense(2)
    layer.dtype_policy = "mixed_bfloat16"
    assert (layer.compute_dtype, layer.variable_dtype) == ("bfloat16", "float32")
    layer.dtype_policy = lamina.DTypePolicy("float64")
    assert layer.dtype_policy == lamina.dtype_policies.get("float64")
    assert layer.dtype == "float64"
    assert isinstance(lamina.FloatDTypePolicy("float16"), lamina.DTypePolicy)
