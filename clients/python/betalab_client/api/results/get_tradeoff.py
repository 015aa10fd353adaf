from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_tradeoff_model_type_type_0 import GetTradeoffModelTypeType0
from ...models.http_error import HTTPError
from ...models.http_validation_error import HTTPValidationError
from ...models.result_key import ResultKey
from ...models.tradeoff_public import TradeoffPublic
from ...types import UNSET, Response, Unset


def _get_kwargs(
    experiment_id: str,
    *,
    x: ResultKey,
    y: ResultKey,
    model_type: GetTradeoffModelTypeType0 | None | Unset = UNSET,
    label_fraction: float | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_x = x.value
    params["x"] = json_x

    json_y = y.value
    params["y"] = json_y

    json_model_type: None | str | Unset
    if isinstance(model_type, Unset):
        json_model_type = UNSET
    elif isinstance(model_type, GetTradeoffModelTypeType0):
        json_model_type = model_type.value
    else:
        json_model_type = model_type
    params["model_type"] = json_model_type

    json_label_fraction: float | None | Unset
    if isinstance(label_fraction, Unset):
        json_label_fraction = UNSET
    else:
        json_label_fraction = label_fraction
    params["label_fraction"] = json_label_fraction

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/results/{experiment_id}/tradeoff".format(
            experiment_id=quote(str(experiment_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HTTPError | HTTPValidationError | TradeoffPublic | None:
    if response.status_code == 200:
        response_200 = TradeoffPublic.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = HTTPError.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = HTTPError.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[HTTPError | HTTPValidationError | TradeoffPublic]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    experiment_id: str,
    *,
    client: AuthenticatedClient,
    x: ResultKey,
    y: ResultKey,
    model_type: GetTradeoffModelTypeType0 | None | Unset = UNSET,
    label_fraction: float | None | Unset = UNSET,
) -> Response[HTTPError | HTTPValidationError | TradeoffPublic]:
    """Get Tradeoff

     The cost of disentanglement: result `y` against result `x`, a point per completed run and
    a mean ± std per strength for each (objective, model type, label fraction), in order of
    strength.

    Args:
        experiment_id (str): experiment id
        x (ResultKey):
        y (ResultKey):
        model_type (GetTradeoffModelTypeType0 | None | Unset):
        label_fraction (float | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HTTPValidationError | TradeoffPublic]
    """

    kwargs = _get_kwargs(
        experiment_id=experiment_id,
        x=x,
        y=y,
        model_type=model_type,
        label_fraction=label_fraction,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    experiment_id: str,
    *,
    client: AuthenticatedClient,
    x: ResultKey,
    y: ResultKey,
    model_type: GetTradeoffModelTypeType0 | None | Unset = UNSET,
    label_fraction: float | None | Unset = UNSET,
) -> HTTPError | HTTPValidationError | TradeoffPublic | None:
    """Get Tradeoff

     The cost of disentanglement: result `y` against result `x`, a point per completed run and
    a mean ± std per strength for each (objective, model type, label fraction), in order of
    strength.

    Args:
        experiment_id (str): experiment id
        x (ResultKey):
        y (ResultKey):
        model_type (GetTradeoffModelTypeType0 | None | Unset):
        label_fraction (float | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPError | HTTPValidationError | TradeoffPublic
    """

    return sync_detailed(
        experiment_id=experiment_id,
        client=client,
        x=x,
        y=y,
        model_type=model_type,
        label_fraction=label_fraction,
    ).parsed


async def asyncio_detailed(
    experiment_id: str,
    *,
    client: AuthenticatedClient,
    x: ResultKey,
    y: ResultKey,
    model_type: GetTradeoffModelTypeType0 | None | Unset = UNSET,
    label_fraction: float | None | Unset = UNSET,
) -> Response[HTTPError | HTTPValidationError | TradeoffPublic]:
    """Get Tradeoff

     The cost of disentanglement: result `y` against result `x`, a point per completed run and
    a mean ± std per strength for each (objective, model type, label fraction), in order of
    strength.

    Args:
        experiment_id (str): experiment id
        x (ResultKey):
        y (ResultKey):
        model_type (GetTradeoffModelTypeType0 | None | Unset):
        label_fraction (float | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPError | HTTPValidationError | TradeoffPublic]
    """

    kwargs = _get_kwargs(
        experiment_id=experiment_id,
        x=x,
        y=y,
        model_type=model_type,
        label_fraction=label_fraction,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    experiment_id: str,
    *,
    client: AuthenticatedClient,
    x: ResultKey,
    y: ResultKey,
    model_type: GetTradeoffModelTypeType0 | None | Unset = UNSET,
    label_fraction: float | None | Unset = UNSET,
) -> HTTPError | HTTPValidationError | TradeoffPublic | None:
    """Get Tradeoff

     The cost of disentanglement: result `y` against result `x`, a point per completed run and
    a mean ± std per strength for each (objective, model type, label fraction), in order of
    strength.

    Args:
        experiment_id (str): experiment id
        x (ResultKey):
        y (ResultKey):
        model_type (GetTradeoffModelTypeType0 | None | Unset):
        label_fraction (float | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPError | HTTPValidationError | TradeoffPublic
    """

    return (
        await asyncio_detailed(
            experiment_id=experiment_id,
            client=client,
            x=x,
            y=y,
            model_type=model_type,
            label_fraction=label_fraction,
        )
    ).parsed
