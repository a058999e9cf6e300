"""``EinsumDense``: a dense layer whose contraction is any ``einsum`` equation.

The kernel and bias shapes are read from the equation and the input shape the way Keras 3
reads them (see :func:`analyze_einsum`); the attention layers build their projections on it.
LoRA and quantization are not supported.
"""

import re

from lamina import activations
from lamina import backend
from lamina import constraints
from lamina import initializers
from lamina import ops
from lamina import regularizers
from lamina.activations.activations import engine_form
from lamina.initializers.random_initializers import VarianceScaling
from lamina.layers.core import lora
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

# The three forms Keras accepts: no ellipsis, leading ellipsis, trailing ellipsis.
_PLAIN = re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)")
_LEFT = re.compile(r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)")
_RIGHT = re.compile(r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]{2,})\.\.\.")

_BAD_EQUATION = (
    "EinsumDense: invalid `equation` {equation!r}. Expected one of the forms 'ab,bc->ac', "
    "'...ab,bc->...ac' or 'ab...,bc->ac...': input subscripts, kernel subscripts, output "
    "subscripts, letters only, with an optional '...' at the start or end of the input "
    "and output."
)


def _parse(equation):
    """``(input_spec, kernel_spec, output_spec, elision)`` with elision None/"left"/"right"."""
    compact = re.sub(r"\s+", "", equation) if isinstance(equation, str) else None
    for pattern, elision in ((_PLAIN, None), (_LEFT, "left"), (_RIGHT, "right")):
        match = pattern.fullmatch(compact or "")
        if match:
            return match.group(1), match.group(2), match.group(3), elision
    raise ValueError(_BAD_EQUATION.format(equation=equation))


def analyze_einsum(equation, bias_axes, input_shape, output_shape):
    """Shapes of the kernel, the bias and the full output of an ``EinsumDense``.

    ``output_shape`` (the layer argument) excludes the batch axis and any elided axes: it
    gives the sizes of the output subscripts after the first one (all of them when the
    ellipsis leads). ``None`` entries take the size of the same subscript in the input.
    The kernel takes each subscript's size from the output if it appears there, otherwise
    from the input. The bias spans the output subscripts from the first bias axis to the
    end, with size 1 on the axes not named in ``bias_axes`` (and on trailing elided axes).

    Returns:
        ``(kernel_shape, bias_shape or None, full_output_shape, kernel_input_axes,
        kernel_output_axes)``; the last two say which kernel axes count into its fan-in
        and fan-out.
    """
    in_spec, kernel_spec, out_spec, elision = _parse(equation)
    input_shape = tuple(input_shape)
    partial = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (elision is None and elided != 0):
        raise ValueError(
            f"EinsumDense: the equation {equation!r} names {len(in_spec)} input axes "
            f"({in_spec!r}), but the input has rank {len(input_shape)} (shape "
            f"{input_shape}). Use an input of rank {len(in_spec)} or add '...' to the "
            "equation for the extra axes."
        )
    expected = len(out_spec) if elision == "left" else len(out_spec) - 1
    if len(partial) != expected:
        raise ValueError(
            f"EinsumDense: `output_shape` {tuple(partial)} must give {expected} sizes, one "
            f"per output subscript after the batch axis in {equation!r}"
            + (" (all of them, since the ellipsis leads)" if elision == "left" else "")
            + ". Use None for an axis whose size comes from the input."
        )
    # Where each subscript sits in the input and in the full output.
    offset = elided if elision == "left" else 0
    in_pos = {c: offset + i for i, c in enumerate(in_spec)}
    if elision == "left":
        full = list(input_shape[:elided]) + partial
    elif elision == "right":
        full = [input_shape[0]] + partial + list(input_shape[len(input_shape) - elided:])
    else:
        full = [input_shape[0]] + partial
    out_pos = {c: offset + i for i, c in enumerate(out_spec)}

    for c in out_spec:
        if c not in in_spec and c not in kernel_spec:
            raise ValueError(
                f"EinsumDense: output subscript {c!r} of {equation!r} appears in neither "
                f"the input ({in_spec!r}) nor the kernel ({kernel_spec!r})."
            )
        if c in in_pos:
            in_size, out_size = input_shape[in_pos[c]], full[out_pos[c]]
            if out_size is None:
                full[out_pos[c]] = in_size
            elif in_size is not None and out_size != in_size:
                raise ValueError(
                    f"EinsumDense: input and output disagree on shared axis {c!r} of "
                    f"{equation!r}: the input has size {in_size}, `output_shape` says "
                    f"{out_size}. Use None there to take the input's size."
                )

    kernel_shape, kernel_in_axes, kernel_out_axes = [], [], []
    for i, c in enumerate(kernel_spec):
        if c in out_pos:
            size = full[out_pos[c]]
            kernel_out_axes.append(i)
        elif c in in_pos:
            size = input_shape[in_pos[c]]
            kernel_in_axes.append(i)
        else:
            raise ValueError(
                f"EinsumDense: kernel subscript {c!r} of {equation!r} appears in neither "
                f"the input ({in_spec!r}) nor the output ({out_spec!r}), so its size is "
                "unknown."
            )
        if size is None:
            raise ValueError(
                f"EinsumDense: the kernel axis {c!r} of {equation!r} has no known size "
                f"(input shape {input_shape}, output_shape {tuple(partial)}). Give it in "
                "`output_shape` or use an input whose size there is known."
            )
        kernel_shape.append(size)

    bias_shape = None
    if bias_axes:
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(
                    f"EinsumDense: bias axis {c!r} (from bias_axes={bias_axes!r}) is not an "
                    f"output subscript of {equation!r} ({out_spec!r})."
                )
        first = min(out_spec.index(c) for c in bias_axes)
        bias_shape = [full[out_pos[c]] if c in bias_axes else 1 for c in out_spec[first:]]
        if elision == "right":
            bias_shape += [1] * elided
        if any(d is None for d in bias_shape):
            raise ValueError(
                f"EinsumDense: bias_axes={bias_axes!r} includes an axis of unknown size "
                f"(bias shape {tuple(bias_shape)}); bias only axes of fixed size."
            )
    return (tuple(kernel_shape), None if bias_shape is None else tuple(bias_shape),
            tuple(full), kernel_in_axes, kernel_out_axes)


