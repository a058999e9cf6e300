"""The CTC loss for sequence labelling without alignments: ``ctc`` and ``CTC``.

Targets are padded label sequences in which 0 is the blank (so it marks padding too); the
predictions are per-step logits. The math is ``ops.ctc_loss``.
"""

from lamina import ops
from lamina.losses.loss import LossFunctionWrapper


def ctc(y_true, y_pred):
    """CTC loss of each sequence, with class 0 as the blank.

    Every prediction step counts (the input length is ``y_pred``'s time axis), and each
    target's length is its number of non-zero labels.

    Args:
        y_true: integer labels, ``(batch, max_label_length)``, padded with 0; 0 is the
            blank, so real classes start at 1.
        y_pred: logits, ``(batch, max_time, num_classes)`` (not softmax-normalized).

    Returns:
        The loss of each sequence, ``(batch,)``.

    Example:
        >>> ctc(np.array([[1, 0]]), np.zeros((1, 3, 2), "float32"))  # -log(6 / 8) = 0.2877
    """
    y_true = ops.cast(y_true, "int32")
    y_pred = ops.convert_to_tensor(y_pred)
    batch, steps = y_pred.shape[0], y_pred.shape[1]
    output_length = ops.full((batch,), steps, dtype="int32")
    target_length = ops.sum(ops.cast(ops.not_equal(y_true, 0), "int32"), axis=-1)
    return ops.ctc_loss(y_true, y_pred, target_length, output_length, mask_index=0)


ctc.integer_targets = True  # see LossFunctionWrapper


class CTC(LossFunctionWrapper):
    """CTC loss; see :func:`ctc`.

    Args:
        reduction: see :class:`lamina.losses.Loss`. Defaults to ``"sum_over_batch_size"``.
        name: defaults to ``"ctc"``.
        dtype: the computation dtype; defaults to ``floatx()``.

    Example:
        >>> CTC()(np.array([[1, 0]]), np.zeros((1, 3, 2), "float32"))  # 0.2877
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        # Labels (batch, length) and logits (batch, time, classes) differ in rank by design:
        # no squeezing or expanding to a common rank.
        return ctc(y_true, y_pred)
