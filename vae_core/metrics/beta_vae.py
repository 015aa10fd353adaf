"""BetaVAE disentanglement scores: the paper's change-one variant and Higgins et al.'s fix-one."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from vae_core.metrics.utils import GroundTruth, Represent, encode_factors


def _draw_change_one(
    ground_truth: GroundTruth,
    labels: np.ndarray,
    changeable: np.ndarray,
    fixed_factor: int | None,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Factor pairs that differ only in factor changeable[label], by a non-zero cyclic offset."""
    n = labels.shape[0]
    sizes = np.asarray(ground_truth.factor_sizes)
    first = ground_truth.sample_factors(n, rng)  # [n, num_factors]
    if fixed_factor is not None:  # balanced over the fixed factor's values (the shapes)
        first[:, fixed_factor] = rng.permutation(np.arange(n) % sizes[fixed_factor])
    cols = changeable[labels]  # [n]
    offset = rng.integers(1, sizes[cols])  # [n], in 1..size-1
    second = first.copy()
    rows = np.arange(n)
    second[rows, cols] = (first[rows, cols] + offset) % sizes[cols]
    return first, second


def _encode_distinct(
    ground_truth: GroundTruth,
    represent: Represent,
    rows: list[np.ndarray],
    packed: list[np.ndarray],
    image_shape: tuple[int, ...],
    chunk_size: int,
) -> np.ndarray:
    """Codes of every factor row, encoding each distinct row's (bit-packed) image only once."""
    keys = np.ravel_multi_index(np.concatenate(rows).T, ground_truth.factor_sizes)  # [rows]
    _, first_seen, inverse = np.unique(keys, return_index=True, return_inverse=True)
    bits = np.concatenate(packed)[first_seen]  # [distinct, H*W/8]
    size = int(np.prod(image_shape))
    parts = []
    for i in range(0, bits.shape[0], chunk_size):
        images = np.unpackbits(bits[i : i + chunk_size], axis=1, count=size).astype(bool)
        parts.append(np.asarray(represent(images.reshape(-1, *image_shape)), dtype=np.float64))
    return np.concatenate(parts)[inverse]  # [rows, num_latents]


