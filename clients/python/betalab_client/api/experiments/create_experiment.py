from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.experiment_created import ExperimentCreated
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...models.mnist_experiment_create import MnistExperimentCreate
from ...models.quota_error import QuotaError
from ...models.shapes_experiment_create import ShapesExperimentCreate
from ...types import Response


def _get_kwargs(
    *,
    body: MnistExperimentCreate | ShapesExperimentCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/experiments",
    }

    if isinstance(body, ShapesExperimentCreate):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ExperimentCreated | HTTPError | HTTPValidationError | QuotaError | None:
    if response.status_code == 201:
        response_201 = ExperimentCreated.from_dict(response.json())

        return response_201

    if response.status_code == 401:
        response_401 = HTTPError.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = HTTPError.from_dict(response.json())

        return response_403

    if response.status_code == 413:
        response_413 = HTTPError.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = QuotaError.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ExperimentCreated | HTTPError | HTTPValidationError | QuotaError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: MnistExperimentCreate | ShapesExperimentCreate,
) -> Response[ExperimentCreated | HTTPError | HTTPValidationError | QuotaError]:
    """Create Experiment

     Create one queued run per grid cell in one transaction, owned by the key, then enqueue
    them (429 when they would take the key past max_active_runs_per_key).

    Args:
        body (MnistExperimentCreate | ShapesExperimentCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ExperimentCreated | HTTPError | HTTPValidationError | QuotaError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: MnistExperimentCreate | ShapesExperimentCreate,
) -> ExperimentCreated | HTTPError | HTTPValidationError | QuotaError | None:
    """Create Experiment

     Create one queued run per grid cell in one transaction, owned by the key, then enqueue
    them (429 when they would take the key past max_active_runs_per_key).

    Args:
        body (MnistExperimentCreate | ShapesExperimentCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ExperimentCreated | HTTPError | HTTPValidationError | QuotaError
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: MnistExperimentCreate | ShapesExperimentCreate,
) -> Response[ExperimentCreated | HTTPError | HTTPValidationError | QuotaError]:
    """Create Experiment

     Create one queued run per grid cell in one transaction, owned by the key, then enqueue
    them (429 when they would take the key past max_active_runs_per_key).

    Args:
        body (MnistExperimentCreate | ShapesExperimentCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ExperimentCreated | HTTPError | HTTPValidationError | QuotaError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: MnistExperimentCreate | ShapesExperimentCreate,
) -> ExperimentCreated | HTTPError | HTTPValidationError | QuotaError | None:
    """Create Experiment

     Create one queued run per grid cell in one transaction, owned by the key, then enqueue
    them (429 when they would take the key past max_active_runs_per_key).

    Args:
        body (MnistExperimentCreate | ShapesExperimentCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ExperimentCreated | HTTPError | HTTPValidationError | QuotaError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
