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


def _digest(token: str) -> str | None:
    """The stored form of `token`, or None for what cannot be a key (wrong prefix, too long)."""
    if not token.startswith(KEY_PREFIX) or len(token) > 200:
        return None
    return hash_key(token)


def _live(key_hash: str, revoked: bool, digest: str) -> bool:
    return not revoked and hmac.compare_digest(key_hash, digest)


def _touch_due(last: datetime | None, now: datetime) -> bool:
    """Whether last_used_at is old enough to be written again (at most every _TOUCH_EVERY)."""
    if last is not None and last.tzinfo is None:  # SQLite returns naive datetimes
        last = last.replace(tzinfo=UTC)
    return last is None or now - last > _TOUCH_EVERY


def verify_api_key(*, session: Session, token: str) -> ApiKey | None:
    """The live key matching `token`, or None; refreshes its last_used_at now and then."""
    digest = _digest(token)
    if digest is None:
        return None
    key = session.scalars(select(ApiKey).where(ApiKey.key_hash == digest)).one_or_none()
    if key is None or not _live(key.key_hash, key.revoked, digest):
        return None
    now = datetime.now(UTC)
    if _touch_due(key.last_used_at, now):
        key.last_used_at = now
        session.flush()
    return key


def authenticate_token(*, engine: Engine, token: str) -> ApiKey | None:
    """`verify_api_key` for the API's hot path: the live key matching `token`, or None.

    The key's row is read afresh on every call (a revoked key is refused at once), on its own
    autocommit connection: one round trip, no transaction to end, no ORM session. The key comes
    back detached (its columns only), which is all an authorization check needs.
    """
    digest = _digest(token)
    if digest is None:
        return None
    table = ApiKey.__table__
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        row = conn.execute(select(table).where(table.c.key_hash == digest)).mappings().first()
        if row is None or not _live(row["key_hash"], row["revoked"], digest):
            return None
        values = dict(row)
        now = datetime.now(UTC)
        if _touch_due(values["last_used_at"], now):
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
