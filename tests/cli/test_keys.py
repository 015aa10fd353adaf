"""`betalab keys create --scope`, `keys list` and `keys revoke`, each in a fresh process, on a
SQLite database that an API in this process serves too."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from persistence.db import session_scope
from persistence.keys import create_api_key
from persistence.settings import Settings
from tests.cli.conftest import betalab_process

UNKNOWN = "/experiments/" + "0" * 32


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> dict[str, str]:
    """The commands' settings: the test's database; a wide terminal so tables never wrap."""
    return {
        **os.environ,
        "BETALAB_DATABASE_URL": sqlite_url,
        "BETALAB_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "200",
    }


@pytest.fixture
def api(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The API on the same database, reads needing a key; no broker is ever contacted."""
    settings = Settings(
        database_url=sqlite_url,
        broker_url="redis://127.0.0.1:1/0",
        data_dir=tmp_path / "data",
        public_read=False,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create(env: dict[str, str], *args: str) -> str:
    result = betalab_process("keys", "create", *args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def table_rows(stdout: str) -> list[list[str]]:
    """The cells of each row of a rich table (box-drawing borders dropped)."""
    rows = []
    for line in stdout.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if cells:
            rows.append(cells)
    return rows


def test_keys_create_scope_read_makes_a_key_that_may_read_but_not_write(env, api) -> None:
    result = betalab_process("keys", "create", "--name", "dashboard", "--scope", "read", env=env)
    assert result.returncode == 0, result.stderr
    assert "read key 'dashboard' created; it is shown only this once" in result.stderr
    token = result.stdout.strip()
    assert api.get("/experiments", headers=bearer(token)).status_code == 200
    refused = api.post(f"{UNKNOWN}/cancel", headers=bearer(token))
    assert refused.status_code == 403 and "scope 'read'" in refused.json()["detail"]
    writer = create(env, "--name", "ci")  # the default scope is write
    assert api.post(f"{UNKNOWN}/cancel", headers=bearer(writer)).status_code == 404


def test_keys_create_refuses_an_unknown_scope(env) -> None:
    result = betalab_process("keys", "create", "--name", "x", "--scope", "root", env=env)
    assert result.returncode == 2
    assert "'root' is not one of 'read', 'write', 'admin'" in result.stderr
    assert result.stdout == ""


def test_keys_list_shows_each_keys_scope_use_and_revocation_never_the_key(env, api) -> None:
    reader = create(env, "--name", "reader", "--scope", "read")
    admin = create(env, "--name", "root", "--scope", "admin")
    api.get("/experiments", headers=bearer(admin))  # sets its last use
    assert betalab_process("keys", "revoke", reader[:8], env=env).returncode == 0
    result = betalab_process("keys", "list", env=env)
    assert result.returncode == 0, result.stderr
    header, *rows = table_rows(result.stdout)
    assert header == ["id", "name", "prefix", "scope", "created", "last used", "revoked"]
    assert [(r[0], r[1], r[2], r[3], r[6]) for r in rows] == [
        ("1", "reader", reader[:8], "read", "yes"),
        ("2", "root", admin[:8], "admin", "no"),
    ]
    assert rows[0][5] == "never" and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows[1][5])
    assert reader not in result.stdout and admin not in result.stdout


def test_keys_revoke_refuses_the_key_from_its_next_request_on(env, api) -> None:
    token = create(env, "--name", "laptop")
    assert api.post(f"{UNKNOWN}/cancel", headers=bearer(token)).status_code == 404
    result = betalab_process("keys", "revoke", token[:8], env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"key 1 ({token[:8]}, 'laptop') revoked"
    # The same running API, the very next request: no cache lets the key through.
    assert api.post(f"{UNKNOWN}/cancel", headers=bearer(token)).status_code == 401
    assert api.get("/experiments", headers=bearer(token)).status_code == 401
    again = betalab_process("keys", "revoke", "1", env=env)
    assert again.stdout.strip() == f"key 1 ({token[:8]}, 'laptop') was already revoked"


def test_keys_revoke_exits_2_for_an_ambiguous_or_unknown_key(env, sqlite_url) -> None:
    with session_scope(sqlite_url) as session:
        first = create_api_key(session=session, name="one")
        create_api_key(session=session, name="two")
    ambiguous = betalab_process("keys", "revoke", "bl_", env=env)
    assert ambiguous.returncode == 2
    assert ambiguous.stderr.strip() == (
        "error: 2 API keys have a prefix starting 'bl_' (ids 1, 2); give the whole prefix or the id"
    )
    unknown = betalab_process("keys", "revoke", "bl_zzzzz", env=env)
    assert unknown.returncode == 2
    assert "no API key has the id or prefix 'bl_zzzzz'" in unknown.stderr
    listing = betalab_process("keys", "list", env=env)
    assert [row[6] for row in table_rows(listing.stdout)[1:]] == ["no", "no"]
    assert first[:8] in listing.stdout
