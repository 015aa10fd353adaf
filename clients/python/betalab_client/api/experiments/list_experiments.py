from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.experiment_status import ExperimentStatus
from ...models.experiments_public import ExperimentsPublic
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    status: ExperimentStatus | None | Unset = UNSET,
    skip: int | Unset = 0,
    limit: int | Unset = 100,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ExperimentStatus):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    params["skip"] = skip

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/experiments",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ExperimentsPublic | HTTPError | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = ExperimentsPublic.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = HTTPError.from_dict(response.json())

        return response_401

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ExperimentsPublic | HTTPError | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    status: ExperimentStatus | None | Unset = UNSET,
    skip: int | Unset = 0,
    limit: int | Unset = 100,
) -> Response[ExperimentsPublic | HTTPError | HTTPValidationError]:
    """List Experiments

     Experiments, newest first, each with its run counts, progress and ETA.

    Args:
        status (ExperimentStatus | None | Unset):
        skip (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ExperimentsPublic | HTTPError | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        status=status,
        skip=skip,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    status: ExperimentStatus | None | Unset = UNSET,
    skip: int | Unset = 0,
    limit: int | Unset = 100,
) -> ExperimentsPublic | HTTPError | HTTPValidationError | None:
    """List Experiments

     Experiments, newest first, each with its run counts, progress and ETA.

    Args:
        status (ExperimentStatus | None | Unset):
        skip (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ExperimentsPublic | HTTPError | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        status=status,
        skip=skip,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    status: ExperimentStatus | None | Unset = UNSET,
    skip: int | Unset = 0,
    limit: int | Unset = 100,
) -> Response[ExperimentsPublic | HTTPError | HTTPValidationError]:
    """List Experiments

     Experiments, newest first, each with its run counts, progress and ETA.

    Args:
        status (ExperimentStatus | None | Unset):
        skip (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ExperimentsPublic | HTTPError | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        status=status,
        skip=skip,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    status: ExperimentStatus | None | Unset = UNSET,
    skip: int | Unset = 0,
    limit: int | Unset = 100,
) -> ExperimentsPublic | HTTPError | HTTPValidationError | None:
    """List Experiments

     Experiments, newest first, each with its run counts, progress and ETA.

    Args:
        status (ExperimentStatus | None | Unset):
        skip (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ExperimentsPublic | HTTPError | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
            skip=skip,
            limit=limit,
        )
    ).parsed
