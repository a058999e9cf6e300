"""lamina: a Keras-compatible deep-learning API that runs on PyTorch or JAX.

``import lamina as keras`` and write Keras code; the backend is chosen with the
``LAMINA_BACKEND`` environment variable (``torch`` by default, or ``jax``).
"""

from lamina import activations
from lamina import backend
from lamina import callbacks
from lamina import config
from lamina import constraints
from lamina import initializers
from lamina import layers
from lamina import losses
from lamina import metrics
from lamina import mixed_precision
from lamina import models
from lamina import ops
from lamina import optimizers
from lamina import random
from lamina import regularizers
from lamina import saving
from lamina import tree
from lamina import utils
from lamina.backend import KerasTensor
from lamina.backend import Variable
from lamina.layers import Input
from lamina.layers import InputSpec
from lamina.layers import Layer
from lamina.models import Model
from lamina.models import Sequential

__version__ = "0.1.0"
version = __version__
