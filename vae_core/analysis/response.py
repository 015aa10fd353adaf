"""Latent-factor response map (shapes): how each latent's mean code follows the factors."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure  # pyplot-free: the Agg canvas, no global state

SHAPE_NAMES = ("square", "ellipse", "triangle")


def group_means(codes: np.ndarray, keys: np.ndarray, num_groups: int) -> np.ndarray:
    """Mean code per group key, [num_groups, num_latents]; NaN for empty groups."""
    sums = np.zeros((num_groups, codes.shape[1]))
    np.add.at(sums, keys, codes)
    counts = np.bincount(keys, minlength=num_groups)[:, None]  # [num_groups, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


def response_png(
    codes: np.ndarray,
    factors: np.ndarray,
    factor_sizes: tuple[int, ...] = (3, 16, 16, 6, 60),
    dpi: int = 60,
) -> bytes:
    """PNG: per latent, mean mu over X x Y (heat map), and against scale and rotation per shape.

    Args:
        codes: [N, num_latents] encoder means of the test split.
        factors: [N, 5] shapes factors (shape, x, y, scale, rotation) of the same images.
    """
    num_latents = codes.shape[1]
    n_shape, n_x, n_y, n_scale, n_rot = factor_sizes
    xy = group_means(codes, factors[:, 1] * n_y + factors[:, 2], n_x * n_y)
    xy = xy.reshape(n_x, n_y, num_latents)  # [X, Y, latent]
    scale = group_means(codes, factors[:, 0] * n_scale + factors[:, 3], n_shape * n_scale)
    scale = scale.reshape(n_shape, n_scale, num_latents)  # [shape, scale, latent]
    rot = group_means(codes, factors[:, 0] * n_rot + factors[:, 4], n_shape * n_rot)
    rot = rot.reshape(n_shape, n_rot, num_latents)  # [shape, rotation, latent]
    fig = Figure(figsize=(9, 2.2 * num_latents), dpi=dpi)
    axes = fig.subplots(num_latents, 3, squeeze=False)
    for k in range(num_latents):
        ax_xy, ax_scale, ax_rot = axes[k]
        ax_xy.imshow(xy[:, :, k].T, origin="lower", cmap="viridis")
        ax_xy.set_ylabel(f"z{k}")
        for s in range(n_shape):
            label = SHAPE_NAMES[s] if s < len(SHAPE_NAMES) else str(s)
            ax_scale.plot(np.arange(n_scale), scale[s, :, k], label=label)
            ax_rot.plot(np.arange(n_rot) * 3, rot[s, :, k], label=label)
        if k == 0:
            ax_xy.set_title("mean z over X (right) x Y (up)")
            ax_scale.set_title("vs scale")
            ax_rot.set_title("vs rotation (deg)")
            ax_rot.legend(fontsize="small")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
