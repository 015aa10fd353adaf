"""Benchmark: full shapes build from scratch versus a per-image Pillow renderer (the baseline)."""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vae_core.data import shapes  # noqa: E402

CANVAS = 128
CENTRE = CANVAS // 2  # the shape is drawn centred on pixel 64


def pillow_render_one(shape: int, x: int, y: int, scale: int, rotation: int) -> np.ndarray:
    """The paper's recipe for one image: draw on 128x128, rotate bicubic, crop, threshold."""
    r = 8 + scale
    canvas = Image.new("L", (CANVAS, CANVAS), 0)
    draw = ImageDraw.Draw(canvas)
    c = CENTRE
    if shape == 0:
        draw.rectangle([c - r, c - r, c + r, c + r], fill=255)
    elif shape == 1:
        a = r // 2
        draw.ellipse([c - a, c - r, c + a, c + r], fill=255)
    else:
        h = r * math.sqrt(3) / 2
        draw.polygon([(c, c - r), (c - h, c + r / 2), (c + h, c + r / 2)], fill=255)
    turned = canvas.rotate(3.0 * rotation, resample=Image.BICUBIC)
    left, top = c - 24 - x, c - 24 - y
    window = turned.crop((left, top, left + 64, top + 64))
    return np.asarray(window) >= 128


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Time the build and the baseline, print a summary (one JSON line with --json)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--baseline-images", type=int, default=2000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        splits = shapes.build_dataset(seed=0, cache_dir=Path(tmp))
        build_s = time.perf_counter() - start
    rss = peak_rss_mb()

    rng = np.random.default_rng(0)
    factors = shapes.ShapesGroundTruth().sample_factors(args.baseline_images, rng)  # (B, 5)
    start = time.perf_counter()
    baseline = np.stack([pillow_render_one(*map(int, f)) for f in factors])  # (B, 64, 64)
    baseline_s = time.perf_counter() - start
    ours = shapes.render(factors)  # (B, 64, 64)
    agreement = float((ours == baseline).mean())
    mismatch_per_image = float((ours != baseline).sum(axis=(1, 2)).mean())
    union = (ours | baseline).sum(axis=(1, 2))
    iou = float(((ours & baseline).sum(axis=(1, 2)) / np.maximum(union, 1)).mean())

    img_per_s = shapes.NUM_COMBINATIONS / build_s
    baseline_img_per_s = len(factors) / baseline_s
    result = {
        "build_s": round(build_s, 3),
        "unique": splits.info["unique"],
        "unique_per_shape": splits.info["unique_per_shape"],
        "peak_rss_mb": round(rss, 1),
        "img_per_s": round(img_per_s, 1),
        "baseline_img_per_s": round(baseline_img_per_s, 1),
        "speedup": round(img_per_s / baseline_img_per_s, 1),
        "pixel_agreement": round(agreement, 5),
        "mismatched_pixels_per_image": round(mismatch_per_image, 2),
        "mean_iou": round(iou, 4),
    }
    if not args.json:
        print(f"full build: {build_s:.2f} s, {result['unique']} unique images")
        print(f"peak RSS {rss:.0f} MiB")
        print(f"pillow baseline: {baseline_img_per_s:.0f} img/s; ours {img_per_s:.0f} img/s")
        print(f"speedup x{result['speedup']}, pixel agreement with the baseline {agreement:.4%}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
