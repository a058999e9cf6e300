"""``audio_dataset_from_directory``: a folder of ``.wav`` files (one subfolder per class)
as batches of ``(audio, labels)``.

Keras returns a ``tf.data.Dataset`` decoded by TensorFlow; lamina returns an
``AudioDirectoryDataset``, a ``PyDataset`` that decodes a batch's files with the
standard library's ``wave`` module when the batch is asked for.
"""

import wave

import numpy as np

from lamina.utils import dataset_utils

_FUNCTION = "audio_dataset_from_directory"
ALLOWED_FORMATS = (".wav",)
# Full scale of a PCM sample of each byte width: samples are divided by it, so 16-bit
# audio maps to [-1, 1) as TensorFlow's decode_wav maps it.
_FULL_SCALE = {1: 2.0**7, 2: 2.0**15, 3: 2.0**23, 4: 2.0**31}


def _read_wav(path):
    """A PCM ``.wav`` file as float32 ``(samples, channels)`` in ``[-1, 1)``, and its rate."""
    try:
        with wave.open(path, "rb") as f:
            channels, width, rate = f.getnchannels(), f.getsampwidth(), f.getframerate()
            frames = f.readframes(f.getnframes())
    except (wave.Error, EOFError) as error:
        raise ValueError(
            f"{_FUNCTION}: could not decode {path!r} as a PCM WAV file ({error}). Only "
            "uncompressed PCM .wav files (8, 16, 24 or 32-bit) are read; convert others "
            "first, e.g. with ffmpeg or soundfile."
        ) from None
    raw = np.frombuffer(frames, dtype=np.uint8)
    if width == 1:  # 8-bit WAV is unsigned, centred on 128.
        samples = raw.astype(np.float32) - 128.0
    elif width == 3:  # 24-bit little-endian: widen each sample to the top of an int32.
        triples = raw.reshape(-1, 3).astype(np.int32)
        samples = ((triples[:, 0] << 8) | (triples[:, 1] << 16) | (triples[:, 2] << 24)
                   ) >> 8
    else:
        samples = np.frombuffer(frames, dtype=f"<i{width}")
    audio = samples.astype(np.float32) / np.float32(_FULL_SCALE[width])
    return audio.reshape(-1, channels), rate


def _fit_length(audio, length):
    """Cut or zero-pad ``audio`` (samples, channels) to ``length`` samples."""
    if audio.shape[0] >= length:
        return audio[:length]
    padding = np.zeros((length - audio.shape[0], audio.shape[1]), dtype=audio.dtype)
    return np.concatenate([audio, padding])


