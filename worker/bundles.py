"""Fused bundles: up to `fused_bundle_size` runs of one experiment and model type in one task.

Grouping only (no torch here, the API imports it through dispatch). Each run keeps its own row,
status, epoch history, checkpoint folder, attempt counter, heartbeat and cancel check; the train
task trains a bundle fused (`worker.tasks.train_runs`). A run retried or swept later is re-sent
alone and resumes from its own latest.pt.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from persistence.db import session_scope
from persistence.models import Run
from persistence.settings import Settings

BundleKey = tuple[str, str, float | None]  # (experiment id, model type, label fraction)


def group_bundles(rows: Sequence[tuple[str, BundleKey]], size: int) -> list[list[str]]:
    """Run ids in input order, grouped by key into bundles of at most `size` (pure)."""
    open_bundles: dict[BundleKey, list[str]] = {}
    out: list[list[str]] = []
    for run_id, key in rows:
        bundle = open_bundles.get(key)
        if bundle is None or len(bundle) >= size:
            bundle = []
            open_bundles[key] = bundle
            out.append(bundle)
        bundle.append(run_id)
    return out


def bundles_for(run_ids: Sequence[str], *, settings: Settings) -> list[list[str]]:
    """The dispatch grouping: singletons when `fused_bundle_size` is 1, else bundles by key."""
    run_ids = list(run_ids)
    size = settings.fused_bundle_size
    if size <= 1 or len(run_ids) <= 1:
        return [[r] for r in run_ids]
    with session_scope(settings.database_url_effective) as session:
        found = {
            r.id: (r.experiment_id, r.model_type, r.label_fraction)
            for r in session.execute(
                sa.select(Run.id, Run.experiment_id, Run.model_type, Run.label_fraction).where(
                    Run.id.in_(run_ids)
                )
            )
        }
    rows = [(r, found.get(r, (r, "", None))) for r in run_ids]  # unknown ids stay alone
    return group_bundles(rows, size)
