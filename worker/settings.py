"""One frozen settings tree, read from IPASN_* environment variables and command-line flags."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _previous_year() -> int:
    # BKN measures the previous calendar year next.
    return datetime.now(UTC).year - 1


Topics = Annotated[tuple[str, ...], NoDecode]


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IPASN_", frozen=True, extra="ignore")

    kafka_bootstrap_servers: str = "localhost:9092"
    database_url: SecretStr = SecretStr("sqlite:///ipasn.db")
    measurement_year: Annotated[int, Field(ge=2000, le=2100)] = Field(
        default_factory=_previous_year
    )
    input_topics: Topics = ("asn.personnel.changes",)
    output_topic: str = "asn.ipasn.recalculated"
    dlq_topic: str = "asn.personnel.changes.dlq"
    consumer_group: str = "ipasn-worker"
    metrics_port: Annotated[int, Field(ge=0, le=65535)] = 9108
    # /healthz fails once the processing loop has not completed an iteration for this long.
    health_loop_timeout_s: Annotated[float, Field(gt=0)] = 60.0
    # ipasn_band_employees: counted by the database this often (0: not at all), with this many
    # agencies by name and the rest as agency="other".
    band_metrics_interval_s: Annotated[float, Field(ge=0)] = 60.0
    band_metrics_max_agencies: Annotated[int, Field(ge=0, le=10_000)] = 100
    rules_file: Path | None = None
    max_poll_records: Annotated[int, Field(ge=1, le=100_000)] = 2000
    # Employees whose statements stay in memory between batches; about 5 KiB each.
    statement_cache_employees: Annotated[int, Field(ge=0, le=10_000_000)] = 20_000
    # Short enough that a restarted worker rejoins its group in seconds.
    kafka_session_timeout_ms: Annotated[int, Field(ge=1000)] = 10_000
    kafka_heartbeat_interval_ms: Annotated[int, Field(ge=100)] = 1_000
    # Longest time between two polls before the group hands this worker's partitions on (also
    # how long a rebalance waits for members). Each batch's retries end well within it (see
    # worker/compose.py); below 4 minutes they would have no time left.
    kafka_max_poll_interval_ms: Annotated[int, Field(ge=240_000)] = 300_000
    log_level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], BeforeValidator(_upper)
    ] = "INFO"
    # text: one human line per record; json: one JSON object per line (worker/logs.py).
    log_format: Annotated[Literal["json", "text"], BeforeValidator(_lower)] = "text"

    @field_validator("input_topics", mode="before")
    @classmethod
    def _split_topics(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(t.strip() for t in value.split(",") if t.strip())
        return value

    @field_validator("input_topics")
    @classmethod
    def _at_least_one(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("name at least one input topic")
        return value

    @field_validator("kafka_bootstrap_servers", "output_topic", "dlq_topic", "consumer_group")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()


class SettingsError(ValueError):
    """Configuration that does not validate; the message is one line."""


def load_settings(**overrides: object) -> Settings:
    """Environment first, then explicit overrides (command-line flags) on top."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)  # type: ignore[arg-type]
    except ValidationError as e:
        first = e.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        raise SettingsError(f"bad configuration: IPASN_{field.upper()}: {first['msg']}") from e


def as_environment(settings: Settings) -> dict[str, str]:
    """The settings as IPASN_* variables, for a child process to load the same ones."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, tuple):
            value = ",".join(value)
        env[f"IPASN_{name.upper()}"] = str(value)
    return env
