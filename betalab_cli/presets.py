"""Named experiment specs: `betalab submit --preset` and the paper's figure grids."""

from __future__ import annotations

from typing import Any

from vae_core.config import MODEL_TYPES, PRESETS

FIGURE1_MODEL_TYPES = list(MODEL_TYPES)  # all four
FIGURE2_MODEL_TYPES = ["fc", "conv"]
FIGURE2_LABEL_FRACTIONS = [0.2, 0.4, 0.6, 0.8, 1.0]
FIGURE_METRIC = {1: "beta_vae_change_one", 2: "svm_accuracy"}
GRID_PRESETS = tuple(PRESETS)  # the training presets the API serves in GET /catalog
# Figure 2 under `calibrated`: the VAE trains on the whole labelled subset (the paper's protocol:
# the label fraction is the VAE's training set), not on `train_fraction` of it as well, for 5
# epochs in batches of 250 (the batch it was measured with; shapes' 64 is for the small split):
# 55,000 images x 5 at a fraction of 1.0, 5,500 x 5 at 0.1.
CALIBRATED_FIGURE2_TRAINING = {"train_fraction": 1.0, "max_epochs": 5, "batch_size": 250}

# Specs for `betalab submit --preset NAME`, exactly as POST /experiments takes them.
SUBMIT_PRESETS: dict[str, dict[str, Any]] = {
    "smoke": {
        "name": "smoke",
        "dataset": "shapes",
        "model_types": ["fc"],
        "betas": [0.0, 1.0],
        "seeds": 1,
        "metrics": ["beta_vae_change_one"],
        "training": {"preset": "smoke"},
    },
    "shapes-quick": {
        "name": "shapes-quick",
        "dataset": "shapes",
        "model_types": FIGURE1_MODEL_TYPES,
        "betas": {"start": 0.0, "stop": 5.0, "step": 1.0},
        "seeds": 2,
        "training": {"preset": "quick"},
    },
    "mnist-quick": {
        "name": "mnist-quick",
        "dataset": "mnist",
        "model_types": FIGURE2_MODEL_TYPES,
        "betas": {"start": 0.0, "stop": 4.0, "step": 1.0},
        "seeds": 2,
        "label_fractions": [0.2, 1.0],
        "training": {"preset": "quick"},
    },
}


FIGURE_GRIDS = ("tiny", "small", "paper")
# The paper's axes with fewer points (issue #16): 84 runs for Figure 1, 72 for Figure 2.
SMALL_FIGURE1_BETAS = [0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0]
SMALL_FIGURE2_BETAS = [0.0, 0.1, 0.5, 1.0, 2.0, 4.0]
SMALL_FIGURE2_LABEL_FRACTIONS = [0.1, 1.0]


def figure_spec(figure: int, grid: str, preset: str) -> dict[str, Any]:
    """The grid of the paper's Figure 1 (shapes) or 2 (MNIST) trained with `preset`.

    `paper` is the paper's whole grid (520 and 2,050 runs), `small` its axes with fewer points
    and 3 seeds, `tiny` two or four runs that check the path end to end.
    """
    if grid not in FIGURE_GRIDS:
        raise ValueError(f"unknown grid {grid!r}; expected one of {list(FIGURE_GRIDS)}")
    if preset not in GRID_PRESETS:
        raise ValueError(f"unknown preset {preset!r}; expected one of {list(GRID_PRESETS)}")
    name = f"figure{figure}-{grid}-{preset}"
    training: dict[str, Any] = {"preset": preset}
    if figure == 2 and preset == "calibrated":
        training.update(CALIBRATED_FIGURE2_TRAINING)
    if figure == 1:
        spec: dict[str, Any] = {
            "name": name,
            "dataset": "shapes",
            "model_types": FIGURE1_MODEL_TYPES,
            "betas": {"start": 0.0, "stop": 5.0, "step": 0.2},
            "seeds": 5,
            "metrics": [FIGURE_METRIC[1], "reconstruction"],
            "training": training,
        }
        if grid == "small":
            spec.update(betas=SMALL_FIGURE1_BETAS, seeds=3)
        if grid == "tiny":
            spec.update(model_types=["fc"], betas=[0.0, 2.0], seeds=1)
        return spec
    if figure == 2:
        spec = {
            "name": name,
            "dataset": "mnist",
            "model_types": FIGURE2_MODEL_TYPES,
            "betas": {"start": 0.0, "stop": 4.0, "step": 0.1},
            "seeds": 5,
            "label_fractions": FIGURE2_LABEL_FRACTIONS,
            "metrics": [FIGURE_METRIC[2], "reconstruction"],
            "training": training,
        }
        if grid == "small":
            spec.update(
                betas=SMALL_FIGURE2_BETAS, seeds=3, label_fractions=SMALL_FIGURE2_LABEL_FRACTIONS
            )
        if grid == "tiny":
            spec.update(model_types=["fc"], betas=[0.0, 1.0], seeds=1, label_fractions=[0.2, 1.0])
        return spec
    raise ValueError(f"unknown figure {figure}; the paper has figures 1 and 2")
