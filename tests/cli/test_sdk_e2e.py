"""The generated SDK alone drives the real service: create a smoke grid, wait, read its curve."""

from __future__ import annotations

import time

from betalab_client import AuthenticatedClient
from betalab_client.api.experiments import create_experiment, get_experiment, list_experiment_runs
from betalab_client.api.results import get_curve
from betalab_client.models import (
    CurvePublic,
    ExperimentCreated,
    ExperimentDetail,
    ExperimentStatus,
    HTTPError,
    HTTPValidationError,
    ResultKey,
    RunStatus,
    ShapesExperimentCreate,
    ShapesExperimentCreateMetricsItem,
    ShapesExperimentCreateModelTypesItem,
    TrainingSpec,
    TrainingSpecPreset,
)

from tests.utils.service import Service


def test_sdk_creates_a_smoke_experiment_waits_for_it_and_reads_its_curve(
    service: Service,
) -> None:
    client = AuthenticatedClient(base_url=service.url, token=service.api_key)
    body = ShapesExperimentCreate(
        name="sdk-smoke",
        dataset="shapes",
        model_types=[ShapesExperimentCreateModelTypesItem.FC],
        betas=[0.5],
        seeds=1,
        metrics=[ShapesExperimentCreateMetricsItem.BETA_VAE_CHANGE_ONE],
        training=TrainingSpec(preset=TrainingSpecPreset.SMOKE),
    )
    created = create_experiment.sync(client=client, body=body)
    assert isinstance(created, ExperimentCreated) and created.run_count == 1

    deadline = time.monotonic() + 600
    while True:
        detail = get_experiment.sync(created.id, client=client)
        assert isinstance(detail, ExperimentDetail)
        if detail.status in (ExperimentStatus.COMPLETED, ExperimentStatus.FAILED):
            break
        assert time.monotonic() < deadline, service.logs()
        time.sleep(1.0)
    assert detail.status == ExperimentStatus.COMPLETED, service.logs()
    assert detail.counts.completed == 1 and detail.progress == 1.0

    runs = list_experiment_runs.sync(created.id, client=client)
    assert [(r.beta, r.status) for r in runs.data] == [(0.5, RunStatus.COMPLETED)]
    assert runs.data[0].epochs_done >= 1

    curve = get_curve.sync(created.id, client=client, metric=ResultKey.BETA_VAE_CHANGE_ONE)
    assert isinstance(curve, CurvePublic)
    [point] = curve.points
    assert (point.model_type, point.beta, point.n) == ("fc", 0.5, 1)
    assert 0.0 <= point.mean <= 1.0

    # The SDK also hands back the server's documented errors as typed models.
    missing = get_curve.sync(created.id, client=client, metric=ResultKey.MIG)
    assert isinstance(missing, HTTPError) and "no result 'mig'" in missing.detail
    wrong = get_curve.sync(created.id, client=client, metric=ResultKey.MIG, label_fraction=2.0)
    assert isinstance(wrong, HTTPValidationError)
    assert wrong.detail[0].loc == ["query", "label_fraction"]
