"""Compact in-memory image sets: packed bits or uint8, turned into floats one batch at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ImageSet:
    """A split of images kept compact in memory.

    `data` is either packed bits, shape (N, H*W/8) uint8 (binary images, `packed=True`), or
    uint8 pixels (N, H, W) scaled by `1 / max_value` when turned into floats.
    """

    data: np.ndarray
    image_shape: tuple[int, int]
    packed: bool
    max_value: float = 1.0
    labels: np.ndarray | None = None  # (N,) int64 class labels (MNIST)
    factors: np.ndarray | None = None  # (N, num_factors) int64 ground-truth factors (shapes)

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def subset(self, idx: np.ndarray) -> ImageSet:
        """The images at `idx`, in that order, with their labels and factors."""
        idx = np.asarray(idx)
        return ImageSet(
            data=self.data[idx],
            image_shape=self.image_shape,
            packed=self.packed,
            max_value=self.max_value,
            labels=None if self.labels is None else self.labels[idx],
            factors=None if self.factors is None else self.factors[idx],
        )

    def floats(self, idx: np.ndarray | slice | None = None) -> np.ndarray:
        """Float32 images in [0, 1], shape (B, 1, H, W), for the rows `idx` (all if None)."""
        rows = self.data if idx is None else self.data[idx]
        h, w = self.image_shape
        if self.packed:
            bits = np.unpackbits(rows, axis=1, count=h * w)  # (B, H*W) uint8 0/1
            return bits.reshape(-1, 1, h, w).astype(np.float32)
        out = rows.reshape(-1, 1, h, w).astype(np.float32)
        if self.max_value != 1.0:
            out *= np.float32(1.0 / self.max_value)
        return out


@dataclass(frozen=True)
class DataSplits:
    """Train / validation / test splits of one dataset, with provenance."""

    name: str  # "shapes" | "mnist"
    train: ImageSet
    validation: ImageSet
    test: ImageSet
    content_sha256: str = ""
    info: dict = field(default_factory=dict)
