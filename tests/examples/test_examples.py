"""Each example script trains briefly and its loss goes down."""

import importlib.util
import pathlib

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASES = [
    ("cnn_images", {"epochs": 2, "samples": 256}),
    ("text_classifiers", {"kind": "lstm", "epochs": 3, "samples": 192}),
    ("text_classifiers", {"kind": "bigru", "epochs": 3, "samples": 192}),
    ("seq2seq", {"epochs": 3, "samples": 256}),
    ("transformer_classifier", {"epochs": 3, "samples": 192}),
    ("conv_autoencoder", {"epochs": 3}),
]


@pytest.mark.parametrize("name,kwargs", CASES,
                         ids=[f"{n}-{k.get('kind', '')}".rstrip("-") for n, k in CASES])
def test_example_trains_and_loss_decreases(name, kwargs):
    history = _load(name).main(verbose=0, **kwargs)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
