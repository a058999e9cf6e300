"""The torch side of ``lamina.layers.TorchModuleWrapper``: a ``torch.nn.Module`` whose
parameters become lamina Variables (the same tensors, not copies), run inside a layer.
"""

import base64
import io

import torch

from lamina.backend.torch.core import Variable
from lamina.backend.torch.core import get_device


def check_module(module, layer_name):
    """``module`` on lamina's device, or a ValueError naming what is wrong with it."""
    if not isinstance(module, torch.nn.Module):
        raise ValueError(
            f"TorchModuleWrapper {layer_name!r}: `module` must be a torch.nn.Module. "
            f"Received: {type(module).__name__}."
        )
    lazy = isinstance(module, torch.nn.modules.lazy.LazyModuleMixin)
    if lazy and module.has_uninitialized_params():
        raise ValueError(
            f"TorchModuleWrapper {layer_name!r}: the lazy module {type(module).__name__} has "
            "uninitialized parameters. Run it once on an example input (module(x)) before "
            "wrapping it, or use its non-lazy counterpart."
        )
    return module.to(get_device())


def wrap_parameters(module):
    """``[(parameter name, Variable)]``: one Variable per parameter of ``module``, holding
    that very ``torch.nn.Parameter`` (training the Variable trains the module)."""
    wrapped = []
    for name, parameter in module.named_parameters():
        variable = Variable(initializer=parameter.detach(), trainable=parameter.requires_grad,
                            name=name.replace(".", "_"))
        variable._value = parameter  # the module's own tensor, not the copy made above
        wrapped.append((name, variable))
    return wrapped


def run(module, wrapped, args, kwargs, training):
    """Call ``module`` in train or eval mode; where a Variable holds another value than
    the module's parameter (lamina's stateless scopes), that value is used."""
    if training is False:
        module.eval()
    else:
        module.train()
    own = dict(module.named_parameters())
    replaced = {name: variable._value for name, variable in wrapped
                if variable._value is not own.get(name)}
    if replaced:
        return torch.func.functional_call(module, replaced, args, kwargs)
    return module(*args, **kwargs)


def state_to_numpy(module):
    """``module.state_dict()`` (parameters and buffers) as NumPy arrays, by key."""
    return {key: value.detach().cpu().numpy() for key, value in module.state_dict().items()}


def load_state(module, arrays):
    """Load ``{state_dict key: array}`` into ``module`` in place (its parameters stay the
    same tensors, so the layer's Variables see the new values)."""
    state = {key: torch.as_tensor(value) for key, value in arrays.items()}
    module.load_state_dict(state)


def pickled_module(module):
    """The module as ``torch.save`` writes it, base64-encoded: what Keras stores in the
    config (lamina writes it for Keras; it never reads it back)."""
    buffer = io.BytesIO()
    torch.save(module, buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
