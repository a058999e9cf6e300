"""image/text/audio_dataset_from_directory and split_dataset: the files and labels chosen
(against Keras 3's own indexing and split rules, which need no TensorFlow), decoded
values against PIL / NumPy / wave references, batching, fit(), and argument errors."""

import inspect
import os
import random
import sys
import wave

import numpy as np
import pytest

import lamina
from lamina.utils import audio_dataset_from_directory
from lamina.utils import image_dataset_from_directory
from lamina.utils import split_dataset
from lamina.utils import text_dataset_from_directory

Image = pytest.importorskip("PIL.Image")

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def _keras_dataset_utils():
    """Keras 3's indexing and split helpers (they run without TensorFlow)."""
    keras_utils = pytest.importorskip("keras.src.utils.dataset_utils")
    return keras_utils


# --- Directory trees ---------------------------------------------------------------------

def _save_image(path, height, width, mode="RGB", seed=0):
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "RGBA": 4, "L": 1}[mode]
    pixels = rng.integers(0, 256, size=(height, width, channels), dtype=np.uint8)
    image = Image.fromarray(pixels[..., 0] if channels == 1 else pixels)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return pixels


@pytest.fixture
def image_dir(tmp_path):
    """cats: 3 PNG (one in a subfolder), dogs: 2 JPEG + 1 BMP, birds: 1 GIF; plus files
    and folders that must be skipped."""
    root = tmp_path / "images"
    _save_image(root / "cats" / "c1.png", 6, 8, seed=1)
    _save_image(root / "cats" / "c0.PNG", 8, 6, seed=2)
    _save_image(root / "cats" / "inner" / "c2.png", 5, 5, seed=3)
    _save_image(root / "dogs" / "d1.jpg", 7, 9, seed=4)
    _save_image(root / "dogs" / "d0.jpeg", 4, 4, seed=5)
    _save_image(root / "dogs" / "d2.bmp", 4, 6, seed=6)
    _save_image(root / "birds" / "b0.gif", 3, 3, seed=7)
    (root / "cats" / "notes.txt").write_text("not an image")
    _save_image(root / ".hidden" / "h.png", 4, 4, seed=8)
    _save_image(root / "top_level.png", 4, 4, seed=9)
    return root


@pytest.fixture
def two_class_dir(tmp_path):
    """Ten 4x4 PNGs in each of two classes; class 1 is bright, class 0 dark."""
    root = tmp_path / "two"
    for label, name in enumerate(("dark", "light")):
        for i in range(10):
            value = 200 if label else 30
            pixels = np.full((4, 4, 3), value, np.uint8) + np.uint8(i)
            (root / name).mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(root / name / f"{i:02d}.png")
    return root


@pytest.fixture
def text_dir(tmp_path):
    root = tmp_path / "texts"
    contents = {"neg": ["bad film", "awful", "ünïcode sad"], "pos": ["great", "good fun"]}
    for name, texts in contents.items():
        (root / name).mkdir(parents=True)
        for i, text in enumerate(texts):
            (root / name / f"{i}.txt").write_text(text, encoding="utf-8")
    (root / "pos" / "readme.md").write_text("skipped")
    return root


def _write_wav(path, samples, rate=8000, width=2):
    """``samples`` (frames, channels) as integer PCM of ``width`` bytes."""
    samples = np.asarray(samples)
    if width == 1:
        raw = (samples + 128).astype(np.uint8).tobytes()
    elif width == 3:
        as_int = samples.astype("<i4").reshape(-1)
        raw = np.stack([(as_int >> shift) & 0xFF for shift in (0, 8, 16)],
                       axis=-1).astype(np.uint8).tobytes()
    else:
        raw = samples.astype(f"<i{width}").tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(samples.shape[1])
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(raw)


@pytest.fixture
def audio_dir(tmp_path):
    root = tmp_path / "audio"
    rng = np.random.default_rng(0)
    clips = {}
    for name, lengths in (("no", (5, 9)), ("yes", (7,))):
        for i, length in enumerate(lengths):
            samples = rng.integers(-32768, 32767, size=(length, 1))
            _write_wav(root / name / f"{i}.wav", samples)
            clips[os.path.join(str(root), name, f"{i}.wav")] = samples / 32768.0
    (root / "yes" / "clip.mp3").write_bytes(b"skipped")
    return root, clips


