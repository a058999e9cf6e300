"""LoRA (low-rank adaptation) for ``Dense``, ``EinsumDense`` and ``Embedding``.

``layer.enable_lora(rank)`` freezes the layer's kernel (or embedding table) ``W`` and adds
two trainable float32 factors ``A`` (``W``'s shape with its last axis replaced by
``rank``) and ``B`` (``(rank, last axis)``); the layer then computes with
``W + (lora_alpha / rank) * A @ B``. ``B`` starts at zero, so enabling LoRA changes no
output until training moves it. Weight files hold the merged ``W`` and no factors, as
Keras writes them: such a file loads into the same model with or without LoRA (loading
resets the factors to zero, the merged values being in ``W``).
"""

from lamina import initializers
from lamina import ops


def check_rank(layer_type, lora_rank, lora_alpha):
    """Validate the constructor's ``lora_rank`` / ``lora_alpha`` (None: no LoRA)."""
    if lora_rank is not None and (not isinstance(lora_rank, int) or isinstance(
            lora_rank, bool) or lora_rank <= 0):
        raise ValueError(f"{layer_type}: `lora_rank` must be a positive int or None, got "
                         f"{lora_rank!r}.")
    if lora_alpha is not None and lora_rank is None:
        raise ValueError(f"{layer_type}: `lora_alpha` scales LoRA's update and needs "
                         f"`lora_rank` too; got lora_alpha={lora_alpha!r} without a rank.")


def add_factors(layer, base, rank, lora_alpha, a_initializer, b_initializer, regularizer,
                constraint, prefix):
    """Create the LoRA factors of ``base`` (the layer's frozen Variable); returns (A, B).

    Raises:
        ValueError: the layer has a constraint on ``base``, is not built, or already has
            LoRA enabled.
    """
    kind = type(layer).__name__
    if constraint is not None:
        raise ValueError(
            f"{kind} {layer.name!r}: LoRA cannot be enabled on a layer with a "
            f"{prefix} constraint (the constraint would apply to the frozen {prefix}, "
            f"not to the trained update). Remove the `{prefix}_constraint` argument.")
    if not layer.built:
        raise ValueError(f"{kind} {layer.name!r}: cannot enable LoRA before the layer is "
                         "built; call it on data (or build the model) first.")
    if getattr(layer, "lora_enabled", False):
        raise ValueError(f"{kind} {layer.name!r}: LoRA is already enabled; it can be enabled "
                         "only once per layer.")
    if not isinstance(rank, int) or isinstance(rank, bool) or rank <= 0:
        raise ValueError(f"{kind} {layer.name!r}: the LoRA rank must be a positive int, got "
                         f"{rank!r}.")
    shape = tuple(base.shape)
    factor_a = layer.add_weight(name=f"lora_{prefix}_a", shape=shape[:-1] + (rank,),
                                initializer=initializers.get(a_initializer), dtype="float32",
                                regularizer=regularizer)
    factor_b = layer.add_weight(name=f"lora_{prefix}_b", shape=(rank, shape[-1]),
                                initializer=initializers.get(b_initializer), dtype="float32",
                                regularizer=regularizer)
    base.trainable = False
    layer.lora_enabled = True
    layer.lora_rank = rank
    layer.lora_alpha = lora_alpha if lora_alpha is not None else rank
    return factor_a, factor_b


def scale(layer):
    """``lora_alpha / lora_rank``."""
    return layer.lora_alpha / layer.lora_rank


def merged(layer, base, factor_a, factor_b, dtype):
    """``base + scale * A @ B`` as a tensor of ``dtype``."""
    delta = ops.multiply(ops.matmul(factor_a.value, factor_b.value), scale(layer))
    return ops.cast(ops.add(ops.cast(base.value, "float32"), delta), dtype)


def file_values(layer, base, factor_a, factor_b, others):
    """What a weights file holds for a LoRA layer: the merged ``base`` (in its dtype),
    then ``others`` (e.g. the bias), as NumPy arrays."""
    values = [ops.convert_to_numpy(merged(layer, base, factor_a, factor_b, base.dtype))]
    return values + [ops.convert_to_numpy(v.value) for v in others]


def reset_factors(factor_a, factor_b):
    """Zero both factors (after loading merged weights, the update is already in ``W``)."""
    for factor in (factor_a, factor_b):
        factor.assign(ops.zeros(factor.shape, dtype=factor.dtype))
