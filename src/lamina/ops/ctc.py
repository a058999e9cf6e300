"""Connectionist temporal classification (CTC): the loss and the decoders.

``ctc_loss`` is written once here as the forward (alpha) recursion in log space over
``ops.scan``; an engine with a native kernel (torch's ``ctc_loss``) provides it under the
same name in ``backend/<name>/nn.py`` and is used instead. ``ctc_decode`` has a greedy
strategy built from ops (it compiles) and a prefix beam search that runs on the host.
``lamina.ops.nn`` re-exports both.
"""

import collections
import math

import numpy as np

from lamina.backend import config
from lamina.backend import nn as _impl
from lamina.ops import core as _core
from lamina.ops import numpy as _np
from lamina.ops.symbolic import dispatch

# log(0) stand-in: finite, so sums and gradients of impossible paths stay NaN-free.
_LOG_ZERO = -1e30


def _compute_dtype(x):
    dtype = _core.dtype(x)
    return "float64" if dtype == "float64" else "float32"


def _check_ctc_shapes(op_name, output, lengths, target=None):
    shape = tuple(output.shape)
    if len(shape) != 3:
        raise ValueError(
            f"{op_name}: the logits must have shape (batch, time, num_classes). Received "
            f"shape {shape}."
        )
    for name, tensor in lengths:
        if tuple(tensor.shape) != shape[:1]:
            raise ValueError(
                f"{op_name}: `{name}` must have shape (batch,) = ({shape[0]},), one length "
                f"per sequence. Received shape {tuple(tensor.shape)}."
            )
    if target is not None and (len(target.shape) != 2 or target.shape[0] != shape[0]):
        raise ValueError(
            f"{op_name}: `target` must have shape (batch, max_label_length) with batch "
            f"{shape[0]}. Received shape {tuple(target.shape)}."
        )


