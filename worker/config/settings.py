"""One frozen settings tree, read from IPASN_* environment variables and command-line flags."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from schemas import topics as named  # the defaults, as the AsyncAPI document has them
from worker.config.database_url import resolve_database_url, unset_if_blank
from worker.config.kafka import SaslMechanism, SecurityProtocol, security_problem


def _previous_year() -> int:
    # BKN measures the previous calendar year next.
    return datetime.now(UTC).year - 1


Topics = Annotated[tuple[str, ...], NoDecode]


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _readable(path: Path | None) -> Path | None:
    if path is None:
        return None
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror or type(e).__name__}") from None
    return path


# An empty variable (`IPASN_KAFKA_SASL_MECHANISM=`, as Compose files make them) is not set.
BlankIsUnset = BeforeValidator(unset_if_blank)
ReadableFile = Annotated[Path | None, BlankIsUnset, AfterValidator(_readable)]
Mechanism = Annotated[SaslMechanism | None, BlankIsUnset, BeforeValidator(_upper)]


class Settings(BaseSettings):
    # Errors never repeat what was given: it may be a password.
    model_config = SettingsConfigDict(
        env_prefix="IPASN_", frozen=True, extra="ignore", hide_input_in_errors=True
    )

    kafka_bootstrap_servers: str = "localhost:9092"
    # Kafka's own security (contracts §8), given to every Kafka client: worker/config/kafka.py.
    kafka_security_protocol: Annotated[SecurityProtocol, BeforeValidator(_upper)] = "PLAINTEXT"
    kafka_sasl_mechanism: Mechanism = None
    kafka_sasl_username: Annotated[str | None, BlankIsUnset] = None
    kafka_sasl_password: Annotated[SecretStr | None, BlankIsUnset] = None
    kafka_ssl_cafile: ReadableFile = None
    kafka_ssl_certfile: ReadableFile = None
    kafka_ssl_keyfile: ReadableFile = None
    database_url: SecretStr = SecretStr("sqlite:///ipasn.db")
    # Secret files making database_url, read once at start (worker/config/database_url.py).
    database_url_file: ReadableFile = None
    database_password_file: ReadableFile = None
    measurement_year: Annotated[int, Field(ge=2000, le=2100)] = Field(
        default_factory=_previous_year
    )
    input_topics: Topics = (named.CHANGES,)
    output_topic: str = named.RECALCULATED
    dlq_topic: str = named.DEAD_LETTERS
    reconciled_topic: str = named.RECONCILED
    agency_topic: str = named.AGENCY
    # Every snapshot and revision also on its agency's own topic, `<topic>.<agency_code>`
    # (contracts §15), for regional systems allowed to read only their own staff.
    agency_outputs: bool = False
    consumer_group: str = named.CONSUMER_GROUP
    metrics_port: Annotated[int, Field(ge=0, le=65535)] = 9108
    # `ipasn-worker intake` (contracts §13): its port, and TLS served directly where both files
    # are given (else plain HTTP, for a reverse proxy that ends TLS: README "Sending events").
    intake_port: Annotated[int, Field(ge=1, le=65535)] = 8080
    intake_tls_certfile: ReadableFile = None
    intake_tls_keyfile: ReadableFile = None
    # /healthz fails once the processing loop has not completed an iteration for this long.
    health_loop_timeout_s: Annotated[float, Field(gt=0)] = 60.0
    # ipasn_band_employees: counted by the database this often (0: not at all), with this many
    # agencies by name and the rest as agency="other".
    band_metrics_interval_s: Annotated[float, Field(ge=0)] = 60.0
    band_metrics_max_agencies: Annotated[int, Field(ge=0, le=10_000)] = 100
    # ipasn_source_*: data quality per source system, measured by the database this often (0:
    # not at all); grouped scans of statements and conflicts (worker/db/views/quality.py).
    quality_metrics_interval_s: Annotated[float, Field(ge=0)] = 300.0
    rules_file: Path | None = None
    # Per-source signing secrets (TOML, contracts §8; worker/config/secrets.py); with
    # require_signatures, a source without a secret is refused as bad_signature.
    source_secrets_file: Path | None = None
    require_signatures: bool = False
    max_poll_records: Annotated[int, Field(ge=1, le=100_000)] = 2000
    # Employees whose statements stay in memory between batches; about 5 KiB each.
    statement_cache_employees: Annotated[int, Field(ge=0, le=10_000_000)] = 20_000
    # Outbox rows a process deletes between two VACUUMs of the outbox (PostgreSQL; 0: leave
    # it to autovacuum). See worker/db/store/vacuum.py.
    outbox_vacuum_rows: Annotated[int, Field(ge=0)] = 10_000
    # Short enough that a restarted worker rejoins its group in seconds.
    kafka_session_timeout_ms: Annotated[int, Field(ge=1000)] = 10_000
    kafka_heartbeat_interval_ms: Annotated[int, Field(ge=100)] = 1_000
    # Longest time between two polls before the group hands this worker's partitions on (also
    # how long a rebalance waits for members). Each batch's retries end well within it (see
    # worker/bootstrap/worker.py); below 4 minutes they would have no time left.
    kafka_max_poll_interval_ms: Annotated[int, Field(ge=240_000)] = 300_000
    log_level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], BeforeValidator(_upper)
    ] = "INFO"
    # text: one human line per record; json: one JSON object per line
    # (worker/observability/logs.py).
    log_format: Annotated[Literal["json", "text"], BeforeValidator(_lower)] = "text"

    @model_validator(mode="before")
    @classmethod
    def _database_url_from_files(cls, data: Any) -> Any:
        return resolve_database_url(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _kafka_security(self) -> Self:
        problem = security_problem(self)
        if problem:
            raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _intake_tls_pair(self) -> Self:
        if (self.intake_tls_certfile is None) != (self.intake_tls_keyfile is None):
            raise ValueError(
                "IPASN_INTAKE_TLS_CERTFILE and IPASN_INTAKE_TLS_KEYFILE go together: give both"
            )
        return self

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

    @field_validator(
        "kafka_bootstrap_servers",
        "output_topic",
        "dlq_topic",
        "reconciled_topic",
        "agency_topic",
        "consumer_group",
    )
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
    if "database_url" in given:  # --database-url: the URL file is not read
        given.setdefault("database_url_file", None)
    try:
        return Settings(**given)  # type: ignore[arg-type]
    except ValidationError as e:
        first = e.errors(include_input=False)[0]
        message = first["msg"].removeprefix("Value error, ")
        if first["loc"]:
            message = f"IPASN_{str(first['loc'][0]).upper()}: {message}"
        # Not chained: pydantic's error may hold what was given, a password perhaps.
        raise SettingsError(f"bad configuration: {message}") from None


def as_environment(settings: Settings) -> dict[str, str]:
    """The settings as IPASN_* variables, for a child process to load the same ones.

    Secrets included: a child's environment is as private as the parent's memory. The database
    URL is passed as read from its files, and the file variables the child would inherit are
    emptied, as they would conflict with it."""
    env = {"IPASN_DATABASE_URL_FILE": "", "IPASN_DATABASE_PASSWORD_FILE": ""}
    for name, value in settings.model_dump(
        exclude={"database_url_file", "database_password_file"}
    ).items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, tuple):
            value = ",".join(value)
        env[f"IPASN_{name.upper()}"] = str(value)
    return env
