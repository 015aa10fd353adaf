"""Small synthetic DataSplits for training tests: random filled rectangles, packed or uint8."""

from __future__ import annotations

import numpy as np

from vae_core.data.images import DataSplits, ImageSet


def rectangles(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """`n` binary images (n, size, size), each one axis-aligned filled rectangle."""
    lo = rng.integers(0, size // 2, (n, 2))  # (n, 2) top-left y, x
    hi = lo + rng.integers(size // 8, size // 2, (n, 2))  # (n, 2) exclusive bottom-right
    grid = np.arange(size)
    rows = (grid >= lo[:, :1]) & (grid < hi[:, :1])  # (n, size)
    cols = (grid >= lo[:, 1:]) & (grid < hi[:, 1:])  # (n, size)
    return rows[:, :, None] & cols[:, None, :]  # (n, size, size)


def rectangle_splits(
    name: str, sizes: tuple[int, int, int] = (600, 200, 200), seed: int = 0
) -> DataSplits:
    """Splits shaped like `name`'s data: "shapes" 64x64 packed bits, "mnist" 28x28 uint8/255."""
    rng = np.random.default_rng(seed)
    sets = []
    for n in sizes:
        if name == "shapes":
            img = rectangles(n, 64, rng)
            sets.append(ImageSet(np.packbits(img.reshape(n, -1), axis=1), (64, 64), packed=True))
        else:
            img = rectangles(n, 28, rng).astype(np.uint8) * rng.integers(128, 256, (n, 1, 1))
            labels = rng.integers(0, 10, n)
            sets.append(ImageSet(img.astype(np.uint8), (28, 28), False, 255.0, labels=labels))
    return DataSplits(name, *sets)
