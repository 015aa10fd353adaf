"""The synthetic shapes dataset of PROTOCOL §1: 64x64 binary images of one rotated, placed shape.

Conventions
-----------
Images are indexed ``[row, col]``; factor X moves the shape along columns, Y along rows. A pixel's
centre sits at integer coordinates (x = col, y = row). Rotation is counter-clockwise as displayed.

How an image is made (vectorised, no per-image loop)
----------------------------------------------------
1. *Source raster.* The unrotated shape is rasterised at pixel resolution: a pixel is on when its
   centre lies inside the geometric shape (boundary included). A square of half-side r therefore
   covers exactly (2r+1)x(2r+1) pixels, as Pillow's ``rectangle`` draws it; the ellipse is the
   one inscribed in its (2·floor(r/2)+1)x(2r+1) pixel box (semi-axes + 1/2), as Pillow's
   ``ellipse`` draws it; the triangle (circumradius r, vertex up) takes the pixels whose centres
   it contains, so it stays left-right symmetric (Pillow's polygon fill is not).
2. *Rotation.* The source raster is rotated by k·3° with bicubic interpolation (Keys kernel,
   a = -0.5) and thresholded at 0.5, as the paper did on its 128x128 canvas. The pivot is the
   top-left corner of the centre pixel, (cx - 1/2, cy - 1/2): Pillow's ``Image.rotate`` turns
   about the canvas centre (64.0, 64.0) in corner coordinates while the shape is centred on pixel
   64. At rotation 0 the interpolation is exact, so the square is exactly the (2r+1)² block.
   The pivot matters for the count: turning about the exact centre makes a square at 90° + θ
   identical to θ and leaves only 225,792 unique images (square 44,544), far from the paper.
3. *Sprites and shifts.* Only 3·6·60 = 1,080 (shape, scale, rotation) combinations exist, so each
   is rendered once as a "sprite" with its centre at pixel (24, 24), stored as 64 rows of 64 bits
   (one uint64 per row, most significant bit = column 0, i.e. ``np.packbits`` order). An image at
   (X, Y) is that sprite moved X columns right (a bit shift) and Y rows down (a row gather). Integer
   translation is exact, so this equals rendering each image on its own.

Measured with RENDERER_VERSION 1 (the same for every seed): the 276,480 combinations give
269,789 images unique within their shape (square 88,479, ellipse 90,174, triangle 91,136),
1.04% above the paper's 267,021 (PROTOCOL allows ±2%; a Pillow renderer gives 270,860).
Content SHA-256 (unique packed images, then their int64 factors, in enumeration order):
39a10579658a409268c2c819dbd1cbf819e197d004c5761bb6fd8f5f347fb1f6. Split sizes for seed 0:
188,852 train, 40,469 validation, 40,468 test. A full build takes about 2.6 s on 2 CPU cores.
On 2,000 random factor draws the renderer agrees with a per-image Pillow renderer (bench/dataset.py)
on 99.8% of pixels; the remaining differences are mostly Pillow's asymmetric polygon edges.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from vae_core.data.cache import default_cache_dir
from vae_core.data.images import DataSplits, ImageSet

logger = logging.getLogger(__name__)

FACTOR_NAMES = ("shape", "x", "y", "scale", "rotation")
FACTOR_SIZES = (3, 16, 16, 6, 60)
SHAPE_NAMES = ("square", "ellipse", "triangle")
NUM_COMBINATIONS = int(np.prod(FACTOR_SIZES))  # 276,480
IMAGE_SIZE = 64
PAPER_UNIQUE = 267_021
RENDERER_VERSION = 1

_BASE_RADIUS = 8  # r = 8 + scale index
_ORIGIN = 24  # the shape centre lands at pixel (24 + X, 24 + Y)
_DEGREES_PER_STEP = 3.0
_SRC = 16  # source raster spans offsets -_SRC.._SRC around the centre
_OUT = 22  # rotated sprite spans offsets -_OUT.._OUT around the centre
_PIVOT = -0.5  # rotation pivot offset from the centre pixel, both axes (pixel corner)
_CHUNK = 32_768  # images rendered per chunk during a build
_SPLIT = (0.70, 0.15, 0.15)


def _source_rasters(shape: int) -> np.ndarray:
    """Unrotated shape of each scale, on when the pixel centre is inside. bool (6, 2S+1, 2S+1)."""
    d = np.arange(-_SRC, _SRC + 1, dtype=np.float64)
    y, x = np.meshgrid(d, d, indexing="ij")  # (2S+1, 2S+1) each; y = row offset, x = col offset
    r = (_BASE_RADIUS + np.arange(FACTOR_SIZES[3], dtype=np.float64))[:, None, None]  # (6, 1, 1)
    eps = 1e-9
    if shape == 0:  # square, half-side r, axis-aligned
        return (np.abs(x) <= r + eps) & (np.abs(y) <= r + eps)
    if shape == 1:  # ellipse, horizontal semi-axis floor(r/2), vertical semi-axis r
        a = np.floor(r / 2) + 0.5  # inscribed in the pixel box (2a+1)x(2r+1), as Pillow draws it
        b = r + 0.5
        return (x / a) ** 2 + (y / b) ** 2 <= 1 + eps
    if shape == 2:  # equilateral triangle, circumradius r, a vertex up (rows grow downwards)
        half = np.sqrt(3.0) / 2
        inradius = r / 2
        return (
            (y <= inradius + eps)
            & (half * x - 0.5 * y <= inradius + eps)
            & (-half * x - 0.5 * y <= inradius + eps)
        )
    raise ValueError(f"unknown shape index {shape}")


def _keys_weights(t: np.ndarray) -> np.ndarray:
    """Bicubic (Keys, a = -0.5) weights of the taps at -1, 0, 1, 2 for fractions t. (..., 4)."""
    a = -0.5
    dist = np.stack([1 + t, t, 1 - t, 2 - t], axis=-1)  # (..., 4) distances to the taps
    near = ((a + 2) * dist - (a + 3)) * dist * dist + 1
    far = ((a * dist - 5 * a) * dist + 8 * a) * dist - 4 * a
    return np.where(dist <= 1, near, np.where(dist < 2, far, 0.0))


def _rotate_rasters(src: np.ndarray) -> np.ndarray:
    """Each source raster at every rotation, bicubic, thresholded at 0.5. bool (M, 60, W, W)."""
    pad = 2
    padded = np.pad(src.astype(np.float64), ((0, 0), (pad, pad), (pad, pad)))  # (M, P, P)
    width = padded.shape[-1]
    angles = np.deg2rad(_DEGREES_PER_STEP * np.arange(FACTOR_SIZES[4]))  # (60,)
    cos, sin = np.cos(angles)[:, None, None], np.sin(angles)[:, None, None]  # (60, 1, 1)
    d = np.arange(-_OUT, _OUT + 1, dtype=np.float64) - _PIVOT
    qy, qx = np.meshgrid(d, d, indexing="ij")  # (W, W) output offsets from the pivot
    # Inverse of a counter-clockwise-as-displayed turn (y grows downwards), back to source offsets.
    sx = _PIVOT + cos * qx - sin * qy  # (60, W, W)
    sy = _PIVOT + sin * qx + cos * qy  # (60, W, W)
    fx, fy = np.floor(sx), np.floor(sy)
    wx, wy = _keys_weights(sx - fx), _keys_weights(sy - fy)  # (60, W, W, 4) each
    taps = np.arange(-1, 3)
    ix = np.clip(fx.astype(np.int64)[..., None] + taps + _SRC + pad, 0, width - 1)  # (60, W, W, 4)
    iy = np.clip(fy.astype(np.int64)[..., None] + taps + _SRC + pad, 0, width - 1)
    flat = iy[..., :, None] * width + ix[..., None, :]  # (60, W, W, 4, 4)
    weights = wy[..., :, None] * wx[..., None, :]  # (60, W, W, 4, 4)
    gathered = padded.reshape(len(src), -1)[:, flat]  # (M, 60, W, W, 4, 4)
    values = np.einsum("mrhwij,rhwij->mrhw", gathered, weights)  # (M, 60, W, W)
    return values >= 0.5


@cache
def _sprite_rows() -> np.ndarray:
    """Every (shape, scale, rotation) sprite centred at (24, 24), as uint64 bit rows. (1080, 64)."""
    sprites = np.zeros((*FACTOR_SIZES[0:1], *FACTOR_SIZES[3:], IMAGE_SIZE, IMAGE_SIZE), bool)
    lo, hi = _ORIGIN - _OUT, _ORIGIN + _OUT + 1
    for shape in range(FACTOR_SIZES[0]):  # three shapes; every sprite of a shape at once
        rotated = _rotate_rasters(_source_rasters(shape))  # (6, 60, 2O+1, 2O+1)
        edge = rotated[..., 0, :].any() | rotated[..., -1, :].any()
        edge |= rotated[..., :, 0].any() | rotated[..., :, -1].any()
        if edge:
            raise AssertionError("sprite window too small: a shape touches its border")
        sprites[shape, :, :, lo:hi, lo:hi] = rotated
    packed = np.packbits(sprites.reshape(-1, IMAGE_SIZE, IMAGE_SIZE), axis=-1)  # (1080, 64, 8)
    rows = packed.view(">u8")[..., 0].astype(np.uint64)  # (1080, 64) big-endian bit rows
    shift_room = FACTOR_SIZES[1] - 1
    if np.any(rows & ((np.uint64(1) << np.uint64(shift_room)) - np.uint64(1))):
        raise AssertionError("sprite too wide for the X shifts")
    rows.setflags(write=False)
    return rows


def _check_factors(factors: np.ndarray) -> np.ndarray:
    """Validate an (N, 5) integer factor array against FACTOR_SIZES."""
    factors = np.asarray(factors)
    if factors.ndim != 2 or factors.shape[1] != len(FACTOR_SIZES):
        raise ValueError(f"factors must have shape (N, {len(FACTOR_SIZES)}), got {factors.shape}")
    if not np.issubdtype(factors.dtype, np.integer):
        raise ValueError(f"factors must be integers, got {factors.dtype}")
    factors = factors.astype(np.int64, copy=False)
    if np.any(factors < 0) or np.any(factors >= np.asarray(FACTOR_SIZES)):
        raise ValueError(f"factor values out of range {FACTOR_SIZES}")
    return factors


def render_packed(factors: np.ndarray) -> np.ndarray:
    """Images for validated factors as packed bits, uint8 (N, 512) in ``np.packbits`` order."""
    factors = _check_factors(factors)
    rows = _sprite_rows()
    padded = np.concatenate([np.zeros((len(rows), FACTOR_SIZES[2]), np.uint64), rows], axis=1)
    shape, x, y, scale, rotation = factors.T
    sprite = (shape * FACTOR_SIZES[3] + scale) * FACTOR_SIZES[4] + rotation  # (N,)
    src_row = np.arange(IMAGE_SIZE) + FACTOR_SIZES[2] - y[:, None]  # (N, 64) rows moved down by Y
    images = padded[sprite[:, None], src_row] >> x[:, None].astype(np.uint64)  # (N, 64) uint64
    return images.astype(">u8").view(np.uint8)  # (N, 512)


def render(factors: np.ndarray) -> np.ndarray:
    """Binary images for integer factors (N, 5), bool (N, 64, 64) indexed [row, col]."""
    packed = render_packed(factors)  # (N, 512)
    return np.unpackbits(packed, axis=1).reshape(-1, IMAGE_SIZE, IMAGE_SIZE).astype(bool)


def factors_to_index(factors: np.ndarray) -> np.ndarray:
    """Mixed-radix index of each factor row (rotation fastest), int64 (N,)."""
    factors = _check_factors(factors)
    return np.ravel_multi_index(tuple(factors.T), FACTOR_SIZES).astype(np.int64)


def index_to_factors(index: np.ndarray) -> np.ndarray:
    """Factor rows of mixed-radix indices, int64 (N, 5)."""
    index = np.asarray(index, dtype=np.int64)
    if np.any(index < 0) or np.any(index >= NUM_COMBINATIONS):
        raise ValueError(f"index out of range [0, {NUM_COMBINATIONS})")
    return np.stack(np.unravel_index(index, FACTOR_SIZES), axis=1).astype(np.int64)


class ShapesGroundTruth:
    """The shapes generator behind the dataset: sample factors, render them, index them."""

    factor_names = FACTOR_NAMES
    factor_sizes = FACTOR_SIZES
    num_factors = len(FACTOR_SIZES)
    image_shape = (IMAGE_SIZE, IMAGE_SIZE)

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Factors drawn uniformly and independently, int64 (n, 5)."""
        return rng.integers(0, self.factor_sizes, size=(n, self.num_factors), dtype=np.int64)

    def render(self, factors: np.ndarray) -> np.ndarray:
        """Binary images, bool (N, 64, 64)."""
        return render(factors)

    def factors_to_index(self, factors: np.ndarray) -> np.ndarray:
        """Mixed-radix index over the 276,480 combinations, int64 (N,)."""
        return factors_to_index(factors)

    def index_to_factors(self, index: np.ndarray) -> np.ndarray:
        """Factor rows of mixed-radix indices, int64 (N, 5)."""
        return index_to_factors(index)


