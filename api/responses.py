"""The error statuses routes document in the OpenAPI spec, with their bodies (HTTPError).

422 (validation) FastAPI documents by itself; 500 is never meant to happen and is not listed.
"""

from __future__ import annotations

from typing import Any

from api.schemas import HTTPError, QuotaError

Responses = dict[int | str, dict[str, Any]]

UNAUTHORIZED: Responses = {
    401: {
        "model": HTTPError,
        "description": "no key, an unknown or a revoked one; reads need one unless public read "
        "is on (by default only on a loopback bind, and not through a proxy)",
    },
}
FORBIDDEN: Responses = {
    403: {"model": HTTPError, "description": "a read key, or someone else's experiment"},
}
NOT_FOUND: Responses = {404: {"model": HTTPError, "description": "no such experiment or run"}}
CONFLICT: Responses = {
    409: {"model": HTTPError, "description": "the experiment still has unfinished runs"},
}
TOO_LARGE: Responses = {
    413: {"model": HTTPError, "description": "the body is over max_request_bytes"},
}
OVER_QUOTA: Responses = {
    429: {"model": QuotaError, "description": "the key would pass max_active_runs_per_key"},
}

# Reads take a key, or none when public read is on (by default only on a loopback bind): the
# empty requirement says so, next to the bearer scheme.
PUBLIC_READ: dict[str, Any] = {"security": [{}]}  # appended to the bearer requirement
