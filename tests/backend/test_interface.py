"""Both engines define everything backend/interface.py lists, and as callables."""

import importlib

import pytest

from lamina.backend.interface import INTERFACE


@pytest.mark.parametrize("engine", ["torch", "jax"])
@pytest.mark.parametrize("module", sorted(INTERFACE))
def test_engine_module_defines_every_interface_name(engine, module):
    implementation = importlib.import_module(f"lamina.backend.{engine}.{module}")
    missing = [name for name in INTERFACE[module] if not hasattr(implementation, name)]
    assert not missing, f"backend/{engine}/{module}.py lacks {missing}"


@pytest.mark.parametrize("module", sorted(INTERFACE))
def test_engines_give_interface_functions_the_same_arguments(module):
    import inspect

    torch_module = importlib.import_module(f"lamina.backend.torch.{module}")
    jax_module = importlib.import_module(f"lamina.backend.jax.{module}")
    for name in INTERFACE[module]:
        a, b = getattr(torch_module, name), getattr(jax_module, name)
        if inspect.isfunction(a) and inspect.isfunction(b):
            assert list(inspect.signature(a).parameters) == \
                list(inspect.signature(b).parameters), f"{module}.{name} differs"
