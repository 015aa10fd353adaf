"""Grids of grey images to PNG bytes, shared by the picture modules."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def grid_png(tiles: np.ndarray, pad: int = 2, scale: int = 1) -> bytes:
    """PNG bytes of a [rows, cols, H, W] array of [0, 1] images, `pad` grey pixels between tiles."""
    rows, cols, h, w = tiles.shape
    th, tw = h * scale, w * scale
    canvas = np.full((rows * (th + pad) + pad, cols * (tw + pad) + pad), 128, dtype=np.uint8)
    pixels = np.clip(np.rint(tiles * 255.0), 0, 255).astype(np.uint8)  # [rows, cols, H, W]
    pixels = pixels.repeat(scale, axis=2).repeat(scale, axis=3)  # [rows, cols, th, tw]
    view = canvas[pad:, pad:].reshape(rows, th + pad, cols, tw + pad)[:, :th, :, :tw]
    view[...] = pixels.transpose(0, 2, 1, 3)  # [rows, th, cols, tw]
    buf = io.BytesIO()
    Image.fromarray(canvas, mode="L").save(buf, format="PNG")
    return buf.getvalue()
