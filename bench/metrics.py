"""Benchmark: the evaluation metrics at their default sizes, and the change-one metric against a
per-image loop (render one, encode one, as the original code did) measured in the same run."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]
from report import emit  # noqa: E402

from vae_core.data.mnist import load_mnist  # noqa: E402
from vae_core.data.shapes import ShapesGroundTruth  # noqa: E402
from vae_core.metrics.beta_vae import (  # noqa: E402
    _draw_change_one,
    change_one_features,
    compute_fix_one,
    fit_softmax,
)
from vae_core.metrics.dci import compute_dci  # noqa: E402
from vae_core.metrics.factor_vae import compute_factor_vae  # noqa: E402
from vae_core.metrics.mig import compute_mig  # noqa: E402
from vae_core.metrics.probe import svm_probe  # noqa: E402
from vae_core.metrics.representation import encode_imageset, make_represent  # noqa: E402
from vae_core.metrics.sap import compute_sap  # noqa: E402
from vae_core.metrics.utils import encode_factors  # noqa: E402
from vae_core.models import build_model, model_config_for  # noqa: E402


def timed(fn, *args, **kwargs):
    """(result, seconds) of one call."""
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def change_one(truth, represent, total: int, seed: int) -> tuple[float, float, float]:
    """The vectorised change-one metric at 70/15/15: (accuracy, feature seconds, fit seconds)."""
    rng = np.random.default_rng(seed)
    (x, y), feat_s = timed(change_one_features, truth, represent, total, rng)
    a, b = int(0.7 * total), int(0.85 * total)
    (model, _), fit_s = timed(fit_softmax, x[:a], y[:a], x[a:b], y[a:b], 4)
    with torch.no_grad():
        acc = float((model(torch.from_numpy(x[b:])).argmax(1).numpy() == y[b:]).mean())
    return acc, feat_s, fit_s


def per_image_pairs(truth, model, pairs: int, seed: int) -> float:
    """Seconds for `pairs` change-one features computed one image at a time (the baseline)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, pairs)
    first, second = _draw_change_one(truth, labels, np.array([1, 2, 3, 4]), 0, rng)
    model.eval()
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(pairs):
            codes = []
            for factors in (first[i], second[i]):
                image = truth.render(factors[None])  # (1, 64, 64)
                x = torch.from_numpy(image.astype(np.float32)).unsqueeze(1)
                codes.append(model.encode(x)[0][0].numpy())
            diff = np.abs(codes[0] - codes[1])
            _ = diff / max(diff.max(), 1e-12)
    return time.perf_counter() - start


def main() -> None:
    """Time every metric once and print a summary (one JSON line last with --json)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--checkpoint", type=Path, help="a trained FC shapes best.pt (optional)")
    parser.add_argument("--baseline-pairs", type=int, default=300)
    parser.add_argument("--change-one-samples", type=int, default=50_000)
    parser.add_argument("--fix-one-points", type=int, nargs=2, default=(10_000, 5_000))
    parser.add_argument("--factor-vae-votes", type=int, nargs=2, default=(10_000, 5_000))
    parser.add_argument("--skip", nargs="*", default=[], help="metrics not to time")
    args = parser.parse_args()

    torch.manual_seed(0)
    if args.checkpoint is not None:
        from vae_core.checkpoint import load_checkpoint_model

        model, model_note = load_checkpoint_model(args.checkpoint), str(args.checkpoint)
    else:
        model, model_note = build_model(model_config_for("shapes", "fc")), "untrained FC"
    model.eval()
    truth = ShapesGroundTruth()
    represent = make_represent(model)
    out: dict[str, object] = {"model": model_note, "cpus": os.cpu_count()}

    (acc, feat_s, fit_s) = change_one(truth, represent, args.change_one_samples, seed=0)
    out.update(change_one_s=feat_s + fit_s, change_one_fit_s=fit_s, change_one_acc=acc)
    base_s = per_image_pairs(truth, model, args.baseline_pairs, seed=1)
    out["baseline_change_one_s"] = base_s * args.change_one_samples / args.baseline_pairs + fit_s
    out["speedup"] = out["baseline_change_one_s"] / out["change_one_s"]

    if "fix_one" not in args.skip:
        train, evals = args.fix_one_points
        res, out["fix_one_s"] = timed(compute_fix_one, truth, represent, 0, 64, train, evals)
        out["fix_one_points"] = [train, evals]
    if "factor_vae" not in args.skip:
        train, evals = args.factor_vae_votes
        res, out["factor_vae_s"] = timed(
            compute_factor_vae, truth, represent, 0, 64, train, evals, 10_000
        )
        out["factor_vae_votes"] = [train, evals]

    rng = np.random.default_rng(2)
    f_train, f_test = truth.sample_factors(10_000, rng), truth.sample_factors(5_000, rng)
    c_train, c_test = (
        encode_factors(truth, represent, f_train),
        encode_factors(truth, represent, f_test),
    )
    _, out["mig_s"] = timed(compute_mig, c_train, f_train)
    if "sap" not in args.skip:
        _, out["sap_s"] = timed(compute_sap, c_train, f_train, c_test, f_test)
    if "dci" not in args.skip:
        _, out["dci_s"] = timed(compute_dci, c_train, f_train, c_test, f_test)

    if "svm" not in args.skip:
        with tempfile.TemporaryDirectory() as tmp:
            mnist = load_mnist(cache_dir=Path(tmp), allow_download=False)  # data/mnist
        mnist_model = build_model(model_config_for("mnist", "fc"))
        codes_train = encode_imageset(mnist_model, mnist.train, sample=True, seed=0)
        codes_test = encode_imageset(mnist_model, mnist.test, sample=True, seed=1)
        res, out["svm_probe_s"] = timed(
            svm_probe, codes_train, mnist.train.labels, codes_test, mnist.test.labels
        )
        out["svm_accuracy_untrained"] = res["svm_accuracy"]

    rounded = {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}
    emit(rounded, as_json=args.json)


if __name__ == "__main__":
    main()