def _all_items(dataset):
    xs, ys = [], []
    for batch in dataset:
        x, y = batch if isinstance(batch, tuple) else (batch, None)
        xs.append(x)
        ys.append(y)
    labels = None if ys[0] is None else np.concatenate(ys)
    return xs, labels


# --- Public names and signatures ---------------------------------------------------------

@pytest.mark.parametrize("name", ["image_dataset_from_directory",
                                  "text_dataset_from_directory",
                                  "audio_dataset_from_directory", "split_dataset"])
def test_signature_matches_keras(name):
    keras = pytest.importorskip("keras")
    ours = inspect.signature(getattr(lamina.utils, name))
    theirs = inspect.signature(getattr(keras.utils, name))
    assert [(p.name, p.default) for p in ours.parameters.values()] == \
        [(p.name, p.default) for p in theirs.parameters.values()]
    assert getattr(lamina.utils, name).__doc__


def test_preprocessing_exports_image_and_text_builders():
    assert lamina.preprocessing.image_dataset_from_directory is image_dataset_from_directory
    assert lamina.preprocessing.text_dataset_from_directory is text_dataset_from_directory


# --- Which files, which labels -----------------------------------------------------------

def test_class_names_are_sorted_subdirectories_and_labels_follow_folders(image_dir):
    ds = image_dataset_from_directory(image_dir, image_size=(4, 4), shuffle=False,
                                      verbose=False)
    assert ds.class_names == ["birds", "cats", "dogs"]
    names = [os.path.relpath(p, image_dir) for p in ds.file_paths]
    assert names == ["birds/b0.gif", "cats/c0.PNG", "cats/c1.png", "cats/inner/c2.png",
                     "dogs/d0.jpeg", "dogs/d1.jpg", "dogs/d2.bmp"]
    _, labels = _all_items(ds)
    expected = [ds.class_names.index(name.split("/")[0]) for name in names]
    assert labels.tolist() == expected
    assert labels.dtype == np.int32


@pytest.mark.parametrize("shuffle,seed", [(False, None), (True, 3), (True, 1234)])
def test_file_order_and_labels_match_keras_index_directory(image_dir, shuffle, seed):
    keras_utils = _keras_dataset_utils()
    ds = image_dataset_from_directory(image_dir, image_size=(4, 4), shuffle=shuffle,
                                      seed=seed, batch_size=3, verbose=False)
    paths, labels, class_names = keras_utils.index_directory(
        str(image_dir), "inferred", formats=IMAGE_FORMATS, shuffle=shuffle, seed=seed,
        verbose=False)
    assert ds.file_paths == paths
    assert ds.class_names == class_names
    # The first epoch serves the files in that order.
    assert _all_items(ds)[1].tolist() == labels.tolist()


def test_class_names_argument_picks_and_orders_classes(image_dir):
    ds = image_dataset_from_directory(image_dir, class_names=["dogs", "birds"],
                                      image_size=(4, 4), shuffle=False, verbose=False)
    assert ds.class_names == ["dogs", "birds"]
    assert [os.path.basename(p) for p in ds.file_paths] == [
        "d0.jpeg", "d1.jpg", "d2.bmp", "b0.gif"]
    assert _all_items(ds)[1].tolist() == [0, 0, 0, 1]


def test_explicit_labels_follow_sorted_paths_and_labels_none_yields_images(image_dir):
    keras_utils = _keras_dataset_utils()
    # One per image file: the top-level file and hidden folders count here, as in Keras.
    given = [5, 2, 2, 5, 7, 2, 5, 7, 2]
    ds = image_dataset_from_directory(image_dir, labels=given, image_size=(4, 4),
                                      shuffle=True, seed=11, verbose=False)
    paths, labels, class_names = keras_utils.index_directory(
        str(image_dir), given, formats=IMAGE_FORMATS, shuffle=True, seed=11,
        verbose=False)
    assert ds.file_paths == paths and ds.class_names == class_names == ["2", "5", "7"]
    assert _all_items(ds)[1].tolist() == list(labels)
    from_array = image_dataset_from_directory(image_dir, labels=np.array(given),
                                              image_size=(4, 4), seed=11, verbose=False)
    assert from_array.file_paths == ds.file_paths
    unlabeled = image_dataset_from_directory(image_dir, labels=None, image_size=(4, 4),
                                             verbose=False)
    batch = unlabeled[0]
    assert isinstance(batch, np.ndarray) and batch.shape == (9, 4, 4, 3)
    assert unlabeled.class_names is None


