"""API keys: random bearer tokens, stored only as their SHA-256 digest, each with a scope."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from persistence.models import ApiKey, KeyScope

KEY_PREFIX = "bl_"
# last_used_at is refreshed at most this often, so reads do not write on every request.
_TOUCH_EVERY = timedelta(minutes=5)


def hash_key(token: str) -> str:
    """The hex SHA-256 under which a key is stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class KeyLookupError(LookupError):
    """No key, or more than one, matches the id or prefix given."""


def create_api_key(*, session: Session, name: str, scope: KeyScope = KeyScope.write) -> str:
    """Store a new key named `name` and return the plain token (shown once, never stored)."""
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(name=name, prefix=token[:8], key_hash=hash_key(token), scope=scope))
    session.flush()
    return token


def verify_api_key(*, session: Session, token: str) -> ApiKey | None:
    """The live key matching `token`, or None; refreshes its last_used_at now and then."""
    if not token.startswith(KEY_PREFIX) or len(token) > 200:
        return None
    digest = hash_key(token)
    key = session.scalars(select(ApiKey).where(ApiKey.key_hash == digest)).one_or_none()
    if key is None or key.revoked or not hmac.compare_digest(key.key_hash, digest):
        return None
    now = datetime.now(UTC)
    last = key.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite returns naive datetimes
        last = last.replace(tzinfo=UTC)
    if last is None or now - last > _TOUCH_EVERY:
        key.last_used_at = now
        session.flush()
    return key


def authenticate_token(*, engine: Engine, token: str) -> ApiKey | None:
    """`verify_api_key` for the API's hot path: the live key matching `token`, or None.

    The key's row is read afresh on every call (a revoked key is refused at once), on its own
    autocommit connection: one round trip, no transaction to end, no ORM session. The key comes
    back detached (its columns only), which is all an authorization check needs.
    """
    if not token.startswith(KEY_PREFIX) or len(token) > 200:
        return None
    digest = hash_key(token)
    table = ApiKey.__table__
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        row = conn.execute(select(table).where(table.c.key_hash == digest)).mappings().first()
        if row is None or row["revoked"] or not hmac.compare_digest(row["key_hash"], digest):
            return None
        values = dict(row)
        now = datetime.now(UTC)
        last = values["last_used_at"]
        if last is not None and last.tzinfo is None:  # SQLite returns naive datetimes
            last = last.replace(tzinfo=UTC)
        if last is None or now - last > _TOUCH_EVERY:
            touch = update(ApiKey).where(ApiKey.id == values["id"]).values(last_used_at=now)
            conn.execute(touch)
            values["last_used_at"] = now
    return ApiKey(**values)


def revoke_api_key(*, session: Session, key_id: int) -> bool:
    """Mark a key revoked; False when no such key exists."""
    key = session.get(ApiKey, key_id)
    if key is None:
        return False
    key.revoked = True
    session.flush()
    return True


def list_api_keys(*, session: Session) -> list[ApiKey]:
    """Every key, revoked ones included, oldest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def find_api_key(*, session: Session, ref: str) -> ApiKey:
    """The one key whose id is `ref` or whose prefix starts with `ref` (revoked ones included).

    Raises KeyLookupError when none or several match, so a short prefix never picks one of many.
    """
    ref = ref.strip()
    if not ref:
        raise KeyLookupError("give a key's id or prefix (see `betalab keys list`)")
    if re.fullmatch(r"[0-9]{1,9}", ref):
        matches = session.scalars(select(ApiKey).where(ApiKey.id == int(ref))).all()
    else:
        stmt = select(ApiKey).where(ApiKey.prefix.startswith(ref, autoescape=True))
        matches = session.scalars(stmt.order_by(ApiKey.id)).all()
    if not matches:
        raise KeyLookupError(f"no API key has the id or prefix {ref!r} (see `betalab keys list`)")
    if len(matches) > 1:
        ids = ", ".join(str(key.id) for key in matches)
        raise KeyLookupError(
            f"{len(matches)} API keys have a prefix starting {ref!r} (ids {ids}); "
            "give the whole prefix or the id"
        )
    return matches[0]
