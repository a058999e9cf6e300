"""Workload ``predict``: inference with the mlp on 60,000x784, batch 128.

Each "epoch" is one full ``predict`` pass (the first one holds compilation); the model is
the mlp with the shared initial weights, so every implementation's output checksum (the
mean predicted class index) must agree to a few decimals.

Example:
    >>> # python bench/predict.py --impl lamina --backend torch --epochs 4
"""

import common
from mlp import MLP


class Predict(MLP):
    """The mlp, used for inference only."""

    name = "predict"
    kind = "predict"


WORKLOAD = Predict()

if __name__ == "__main__":
    common.main(WORKLOAD)
