"""torch step functions: the shared ``train_step`` runs eagerly with autograd.

Evaluation and prediction run under ``torch.no_grad()``. (``torch.compile`` for
``jit_compile=True`` and the other speed work belong to the speed issue; today every
setting runs the eager step.)
"""

import torch


def make_step_function(model, step, kind):
    """Return ``fn(batch) -> logs or outputs`` for ``kind`` in train / test / predict."""
    if kind == "train":
        return step

    def no_grad_step(batch):
        with torch.no_grad():
            return step(batch)

    return no_grad_step