@pytest.mark.parametrize("label_mode,shape,dtype", [
    ("int", (20,), np.int32), ("categorical", (20, 2), np.float32),
    ("binary", (20, 1), np.float32)])
def test_label_modes_shapes_and_dtypes(two_class_dir, label_mode, shape, dtype):
    ds = image_dataset_from_directory(two_class_dir, label_mode=label_mode,
                                      image_size=(4, 4), seed=1, verbose=False)
    images, labels = ds[0]
    assert images.shape == (20, 4, 4, 3) and images.dtype == np.float32
    assert labels.shape == shape and labels.dtype == dtype
    folder = np.array([ds.class_names.index(p.split(os.sep)[-2]) for p in ds.file_paths])
    if label_mode == "categorical":
        np.testing.assert_array_equal(labels, np.eye(2)[folder])
    else:
        np.testing.assert_array_equal(labels.reshape(-1), folder)


def test_label_mode_none_yields_images_only(two_class_dir):
    ds = image_dataset_from_directory(two_class_dir, label_mode=None, image_size=(4, 4),
                                      batch_size=8, verbose=False)
    assert [b.shape[0] for b in ds] == [8, 8, 4]
    assert ds.class_names is None


def test_binary_label_mode_needs_exactly_two_classes(image_dir):
    with pytest.raises(ValueError, match="exactly 2 classes"):
        image_dataset_from_directory(image_dir, label_mode="binary", verbose=False)


# --- Validation split ----------------------------------------------------------------------

@pytest.mark.parametrize("split", [0.2, 0.25, 0.5])
def test_validation_split_matches_keras_and_partitions_the_files(two_class_dir, split):
    keras_utils = _keras_dataset_utils()
    common = dict(image_size=(4, 4), seed=42, validation_split=split, verbose=False)
    train = image_dataset_from_directory(two_class_dir, subset="training", **common)
    val = image_dataset_from_directory(two_class_dir, subset="validation", **common)
    both = image_dataset_from_directory(two_class_dir, subset="both", **common)
    assert isinstance(both, tuple) and len(both) == 2
    assert both[0].file_paths == train.file_paths
    assert both[1].file_paths == val.file_paths
    assert not set(train.file_paths) & set(val.file_paths)
    assert len(train.file_paths) + len(val.file_paths) == 20
    paths, labels, _ = keras_utils.index_directory(
        str(two_class_dir), "inferred", formats=IMAGE_FORMATS, shuffle=True, seed=42,
        verbose=False)
    keras_val, keras_val_labels = keras_utils.get_training_or_validation_split(
        paths, labels, split, "validation")
    assert val.file_paths == keras_val
    assert _all_items(val)[1].tolist() == keras_val_labels.tolist()
    assert train.file_paths == keras_utils.get_training_or_validation_split(
        paths, labels, split, "training")[0]


def test_shuffle_reorders_each_epoch_but_keeps_pairs(two_class_dir):
    ds = image_dataset_from_directory(two_class_dir, image_size=(4, 4), batch_size=5,
                                      seed=7, verbose=False)
    first_images, first_labels = ds[0]
    ds.on_epoch_end()
    second_images, second_labels = ds[0]
    assert not np.array_equal(first_images, second_images)
    # Bright images are class 1 whatever the order.
    for images, labels in ((first_images, first_labels), (second_images, second_labels)):
        np.testing.assert_array_equal(images.mean(axis=(1, 2, 3)) > 100, labels == 1)


def test_validation_split_with_shuffle_needs_a_seed(two_class_dir):
    with pytest.raises(ValueError, match="seed"):
        image_dataset_from_directory(two_class_dir, validation_split=0.2,
                                     subset="training", verbose=False)


