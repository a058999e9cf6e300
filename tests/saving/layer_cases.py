"""One small, buildable example of every public layer class, for the saving tests.

Each case names the class it covers, builds the layer from a library module (``lamina`` or,
as the oracle, ``keras``: both take the same constructor arguments) and says which inputs
to call it on. A new layer class in ``lamina.layers`` must get a case here, or the
every-layer round-trip test fails and names it.
"""

import inspect

import numpy as np

import lamina

# Classes that are not layers a user saves on their own: the base class, and the input
# placeholder every Functional model in these tests already holds (so it is covered).
EXEMPT = {
    "Layer": "the abstract base class; its subclasses are covered",
    "InputLayer": "every case's Functional model starts with one",
    "Wrapper": "an abstract base (no call); TimeDistributed and the subclass in "
               "tests/layers/test_wrapper.py cover it",
    # lamina tensors (and so lamina.Input) have no string dtype, so these cannot sit in a
    # Functional model; their .keras round trips (adapted vocabularies included) are in
    # tests/layers/preprocessing/test_text_lookup.py, saved inside a Sequential.
    "StringLookup": "string inputs cannot be a Functional model's Input; see "
                    "test_text_lookup.py",
    "TextVectorization": "string inputs cannot be a Functional model's Input; see "
                         "test_text_lookup.py",
    # Its saved config holds a pickled torch module that lamina never loads: the round
    # trips (own files and Keras's, with the module passed back) are in its own tests.
    "HashedCrossing": "a tuple of host-side features (strings or ints), not one tensor; "
                      "its .keras round trip is in tests/layers/preprocessing/"
                      "test_structured_hashed_crossing.py",
    "JaxLayer": "JAX backend only, wraps plain functions; see tests/layers/test_jax_layer.py",
    "TorchModuleWrapper": "torch backend only, pickled module; see "
                          "tests/layers/test_torch_module_wrapper.py",
}


def _double(x):
    """A named function, registered for the Lambda case (lambdas are not saveable)."""
    return x * 2.0


def _lambda_function(lib):
    """``_double``, registered with ``lib`` (lamina always is), so a saved Lambda names it."""
    if lib is not lamina:
        lib.saving.register_keras_serializable(package="LayerCases")(_double)
    return _double


lamina.saving.register_keras_serializable(package="LayerCases")(_double)


class Case:
    """One layer example.

    Args:
        name: the public class name it covers (the key of the table).
        make: ``make(lib) -> layer``; ``lib`` is ``lamina`` or ``keras``.
        inputs: a list of ``(shape without batch, dtype)``, one per input; a layer called
            on a list when there are several.
        positional: call the layer as ``layer(*inputs)`` (attention's query, value)
            rather than on a list.
        keras_differs: why Keras 3 cannot be compared with on this case, or None.
    """

    def __init__(self, name, make, inputs, positional=False, keras_differs=None):
        self.name = name
        self.make = make
        self.inputs = inputs
        self.positional = positional
        # Why Keras 3 cannot serve as the oracle for this case (None: it can).
        self.keras_differs = keras_differs

    def __repr__(self):
        return self.name

    def model(self, lib):
        """A Functional model ``inputs -> layer -> output`` built with ``lib``."""
        tensors = [lib.Input(shape, dtype=dtype) for shape, dtype in self.inputs]
        layer = self.make(lib)
        if self.positional:
            output = layer(*tensors)
        else:
            output = layer(tensors if len(tensors) > 1 else tensors[0])
        return lib.Model(tensors if len(tensors) > 1 else tensors[0], output)

    def data(self, batch=2, seed=0):
        """Random inputs for the case (integers in ``[0, 10)`` for int inputs)."""
        rng = np.random.default_rng(seed)
        arrays = []
        for shape, dtype in self.inputs:
            if dtype.startswith("int"):
                arrays.append(rng.integers(0, 10, size=(batch,) + shape).astype(dtype))
            else:
                arrays.append(rng.normal(size=(batch,) + shape).astype(dtype))
        return arrays if len(arrays) > 1 else arrays[0]


_NEEDS_TF = "Keras 3 builds this layer only with TensorFlow installed"


def _f(*shapes):
    return [(shape, "float32") for shape in shapes]


