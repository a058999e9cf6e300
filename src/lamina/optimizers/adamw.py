"""``AdamW``: Adam with decoupled weight decay (Loshchilov & Hutter, 2019)."""

from lamina.optimizers.adam import Adam


class AdamW(Adam):
    """Adam whose every step first shrinks weights: ``w -= w * weight_decay * learning_rate``.

    The decay is decoupled from the gradient (it does not pass through Adam's moments); it
    is the base optimizer's ``weight_decay``, on by default here.

    Args:
        learning_rate: a float, a schedule or a no-argument callable; ``0.001`` by default.
        weight_decay: the decay rate, ``0.004`` by default; must be a number.
        beta_1, beta_2, epsilon, amsgrad: as in ``Adam``.
        The other arguments are ``Optimizer``'s.

    Example:
        >>> optimizer = AdamW(learning_rate=1e-3, weight_decay=1e-2)
        >>> optimizer.exclude_from_weight_decay(var_names=["bias"])
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-07, amsgrad=False, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
            amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs,
        )
        if self.weight_decay is None:
            raise ValueError(
                "AdamW: argument `weight_decay` must be a float. Received: "
                "weight_decay=None. Use Adam for no weight decay."
            )
