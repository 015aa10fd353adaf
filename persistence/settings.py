"""One settings object for api/ and worker/, read from BETALAB_* environment variables."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field, computed_field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _data_dir() -> Path:
    return Path(platformdirs.user_data_dir("betalab", appauthor=False))


def is_loopback(host: str) -> bool:
    """True when `host` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    """Service configuration; unsafe combinations are refused when the object is built."""

    model_config = SettingsConfigDict(env_prefix="BETALAB_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=_data_dir)
    # Empty means "a SQLite file in data_dir" (the embedded default).
    database_url: str = ""
    # Empty means "the embedded broker" (a bundled Redis started by `betalab serve`).
    broker_url: str = ""
    artifact_root: Path | None = None
    mnist_dir: Path | None = None
    cache_dir: Path | None = None

    host: str = "127.0.0.1"
    port: int = 8000
    # None: public read only when bound to loopback.
    public_read: bool | None = None

    max_runs_per_experiment: int = Field(default=5000, ge=1)
    # Runs one API key may have queued or in progress at once, over all of its experiments.
    max_active_runs_per_key: int = Field(default=5000, ge=1)
    # Largest request body the API accepts, in bytes (413 beyond it).
    max_request_bytes: int = Field(default=1024 * 1024, ge=1)
    max_attempts: int = Field(default=3, ge=1)
    heartbeat_interval_s: float = Field(default=10.0, gt=0)
    heartbeat_stale_s: float = Field(default=120.0, gt=0)
    sweep_interval_s: float = Field(default=30.0, gt=0)
    task_soft_time_limit_s: int = Field(default=6 * 3600, ge=1)
    task_hard_time_limit_s: int = Field(default=6 * 3600 + 300, ge=1)
    # A cached curve confirmed this recently is served without asking the database (0: always ask).
    result_cache_ttl_s: float = Field(default=1.0, ge=0, le=60)
    fused_bundle_size: int = Field(default=1, ge=1, le=64)
    torch_threads: int = Field(default=0, ge=0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def database_url_effective(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'betalab.db'}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def artifact_root_effective(self) -> Path:
        return self.artifact_root or (self.data_dir / "artifacts")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def public_read_effective(self) -> bool:
        if self.public_read is None:
            return is_loopback(self.host)
        return self.public_read

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if self.task_hard_time_limit_s <= self.task_soft_time_limit_s:
            raise ValueError("task_hard_time_limit_s must exceed task_soft_time_limit_s")
        if not is_loopback(self.host) and self.public_read:
            raise ValueError(
                "public_read=true on a non-loopback host would expose every result without a key; "
                "bind 127.0.0.1 or leave BETALAB_PUBLIC_READ unset"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
