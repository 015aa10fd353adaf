"""Request dependencies: settings, a database session per request, and API-key checks.

Every request with a key looks the key up again (revoked at once, nothing cached), in one
round trip on its own autocommit connection (`persistence.keys.authenticate_token`). Scopes:
a `read` key may only GET, `write` and `admin` keys may also write; which experiments a key
may cancel or delete is checked by the experiment routes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from persistence import crud
from persistence.keys import authenticate_token
from persistence.models import ApiKey, Experiment, KeyScope
from persistence.settings import Settings

# Headers a reverse proxy adds: a request carrying one came from beyond this host.
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")

bearer = HTTPBearer(
    auto_error=False, description="An API key made with `betalab keys create`, as a bearer token."
)


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, closed afterwards; routes commit explicitly."""
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
ExperimentId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="experiment id")]


def load_experiment(session: Session, experiment_id: str) -> Experiment:
    """The experiment, or 404."""
    experiment = crud.get_experiment(session=session, experiment_id=experiment_id)
    if experiment is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="experiment not found")
    return experiment


def _authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> ApiKey:
    key = None
    if credentials is not None:
        key = authenticate_token(engine=request.app.state.engine, token=credentials.credentials)
    if key is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="a valid API key is required (Authorization: Bearer <key>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return key


def require_key(request: Request, credentials: Credentials) -> ApiKey:
    """Write access: a valid, unrevoked API key of scope write or admin (403 for a read key)."""
    key = _authenticate(request, credentials)
    if not key.scope.includes(KeyScope.write):
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"this API key has scope {key.scope.value!r}; {request.method} "
            f"{request.url.path} needs scope 'write' or 'admin'",
        )
    return key


def public_read_applies(settings: Settings, request: Request) -> bool:
    """Whether this read may go without a key.

    `BETALAB_PUBLIC_READ` set: what it says. Unset (the default): only on a loopback bind and
    only for requests no proxy forwarded, so a TLS proxy on the same host does not turn the
    loopback default into reads open to the internet.
    """
    if settings.public_read is not None:
        return settings.public_read
    return settings.public_read_effective and not any(
        name in request.headers for name in PROXY_HEADERS
    )


def require_read(
    request: Request, settings: SettingsDep, credentials: Credentials
) -> ApiKey | None:
    """Read access: open when public read applies (see `public_read_applies`), else a key."""
    if public_read_applies(settings, request):
        return None
    return _authenticate(request, credentials)


CurrentKey = Annotated[ApiKey, Depends(require_key)]
ReadAccess = Annotated[ApiKey | None, Depends(require_read)]
