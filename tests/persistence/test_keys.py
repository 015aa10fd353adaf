"""API keys: shown once, stored as SHA-256 only, scoped, listed, found, verified and revoked."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from persistence import db
from persistence.db import get_engine, session_scope
from persistence.keys import (
    KeyLookupError,
    authenticate_token,
    create_api_key,
    find_api_key,
    list_api_keys,
    revoke_api_key,
    verify_api_key,
)
from persistence.models import ApiKey, KeyScope


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


def test_the_api_path_reads_the_key_afresh_each_time(database_url):
    """authenticate_token (the API's check): a detached key with its scope, the first use
    recorded, and a revocation refused on the very next call."""
    engine = get_engine(database_url)
    with session_scope(database_url) as session:
        token = create_api_key(session=session, name="reader", scope=KeyScope.read)
    key = authenticate_token(engine=engine, token=token)
    assert key is not None and key.scope is KeyScope.read and key.name == "reader"
    assert key.last_used_at is not None
    assert authenticate_token(engine=engine, token=token[:-1] + "x") is None
    assert authenticate_token(engine=engine, token="bl_" + "x" * 300) is None
    with session_scope(database_url) as session:
        stored = session.get(ApiKey, key.id)
        assert stored is not None and stored.last_used_at is not None
        assert revoke_api_key(session=session, key_id=key.id)
    assert authenticate_token(engine=engine, token=token) is None


def test_an_idle_connection_that_died_is_replaced_before_use(postgres_url, monkeypatch):
    """PostgreSQL pools ping a connection only after it sat idle; a dead one is swapped."""
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
    engine = db.make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with get_engine(postgres_url).connect() as killer:
            killer.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
            killer.commit()
        with engine.connect() as conn:  # the pooled one is dead: the ping says so, a new one
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
        # A pinged connection is handed out idle, so it can still switch to autocommit (the
        # API's key check does) and run in a transaction of its own afterwards.
        with session_scope(postgres_url) as session:
            token = create_api_key(session=session, name="after-ping")
        for _ in range(3):
            assert authenticate_token(engine=engine, token=token) is not None
            with engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def test_keys_default_to_scope_write_and_keep_the_scope_given(database_url):
    with session_scope(database_url) as session:
        plain = create_api_key(session=session, name="plain")
        reader = create_api_key(session=session, name="reader", scope=KeyScope.read)
    with session_scope(database_url) as session:
        assert verify_api_key(session=session, token=plain).scope is KeyScope.write
        assert verify_api_key(session=session, token=reader).scope is KeyScope.read


def test_scopes_include_the_ones_below_them():
    assert KeyScope.admin.includes(KeyScope.write) and KeyScope.write.includes(KeyScope.read)
    assert not KeyScope.read.includes(KeyScope.write)
    assert not KeyScope.write.includes(KeyScope.admin)


def test_list_shows_every_key_oldest_first_revoked_ones_included(database_url):
    with session_scope(database_url) as session:
        for name in ("a", "b", "c"):
            create_api_key(session=session, name=name)
    with session_scope(database_url) as session:
        first = list_api_keys(session=session)[0]
        revoke_api_key(session=session, key_id=first.id)
    with session_scope(database_url) as session:
        keys = list_api_keys(session=session)
    assert [k.name for k in keys] == ["a", "b", "c"]
    assert [k.revoked for k in keys] == [True, False, False]


def test_find_takes_an_id_or_a_unique_start_of_a_prefix(database_url):
    with session_scope(database_url) as session:
        token = create_api_key(session=session, name="one")
        key = verify_api_key(session=session, token=token)
        assert find_api_key(session=session, ref=str(key.id)).name == "one"
        assert find_api_key(session=session, ref=token[:8]).name == "one"
        assert find_api_key(session=session, ref=token[:5]).name == "one"


def test_find_refuses_an_ambiguous_unknown_or_empty_reference(database_url):
    with session_scope(database_url) as session:
        create_api_key(session=session, name="one")
        create_api_key(session=session, name="two")
        with pytest.raises(KeyLookupError, match=r"2 API keys have a prefix starting 'bl_'"):
            find_api_key(session=session, ref="bl_")
        with pytest.raises(KeyLookupError, match="no API key has the id or prefix '999'"):
            find_api_key(session=session, ref="999")
        with pytest.raises(KeyLookupError, match="no API key"):
            find_api_key(session=session, ref="bl%")  # LIKE wildcards are taken literally
        with pytest.raises(KeyLookupError, match="give a key's id or prefix"):
            find_api_key(session=session, ref="  ")
