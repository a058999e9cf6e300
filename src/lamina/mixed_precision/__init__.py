"""Mixed precision (``lamina.mixed_precision``): compute in float16 / bfloat16, keep weights
in float32, scale the loss for float16."""

from lamina.mixed_precision.dtype_policies import DTypePolicy
from lamina.mixed_precision.dtype_policies import Policy
from lamina.mixed_precision.dtype_policies import dtype_policy
from lamina.mixed_precision.dtype_policies import global_policy
from lamina.mixed_precision.dtype_policies import set_dtype_policy
from lamina.mixed_precision.dtype_policies import set_global_policy
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer

__all__ = [
    "DTypePolicy",
    "LossScaleOptimizer",
    "Policy",
    "dtype_policy",
    "global_policy",
    "set_dtype_policy",
    "set_global_policy",
]
