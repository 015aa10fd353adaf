"""Paper-style curve figures (matplotlib Agg, no pyplot state, safe in worker threads)."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def curve_png(points: list[dict[str, Any]], *, metric: str, title: str) -> bytes:
    """One panel per model type: mean over seeds against beta, error bars one std."""
    panels: dict[str, dict[float | None, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for point in points:
        if point["mean"] is not None:
            panels[point["model_type"]][point["label_fraction"]].append(point)
    names = sorted(panels) or ["(no completed runs)"]
    fig = Figure(figsize=(4.0 * len(names), 3.4), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(names), squeeze=False, sharey=True)[0]
    for ax, name in zip(axes, names, strict=True):
        for fraction, series in sorted(panels.get(name, {}).items(), key=lambda kv: kv[0] or 0):
            series = sorted(series, key=lambda p: p["beta"])
            ax.errorbar(
                [p["beta"] for p in series],
                [p["mean"] for p in series],
                yerr=[p["std"] or 0.0 for p in series],
                marker="o",
                markersize=3,
                capsize=2,
                linewidth=1,
                label=None if fraction is None else f"labels {fraction:g}",
            )
        ax.set_title(name)
        ax.set_xlabel("β")
        ax.grid(alpha=0.3)
        if any(f is not None for f in panels.get(name, {})):
            ax.legend(fontsize=7)
    axes[0].set_ylabel(metric)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
