"""MNIST from the four canonical IDX files (raw or gzipped), checksum-verified, split 55k/5k/10k."""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import tempfile
import urllib.request
import zlib
from pathlib import Path

import numpy as np

from vae_core.data.cache import default_cache_dir
from vae_core.data.images import DataSplits, ImageSet

logger = logging.getLogger(__name__)

TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"

# SHA-256 of each file's uncompressed content (data/mnist/SHA256SUMS in the repository).
SHA256 = {
    TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
FILE_NAMES = tuple(SHA256)

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
DOWNLOAD_TIMEOUT_S = 15.0
# The files shipped in the repository (data/mnist beside the packages); absent from a wheel.
BUNDLED_DIR = Path(__file__).resolve().parents[2] / "data" / "mnist"

NUM_TRAIN = 55_000
NUM_VALIDATION = 5_000
NUM_CLASSES = 10

_IDX_UINT8 = 0x08
_EXPECTED_NDIM = {TRAIN_IMAGES: 3, TEST_IMAGES: 3, TRAIN_LABELS: 1, TEST_LABELS: 1}


class MnistError(Exception):
    """MNIST files are missing, malformed or not the expected content."""


def _decompress(raw: bytes, path: Path) -> bytes:
    """The content of a file that may be gzipped (detected by its magic bytes)."""
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as err:
        raise MnistError(f"{path}: corrupt or truncated gzip data ({err})") from err


def parse_idx(content: bytes, source: str = "<bytes>", ndim: int | None = None) -> np.ndarray:
    """An IDX uint8 array from uncompressed bytes, with its magic, dims and length checked."""
    if len(content) < 4:
        raise MnistError(f"{source}: truncated: {len(content)} bytes, no IDX header")
    if content[0] != 0 or content[1] != 0 or content[2] != _IDX_UINT8:
        raise MnistError(
            f"{source}: bad magic number {content[:4].hex()} (expected 000008xx for uint8 IDX)"
        )
    file_ndim = content[3]
    if ndim is not None and file_ndim != ndim:
        raise MnistError(f"{source}: bad magic: {file_ndim} dimensions, expected {ndim}")
    header = 4 + 4 * file_ndim
    if len(content) < header:
        raise MnistError(f"{source}: truncated header: {len(content)} bytes, need {header}")
    dims = tuple(int(d) for d in np.frombuffer(content, ">u4", count=file_ndim, offset=4))
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(content) < expected:
        raise MnistError(
            f"{source}: truncated: {len(content)} bytes, dims {dims} need {expected} bytes"
        )
    if len(content) > expected:
        raise MnistError(f"{source}: {len(content) - expected} unexpected trailing bytes")
    return np.frombuffer(content, np.uint8, offset=header).reshape(dims)


def read_idx(path: Path, expected_sha256: str | None = None) -> np.ndarray:
    """An IDX file (raw or gzipped), checked for structure and, if given, content SHA-256."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise MnistError(f"{path}: cannot read ({err})") from err
    content = _decompress(raw, path)
    name = path.name.removesuffix(".gz")
    array = parse_idx(content, str(path), _EXPECTED_NDIM.get(name))
    if expected_sha256 is not None:
        digest = hashlib.sha256(content).hexdigest()
        if digest != expected_sha256:
            raise MnistError(
                f"{path}: checksum mismatch: SHA-256 of the content is {digest}, "
                f"expected {expected_sha256}"
            )
    return array


def _find(name: str, dirs: list[Path]) -> Path | None:
    """The first of `name` or `name.gz` present in the directories, in order."""
    for d in dirs:
        for candidate in (d / name, d / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def _download(name: str, target_dir: Path) -> Path:
    """Fetch `name.gz` from a mirror, verify its content, store it atomically in `target_dir`."""
    errors = []
    for mirror in MIRRORS:
        url = f"{mirror}{name}.gz"
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
                raw = response.read()
            content = _decompress(raw, Path(url))
            digest = hashlib.sha256(content).hexdigest()
            if digest != SHA256[name]:
                raise MnistError(f"{url}: checksum mismatch ({digest})")
        except (OSError, MnistError) as err:
            errors.append(f"{url}: {err}")
            continue
        target_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=f".{name}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        path = target_dir / f"{name}.gz"
        os.replace(tmp, path)
        logger.info("downloaded %s to %s", url, path)
        return path
    raise MnistError(f"could not download {name}: " + "; ".join(errors))


def _missing_message(missing: list[str], where: Path, searched: list[Path]) -> str:
    """One error that says which files to put where."""
    wanted = ", ".join(f"{n}.gz" for n in missing)
    looked = ", ".join(str(d) for d in searched)
    return (
        f"MNIST files missing: put {wanted} (gzipped, or uncompressed without .gz) into {where} "
        f"or point BETALAB_MNIST_DIR at a directory holding them (searched: {looked})"
    )


def load_mnist(
    mnist_dir: Path | None = None,
    cache_dir: Path | None = None,
    allow_download: bool = True,
    bundled_dir: Path | None = BUNDLED_DIR,
) -> DataSplits:
    """MNIST as uint8 ImageSets: 55,000 train, 5,000 validation (last of the 60k), 10,000 test.

    Each file is looked up in `mnist_dir` (or BETALAB_MNIST_DIR), then in the repository's
    `data/mnist` (`bundled_dir`; None skips it), then in the cache, and downloaded into the
    cache only when it is in none of them. Every file's content is SHA-256 checked.
    """
    if mnist_dir is None and os.environ.get("BETALAB_MNIST_DIR"):
        mnist_dir = Path(os.environ["BETALAB_MNIST_DIR"])
    store = (Path(cache_dir) if cache_dir is not None else default_cache_dir()) / "mnist"
    dirs = [Path(d) for d in (mnist_dir, bundled_dir) if d is not None] + [store]

    found = {name: _find(name, dirs) for name in FILE_NAMES}
    paths = {name: p for name, p in found.items() if p is not None}
    missing = [name for name in FILE_NAMES if name not in paths]
    if missing and not allow_download:
        raise MnistError(_missing_message(missing, dirs[0], dirs))
    for name in missing:
        try:
            paths[name] = _download(name, store)
        except MnistError as err:
            raise MnistError(f"{_missing_message(missing, dirs[0], dirs)}; {err}") from err

    arrays = {name: read_idx(paths[name], SHA256[name]) for name in FILE_NAMES}
    train_images, train_labels = arrays[TRAIN_IMAGES], arrays[TRAIN_LABELS].astype(np.int64)
    test_images, test_labels = arrays[TEST_IMAGES], arrays[TEST_LABELS].astype(np.int64)
    if len(train_images) != len(train_labels) or len(test_images) != len(test_labels):
        raise MnistError("MNIST image and label counts differ")

    def image_set(images: np.ndarray, labels: np.ndarray) -> ImageSet:
        return ImageSet(
            data=images, image_shape=(28, 28), packed=False, max_value=255.0, labels=labels
        )

    cut = NUM_TRAIN
    end = NUM_TRAIN + NUM_VALIDATION
    content = hashlib.sha256("".join(SHA256[n] for n in FILE_NAMES).encode()).hexdigest()
    info = {"files": {n: str(p) for n, p in paths.items()}, "num_classes": NUM_CLASSES}
    return DataSplits(
        name="mnist",
        train=image_set(train_images[:cut], train_labels[:cut]),
        validation=image_set(train_images[cut:end], train_labels[cut:end]),
        test=image_set(test_images, test_labels),
        content_sha256=content,
        info=info,
    )


def label_fraction_indices(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """A stratified subset: round(fraction · n_c) random images of each class c, sorted. int64."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    labels = np.asarray(labels, dtype=np.int64)
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(len(labels))  # (N,)
    grouped = shuffled[np.argsort(labels[shuffled], kind="stable")]  # (N,) by class, random within
    classes, counts = np.unique(labels, return_counts=True)
    starts = np.repeat(np.cumsum(counts) - counts, counts)  # (N,) first position of each class
    rank = np.arange(len(labels)) - starts  # (N,) rank within its class
    quota = np.maximum(1, np.round(fraction * counts)).astype(np.int64)  # (C,)
    keep = rank < np.repeat(quota, counts)
    return np.sort(grouped[keep]).astype(np.int64)