class EinsumDense(Layer):
    """A dense layer computing ``activation(einsum(equation, inputs, kernel) + bias)``.

    Args:
        equation: an einsum equation ``"<input>,<kernel>-><output>"``, e.g. ``"ab,bc->ac"``
            (a Dense layer), ``"abc,cd->abd"`` or ``"...b,bc->...c"``; ``...`` may lead or
            trail the input and output subscripts.
        output_shape: the output's sizes without the batch axis and elided axes (an int
            for one axis); None entries take the input's size.
        activation: an activation name or function (None: linear).
        bias_axes: output subscripts to add a bias along (e.g. ``"c"``), or None.
        kernel_initializer: initializer of the kernel (``"glorot_uniform"``, with fans taken
            from the equation: contracted axes in, output axes out).
        bias_initializer: initializer of the bias (``"zeros"``).
        kernel_regularizer, bias_regularizer: penalties on the weights.
        kernel_constraint, bias_constraint: projections applied after each update.
        lora_rank: if set, LoRA is enabled when the layer is built (see
            :meth:`enable_lora`); lora_alpha: its scale numerator (default ``lora_rank``).
        gptq_unpacked_column_size, quantization_config: Keras's quantization options, not
            supported by lamina; must stay None.

    Example:
        >>> layer = lamina.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4),
        ...                                   bias_axes="de")
        >>> layer(np.ones((3, 5, 6))).shape  # kernel (6, 2, 4), bias (2, 4)
        (3, 5, 2, 4)
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        for arg, value in (("gptq_unpacked_column_size", gptq_unpacked_column_size),
                           ("quantization_config", quantization_config)):
            if value is not None:
                raise ValueError(
                    f"EinsumDense: `{arg}` (quantization) is not supported by lamina yet; "
                    f"leave it None (got {value!r})."
                )
        lora.check_rank("EinsumDense", lora_rank, lora_alpha)
        _parse(equation)  # fail early on a malformed equation
        self.equation = equation
        if isinstance(output_shape, int):
            self.partial_output_shape = (output_shape,)
        else:
            try:
                self.partial_output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(
                    f"EinsumDense: `output_shape` must be an int or a tuple/list of ints "
                    f"(None for sizes taken from the input), got {output_shape!r}."
                ) from None
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False

    def _initializer_with_fans(self, input_axes, output_axes):
        # Keras gives a variance-scaling kernel initializer the equation's fan-in / fan-out
        # axes; the default conv-style fans would count the output head axes as receptive
        # field. The clone keeps the concrete seed so the draw does not change with it.
        init = self.kernel_initializer
        if not isinstance(init, VarianceScaling) or (
                init.input_axes is not None and init.output_axes is not None):
            return init
        config = init.get_config()
        config.update(seed=init.seed, input_axes=input_axes, output_axes=output_axes)
        return type(init).from_config(config)

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = analyze_einsum(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self.input_spec = InputSpec(ndim=len(input_shape))
        self._kernel = self.add_weight(
            shape=kernel_shape, initializer=self._initializer_with_fans(input_axes, output_axes),
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
            name="kernel",
        )
        if bias_shape is not None:
            self.bias = self.add_weight(
                shape=bias_shape, initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                name="bias",
            )
        else:
            self.bias = None
        self._as_matmul = _matmul_form(self.equation, kernel_shape, bias_shape)
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, self.lora_alpha)

    @property
    def kernel(self):
        """The kernel Variable (shape read from the equation); with LoRA enabled the merged
        tensor ``kernel + (lora_alpha / lora_rank) * lora_kernel_a @ lora_kernel_b``."""
        if self.lora_enabled:
            return lora.merged(self, self._kernel, self.lora_kernel_a, self.lora_kernel_b,
                               self.compute_dtype)
        return self._kernel

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform",
                    b_initializer="zeros"):
        """Freeze the kernel and train a low-rank update of it instead (LoRA).

        Adds ``lora_kernel_a`` (the kernel's shape with its last axis replaced by
        ``rank``) and ``lora_kernel_b`` ``(rank, kernel.shape[-1])`` (float32, trainable);
        the layer then computes with ``kernel + (lora_alpha / rank) * a @ b``.

        Args:
            rank: the update's rank.
            lora_alpha: the scale's numerator; defaults to ``rank``.
            a_initializer, b_initializer: initializers of the two factors.

        Raises:
            ValueError: the layer is not built, has a kernel constraint, or has LoRA
                already.

        Example:
            >>> layer = lamina.layers.EinsumDense("ab,bc->ac", output_shape=4)
            >>> layer.build((None, 8))
            >>> layer.enable_lora(2)
            >>> layer.lora_kernel_a.shape, layer.lora_kernel_b.shape
            ((8, 2), (2, 4))
        """
        self.lora_kernel_a, self.lora_kernel_b = lora.add_factors(
            self, getattr(self, "_kernel", None), rank, lora_alpha, a_initializer, b_initializer,
            self.kernel_regularizer, self.kernel_constraint, "kernel")

    # Weight files hold the merged kernel and the bias, as Keras writes them (saving.py).
    def _variables_in_weights_file(self):
        if not self.lora_enabled:
            return None
        return [self._kernel] + ([self.bias] if self.bias is not None else [])

    def _values_for_weights_file(self):
        if not self.lora_enabled:
            return None
        return lora.file_values(self, self._kernel, self.lora_kernel_a, self.lora_kernel_b,
                                [self.bias] if self.bias is not None else [])

    def _after_weights_file_load(self):
        if self.lora_enabled:
            lora.reset_factors(self.lora_kernel_a, self.lora_kernel_b)

    def call(self, inputs, training=None):
        form = self.__dict__.get("_as_matmul")
        kernel = self.kernel if self.lora_enabled else self._kernel.value
        if form is not None:
            # A dense layer over the trailing axes: one matrix multiply with the bias
            # fused in (addmm on torch), on 2-D views of the input and the kernel.
            contracted, kernel_2d, out_shape = form
            shape = inputs.shape
            lead = tuple(shape[:len(shape) - contracted])
            reshape = backend.numpy.reshape  # concrete tensors here: no graph dispatch
            outputs = backend.nn.dense(
                reshape(inputs, (-1, kernel_2d[0])), reshape(kernel, kernel_2d),
                None if self.bias is None else reshape(self.bias.value, (-1,)))
            outputs = reshape(outputs, lead + out_shape)
        else:
            outputs = ops.einsum(self.equation, inputs, kernel)
            if self.bias is not None:
                outputs = ops.add(outputs, self.bias.value)
        activation = self.activation
        if activation is not activations.linear:
            outputs = engine_form(activation)(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return analyze_einsum(self.equation, self.bias_axes, input_shape,
                              self.partial_output_shape)[2]

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        })
        if self.lora_rank:
            config.update({"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha})
        return config


def _matmul_form(equation, kernel_shape, bias_shape):
    """``(contracted axes, (rows, cols) of the 2-D kernel, output axes' shape)`` when
    ``equation`` is a dense layer over the input's trailing axes (``"btd,dnh->btnh"``,
    ``"btnh,nhd->btd"``): the kernel's leading axes are the input's last axes in order,
    its other axes end the output in order, the rest of the output is the rest of the
    input, and the bias (if any) spans exactly the kernel's output axes. Else None."""
    in_spec, kernel_spec, out_spec, elision = _parse(equation)
    if elision == "right":
        return None
    count = len(kernel_spec) - sum(c in out_spec for c in kernel_spec)
    contracted, kept = kernel_spec[:count], kernel_spec[count:]
    if not contracted or any(c in out_spec for c in contracted) or \
            any(c in in_spec for c in kept) or not in_spec.endswith(contracted) or \
            out_spec != in_spec[:len(in_spec) - count] + kept or \
            len(set(kernel_spec)) != len(kernel_spec) or len(set(in_spec)) != len(in_spec):
        return None
    out_shape = tuple(kernel_shape[count:])
    if bias_shape is not None and tuple(bias_shape) != out_shape:
        return None
    rows = 1
    for size in kernel_shape[:count]:
        rows *= size
    cols = 1
    for size in out_shape:
        cols *= size
    return count, (rows, cols), out_shape