@pytest.mark.parametrize("kwargs,match", [
    (dict(validation_split=0.2), "subset"),
    (dict(subset="training"), "subset"),
    (dict(validation_split=1.5, subset="training", seed=1), "validation_split"),
    (dict(validation_split=0.2, subset="test", seed=1), "subset"),
])
def test_bad_split_arguments_are_rejected(two_class_dir, kwargs, match):
    with pytest.raises(ValueError, match=match):
        image_dataset_from_directory(two_class_dir, verbose=False, **kwargs)


def test_too_small_validation_split_leaves_no_validation_files(two_class_dir):
    with pytest.raises(ValueError, match="no validation images"):
        image_dataset_from_directory(two_class_dir, validation_split=0.01, subset="both",
                                     seed=1, verbose=False)


# --- Image values ----------------------------------------------------------------------------

def _reference_resize(image, size, interpolation):
    """Half-pixel-centre resize (TensorFlow 2 / Keras) of an (h, w, c) array, in NumPy."""
    out = image.astype(np.float64)
    for axis, new in enumerate(size):
        old = out.shape[axis]
        centres = (np.arange(new) + 0.5) * old / new - 0.5
        if interpolation == "nearest":
            index = np.minimum(np.floor((np.arange(new) + 0.5) * old / new), old - 1)
            out = np.take(out, index.astype(int), axis=axis)
            continue
        centres = np.clip(centres, 0, old - 1)
        low = np.floor(centres).astype(int)
        high = np.minimum(low + 1, old - 1)
        weight = (centres - low).reshape([-1 if a == axis else 1 for a in range(3)])
        out = np.take(out, low, axis=axis) * (1 - weight) + np.take(out, high,
                                                                    axis=axis) * weight
    return out


def _single_image_dir(tmp_path, height, width, mode="RGB", name="x.png"):
    pixels = _save_image(tmp_path / "one" / "only" / name, height, width, mode=mode)
    return tmp_path / "one", pixels