def _cases():
    def layer(cls, *args, **kwargs):
        return lambda lib: getattr(lib.layers, cls)(*args, **kwargs)

    def rnn(cell_cls, *args, **kwargs):
        return lambda lib: lib.layers.RNN(getattr(lib.layers, cell_cls)(*args, **kwargs))

    def wrap(outer, inner, *args, **kwargs):
        return lambda lib: getattr(lib.layers, outer)(getattr(lib.layers, inner)(*args, **kwargs))

    qv = _f((2, 4), (3, 4))
    two = _f((4,), (4,))
    seq = _f((5, 2))
    img = _f((5, 5, 2))
    rgb = _f((5, 5, 3))
    vol = _f((4, 4, 4, 1))
    table = [
        Case("Activation", layer("Activation", "relu"), _f((4,))),
        Case("ActivityRegularization", layer("ActivityRegularization", l1=0.01), _f((4,))),
        Case("Add", layer("Add"), two),
        Case("AdditiveAttention", layer("AdditiveAttention"), qv),
        Case("AdaptiveAveragePooling1D", layer("AdaptiveAveragePooling1D", 3), seq),
        Case("AdaptiveAveragePooling2D", layer("AdaptiveAveragePooling2D", (2, 3)), img),
        Case("AdaptiveAveragePooling3D", layer("AdaptiveAveragePooling3D", 3), vol),
        Case("AdaptiveMaxPooling1D", layer("AdaptiveMaxPooling1D", 3), seq),
        Case("AdaptiveMaxPooling2D", layer("AdaptiveMaxPooling2D", (2, 3)), img),
        Case("AdaptiveMaxPooling3D", layer("AdaptiveMaxPooling3D", 3), vol),
        Case("AlphaDropout", layer("AlphaDropout", 0.1), _f((4,))),
        Case("Attention", layer("Attention", use_scale=True), qv),
        Case("Average", layer("Average"), two),
        Case("AveragePooling1D", layer("AveragePooling1D", 2), _f((4, 3))),
        Case("AveragePooling2D", layer("AveragePooling2D", 2), img),
        Case("AveragePooling3D", layer("AveragePooling3D", 2), vol),
        Case("BatchNormalization", layer("BatchNormalization"), _f((4,))),
        Case("Bidirectional", wrap("Bidirectional", "LSTM", 3), seq),
        Case("Concatenate", layer("Concatenate"), two),
        Case("Conv1D", layer("Conv1D", 2, 3), _f((6, 2))),
        Case("Conv1DTranspose", layer("Conv1DTranspose", 2, 3), _f((6, 2))),
        Case("Conv2D", layer("Conv2D", 2, 3), img),
        Case("Conv2DTranspose", layer("Conv2DTranspose", 2, 3), img),
        Case("Conv3D", layer("Conv3D", 2, 2), vol),
        Case("Conv3DTranspose", layer("Conv3DTranspose", 2, 2), vol),
        Case("ConvLSTM1D", layer("ConvLSTM1D", 2, 3), _f((3, 6, 2))),
        Case("ConvLSTM2D", layer("ConvLSTM2D", 2, 3), _f((2, 5, 5, 1))),
        Case("ConvLSTM3D", layer("ConvLSTM3D", 1, 2), _f((2, 3, 3, 3, 1))),
        Case("Cropping1D", layer("Cropping1D", 1), _f((5, 2))),
        Case("Cropping2D", layer("Cropping2D", 1), img),
        Case("Cropping3D", layer("Cropping3D", 1), vol),
        Case("Dense", layer("Dense", 3, activation="tanh"), _f((4,))),
        Case("DepthwiseConv1D", layer("DepthwiseConv1D", 3), _f((6, 2))),
        Case("DepthwiseConv2D", layer("DepthwiseConv2D", 3), img),
        Case("Dot", layer("Dot", axes=1), two),
        Case("Dropout", layer("Dropout", 0.5), _f((4,))),
        Case("ELU", layer("ELU"), _f((4,))),
        Case("EinsumDense", layer("EinsumDense", "ab,bc->ac", output_shape=3,
                                  bias_axes="c"), _f((4,))),
        Case("Embedding", layer("Embedding", 10, 3, mask_zero=True), [((5,), "int32")]),
        Case("ReversibleEmbedding", layer("ReversibleEmbedding", 10, 3, tie_weights=False),
             [((5,), "int32")]),
        Case("Flatten", layer("Flatten"), _f((3, 2))),
        Case("GRU", layer("GRU", 3), seq),
        Case("GRUCell", rnn("GRUCell", 3), seq),
        Case("GaussianDropout", layer("GaussianDropout", 0.1), _f((4,))),
        Case("GaussianNoise", layer("GaussianNoise", 0.1), _f((4,))),
        Case("GlobalAveragePooling1D", layer("GlobalAveragePooling1D"), seq),
        Case("GlobalAveragePooling2D", layer("GlobalAveragePooling2D"), img),
        Case("GlobalAveragePooling3D", layer("GlobalAveragePooling3D"), vol),
        Case("GlobalMaxPooling1D", layer("GlobalMaxPooling1D"), seq),
        Case("GlobalMaxPooling2D", layer("GlobalMaxPooling2D"), img),
        Case("GlobalMaxPooling3D", layer("GlobalMaxPooling3D"), vol),
        Case("GroupNormalization", layer("GroupNormalization", groups=2), _f((3, 4))),
        Case("GroupedQueryAttention", layer("GroupQueryAttention", head_dim=2,
                                            num_query_heads=2, num_key_value_heads=1),
             qv, positional=True),
        Case("Identity", layer("Identity"), _f((4,))),
        Case("LSTM", layer("LSTM", 3), seq),
        Case("LSTMCell", rnn("LSTMCell", 3), seq),
        Case("Lambda", lambda lib: lib.layers.Lambda(_lambda_function(lib)), _f((4,))),
        Case("LayerNormalization", layer("LayerNormalization"), _f((4,))),
        Case("LeakyReLU", layer("LeakyReLU", negative_slope=0.2), _f((4,))),
        Case("Masking", layer("Masking"), _f((3, 2))),
        Case("MaxPooling1D", layer("MaxPooling1D", 2), _f((4, 3))),
        Case("MaxPooling2D", layer("MaxPooling2D", 2), img),
        Case("MaxPooling3D", layer("MaxPooling3D", 2), vol),
        Case("Maximum", layer("Maximum"), two),
        Case("Minimum", layer("Minimum"), two),
        Case("MultiHeadAttention", layer("MultiHeadAttention", num_heads=2, key_dim=2), qv,
             positional=True),
        Case("Multiply", layer("Multiply"), two),
        Case("PReLU", layer("PReLU"), _f((4,))),
        Case("Permute", layer("Permute", (2, 1)), _f((3, 2))),
        Case("RNN", rnn("SimpleRNNCell", 3), seq),
        Case("RMSNormalization", layer("RMSNormalization", axis=[1, 2]), _f((3, 4))),
        Case("ReLU", layer("ReLU", max_value=2.0), _f((4,))),
        Case("RepeatVector", layer("RepeatVector", 2), _f((4,))),
        Case("Reshape", layer("Reshape", (2, 2)), _f((4,))),
        Case("SeparableConv1D", layer("SeparableConv1D", 2, 3), _f((6, 2))),
        Case("SeparableConv2D", layer("SeparableConv2D", 2, 3), img),
        Case("SimpleRNN", layer("SimpleRNN", 3), seq),
        Case("SimpleRNNCell", rnn("SimpleRNNCell", 2), seq),
        Case("CategoryEncoding", layer("CategoryEncoding", num_tokens=10, output_mode="count"),
             [((3,), "int32")]),
        Case("CenterCrop", layer("CenterCrop", 3, 3), img),
        Case("Discretization", layer("Discretization", bin_boundaries=[-0.5, 0.0, 0.5],
                                     output_mode="one_hot"), [((1,), "float32")]),
        Case("Hashing", layer("Hashing", num_bins=7, salt=3), [((3,), "int32")],
             keras_differs=_NEEDS_TF),
        Case("IntegerLookup", layer("IntegerLookup", vocabulary=[1, 3, 5, 7], mask_token=0),
             [((3,), "int32")], keras_differs=_NEEDS_TF),
        Case("Normalization", layer("Normalization"), _f((4,))),
        Case("AutoContrast", layer("AutoContrast"), rgb),
        Case("CutMix", layer("CutMix", seed=1), rgb),
        Case("Equalization", layer("Equalization"), rgb,
             keras_differs="Keras 3.15's Equalization cannot sit in a model (its symbolic "
                           "output is its input: 'part of a cycle')"),
        Case("MixUp", layer("MixUp", seed=1), rgb),
        Case("Pipeline", lambda lib: lib.layers.Pipeline(
            [lib.layers.RandomInvert(), lib.layers.AutoContrast()]), rgb),
        Case("RandomColorDegeneration", layer("RandomColorDegeneration", 0.5), rgb),
        Case("RandomColorJitter", layer("RandomColorJitter", brightness_factor=0.1,
                                        contrast_factor=0.1, saturation_factor=0.5,
                                        hue_factor=0.1), rgb),
        Case("RandomErasing", layer("RandomErasing"), rgb),
        Case("RandomGaussianBlur", layer("RandomGaussianBlur"), rgb),
        Case("RandomGrayscale", layer("RandomGrayscale"), rgb),
        Case("RandomHue", layer("RandomHue", 0.5), rgb),
        Case("RandomInvert", layer("RandomInvert"), rgb),
        Case("RandomPosterization", layer("RandomPosterization", 4), rgb),
        Case("RandomSaturation", layer("RandomSaturation", 0.5), rgb),
        Case("RandomSharpness", layer("RandomSharpness", 0.5), rgb),
        Case("Solarization", layer("Solarization", 0.1, 0.5), rgb),
        Case("RandomBrightness", layer("RandomBrightness", 0.1), img),
        Case("RandomContrast", layer("RandomContrast", 0.2), img),
        Case("RandomCrop", layer("RandomCrop", 3, 3), img,
             keras_differs="Keras 3.15's RandomCrop returns its input unchanged at inference "
                           "(against its own docs and output shape); lamina crops the centre "
                           "and resizes, as documented"),
        Case("RandomFlip", layer("RandomFlip"), img),
        Case("RandomRotation", layer("RandomRotation", 0.1), img),
        Case("RandomTranslation", layer("RandomTranslation", 0.1, 0.1), img),
        Case("RandomZoom", layer("RandomZoom", 0.1), img),
        Case("RandomShear", layer("RandomShear", (0.0, 0.2), (0.1, 0.3)), img),
        Case("RandomPerspective", layer("RandomPerspective", 0.5, scale=0.4), img),
        Case("RandomElasticTransform", layer("RandomElasticTransform", scale=0.5), img),
        Case("MaxNumBoundingBoxes", layer("MaxNumBoundingBoxes", 4), img),
        Case("RandAugment", layer("RandAugment", num_ops=1), rgb),
        Case("AugMix", layer("AugMix", num_chains=1, chain_depth=1), rgb),
        Case("ContrastLimitedAdaptiveHistogramEqualization",
             layer("ContrastLimitedAdaptiveHistogramEqualization", tile_grid_size=(1, 1)),
             rgb),
        Case("Rescaling", layer("Rescaling", 1.0 / 255, offset=0.5), img),
        Case("MelSpectrogram", layer("MelSpectrogram", fft_length=16, sequence_stride=8,
                                     num_mel_bins=4, sampling_rate=8000), _f((32,))),
        Case("STFTSpectrogram", layer("STFTSpectrogram", frame_length=8, frame_step=4),
             _f((16, 2))),
        Case("Resizing", layer("Resizing", 4, 4), img),
        Case("Softmax", layer("Softmax"), _f((4,))),
        Case("SpatialDropout1D", layer("SpatialDropout1D", 0.1), seq),
        Case("SpatialDropout2D", layer("SpatialDropout2D", 0.1), img),
        Case("SpatialDropout3D", layer("SpatialDropout3D", 0.1), vol),
        Case("SpectralNormalization", wrap("SpectralNormalization", "Dense", 3), _f((4,))),
        Case("StackedRNNCells", lambda lib: lib.layers.RNN(lib.layers.StackedRNNCells(
            [lib.layers.LSTMCell(3), lib.layers.GRUCell(2)])), seq),
        Case("Subtract", layer("Subtract"), two),
        Case("TimeDistributed", wrap("TimeDistributed", "Dense", 2), _f((3, 4))),
        Case("UnitNormalization", layer("UnitNormalization"), _f((4,))),
        Case("UpSampling1D", layer("UpSampling1D", 2), seq),
        Case("UpSampling2D", layer("UpSampling2D", 2), img),
        Case("UpSampling3D", layer("UpSampling3D", 2), vol),
        Case("ZeroPadding1D", layer("ZeroPadding1D", 1), seq),
        Case("ZeroPadding2D", layer("ZeroPadding2D", 1), img),
        Case("ZeroPadding3D", layer("ZeroPadding3D", 1), vol),
    ]
    return {case.name: case for case in table}


CASES = _cases()


def public_layer_classes(layers_module):
    """Class name -> class for every public Layer subclass in ``layers_module`` (aliases
    such as ``Convolution2D`` fold into the class they name)."""
    base = layers_module.Layer
    found = {}
    for name in dir(layers_module):
        value = getattr(layers_module, name)
        if not name.startswith("_") and inspect.isclass(value) and issubclass(value, base):
            found[value.__name__] = value
    return found