def change_one_features(
    ground_truth: GroundTruth,
    represent: Represent,
    num_points: int,
    rng: np.random.Generator,
    changeable_factors: tuple[int, ...] = (1, 2, 3, 4),
    fixed_factor: int | None = 0,
    chunk_size: int = 10_000,
    max_redraws: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """Features d = |mu1 - mu2| / max|mu1 - mu2| and labels for change-one pairs (PROTOCOL §4).

    Pairs whose two images are identical are redrawn (same label, new factors and offset) until
    none is left. Images are rendered `chunk_size` pairs at a time and kept bit-packed; each
    distinct factor row is then encoded once, `chunk_size` images per call.
    Returns ([num_points, num_latents] float32, [num_points] int64 index into changeable_factors).
    """
    changeable = np.asarray(changeable_factors)
    labels = rng.integers(0, changeable.shape[0], num_points)  # [num_points]
    rows, packed = [], []
    for start in range(0, num_points, chunk_size):
        chunk_labels = labels[start : start + chunk_size]
        first, second = _draw_change_one(ground_truth, chunk_labels, changeable, fixed_factor, rng)
        img1, img2 = ground_truth.render(first), ground_truth.render(second)  # [n, H, W] bool
        same = np.flatnonzero((img1 == img2).reshape(len(img1), -1).all(axis=1))
        for _ in range(max_redraws):  # redraw the (shrinking) set of identical pairs
            if same.size == 0:
                break
            f1, f2 = _draw_change_one(
                ground_truth, chunk_labels[same], changeable, fixed_factor, rng
            )
            first[same], second[same] = f1, f2
            img1[same], img2[same] = ground_truth.render(f1), ground_truth.render(f2)
            still = (img1[same] == img2[same]).reshape(same.size, -1).all(axis=1)
            same = same[still]
        if same.size:
            raise ValueError(f"{same.size} change-one pairs stayed identical after redrawing")
        rows += [first, second]
        packed += [np.packbits(im.reshape(len(im), -1), axis=1) for im in (img1, img2)]
    codes = _encode_distinct(ground_truth, represent, rows, packed, img1.shape[1:], chunk_size)
    # codes: [2 * pairs, num_latents], chunk by chunk: first rows, then second rows
    feats, offset = [], 0
    for n in (len(r) for r in rows[::2]):
        diff = np.abs(codes[offset : offset + n] - codes[offset + n : offset + 2 * n])
        peak = diff.max(axis=1, keepdims=True)  # [n, 1]
        feats.append(diff / np.where(peak > 0, peak, 1.0))  # a zero difference stays zero
        offset += 2 * n
    return np.concatenate(feats).astype(np.float32), labels.astype(np.int64)


def fit_softmax(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    num_classes: int,
    lr: float = 1e-2,
    patience: int = 20,
    max_steps: int = 2_000,
) -> tuple[torch.nn.Linear, int]:
    """Linear softmax classifier with bias: full-batch Adam, early stop on validation CE.

    Weights start at zero (the problem is convex, so no seed is needed); the weights with the
    lowest validation cross-entropy are returned with the number of steps taken. `max_steps`
    bounds separable data, whose validation cross-entropy keeps falling. Runs on one thread:
    the problem is tiny and extra threads only contend.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _fit_softmax(x_train, y_train, x_val, y_val, num_classes, lr, patience, max_steps)
    finally:
        torch.set_num_threads(threads)


def _fit_softmax(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    num_classes: int,
    lr: float,
    patience: int,
    max_steps: int,
) -> tuple[torch.nn.Linear, int]:
    """The training loop behind fit_softmax."""
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    xv, yv = torch.from_numpy(x_val), torch.from_numpy(y_val)
    model = torch.nn.Linear(xt.shape[1], num_classes)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    best, best_state, since, steps = float("inf"), None, 0, 0
    while steps < max_steps:
        steps += 1
        opt.zero_grad()
        loss_fn(model(xt), yt).backward()
        opt.step()
        with torch.no_grad():
            val = float(loss_fn(model(xv), yv))
        if val < best:
            best, since = val, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            since += 1
            if since >= patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return model, steps


def _accuracy(model: torch.nn.Linear, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows whose arg-max logit equals the label."""
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(dim=1).numpy()
    return float(np.mean(pred == y))


def compute_change_one(
    ground_truth: GroundTruth,
    represent: Represent,
    seed: int,
    num_train: int = 35_000,
    num_val: int = 7_500,
    num_test: int = 7_500,
    changeable_factors: tuple[int, ...] = (1, 2, 3, 4),
    fixed_factor: int | None = 0,
    chunk_size: int = 10_000,
    max_steps: int = 2_000,
) -> dict[str, float]:
    """The paper's disentanglement metric: which factor changed between two images (chance 1/4).

    PROTOCOL §4 (Peychev et al.'s code, a variant of Higgins et al. 2017): shape balanced and
    never changed; one of X, Y, scale, rotation moved by a non-zero cyclic offset; softmax
    classifier on normalised |mu1 - mu2|; 35,000 / 7,500 / 7,500 samples; score = test accuracy.
    """
    rng = np.random.default_rng(seed)
    total = num_train + num_val + num_test
    x, y = change_one_features(
        ground_truth, represent, total, rng, changeable_factors, fixed_factor, chunk_size
    )
    a, b = num_train, num_train + num_val
    model, steps = fit_softmax(
        x[:a], y[:a], x[a:b], y[a:b], len(changeable_factors), max_steps=max_steps
    )
    return {
        "beta_vae_change_one": _accuracy(model, x[b:], y[b:]),
        "train_accuracy": _accuracy(model, x[:a], y[:a]),
        "num_steps": float(steps),
    }


def fix_one_features(
    ground_truth: GroundTruth,
    represent: Represent,
    num_points: int,
    rng: np.random.Generator,
    batch_size: int = 64,
    chunk_size: int = 20_000,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean |z1 - z2| over `batch_size` pairs that share one factor, with that factor's index.

    Matches disentanglement_lib's beta_vae._generate_training_sample: the fixed factor is
    uniform over ALL factors; within each pair it is equal, across pairs it varies.
    Returns ([num_points, num_latents], [num_points] int64).
    """
    num_factors = ground_truth.num_factors
    labels = rng.integers(0, num_factors, num_points)  # [num_points]
    per_chunk = max(1, chunk_size // (2 * batch_size))  # points per rendered chunk
    feats = []
    for start in range(0, num_points, per_chunk):
        lab = labels[start : start + per_chunk]
        n = lab.shape[0] * batch_size
        first = ground_truth.sample_factors(n, rng).reshape(-1, batch_size, num_factors)
        second = ground_truth.sample_factors(n, rng).reshape(-1, batch_size, num_factors)
        rows = np.arange(lab.shape[0])
        second[rows, :, lab] = first[rows, :, lab]  # [points, batch_size] fixed factor copied
        codes = encode_factors(
            ground_truth, represent, np.concatenate([first, second]), chunk_size
        )  # [2 * points, batch_size, num_latents]
        k = lab.shape[0]
        feats.append(np.abs(codes[:k] - codes[k:]).mean(axis=1))  # [points, num_latents]
    return np.concatenate(feats), labels.astype(np.int64)


def compute_fix_one(
    ground_truth: GroundTruth,
    represent: Represent,
    seed: int,
    batch_size: int = 64,
    num_train: int = 10_000,
    num_eval: int = 5_000,
    chunk_size: int = 20_000,
) -> dict[str, float]:
    """Higgins et al. (ICLR 2017) BetaVAE score: which factor was held fixed (chance 1/num_factors).

    Matches disentanglement_lib's compute_beta_vae_sklearn: batch_size 64, 10,000 train and
    5,000 eval points, sklearn LogisticRegression(random_state=...) with default parameters.
    """
    rng = np.random.default_rng(seed)
    x_train, y_train = fix_one_features(
        ground_truth, represent, num_train, rng, batch_size, chunk_size
    )
    model = LogisticRegression(random_state=int(rng.integers(2**31 - 1)))
    model.fit(x_train, y_train)
    x_eval, y_eval = fix_one_features(
        ground_truth, represent, num_eval, rng, batch_size, chunk_size
    )
    return {
        "beta_vae_fix_one": float(model.score(x_eval, y_eval)),
        "train_accuracy": float(model.score(x_train, y_train)),
    }