@dispatch
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC loss: minus the log-probability of each label sequence under the model.

    The probability sums over every alignment of the labels to the time steps (labels may
    repeat over steps, with the blank ``mask_index`` between and around them).

    Args:
        target: integer labels, ``(batch, max_label_length)``; entries past
            ``target_length`` are ignored.
        output: logits, ``(batch, max_time, num_classes)`` (a log-softmax is applied here).
        target_length: the number of labels of each sequence, ``(batch,)``.
        output_length: the number of valid time steps of each sequence, ``(batch,)``.
        mask_index: the class id of the blank. Defaults to 0.

    Returns:
        The loss of each sequence, ``(batch,)`` (float32, or float64 for float64 logits);
        ``inf`` where no alignment fits in ``output_length`` steps.

    Example:
        >>> logits = np.zeros((1, 3, 2), "float32")  # two classes, uniform
        >>> ops.ctc_loss(np.array([[1]]), logits, np.array([1]), np.array([3]))
        >>> # -log(6 / 8) = 0.2877: 6 of the 8 paths give the label "1"
    """
    target = _core.cast(target, "int32")
    output = _core.convert_to_tensor(output)
    output = _core.cast(output, _compute_dtype(output))
    target_length = _core.cast(target_length, "int32")
    output_length = _core.cast(output_length, "int32")
    _check_ctc_shapes("ctc_loss", output, [("target_length", target_length),
                                           ("output_length", output_length)], target)
    native = getattr(_impl, "ctc_loss", None)
    if native is not None:
        return native(target, output, target_length, output_length, mask_index)
    return _ctc_loss_forward(target, output, target_length, output_length, mask_index)


def _ctc_loss_forward(target, output, target_length, output_length, mask_index):
    """The composite CTC loss: the alpha recursion over the blank-extended labels."""
    batch, steps, classes = output.shape
    labels = target.shape[1]
    dtype = _core.dtype(output)
    # Padding past target_length may hold any id (-1, say): keep gathers in range.
    target = _np.clip(target, 0, classes - 1)
    log_probs = _np.subtract(output, _np.max(output, axis=-1, keepdims=True))
    log_probs = _np.subtract(log_probs, _np.log(_np.sum(_np.exp(log_probs), axis=-1,
                                                        keepdims=True)))
    # 1. Extended labels: blank, l1, blank, l2, ..., blank -> (batch, 2 * labels + 1).
    blanks = _np.full((batch, labels), mask_index, dtype="int32")
    extended = _np.reshape(_np.stack([blanks, target], axis=-1), (batch, 2 * labels))
    extended = _np.concatenate([extended, blanks[:, :1]], axis=1)
    width = 2 * labels + 1
    # 2. The log-probability of each extended label at each step: (batch, time, width).
    emit = _np.take_along_axis(
        log_probs, _np.broadcast_to(_np.expand_dims(extended, 1), (batch, steps, width)),
        axis=2)
    # 3. A label may be reached from two back (skipping a blank) unless it is a blank or
    #    repeats the label two back.
    two_back = _np.concatenate([_np.full((batch, 2), mask_index, dtype="int32"),
                                extended[:, :-2]], axis=1)
    can_skip = _np.logical_and(_np.not_equal(extended, mask_index),
                               _np.not_equal(extended, two_back))
    log_zero = _np.full((batch, 2), _LOG_ZERO, dtype=dtype)
    positions = _np.arange(width, dtype="int32")
    alpha = _np.where(_np.less(positions, 2), emit[:, 0], _LOG_ZERO)

    def step(alpha, inputs):
        emit_t, active = inputs
        one_back = _np.concatenate([log_zero[:, :1], alpha[:, :-1]], axis=1)
        skip = _np.where(can_skip, _np.concatenate([log_zero, alpha[:, :-2]], axis=1),
                         _LOG_ZERO)
        paths = _np.stack([alpha, one_back, skip], axis=0)
        top = _np.max(paths, axis=0)
        merged = _np.add(top, _np.log(_np.sum(_np.exp(_np.subtract(paths, top)), axis=0)))
        # Steps past a sequence's output_length leave its alphas as they were.
        return _np.where(_np.expand_dims(active, 1), _np.add(merged, emit_t), alpha), None

    if steps > 1:
        times = _np.arange(1, steps, dtype="int32")
        active = _np.less(_np.expand_dims(times, 1), _np.expand_dims(output_length, 0))
        alpha, _ = _core.scan(step, alpha, (_np.moveaxis(emit, 1, 0)[1:], active))
    # 4. Paths end on the last label or the blank after it.
    end = _np.expand_dims(_np.multiply(target_length, 2), 1)
    last_blank = _np.take_along_axis(alpha, end, axis=1)[:, 0]
    last_label = _np.take_along_axis(alpha, _np.maximum(_np.subtract(end, 1), 0), axis=1)[:, 0]
    last_label = _np.where(_np.greater(target_length, 0), last_label, _LOG_ZERO)
    top = _np.maximum(last_blank, last_label)
    total = _np.add(top, _np.log(_np.add(_np.exp(_np.subtract(last_blank, top)),
                                         _np.exp(_np.subtract(last_label, top)))))
    impossible = _np.less(total, _LOG_ZERO / 2)
    return _np.where(impossible, math.inf, _np.negative(total))


@dispatch
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decode CTC logits into label sequences.

    Args:
        inputs: logits, ``(batch, max_time, num_classes)`` (not softmax-normalized).
        sequence_lengths: the number of valid steps of each sequence, ``(batch,)``.
        strategy: ``"greedy"`` (the best class per step) or ``"beam_search"`` (a prefix
            beam search over label sequences, summing the probability of all their
            alignments; it runs on the host, so not inside compiled functions).
        beam_width: the number of prefixes kept per step (beam search). Defaults to 100.
        top_paths: the number of best sequences returned (beam search). Defaults to 1.
        merge_repeated: merge a class repeated on consecutive steps into one label
            (greedy; beam search always merges, as CTC defines). Defaults to True.
        mask_index: the class id of the blank. Defaults to 0.

    Returns:
        ``(decoded, scores)``. ``decoded`` is int32, ``(paths, batch, max_time)`` (one path
        for greedy, ``top_paths`` for beam search), each sequence's labels first and ``-1``
        after. ``scores`` is ``(batch, paths)``: for greedy, minus the sum of the winning
        logits over the valid steps; for beam search, each sequence's log-probability.

    Example:
        >>> logits = np.log(np.array([[[0.1, 0.9], [0.1, 0.9], [0.9, 0.1]]], "float32"))
        >>> decoded, _ = ops.ctc_decode(logits, np.array([3]))
        >>> # decoded[0, 0] == [1, -1, -1]: "1 1 blank" merges to one label
    """
    inputs = _core.convert_to_tensor(inputs)
    inputs = _core.cast(inputs, _compute_dtype(inputs))
    sequence_lengths = _core.cast(sequence_lengths, "int32")
    _check_ctc_shapes("ctc_decode", inputs, [("sequence_lengths", sequence_lengths)])
    if strategy == "greedy":
        return _greedy_decode(inputs, sequence_lengths, merge_repeated, mask_index)
    if strategy == "beam_search":
        for name, value in (("beam_width", beam_width), ("top_paths", top_paths)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(
                    f"ctc_decode: `{name}` must be a positive int. Received: "
                    f"{name}={value!r}."
                )
        if top_paths > beam_width:
            raise ValueError(
                f"ctc_decode: `top_paths` ({top_paths}) cannot exceed `beam_width` "
                f"({beam_width}): only beam_width sequences are kept. Raise beam_width."
            )
        return _beam_search_decode(inputs, sequence_lengths, beam_width, top_paths,
                                   mask_index)
    raise ValueError(
        f"ctc_decode: `strategy` must be 'greedy' or 'beam_search'. Received: "
        f"strategy={strategy!r}."
    )


def _greedy_decode(inputs, sequence_lengths, merge_repeated, mask_index):
    batch, steps, _ = inputs.shape
    best = _core.cast(_np.argmax(inputs, axis=-1), "int32")  # (batch, time)
    scores = _np.max(inputs, axis=-1)
    beyond = _np.greater_equal(_np.expand_dims(_np.arange(steps, dtype="int32"), 0),
                               _np.expand_dims(sequence_lengths, 1))
    best = _np.where(beyond, mask_index, best)
    scores = _np.where(beyond, _np.zeros_like(scores), scores)
    if merge_repeated:
        repeated = _np.concatenate([_np.zeros((batch, 1), dtype="bool"),
                                    _np.equal(best[:, 1:], best[:, :-1])], axis=1)
        best = _np.where(repeated, mask_index, best)
    dropped = _np.equal(best, mask_index)
    best = _np.where(dropped, -1, best)
    # Move the kept labels to the front, in order: sort by position, dropped ones last.
    order = _np.where(dropped, steps, _np.expand_dims(_np.arange(steps, dtype="int32"), 0))
    best = _np.take_along_axis(best, _np.argsort(order, axis=-1), axis=-1)
    return _np.expand_dims(best, 0), _np.negative(_np.sum(scores, axis=1, keepdims=True))


def _beam_search_decode(inputs, sequence_lengths, beam_width, top_paths, mask_index):
    logits = np.asarray(_core.convert_to_numpy(inputs), dtype="float64")
    lengths = np.asarray(_core.convert_to_numpy(sequence_lengths))
    log_probs = logits - logits.max(axis=-1, keepdims=True)
    log_probs -= np.log(np.exp(log_probs).sum(axis=-1, keepdims=True))
    batch, steps, _ = logits.shape
    decoded = np.full((top_paths, batch, steps), -1, dtype="int32")
    scores = np.full((batch, top_paths), -np.inf)
    for b in range(batch):
        best = _prefix_beam_search(log_probs[b, :lengths[b]], beam_width, mask_index)
        for rank, (prefix, score) in enumerate(best[:top_paths]):
            decoded[rank, b, :len(prefix)] = prefix
            scores[b, rank] = score
    dtype = _core.dtype(inputs)
    return (_core.convert_to_tensor(decoded),
            _core.convert_to_tensor(scores.astype(config.floatx() if dtype != "float64"
                                                  else "float64")))


def _prefix_beam_search(log_probs, beam_width, mask_index):
    """The best label prefixes of one sequence, ``[(prefix, log_prob)]``, best first.

    Each prefix keeps two log-probabilities: of the alignments so far that end in a blank,
    and of those that end in its last label (so "a a" and "a blank a" stay apart).
    """
    beams = {(): (0.0, -np.inf)}  # prefix -> (ends in blank, ends in its last label)
    for step in log_probs:
        grown = collections.defaultdict(lambda: [-np.inf, -np.inf])
        for prefix, (blank, label) in beams.items():
            total = np.logaddexp(blank, label)
            for cls, p in enumerate(step):
                if cls == mask_index:
                    entry = grown[prefix]
                    entry[0] = np.logaddexp(entry[0], total + p)
                elif prefix and prefix[-1] == cls:
                    # The same label again: a new label only after a blank, else merged.
                    entry = grown[prefix + (cls,)]
                    entry[1] = np.logaddexp(entry[1], blank + p)
                    same = grown[prefix]
                    same[1] = np.logaddexp(same[1], label + p)
                else:
                    entry = grown[prefix + (cls,)]
                    entry[1] = np.logaddexp(entry[1], total + p)
        ranked = sorted(grown.items(), key=lambda item: -np.logaddexp(*item[1]))
        beams = {prefix: tuple(values) for prefix, values in ranked[:beam_width]}
    ranked = sorted(beams.items(), key=lambda item: -np.logaddexp(*item[1]))
    return [(prefix, float(np.logaddexp(*values))) for prefix, values in ranked]