def test_image_at_target_size_holds_the_file_pixels(tmp_path):
    root, pixels = _single_image_dir(tmp_path, 5, 7)
    images, labels = image_dataset_from_directory(root, image_size=(5, 7),
                                                  verbose=False)[0]
    np.testing.assert_array_equal(images[0], pixels.astype(np.float32))
    assert labels.tolist() == [0]


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("size", [(9, 4), (3, 11)])
def test_resize_matches_half_pixel_reference(tmp_path, interpolation, size):
    root, pixels = _single_image_dir(tmp_path, 6, 8)
    ds = image_dataset_from_directory(root, image_size=size, interpolation=interpolation,
                                      verbose=False)
    np.testing.assert_allclose(ds[0][0][0], _reference_resize(pixels, size, interpolation),
                               rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("interpolation,jax_method", [
    ("bilinear", "linear"), ("bicubic", "cubic"), ("lanczos3", "lanczos3"),
    ("lanczos5", "lanczos5"), ("nearest", "nearest")])
@pytest.mark.parametrize("size", [(4, 3), (11, 13)])
def test_resize_filters_match_jax_image_resize(tmp_path, interpolation, jax_method, size):
    # Keras on JAX resizes with jax.image.resize (no antialiasing), TensorFlow's filters.
    jax = pytest.importorskip("jax")
    root, pixels = _single_image_dir(tmp_path, 6, 8)
    ds = image_dataset_from_directory(root, image_size=size, interpolation=interpolation,
                                      verbose=False)
    expected = jax.image.resize(pixels.astype(np.float32), size + (3,), jax_method,
                                antialias=False)
    np.testing.assert_allclose(ds[0][0][0], np.asarray(expected), atol=2e-3)


def test_area_resize_averages_blocks_and_other_filters_keep_constants(tmp_path):
    from lamina.utils.image_dataset import resize_image

    image = np.random.default_rng(0).uniform(0, 255, (8, 6, 2))
    blocks = image.reshape(4, 2, 3, 2, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(resize_image(image, (4, 3), "area"), blocks, rtol=1e-5)
    constant = np.full((5, 7, 1), 42.0)
    for interpolation in ("gaussian", "mitchellcubic", "area", "lanczos5"):
        for size in ((3, 3), (9, 11)):
            np.testing.assert_allclose(resize_image(constant, size, interpolation), 42.0,
                                       rtol=1e-5)


def test_crop_to_aspect_ratio_resizes_the_centred_window(tmp_path):
    root, pixels = _single_image_dir(tmp_path, 6, 12)
    ds = image_dataset_from_directory(root, image_size=(3, 3), crop_to_aspect_ratio=True,
                                      verbose=False)
    window = pixels[:, 3:9]  # the centred 6x6 square of the 6x12 image
    np.testing.assert_allclose(ds[0][0][0], _reference_resize(window, (3, 3), "bilinear"),
                               rtol=1e-5, atol=1e-3)


def test_pad_to_aspect_ratio_pads_with_zeros(tmp_path):
    root, pixels = _single_image_dir(tmp_path, 4, 8)
    ds = image_dataset_from_directory(root, image_size=(8, 8), pad_to_aspect_ratio=True,
                                      verbose=False)
    image = ds[0][0][0]
    assert image.shape == (8, 8, 3)
    np.testing.assert_array_equal(image[:2], 0)
    np.testing.assert_array_equal(image[-2:], 0)
    np.testing.assert_allclose(image[2:6], pixels, atol=1e-3)


@pytest.mark.parametrize("color_mode,mode,channels", [
    ("grayscale", "RGB", 1), ("rgb", "L", 3), ("rgba", "RGB", 4), ("rgb", "RGBA", 3)])
def test_color_mode_sets_the_channel_count(tmp_path, color_mode, mode, channels):
    root, _ = _single_image_dir(tmp_path, 4, 4, mode=mode)
    ds = image_dataset_from_directory(root, image_size=(4, 4), color_mode=color_mode,
                                      verbose=False)
    reference = np.asarray(Image.open(next((root / "only").iterdir())).convert(
        {1: "L", 3: "RGB", 4: "RGBA"}[channels]), dtype=np.float32)
    np.testing.assert_array_equal(ds[0][0][0], reference.reshape(4, 4, channels))


def test_channels_first_and_unbatched(two_class_dir):
    ds = image_dataset_from_directory(two_class_dir, image_size=(4, 6), batch_size=None,
                                      data_format="channels_first", shuffle=False,
                                      verbose=False)
    assert len(ds) == 20
    image, label = ds[0]
    assert image.shape == (3, 4, 6) and int(label) == 0


@pytest.mark.parametrize("name", ["d2.bmp", "b0.gif", "d0.jpeg"])
def test_gif_bmp_and_jpeg_files_decode_as_pillow_decodes_them(image_dir, name):
    path = next(image_dir.glob(f"*/{name}"))
    reference = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
    ds = image_dataset_from_directory(path.parent, labels=None, image_size=reference.shape[:2],
                                      batch_size=None, shuffle=False, verbose=False)
    np.testing.assert_array_equal(ds[ds.file_paths.index(str(path))], reference)


# --- Training ------------------------------------------------------------------------------

def test_fit_evaluate_predict_on_an_image_dataset(two_class_dir):
    train, val = image_dataset_from_directory(
        two_class_dir, image_size=(4, 4), batch_size=8, validation_split=0.2,
        subset="both", seed=3, label_mode="binary", verbose=False)
    model = lamina.Sequential([
        lamina.Input((4, 4, 3)),
        lamina.layers.Rescaling(1 / 255.0),
        lamina.layers.Flatten(),
        lamina.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=lamina.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(train, validation_data=val, epochs=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert np.isfinite(model.evaluate(val, verbose=0)).all()
    assert model.predict(val, verbose=0).shape == (4, 1)


def test_tf_data_style_take_map_prefetch_cache(two_class_dir):
    ds = image_dataset_from_directory(two_class_dir, image_size=(4, 4), batch_size=8,
                                      seed=2, verbose=False)
    assert ds.prefetch(2) is ds and ds.cache() is ds
    taken = list(ds.take(1))
    assert len(taken) == 1 and taken[0][0].shape == (8, 4, 4, 3)
    assert len(ds.take(-1)) == len(ds) == 3
    scaled = ds.map(lambda images, labels: (images / 255.0, labels))
    assert scaled.class_names == ["dark", "light"]
    images, labels = scaled[0]
    np.testing.assert_allclose(images, ds[0][0] / 255.0)
    images_only = ds.map(lambda images, labels: images).take(2)
    assert [batch.shape[0] for batch in images_only] == [8, 8]
    with pytest.raises(ValueError, match="count"):
        ds.take(-2)


# --- Image argument errors -----------------------------------------------------------------

@pytest.mark.parametrize("kwargs,error,match", [
    (dict(label_mode="sparse"), ValueError, "label_mode"),
    (dict(color_mode="cmyk"), ValueError, "color_mode"),
    (dict(image_size=(4, 4, 3)), ValueError, "image_size"),
    (dict(interpolation="cubic"), ValueError, "interpolation"),
    (dict(crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), ValueError,
     "crop_to_aspect_ratio"),
    (dict(format="torch"), ValueError, "format"),
    (dict(labels="folders"), ValueError, "labels"),
    (dict(labels=[0, 1]), ValueError, "one label per file"),
    (dict(labels=None, class_names=["a"]), ValueError, "class_names"),
    (dict(class_names=["cats", "zebras"]), ValueError, "zebras"),
    (dict(batch_size=0), ValueError, "batch_size"),
])
def test_bad_image_arguments_raise_actionable_errors(image_dir, kwargs, error, match):
    with pytest.raises(error, match=match):
        image_dataset_from_directory(image_dir, verbose=False, **kwargs)


def test_missing_directory_and_empty_directory(tmp_path):
    with pytest.raises(ValueError, match="existing folder"):
        image_dataset_from_directory(tmp_path / "nope", verbose=False)
    (tmp_path / "empty" / "a").mkdir(parents=True)
    with pytest.raises(ValueError, match="no images found"):
        image_dataset_from_directory(tmp_path / "empty", verbose=False)


def test_missing_pillow_names_the_install_command(image_dir, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        image_dataset_from_directory(image_dir, verbose=False)


def test_verbose_prints_counts(two_class_dir, capsys):
    image_dataset_from_directory(two_class_dir, validation_split=0.25, subset="training",
                                 seed=1)
    out = capsys.readouterr().out
    assert "Found 20 files belonging to 2 classes." in out
    assert "Using 15 files for training." in out


# --- Text -------------------------------------------------------------------------------------

def test_text_dataset_reads_txt_files_with_their_labels(text_dir):
    ds = text_dataset_from_directory(text_dir, shuffle=False, verbose=False)
    texts, labels = ds[0]
    assert ds.class_names == ["neg", "pos"]
    assert texts.dtype == object and all(isinstance(t, str) for t in texts)
    assert texts.tolist() == ["bad film", "awful", "ünïcode sad", "great", "good fun"]
    assert labels.tolist() == [0, 0, 0, 1, 1] and labels.dtype == np.int32


def test_text_order_and_split_match_keras(text_dir):
    keras_utils = _keras_dataset_utils()
    train, val = text_dataset_from_directory(text_dir, validation_split=0.4, subset="both",
                                             seed=9, batch_size=2, verbose=False)
    paths, labels, _ = keras_utils.index_directory(
        str(text_dir), "inferred", formats=(".txt",), shuffle=True, seed=9, verbose=False)
    assert train.file_paths + val.file_paths == paths
    assert len(val.file_paths) == 2
    texts = np.concatenate([batch[0] for batch in train] + [batch[0] for batch in val])
    for path, text in zip(paths, texts):
        assert open(path, encoding="utf-8").read() == text


def test_text_max_length_unbatched_and_no_labels(text_dir):
    ds = text_dataset_from_directory(text_dir, max_length=4, batch_size=None,
                                     label_mode=None, shuffle=False, verbose=False)
    assert [ds[i] for i in range(len(ds))] == ["bad ", "awfu", "ünïc", "grea", "good"]
    with pytest.raises(ValueError, match="max_length"):
        text_dataset_from_directory(text_dir, max_length=0, verbose=False)


def test_text_categorical_labels_and_textvectorization_adapt(text_dir):
    ds = text_dataset_from_directory(text_dir, label_mode="categorical", shuffle=False,
                                     verbose=False)
    np.testing.assert_array_equal(ds[0][1], np.eye(2)[[0, 0, 0, 1, 1]])
    vectorize = lamina.layers.TextVectorization()
    vectorize.adapt(ds.map(lambda texts, labels: texts))
    assert "good" in vectorize.get_vocabulary()


# --- Audio -------------------------------------------------------------------------------------

def test_audio_values_padding_and_labels(audio_dir):
    root, clips = audio_dir
    ds = audio_dataset_from_directory(root, shuffle=False, verbose=False)
    audio, labels = ds[0]
    assert ds.class_names == ["no", "yes"]
    assert audio.shape == (3, 9, 1) and audio.dtype == np.float32
    assert labels.tolist() == [0, 0, 1]
    for row, path in zip(audio, ds.file_paths):
        expected = clips[path]
        np.testing.assert_allclose(row[:len(expected)], expected, rtol=1e-6)
        np.testing.assert_array_equal(row[len(expected):], 0)


def test_audio_output_sequence_length_cuts_and_pads(audio_dir):
    root, clips = audio_dir
    ds = audio_dataset_from_directory(root, output_sequence_length=6, batch_size=None,
                                      shuffle=False, verbose=False)
    for index, path in enumerate(ds.file_paths):
        clip, _ = ds[index]
        assert clip.shape == (6, 1)
        expected = clips[path][:6]
        np.testing.assert_allclose(clip[:len(expected)], expected, rtol=1e-6)


@pytest.mark.parametrize("width", [1, 3, 4])
def test_audio_decodes_other_pcm_widths_and_stereo(tmp_path, width):
    full = 2 ** (8 * width - 1)
    samples = np.array([[-full, full - 1], [0, full // 2], [full // 4, -full // 2]])
    _write_wav(tmp_path / "a" / "c" / "x.wav", samples, width=width)
    audio = audio_dataset_from_directory(tmp_path / "a", label_mode=None,
                                         verbose=False)[0]
    np.testing.assert_allclose(audio[0], samples / full, rtol=1e-6, atol=1e-7)


def test_audio_sampling_rate_resamples_and_checks(audio_dir, tmp_path):
    root, _ = audio_dir
    ds = audio_dataset_from_directory(root, sampling_rate=16000, output_sequence_length=8,
                                      batch_size=None, verbose=False)
    assert ds[0][0].shape == (16, 1)  # 8 samples at 8 kHz become 16 at 16 kHz
    tone = np.round(10000 * np.sin(2 * np.pi * np.arange(40) / 20))[:, None]
    _write_wav(tmp_path / "tone" / "c" / "t.wav", tone, rate=8000)
    up = audio_dataset_from_directory(tmp_path / "tone", sampling_rate=16000,
                                      label_mode=None, verbose=False)[0][0, :, 0]
    expected = 10000 / 32768 * np.sin(2 * np.pi * np.arange(80) / 40)
    np.testing.assert_allclose(up, expected, atol=1e-3)
    for bad in (16000.0, 0):
        with pytest.raises(ValueError, match="sampling_rate"):
            audio_dataset_from_directory(root, sampling_rate=bad, verbose=False)


def test_audio_ragged_is_not_supported(audio_dir):
    root, _ = audio_dir
    with pytest.raises(NotImplementedError, match="ragged"):
        audio_dataset_from_directory(root, ragged=True, verbose=False)
    with pytest.raises(ValueError, match="output_sequence_length"):
        audio_dataset_from_directory(root, ragged=True, output_sequence_length=4,
                                     verbose=False)


def test_audio_undecodable_file_names_the_file(tmp_path):
    (tmp_path / "bad" / "c").mkdir(parents=True)
    (tmp_path / "bad" / "c" / "x.wav").write_bytes(b"not a wav file at all")
    ds = audio_dataset_from_directory(tmp_path / "bad", verbose=False)
    with pytest.raises(ValueError, match="x.wav"):
        ds[0]


# --- split_dataset -----------------------------------------------------------------------------

@pytest.mark.parametrize("left,right", [
    (0.8, None), (None, 0.3), (3, None), (None, 7), (0.25, 0.5), (2, 3), (0.5, 4),
    (0.33, None)])
def test_split_sizes_match_keras(left, right):
    keras_utils = _keras_dataset_utils()
    data = np.arange(10 * 2).reshape(10, 2)
    left_ds, right_ds = split_dataset(data, left_size=left, right_size=right)
    keras_left, keras_right = keras_utils._rescale_dataset_split_sizes(left, right, 10)
    assert (len(left_ds), len(right_ds)) == (keras_left, keras_right)
    np.testing.assert_array_equal(np.stack(list(left_ds)), data[:keras_left])
    np.testing.assert_array_equal(np.stack(list(right_ds)), data[10 - keras_right:])


def test_split_shuffle_follows_keras_random_order():
    x, y = np.arange(12)[:, None] * 1.0, np.arange(12)
    left, right = split_dataset((x, y), left_size=0.75, shuffle=True, seed=5)
    order = list(range(12))
    random.seed(5)
    random.shuffle(order)  # Keras: random.seed(seed); random.shuffle(samples)
    assert [int(sample[1]) for sample in left] == order[:9]
    assert [int(sample[1]) for sample in right] == order[9:]
    sample_x, sample_y = left[0]
    assert sample_x.shape == (1,) and sample_x[0] == sample_y


def test_split_of_a_batched_dataset_stays_batched(two_class_dir):
    ds = image_dataset_from_directory(two_class_dir, image_size=(4, 4), batch_size=6,
                                      shuffle=False, verbose=False)
    left, right = split_dataset(ds, left_size=0.5)
    assert [b[0].shape[0] for b in left] == [6, 4]
    assert left[0][1].tolist() == [0] * 6
    assert np.concatenate([b[1] for b in right]).tolist() == [1] * 10


def test_split_of_a_list_and_batch_method_feed_fit():
    x = np.random.random((20, 3)).astype("float32")
    y = (x.sum(axis=1) > 1.5).astype("float32")
    train, test = split_dataset([x, y], right_size=4)
    assert len(train) == 16 and len(train.batch(5)) == 4
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(train.batch(5), epochs=1, verbose=0)
    assert np.isfinite(model.evaluate(test.batch(4), verbose=0))


def test_split_of_an_indexable_dataset_of_samples():
    class Samples:
        def __len__(self):
            return 5

        def __getitem__(self, index):
            return np.full((2,), index), index

    left, right = split_dataset(Samples(), left_size=2)
    assert [int(s[1]) for s in left] == [0, 1] and [int(s[1]) for s in right] == [2, 3, 4]


def test_split_of_a_torch_tensor_dataset():
    torch_data = pytest.importorskip("torch.utils.data")
    torch = pytest.importorskip("torch")
    dataset = torch_data.TensorDataset(torch.arange(8.0).reshape(8, 1), torch.arange(8))
    left, right = split_dataset(dataset, right_size=0.25)
    assert len(left) == 6 and len(right) == 2
    x, y = right.batch(2)[0]
    assert isinstance(x, np.ndarray) and x.shape == (2, 1) and y.tolist() == [6, 7]


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(), ValueError, "left_size"),
    (dict(left_size="half"), TypeError, "left_size"),
    (dict(right_size=[1]), TypeError, "right_size"),
    (dict(left_size=0, right_size=0), ValueError, "both 0"),
    (dict(left_size=10), ValueError, "left_size"),
    (dict(left_size=1.0), ValueError, "left_size"),
    (dict(right_size=-0.5), ValueError, "right_size"),
    (dict(left_size=0.6, right_size=0.6), ValueError, "more than 1"),
    (dict(left_size=6, right_size=6), ValueError, "more than"),
    (dict(left_size=0.01), ValueError, "empty"),
])
def test_bad_split_sizes_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        split_dataset(np.zeros((10, 1)), **kwargs)


def test_split_rejects_unsupported_inputs():
    with pytest.raises(TypeError, match="dataset"):
        split_dataset(42, left_size=0.5)
    with pytest.raises(ValueError, match="same length"):
        split_dataset((np.zeros(3), np.zeros(4)), left_size=0.5)
    with pytest.raises(ValueError, match="arrays"):
        split_dataset([np.zeros(3), [1, 2, 3]], left_size=0.5)
