"""Which engine lamina picks (LAMINA_BACKEND, then KERAS_BACKEND) and
keras.config.set_backend, each in a fresh process."""

import os
import subprocess
import sys

import pytest

import lamina


def _run(code, **env):
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("LAMINA_BACKEND", "KERAS_BACKEND")}
    environment.update(env)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=environment, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip(), result.stderr


def test_keras_backend_variable_is_honoured_and_lamina_backend_wins():
    code = "import lamina; print(lamina.backend.backend())"
    assert _run(code, KERAS_BACKEND="jax")[0] == "jax"
    assert _run(code, KERAS_BACKEND="jax", LAMINA_BACKEND="torch")[0] == "torch"
    out, err = _run(code, KERAS_BACKEND="tensorflow")
    assert out == "torch" and "KERAS_BACKEND='tensorflow' is not an engine lamina" in err


def test_set_backend_switches_engines_in_one_process():
    code = (
        "import numpy as np, lamina\n"
        "first = lamina.backend.backend()\n"
        "lamina.config.set_backend('jax')\n"
        "model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2)])\n"
        "model.compile('sgd', 'mse')\n"
        "model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)\n"
        "kind = type(lamina.ops.ones(2)).__module__.split('.')[0]\n"
        "lamina.config.set_backend('torch')\n"
        "print(first, kind, lamina.backend.backend(), type(lamina.ops.ones(2)).__module__)\n"
    )
    out, _ = _run(code, LAMINA_BACKEND="torch")
    assert out.split() == ["torch", "jaxlib", "torch", "torch"]


def test_set_backend_rejects_other_engines():
    with pytest.raises(ValueError, match="must be one of \\('torch', 'jax'\\).*tensorflow"):
        lamina.config.set_backend("tensorflow")