def _spec_key(seed: int) -> str:
    """Hash of everything that determines a build: geometry, renderer version, split, seed."""
    spec = {
        "factor_sizes": FACTOR_SIZES,
        "base_radius": _BASE_RADIUS,
        "origin": _ORIGIN,
        "degrees_per_step": _DEGREES_PER_STEP,
        "pivot": _PIVOT,
        "renderer_version": RENDERER_VERSION,
        "split": _SPLIT,
        "seed": int(seed),
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def _content_sha256(packed: np.ndarray, factors: np.ndarray) -> str:
    """SHA-256 of unique images and their factors, both in enumeration order."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(packed).tobytes())
    digest.update(np.ascontiguousarray(factors, dtype="<i8").tobytes())
    return digest.hexdigest()


def _render_unique(progress: bool) -> tuple[np.ndarray, np.ndarray]:
    """All unique images within each shape, first in enumeration order kept. (U, 512), (U,)."""
    per_shape = NUM_COMBINATIONS // FACTOR_SIZES[0]
    packed = np.empty((NUM_COMBINATIONS, IMAGE_SIZE * IMAGE_SIZE // 8), np.uint8)
    starts = range(0, NUM_COMBINATIONS, _CHUNK)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc="rendering shapes", unit="chunk")
    for start in starts:  # chunks of _CHUNK images, each rendered in one vectorised call
        stop = min(start + _CHUNK, NUM_COMBINATIONS)
        packed[start:stop] = render_packed(index_to_factors(np.arange(start, stop)))
    keep = []
    for shape in range(FACTOR_SIZES[0]):  # deduplicate within each shape
        block = packed[shape * per_shape : (shape + 1) * per_shape]  # (92160, 512)
        as_void = block.view(np.dtype((np.void, block.shape[1])))[:, 0]  # (92160,)
        _, first = np.unique(as_void, return_index=True)
        keep.append(np.sort(first) + shape * per_shape)
    kept = np.concatenate(keep)  # (U,) ascending = enumeration order
    return packed[kept], kept


def _split(kept: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions into `kept` for train / validation / test, stratified by shape, shuffled."""
    rng = np.random.default_rng(seed)
    shape_of = kept // (NUM_COMBINATIONS // FACTOR_SIZES[0])  # (U,)
    parts: tuple[list, list, list] = ([], [], [])
    for shape in range(FACTOR_SIZES[0]):
        pos = rng.permutation(np.flatnonzero(shape_of == shape))
        n_train = int(round(_SPLIT[0] * len(pos)))
        rest = rng.permutation(pos[n_train:])
        n_test = len(rest) // 2
        parts[0].append(pos[:n_train])
        parts[2].append(rest[:n_test])
        parts[1].append(rest[n_test:])
    # Interleave the shapes so that any prefix of a split is a random sample.
    train, validation, test = (rng.permutation(np.concatenate(p)) for p in parts)
    return train, validation, test


def _make_splits(
    packed: np.ndarray,
    factors: np.ndarray,
    positions: tuple[np.ndarray, np.ndarray, np.ndarray],
    content_sha256: str,
    info: dict,
) -> DataSplits:
    """Packed ImageSets carrying their factors, for the three position arrays."""
    train, validation, test = (
        ImageSet(
            data=packed[pos],
            image_shape=(IMAGE_SIZE, IMAGE_SIZE),
            packed=True,
            factors=factors[pos],
        )
        for pos in positions
    )
    return DataSplits("shapes", train, validation, test, content_sha256, info)


def _load_cache(path: Path) -> DataSplits | None:
    """Splits from a cache file if it is readable and its content hash checks out."""
    names = ("train", "validation", "test")
    try:
        with np.load(path) as f:
            sizes = [len(f[f"{n}_factors"]) for n in names]
            packed = np.concatenate([f[f"{n}_data"] for n in names])
            factors = np.concatenate([f[f"{n}_factors"] for n in names])
            stored_sha = str(f["content_sha256"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        logger.warning("ignoring unreadable shapes cache %s: %s", path, err)
        return None
    order = np.argsort(factors_to_index(factors))
    sha = _content_sha256(packed[order], factors[order])
    if sha != stored_sha or len(packed) != len(factors):
        logger.warning("ignoring shapes cache %s: content hash mismatch", path)
        return None
    a, b = sizes[0], sizes[0] + sizes[1]
    positions = (np.arange(a), np.arange(a, b), np.arange(b, len(packed)))
    per_shape = np.bincount(factors[:, 0], minlength=FACTOR_SIZES[0])
    info = _info(per_shape, path, from_cache=True)
    return _make_splits(packed, factors, positions, sha, info)


def _info(per_shape: np.ndarray, path: Path, from_cache: bool) -> dict:
    """Provenance recorded with a build."""
    return {
        "unique": int(per_shape.sum()),
        "unique_per_shape": {n: int(c) for n, c in zip(SHAPE_NAMES, per_shape, strict=True)},
        "paper_unique": PAPER_UNIQUE,
        "renderer_version": RENDERER_VERSION,
        "cache_path": str(path),
        "from_cache": from_cache,
    }


def build_dataset(
    seed: int = 0, cache_dir: Path | None = None, progress: bool = False
) -> DataSplits:
    """Render, deduplicate and split the shapes dataset, or load it from the on-disk cache."""
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cache_dir / f"shapes-{_spec_key(seed)[:20]}.npz"
    if path.exists():
        cached = _load_cache(path)
        if cached is not None:
            logger.info("shapes dataset loaded from %s (sha256 %s)", path, cached.content_sha256)
            return cached

    packed, kept = _render_unique(progress)
    factors = index_to_factors(kept)  # (U, 5)
    sha = _content_sha256(packed, factors)
    per_shape = np.bincount(factors[:, 0], minlength=FACTOR_SIZES[0])
    for name, count in zip(SHAPE_NAMES, per_shape, strict=True):
        logger.info("shapes: %d unique %s images", count, name)
    logger.info("shapes: %d unique images in all, content sha256 %s", per_shape.sum(), sha)
    positions = _split(kept, seed)

    cache_dir.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {"content_sha256": np.array(sha)}
    for name, pos in zip(("train", "validation", "test"), positions, strict=True):
        arrays[f"{name}_data"] = packed[pos]
        arrays[f"{name}_factors"] = factors[pos]
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".shapes-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return _make_splits(packed, factors, positions, sha, _info(per_shape, path, from_cache=False))
