"""``model.summary()``: a table of layers, output shapes and parameter counts, laid out as
Keras 3 prints it (box-drawing borders, totals with their memory size).
"""

import math

from lamina.utils import io_utils

_UNITS = ("B", "KB", "MB", "GB", "TB")


def readable_memory_size(num_bytes):
    """``1536`` -> ``"1.50 KB"`` (powers of 1024, two decimals)."""
    size = float(num_bytes)
    for unit in _UNITS:
        if size < 1024 or unit == _UNITS[-1]:
            return f"{size:.2f} {unit}"
        size /= 1024


def _weights_size(weights):
    count, num_bytes = 0, 0
    for w in weights:
        n = math.prod(w.shape)
        count += n
        bits = 16 if w.dtype in ("float16", "bfloat16", "int16", "uint16") else \
            8 if w.dtype in ("int8", "uint8", "bool") else \
            64 if w.dtype in ("float64", "int64", "uint64") else 32
        num_bytes += n * bits // 8
    return count, num_bytes


def _output_shape(layer):
    nodes = getattr(layer, "_inbound_nodes", [])
    if not nodes:
        return "?"
    tensors = nodes[0].output_tensors
    shapes = [t.shape for t in tensors]
    text = str(shapes[0]) if len(shapes) == 1 else str(shapes)
    return text.replace(",)", ")") if len(shapes) == 1 and len(shapes[0]) != 1 else text


def _connections(layer, model_layers):
    nodes = getattr(layer, "_inbound_nodes", [])
    if not nodes:
        return "-"
    parts = []
    for tensor in nodes[0].input_tensors:
        source, node_index, tensor_index = tensor._history
        parts.append(f"{source.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) if parts else "-"


def _row(cells, widths, left="│", mid="│", right="│", aligns=None):
    aligns = aligns or ["<"] * len(cells)
    out = []
    for cell, width, align in zip(cells, widths, aligns):
        text = str(cell)
        if len(text) > width - 2:
            text = text[: width - 3] + "…"
        out.append(" " + format(text, f"{align}{width - 2}") + " ")
    return left + mid.join(out) + right


def _rule(widths, left, mid, right, fill):
    return left + mid.join(fill * w for w in widths) + right


def print_summary(model, line_length=None, positions=None, print_fn=None,
                  expand_nested=False, show_trainable=False):
    """Print the summary table of ``model`` with ``print_fn`` (by default standard output,
    or the ``"lamina"`` logger when interactive logging is off)."""
    print_fn = print_fn or io_utils.print_msg
    layers = list(model.layers)
    is_sequential = type(model).__name__ == "Sequential"
    is_graph = hasattr(model, "_nodes") and not is_sequential
    multi_branch = is_graph and any(
        len(getattr(layer, "_inbound_nodes", [[]])[0].input_tensors) > 1
        for layer in layers if getattr(layer, "_inbound_nodes", None)
    )
    headers = ["Layer (type)", "Output Shape", "Param #"]
    widths = [33, 24, 15]
    aligns = ["<", "<", ">"]
    if multi_branch:
        headers.append("Connected to")
        widths = [30, 22, 12, 22]
        aligns.append("<")
    if show_trainable:
        headers.append("Trainable")
        widths.append(11)
        aligns.append("^")
    if line_length:
        scale = line_length / (sum(widths) + len(widths) + 1)
        widths = [max(8, int(w * scale)) for w in widths]

    lines = [f'Model: "{model.name}"']
    lines.append(_rule(widths, "┏", "┳", "┓", "━"))
    lines.append(_row(headers, widths, "┃", "┃", "┃", ["<", "<", ">"] + ["<"] * 2))
    lines.append(_rule(widths, "┡", "╇", "┩", "━"))
    rows = []
    for layer in layers:
        params = layer.count_params() if layer.built else 0
        cells = [f"{layer.name} ({type(layer).__name__})", _output_shape(layer),
                 f"{params:,}" if layer.built else "0 (unbuilt)"]
        if multi_branch:
            cells.append(_connections(layer, layers))
        if show_trainable:
            cells.append("Y" if layer.trainable else "N")
        rows.append(_row(cells, widths, aligns=aligns))
    separator = _rule(widths, "├", "┼", "┤", "─")
    for i, row in enumerate(rows):
        lines.append(row)
        if i != len(rows) - 1:
            lines.append(separator)
    lines.append(_rule(widths, "└", "┴", "┘", "─"))
    weights = model.weights if model.built else []
    trainable = model.trainable_weights if model.built else []
    trainable_ids = {id(w) for w in trainable}
    non_trainable = [w for w in weights if id(w) not in trainable_ids]
    total, total_bytes = _weights_size(weights)
    t_count, t_bytes = _weights_size(trainable)
    n_count, n_bytes = _weights_size(non_trainable)
    lines.append(f" Total params: {total:,} ({readable_memory_size(total_bytes)})")
    lines.append(f" Trainable params: {t_count:,} ({readable_memory_size(t_bytes)})")
    lines.append(f" Non-trainable params: {n_count:,} ({readable_memory_size(n_bytes)})")
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "built", False):
        o_count, o_bytes = _weights_size(optimizer.variables)
        lines.append(f" Optimizer params: {o_count:,} ({readable_memory_size(o_bytes)})")
    for line in lines:
        print_fn(line)
