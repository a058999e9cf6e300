"""``BaseConv``: the shared part of ``Conv1D`` / ``Conv2D`` / ``Conv3D``.

Also the machinery every convolutional layer family shares (``SpatialConv``: argument
checks, the input-rank hint, the "input too small for the kernel" error, bias and
activation) and the output-length arithmetic. The rank variants live in ``conv.py``; the
depthwise, separable and transposed families in their own modules.
"""

import threading

from lamina import activations
from lamina import backend
from lamina import constraints
from lamina import initializers
from lamina import ops
from lamina import regularizers
from lamina.activations.activations import engine_form
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer


class _ReluDeferral(threading.local):
    """Per thread: the convolution whose relu its caller (a Sequential whose next layer is
    a max pooling) applies after the pooling instead; None outside such a call."""

    layer = None


RELU_DEFERRED = _ReluDeferral()


_SPATIAL_NAMES = {1: ("steps",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def standardize_tuple(value, n, name, layer_name):
    """``value`` (an int, or ``n`` ints) as a tuple of ``n`` positive ints.

    Raises a ValueError naming the layer and argument for anything else.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            values = None
    if values is None or len(values) != n or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ValueError(
            f"{layer_name}: `{name}` must be an int or a tuple of {n} ints (one per spatial "
            f"axis). Received: {name}={value!r}."
        )
    if any(v <= 0 for v in values):
        raise ValueError(
            f"{layer_name}: every entry of `{name}` must be a positive int. Received: "
            f"{name}={value!r}."
        )
    return values


def conv_output_length(size, kernel_size, stride, dilation, padding):
    """Output cells of a conv along one axis (None stays None); may be <= 0 for "valid"."""
    if size is None:
        return None
    if padding == "valid":
        return (size - (kernel_size - 1) * dilation - 1) // stride + 1
    return -(-size // stride)  # "same" and "causal" keep ceil(size / stride) cells


def expected_layout(rank, data_format):
    """The input layout a rank-``rank`` conv expects, e.g. ``(batch, height, width, channels)``."""
    spatial = _SPATIAL_NAMES[rank]
    names = ("batch",) + spatial + ("channels",) if data_format == "channels_last" else (
        ("batch", "channels") + spatial)
    return "(" + ", ".join(names) + ")"


class SpatialConv(Layer):
    """What every convolutional layer shares: spatial arguments, input checks, bias.

    Subclasses (``BaseConv``, ``BaseConvTranspose``, ``BaseDepthwiseConv``,
    ``BaseSeparableConv``) make their weights in ``build`` and compute in ``call``.

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        kernel_size, strides, dilation_rate: an int or one int per spatial axis.
        padding: ``"valid"``, ``"same"`` or, where ``allow_causal``, ``"causal"``.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.
        activation: applied to the output (None: linear).
        use_bias: whether the layer adds a bias.
        allow_causal: whether ``"causal"`` padding is accepted (1-D ``Conv1D`` only).
        allow_strided_dilation: whether ``strides > 1`` may be combined with
            ``dilation_rate > 1`` (Keras refuses it for ``Conv`` and ``ConvTranspose``).
    """

    def __init__(self, rank, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, allow_causal=False,
                 allow_strided_dilation=False, **kwargs):
        super().__init__(**kwargs)
        cls_name = type(self).__name__
        self.rank = rank
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size", cls_name)
        self.strides = standardize_tuple(strides, rank, "strides", cls_name)
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate", cls_name)
        paddings = ("valid", "same", "causal") if allow_causal else ("valid", "same")
        self.padding = str(padding).lower()
        if self.padding not in paddings:
            hint = (" ('causal' padding exists for Conv1D only.)"
                    if self.padding == "causal" else "")
            raise ValueError(
                f"{cls_name}: `padding` must be one of {paddings}. Received: "
                f"padding={padding!r}.{hint}"
            )
        self.data_format = backend.standardize_data_format(data_format)
        if (not allow_strided_dilation and max(self.strides) > 1
                and max(self.dilation_rate) > 1):
            raise ValueError(
                f"{cls_name}: `strides > 1` cannot be combined with `dilation_rate > 1` (as "
                f"in Keras). Received: strides={self.strides} and "
                f"dilation_rate={self.dilation_rate}. Use one of them, or a dilated conv "
                "followed by a pooling or strided layer."
            )
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.input_spec = InputSpec(ndim=rank + 2)

    # -- input checks --------------------------------------------------------------------
    def _check_input_spec(self, first):
        # A wrong rank is the usual conv mistake (e.g. grayscale images without a
        # channels axis): keep the standard message and add the layout this layer expects.
        try:
            super()._check_input_spec(first)
        except ValueError as error:
            shape = getattr(first, "shape", None)
            if shape is None or len(shape) == self.rank + 2:
                raise
            hint = ""
            if len(shape) == self.rank + 1:
                index = "x[..., None]" if self.data_format == "channels_last" else "x[:, None]"
                hint = (f" For single-channel data add a channels axis, e.g. `{index}` or a "
                        "`Reshape` layer.")
            raise ValueError(
                f"{error} {type(self).__name__} expects inputs of shape "
                f"{expected_layout(self.rank, self.data_format)}.{hint}"
            ) from None

    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _spatial(self, shape):
        shape = tuple(shape)
        return shape[1:-1] if self.data_format == "channels_last" else shape[2:]

    def _input_channels(self, input_shape):
        channels = tuple(input_shape)[self._channel_axis()]
        if channels is None:
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}" needs a known number of input '
                f"channels to create its kernel, but the channel axis of input shape "
                f"{tuple(input_shape)} ({self.data_format}) is None."
            )
        return channels

    def _output_spatial(self, input_shape):
        """Output sizes along the spatial axes; raises when "valid" leaves none."""
        spatial = self._spatial(input_shape)
        out = tuple(
            conv_output_length(size, k, s, d, self.padding)
            for size, k, s, d in zip(spatial, self.kernel_size, self.strides,
                                     self.dilation_rate)
        )
        if any(o is not None and o <= 0 for o in out):
            effective = tuple((k - 1) * d + 1 for k, d in zip(self.kernel_size,
                                                               self.dilation_rate))
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}": the input is too small for the '
                f"kernel. Its spatial size {spatial} (input shape {tuple(input_shape)}, "
                f"{self.data_format}) is smaller than the dilated kernel size {effective} "
                f"(kernel_size={self.kernel_size}, dilation_rate={self.dilation_rate}), so "
                f'padding="valid" leaves output size {out}. Use a larger input, a smaller '
                'kernel_size or dilation_rate, or padding="same".'
            )
        return out

    def _output_shape(self, input_shape, channels):
        input_shape = tuple(input_shape)
        spatial = self._output_spatial(input_shape)
        if self.data_format == "channels_last":
            return (input_shape[0],) + spatial + (channels,)
        return (input_shape[0], channels) + spatial

    # -- computation ---------------------------------------------------------------------
    def _bias_and_activation(self, outputs, bias):
        if bias is not None:
            if self.data_format == "channels_first":
                bias = ops.reshape(bias, (-1,) + (1,) * self.rank)
            outputs = ops.add(outputs, bias)
        activation = self.activation
        if activation is not activations.linear and RELU_DEFERRED.layer is not self:
            outputs = engine_form(activation)(outputs)
        return outputs

    def _spatial_config(self):
        return {
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
        }


class BaseConv(SpatialConv):
    """N-D convolution: ``activation(conv(inputs, kernel) + bias)``.

    The kernel has shape ``(*kernel_size, in_channels // groups, filters)``; with
    ``groups > 1`` the input channels split into ``groups`` groups, each convolved with
    ``filters // groups`` filters.

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        filters: the number of output channels.
        kernel_size: the window size, an int or one int per spatial axis.
        strides: the step between output positions (an int or a tuple; default 1).
        padding: ``"valid"`` (no padding), ``"same"`` (output size ``ceil(size /
            stride)``, the odd padding cell at the end) or, for 1-D, ``"causal"``
            (left padding only, so output ``t`` sees inputs up to ``t``).
        data_format: ``"channels_last"`` (``(batch, *spatial, channels)``) or
            ``"channels_first"``; default ``lamina.backend.image_data_format()``.
        dilation_rate: the spacing between kernel taps (default 1).
        groups: the number of channel groups; must divide ``filters`` and the input
            channels.
        activation: applied to the output (None: linear).
        use_bias: whether to add a bias.
        kernel_initializer, bias_initializer: initializers of the weights.
        kernel_regularizer, bias_regularizer: penalties on the weights.
        activity_regularizer: penalty on the output.
        kernel_constraint, bias_constraint: projections applied after each update.
        lora_rank, lora_alpha: LoRA is not supported by lamina yet; must stay None.

    Example:
        >>> layer = BaseConv(rank=2, filters=4, kernel_size=3)
        >>> layer(np.ones((1, 5, 5, 2))).shape
        (1, 3, 3, 4)
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, **kwargs):
        super().__init__(rank, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias, allow_causal=rank == 1,
                         activity_regularizer=activity_regularizer, **kwargs)
        cls_name = type(self).__name__
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(
                f"{cls_name}: `filters` (the number of output channels) must be a positive "
                f"int. Received: filters={filters!r}."
            )
        if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
            raise ValueError(
                f"{cls_name}: `groups` must be a positive int. Received: groups={groups!r}."
            )
        if filters % groups:
            raise ValueError(
                f"{cls_name}: `filters` must be divisible by `groups` (each group makes "
                f"filters / groups output channels). Received: filters={filters}, "
                f"groups={groups}."
            )
        if lora_rank is not None or lora_alpha is not None:
            raise ValueError(f"{cls_name}: `lora_rank` (LoRA) is not supported by lamina yet.")
        self.filters = filters
        self.groups = groups
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}": the number of input channels '
                f"must be divisible by `groups`. Received groups={self.groups}, but the "
                f"input has {channels} channels (input shape {tuple(input_shape)}, "
                f"{self.data_format})."
            )
        self._output_spatial(input_shape)
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.filters,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                name="bias",
            )
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})
        self.built = True

    def call(self, inputs):
        kernel = self.kernel.value
        bias = None if self.bias is None else self.bias.value
        # Not the batch size: no check reads it, and comparing it would tie a traced
        # (exported) graph to one batch size.
        key = (tuple(inputs.shape[1:]), inputs.dtype, tuple(kernel.shape))
        if self.__dict__.get("_checked_call") == key:
            # Inputs shaped as in a call that passed every check below: the engine's conv
            # directly (the checks and argument parsing are most of a small conv's time).
            # The bias goes into the convolution (one kernel instead of two on torch).
            outputs = backend.nn.conv(inputs, kernel, self.strides, self.padding,
                                      self.data_format, self.dilation_rate, bias=bias)
            return self._bias_and_activation(outputs, None)
        outputs = self._checked_conv(inputs, kernel)
        if self.padding != "causal" and backend.is_tensor(inputs):
            self.__dict__["_checked_call"] = key
        return self._bias_and_activation(outputs, bias)

    def _checked_conv(self, inputs, kernel):
        self._output_spatial(inputs.shape)
        padding = self.padding
        if padding == "causal":
            # Left-pad by the dilated kernel's reach so output t sees inputs <= t.
            reach = (self.kernel_size[0] - 1) * self.dilation_rate[0]
            time_axis = 1 if self.data_format == "channels_last" else 2
            widths = [(0, 0)] * 3
            widths[time_axis] = (reach, 0)
            inputs = ops.pad(inputs, widths)
            padding = "valid"
        return ops.conv(inputs, kernel, strides=self.strides, padding=padding,
                        data_format=self.data_format, dilation_rate=self.dilation_rate)

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, **self._spatial_config(),
                       "groups": self.groups})
        config.update({
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config
