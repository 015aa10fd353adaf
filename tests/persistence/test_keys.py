"""API keys: shown once, stored as SHA-256 only, verified and revoked."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from persistence.db import session_scope
from persistence.keys import create_api_key, revoke_api_key, verify_api_key
from persistence.models import ApiKey


def test_created_key_is_stored_only_as_its_sha256(database_url):
    with session_scope(database_url) as session:
        token = create_api_key(session=session, name="ci")
    with session_scope(database_url) as session:
        stored = session.scalars(select(ApiKey)).one()
    assert token.startswith("bl_") and len(token) > 40
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (stored.key_hash, stored.prefix, stored.name)


def test_verify_accepts_the_key_and_rejects_others_and_revoked(database_url):
    with session_scope(database_url) as session:
        token = create_api_key(session=session, name="ci")
        other = create_api_key(session=session, name="other")
    with session_scope(database_url) as session:
        key = verify_api_key(session=session, token=token)
        assert key is not None and key.name == "ci" and key.last_used_at is not None
        assert verify_api_key(session=session, token=token[:-1] + "x") is None
        assert verify_api_key(session=session, token="") is None
        assert revoke_api_key(session=session, key_id=key.id)
    with session_scope(database_url) as session:
        assert verify_api_key(session=session, token=token) is None
        assert verify_api_key(session=session, token=other) is not None
