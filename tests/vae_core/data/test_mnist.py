"""MNIST loading from the real IDX files, and clear errors for bad or missing files."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from vae_core.data import load_dataset
from vae_core.data.mnist import (
    BUNDLED_DIR,
    FILE_NAMES,
    SHA256,
    MnistError,
    label_fraction_indices,
    load_mnist,
    read_idx,
)

TRAIN_CLASS_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def idx_bytes(array: np.ndarray) -> bytes:
    """A uint8 IDX file's content for `array`."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture(scope="module")
def mnist(mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The real MNIST splits, from the repository's files only (empty cache, no download)."""
    return load_mnist(mnist_dir, cache_dir=tmp_path_factory.mktemp("cache"), allow_download=False)


def test_split_sizes_dtypes_and_scale(mnist):
    assert (len(mnist.train), len(mnist.validation), len(mnist.test)) == (55_000, 5_000, 10_000)
    for part in (mnist.train, mnist.validation, mnist.test):
        assert part.data.dtype == np.uint8 and part.data.shape[1:] == (28, 28)
        assert not part.packed and part.max_value == 255
        assert part.labels.dtype == np.int64 and len(part.labels) == len(part)
    batch = mnist.train.floats(np.arange(64))
    assert batch.shape == (64, 1, 28, 28) and batch.dtype == np.float32
    assert batch.min() == 0.0 and batch.max() == 1.0
    assert len(np.unique(mnist.train.data[:10])) > 2  # grey levels kept, not binarised


def test_training_labels_have_the_known_class_counts(mnist):
    labels = np.concatenate([mnist.train.labels, mnist.validation.labels])
    np.testing.assert_array_equal(np.bincount(labels, minlength=10), TRAIN_CLASS_COUNTS)
    assert np.bincount(mnist.test.labels).sum() == 10_000


def test_validation_is_the_last_five_thousand_training_images(mnist, mnist_dir):
    images = read_idx(mnist_dir / "train-images-idx3-ubyte.gz", SHA256["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(mnist.validation.data, images[55_000:])
    np.testing.assert_array_equal(mnist.train.data[:5], images[:5])


def test_env_variable_and_load_dataset_find_the_files(mnist, mnist_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("BETALAB_MNIST_DIR", str(mnist_dir))
    from_env = load_mnist(cache_dir=tmp_path, allow_download=False)
    np.testing.assert_array_equal(from_env.test.labels, mnist.test.labels)
    assert from_env.content_sha256 == mnist.content_sha256
    via = load_dataset("mnist", mnist_dir=mnist_dir, cache_dir=tmp_path)
    assert via.name == "mnist" and len(via.train) == 55_000


def test_uncompressed_files_read_like_gzipped_ones(mnist_dir, tmp_path):
    name = "t10k-labels-idx1-ubyte"
    raw = tmp_path / name
    raw.write_bytes(gzip.decompress((mnist_dir / f"{name}.gz").read_bytes()))
    np.testing.assert_array_equal(read_idx(raw, SHA256[name]), read_idx(mnist_dir / f"{name}.gz"))


def test_bad_magic_is_a_clear_error(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte"
    path.write_bytes(b"\x00\x00\x0d\x01" + struct.pack(">I", 3) + b"abc")
    with pytest.raises(MnistError, match=r"train-labels-idx1-ubyte.*bad magic"):
        read_idx(path)
    path.write_bytes(idx_bytes(np.zeros((2, 2, 2))))  # images where labels belong
    with pytest.raises(MnistError, match=r"bad magic.*3 dimensions, expected 1"):
        read_idx(path)


def test_truncated_file_is_a_clear_error(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(idx_bytes(np.ones((4, 28, 28)))[:-10])
    with pytest.raises(MnistError, match=r"t10k-images-idx3-ubyte.*truncated"):
        read_idx(path)
    path.write_bytes(b"\x00\x00\x08\x03\x00")
    with pytest.raises(MnistError, match="truncated header"):
        read_idx(path)
    gz = tmp_path / "t10k-images-idx3-ubyte.gz"
    gz.write_bytes(gzip.compress(idx_bytes(np.ones((4, 28, 28))))[:-20])
    with pytest.raises(MnistError, match=r"t10k-images-idx3-ubyte.gz.*truncated gzip"):
        read_idx(gz)


def test_checksum_mismatch_is_a_clear_error(tmp_path):
    for name in FILE_NAMES:  # well-formed files with the wrong content
        shape = (3, 28, 28) if "images" in name else (3,)
        (tmp_path / f"{name}.gz").write_bytes(gzip.compress(idx_bytes(np.zeros(shape))))
    with pytest.raises(MnistError, match=r"train-images-idx3-ubyte.gz: checksum mismatch"):
        load_mnist(tmp_path, cache_dir=tmp_path / "cache", allow_download=False)


def test_missing_files_offline_name_the_files_and_the_directory(tmp_path):
    empty = tmp_path / "mnist-here"
    empty.mkdir()
    with pytest.raises(MnistError) as err:
        load_mnist(empty, cache_dir=tmp_path / "cache", allow_download=False, bundled_dir=None)
    message = str(err.value)
    for name in FILE_NAMES:
        assert f"{name}.gz" in message
    assert f"into {empty}" in message and "BETALAB_MNIST_DIR" in message


def test_the_repository_files_are_found_with_nothing_configured(
    mnist, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BETALAB_MNIST_DIR", raising=False)
    splits = load_mnist(cache_dir=tmp_path / "cache", allow_download=False)
    assert set(splits.info["files"].values()) == {
        str(BUNDLED_DIR / f"{name}.gz") for name in FILE_NAMES
    }
    assert splits.content_sha256 == mnist.content_sha256
    assert not (tmp_path / "cache").exists()  # nothing copied or downloaded


def test_the_shipped_checksum_list_matches_the_loader(mnist_dir: Path) -> None:
    listed = dict(
        reversed(line.split()) for line in (mnist_dir / "SHA256SUMS").read_text().splitlines()
    )
    assert listed == SHA256


def test_mnist_dir_is_searched_before_the_repository_files(tmp_path: Path) -> None:
    wrong = tmp_path / "mine"
    wrong.mkdir()
    (wrong / f"{FILE_NAMES[0]}.gz").write_bytes(gzip.compress(idx_bytes(np.zeros((3, 28, 28)))))
    with pytest.raises(MnistError, match=rf"{wrong}/{FILE_NAMES[0]}.gz: checksum mismatch"):
        load_mnist(wrong, cache_dir=tmp_path / "cache", allow_download=False)


def test_label_fraction_is_stratified_per_class_and_deterministic(mnist):
    labels = mnist.train.labels
    counts = np.bincount(labels)
    for fraction in (0.1, 0.2, 0.55):
        idx = label_fraction_indices(labels, fraction, seed=3)
        assert idx.dtype == np.int64 and np.all(np.diff(idx) > 0)
        np.testing.assert_array_equal(np.bincount(labels[idx]), np.round(fraction * counts))
        np.testing.assert_array_equal(idx, label_fraction_indices(labels, fraction, seed=3))
    assert not np.array_equal(
        label_fraction_indices(labels, 0.1, seed=3), label_fraction_indices(labels, 0.1, seed=4)
    )
    np.testing.assert_array_equal(label_fraction_indices(labels, 1.0, 0), np.arange(len(labels)))
    with pytest.raises(ValueError, match="fraction"):
        label_fraction_indices(labels, 0.0, 0)


def test_unknown_dataset_name_is_refused():
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset("cifar")