def _resample(audio, rate_in, rate_out):
    """Change the sampling rate by keeping (or zero-extending) the low frequencies of the
    spectrum: band-limited and exact for periodic signals."""
    count = audio.shape[0]
    new_count = int(round(count * rate_out / rate_in))
    if rate_in == rate_out or count == 0 or new_count == 0:
        return audio
    spectrum = np.fft.rfft(audio, axis=0)  # (count // 2 + 1, channels)
    kept = min(spectrum.shape[0], new_count // 2 + 1)
    new_spectrum = np.zeros((new_count // 2 + 1, audio.shape[1]), dtype=spectrum.dtype)
    new_spectrum[:kept] = spectrum[:kept]
    return (np.fft.irfft(new_spectrum, n=new_count, axis=0)
            * (new_count / count)).astype(np.float32)


class AudioDirectoryDataset(dataset_utils.DirectoryDataset):
    """Batches of audio read from ``.wav`` files (and their labels), as a ``PyDataset``.

    Made by :func:`audio_dataset_from_directory`; see there for the arguments.

    Example:
        >>> ds = audio_dataset_from_directory("speech/", batch_size=16)
        >>> audio, labels = ds[0]  # (16, longest, channels) float32, (16,) int32
    """

    def __init__(self, file_paths, labels, class_names, batch_size, sampling_rate,
                 output_sequence_length, shuffle=False, seed=None, **kwargs):
        super().__init__(file_paths, labels, class_names, batch_size, shuffle=shuffle,
                         seed=seed, **kwargs)
        self.sampling_rate = sampling_rate
        self.output_sequence_length = output_sequence_length

    def load(self, path):
        """One file: float32 ``(samples, channels)``, cut or padded to
        ``output_sequence_length`` and then resampled to ``sampling_rate`` (Keras's
        order)."""
        audio, rate = _read_wav(path)
        if self.output_sequence_length is not None:
            audio = _fit_length(audio, self.output_sequence_length)
        if self.sampling_rate is not None:
            audio = _resample(audio, rate, self.sampling_rate)
        return audio

    def collate(self, samples):
        """Zero-pad the samples to the longest one, then stack them."""
        longest = max(sample.shape[0] for sample in samples)
        return np.stack([_fit_length(sample, longest) for sample in samples])


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, batch_size=32, sampling_rate=None,
                                 output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None,
                                 follow_links=False, verbose=True):
    """A dataset of audio clips (and labels) from a folder of ``.wav`` files.

    With ``labels="inferred"`` each subdirectory of ``directory`` is a class: in sorted
    order by default, so ``main/no/*.wav`` and ``main/yes/*.wav`` give labels 0 and 1.
    Only files ending in ``.wav`` (any case) are read, subfolders included; they must be
    uncompressed PCM (8, 16, 24 or 32-bit; Keras reads 16-bit), scaled to ``[-1, 1)``.

    Args:
        directory: the folder holding the audio files (in class subfolders when
            ``labels="inferred"``; otherwise its layout does not matter).
        labels: ``"inferred"`` (default: from the subfolder names), None (audio only),
            or a list/tuple of integer labels, one per file in sorted path order.
        label_mode: ``"int"`` (default: int32 ``(batch,)``), ``"categorical"`` (float32
            one-hot ``(batch, num_classes)``), ``"binary"`` (float32 ``(batch, 1)``;
            exactly two classes) or None (audio only).
        class_names: with ``labels="inferred"``, the subfolders to use, in label order;
            None (default) uses them all in sorted order.
        batch_size: clips per batch (default 32; the last batch may be smaller), or None
            to yield single clips.
        sampling_rate: a positive int: resample every clip to this many samples per
            second (Keras needs tensorflow-io for it; lamina resamples in NumPy, through
            the spectrum). None (default) keeps each file's rate.
        output_sequence_length: cut or zero-pad every clip to this many samples (before
            resampling, as in Keras). None (default) zero-pads each batch to its
            longest clip.
        ragged: Keras's ragged output; lamina has no ragged tensors, so True raises
            ``NotImplementedError``.
        shuffle: shuffle the files (default True); False keeps sorted order. The files
            are permuted as Keras permutes them (the ``file_paths`` order, which decides
            the validation split) and the first pass serves them in that order; ``fit``
            reshuffles after every epoch (Keras's ``tf.data`` also shuffles within a
            buffer, so its batches differ).
        seed: an int seeding the shuffles; needed with ``validation_split`` and
            ``shuffle=True``.
        validation_split: a float in ``(0, 1)``: the fraction of files (the last ones,
            after shuffling) kept for validation.
        subset: with ``validation_split``: ``"training"``, ``"validation"`` or
            ``"both"`` (a ``(training, validation)`` pair).
        follow_links: walk into subfolders reached through symbolic links (default
            False).
        verbose: print how many files and classes were found (default True).

    Returns:
        An ``AudioDirectoryDataset`` (a ``PyDataset``; a pair with ``subset="both"``)
        yielding ``(audio, labels)``, or ``audio`` alone without labels; ``audio`` is
        float32 ``(batch, samples, channels)``. It has ``class_names`` and
        ``file_paths`` attributes.

    Example:
        >>> ds = lamina.utils.audio_dataset_from_directory(
        ...     "speech_commands/", output_sequence_length=16000, batch_size=64)
        >>> audio, labels = ds[0]  # (64, 16000, 1), (64,)
    """
    labels, label_mode = dataset_utils.check_common_arguments(
        _FUNCTION, labels, label_mode, class_names, validation_split, subset, shuffle,
        seed)
    dataset_utils.check_batch_size(_FUNCTION, batch_size)
    if ragged and output_sequence_length is not None:
        raise ValueError(
            f"{_FUNCTION}: `ragged=True` and `output_sequence_length` cannot both be set. "
            f"Received: output_sequence_length={output_sequence_length!r}."
        )
    if ragged:
        raise NotImplementedError(
            f"{_FUNCTION}: ragged=True is not supported: lamina has no ragged tensors. "
            "Leave ragged=False to zero-pad each batch to its longest clip, or set "
            "`output_sequence_length` to give every clip the same length."
        )
    if output_sequence_length is not None and (
            not isinstance(output_sequence_length, int) or output_sequence_length <= 0):
        raise ValueError(
            f"{_FUNCTION}: `output_sequence_length` must be a positive int or None. "
            f"Received: output_sequence_length={output_sequence_length!r}."
        )
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int) or isinstance(sampling_rate, bool):
            raise ValueError(
                f"{_FUNCTION}: `sampling_rate` must be an int (samples per second). "
                f"Received: sampling_rate={sampling_rate!r}."
            )
        if sampling_rate <= 0:
            raise ValueError(
                f"{_FUNCTION}: `sampling_rate` must be higher than 0. Received: "
                f"sampling_rate={sampling_rate}."
            )
    if seed is None:
        seed = np.random.randint(1e6)
    file_paths, labels, class_names = dataset_utils.index_directory(
        _FUNCTION, directory, labels, ALLOWED_FORMATS, class_names=class_names,
        shuffle=shuffle, seed=seed, follow_links=follow_links, verbose=verbose)
    dataset_utils.check_binary(_FUNCTION, label_mode, class_names)
    parts = dataset_utils.split_files(_FUNCTION, directory, file_paths, labels,
                                      validation_split, subset, "audio files", verbose)
    num_classes = len(class_names) if class_names else 0

    def make_dataset(paths, part_labels, part_shuffle):
        return AudioDirectoryDataset(
            paths, dataset_utils.encode_labels(part_labels, label_mode, num_classes),
            class_names, batch_size, sampling_rate, output_sequence_length,
            shuffle=part_shuffle, seed=seed)

    return dataset_utils.build_datasets(parts, make_dataset, shuffle)
