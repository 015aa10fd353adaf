"""Failures are one line on stderr with a documented exit code."""

from __future__ import annotations

import json
import os
import re
from http import HTTPStatus
from pathlib import Path

import pytest
from betalab_client.types import Response

from betalab_cli.connection import ExitCode, error_for
from tests.cli.conftest import betalab, betalab_process
from tests.utils.processes import free_port
from tests.utils.service import Service


@pytest.mark.parametrize(
    "args",
    [
        ["submit", "--preset", "smoke"],
        ["watch", "a" * 32],
        ["curve", "a" * 32, "--metric", "mig"],
        ["reproduce", "--figure", "1"],
    ],
)
def test_a_server_that_is_down_exits_3_with_one_line(args: list[str]) -> None:
    server = f"http://127.0.0.1:{free_port()}"
    result = betalab(*args, server=server, api_key="bl_anything")
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: cannot reach betalab server at {server}: ")
    assert "Traceback" not in result.output


def test_a_bad_spec_exits_2_with_each_field_message_from_the_server(
    service: Service, tmp_path: Path
) -> None:
    spec = tmp_path / "bad.json"
    spec.write_text(
        json.dumps(
            {
                "name": "bad",
                "dataset": "shapes",
                "model_types": ["mlp"],
                "betas": {"start": 2.0, "stop": 1.0, "step": 0.5},
                "seeds": 1,
                "colour": "red",
            }
        )
    )
    result = betalab("submit", str(spec), server=service.url, api_key=service.api_key)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: rejected by the server: ")
    assert "model_types.0: Input should be 'fc'" in lines[0]
    assert "colour: Extra inputs are not permitted" in lines[0]


def test_a_spec_that_is_not_json_exits_2_before_contacting_any_server(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text("{not json")
    result = betalab("submit", str(spec), server=f"http://127.0.0.1:{free_port()}")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {spec} is not valid JSON")


def test_submit_needs_exactly_one_of_a_spec_file_and_a_preset(tmp_path: Path) -> None:
    neither = betalab("submit")
    both = betalab("submit", str(tmp_path / "x.json"), "--preset", "smoke")
    unknown = betalab("submit", "--preset", "nope")
    assert neither.exit_code == both.exit_code == unknown.exit_code == 2
    assert "exactly one" in neither.stderr and "exactly one" in both.stderr
    assert "unknown preset 'nope'" in unknown.stderr


@pytest.mark.parametrize("api_key", [None, "bl_not-a-real-key"])
def test_a_missing_or_bad_api_key_exits_4(service: Service, api_key: str | None) -> None:
    result = betalab("submit", "--preset", "smoke", server=service.url, api_key=api_key)
    assert result.exit_code == 4
    assert result.stderr.strip().splitlines() == [
        "error: authentication failed (401): a valid API key is required "
        "(Authorization: Bearer <key>) (use --api-key or BETALAB_API_KEY)"
    ]


def test_serve_external_refuses_to_start_without_a_database_and_broker_url(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BETALAB_")}
    env["BETALAB_DATA_DIR"] = str(tmp_path)
    result = betalab_process("serve", "--external", env=env, timeout=60)
    assert result.returncode == 2
    words = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stderr).split())  # unwrap rich's box
    assert "--external needs BETALAB_DATABASE_URL and BETALAB_BROKER_URL" in words
    assert not (tmp_path / "broker").exists()  # no embedded broker was started


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (403, ExitCode.AUTH, "not allowed (403): why"),
        (413, ExitCode.USAGE, "refused (413): why"),
        (429, ExitCode.USAGE, "refused (429): why"),
        (500, ExitCode.SERVER_ERROR, "server error 500: why"),
    ],
)
def test_refusals_map_to_their_exit_codes(status: int, code: ExitCode, message: str) -> None:
    body = json.dumps({"detail": "why"}).encode()
    response = Response(status_code=HTTPStatus(status), content=body, headers={}, parsed=None)
    error = error_for(response)
    assert (error.code, error.message) == (code, message)
