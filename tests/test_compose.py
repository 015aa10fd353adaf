"""docker-compose.yml and .env.example agree with the real settings and the real CLI."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from betalab_cli.main import app
from persistence.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
SETTING_NAMES = {f"BETALAB_{name.upper()}" for name in Settings.model_fields}
LONG_RUNNING = ["postgres", "redis", "api", "worker", "worker-cpu"]
BETALAB_SERVICES = ["migrate", "api", "worker", "worker-cpu"]


def interpolate(text: str) -> str:
    """Compose's ${NAME:-default} with nothing set: the default."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", text)


def help_of(args: list[str]) -> tuple[int, str]:
    """`betalab ARGS --help`: options are parsed first, so an unknown one exits 2."""
    result = CliRunner().invoke(app, [*args, "--help"])
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize("name", BETALAB_SERVICES)
def test_service_commands_exist_in_the_cli_with_these_options(name: str) -> None:
    command = [interpolate(str(part)) for part in SERVICES[name]["command"]]
    assert command[0] == "betalab"
    path = list(itertools.takewhile(lambda part: not part.startswith("-"), command[1:]))
    code, text = help_of(command[1:])
    assert code == 0, text
    assert re.search(r"Usage: \S+ " + re.escape(" ".join(path)) + " ", text), text


def test_a_misspelt_option_or_command_would_be_caught() -> None:
    assert help_of(["serve", "--external"])[0] == 0
    assert help_of(["serve", "--host", "0.0.0.0"])[0] == 2
    assert help_of(["workers", "--cpu", "1"])[0] == 2


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_have_a_healthcheck(name: str) -> None:
    check = SERVICES[name]["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1
    assert check["interval"] and check["retries"] >= 3


def test_published_ports_are_loopback_and_match_the_api_port() -> None:
    for name in ("postgres", "redis", "api"):
        assert SERVICES[name]["ports"], name
        for port in SERVICES[name]["ports"]:
            assert interpolate(port).startswith("127.0.0.1:"), port
    api = SERVICES["api"]
    container_port = interpolate(api["ports"][0]).rsplit(":", 1)[1]
    assert api["environment"]["BETALAB_PORT"] == container_port
    assert f":{container_port}/readyz" in " ".join(api["healthcheck"]["test"])


def test_databases_are_postgres_16_and_a_persistent_non_evicting_redis_7() -> None:
    assert SERVICES["postgres"]["image"].split(":")[1].startswith("16")
    assert "/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"][0]
    redis = SERVICES["redis"]
    assert redis["image"].split(":")[1].startswith("7")
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command and "--maxmemory-policy noeviction" in command
    assert redis["volumes"][0].endswith(":/data")


def test_migrations_run_once_before_the_api_and_workers_start() -> None:
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["betalab", "db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker", "worker-cpu"):
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_api_serves_only_the_api_on_the_external_database_and_broker() -> None:
    api = SERVICES["api"]
    assert "--external" in api["command"]
    assert api["environment"]["BETALAB_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert api["environment"]["BETALAB_BROKER_URL"].startswith("redis://redis:6379")
    assert not Settings(host=api["environment"]["BETALAB_HOST"]).public_read_effective


def test_gpu_worker_reserves_gpus_and_the_cpu_worker_is_a_profile() -> None:
    [device] = SERVICES["worker"]["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert "--gpus" in SERVICES["worker"]["command"]
    assert SERVICES["worker-cpu"]["profiles"] == ["cpu"]
    assert "--cpu" in SERVICES["worker-cpu"]["command"]
    for name in ("worker", "worker-cpu"):
        mounts = {m.split(":")[1] for m in SERVICES[name]["volumes"]}
        env = SERVICES[name]["environment"]
        assert {env["BETALAB_ARTIFACT_ROOT"], env["BETALAB_CACHE_DIR"]} <= mounts


def test_every_betalab_image_is_built_by_its_service() -> None:
    for name in BETALAB_SERVICES:
        assert SERVICES[name]["image"].startswith("betalab:")
        assert SERVICES[name]["build"]["context"] == "."


def env_example_names() -> list[str]:
    text = (ROOT / ".env.example").read_text()
    return re.findall(r"^(?:# )?(BETALAB_[A-Z0-9_]+)=", text, re.M)


def test_env_example_names_every_setting_exactly_once() -> None:
    names = env_example_names()
    assert len(names) == len(set(names))
    assert set(names) == SETTING_NAMES


def test_env_example_active_values_are_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    from_file = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert from_file.model_dump() == defaults.model_dump()
