"""kafka-python's errors as the project's own (worker.pipeline.ports), for the Kafka adapters."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from kafka.errors import (
    KafkaConnectionError,
    KafkaError,
    SaslAuthenticationFailedError,
    UnsupportedSaslMechanismError,
)

from worker.pipeline.ports import TransientError

# What a command catches of a Kafka failure that ends it, without importing kafka-python.
KafkaFailure = KafkaError


class MissingTopics(Exception):
    """Topics the worker needs are not on the broker; the message is one line naming them."""


@contextmanager
def translated() -> Iterator[None]:
    """A retriable Kafka error (a timeout, a leader moving) becomes a TransientError."""
    try:
        yield
    except KafkaError as e:
        if getattr(e, "retriable", False):
            raise TransientError(f"Kafka: {type(e).__name__}") from e
        raise


class Refusals(logging.Handler):
    """Why brokers refused this process's connections (wrong credentials, a certificate not
    trusted or missing), kept from kafka-python's log records: kafka-python tries again until
    its bootstrap times out, then says only that it could not bootstrap."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        for arg in record.args if isinstance(record.args, tuple) else ():
            reason = refusal(arg)
            if reason is not None:
                self.last = reason


def refusal(error: object) -> str | None:
    """The reason, in one line, where `error` is a broker refusing this client; else None.
    Never a secret: Kafka's answers name the mechanism, not the credentials."""
    if isinstance(error, SaslAuthenticationFailedError | UnsupportedSaslMechanismError):
        text = str(error.args[0]) if error.args else error.description
        return f"{type(error).__name__}: {text.removeprefix(type(error).__name__ + ': ')}"
    if isinstance(error, KafkaConnectionError) and "[SSL" in str(error):
        text = str(error.args[0]) if error.args else str(error)
        return "TLS: " + re.sub(r"\s*\(_ssl\.c:\d+\)", "", text.removeprefix("Handshake failed: "))
    return None


def watch_refusals() -> Refusals:
    """Keep the reasons from now on, forgetting earlier ones (one handler a process)."""
    kafka = logging.getLogger("kafka")
    for handler in kafka.handlers:
        if isinstance(handler, Refusals):
            handler.last = None
            return handler
    refusals = Refusals()
    kafka.addHandler(refusals)
    return refusals


def explained(error: KafkaError, refusals: Refusals) -> tuple[int, str]:
    """The exit status and the one line that tell an operator why a command ended on a Kafka
    failure: a configuration error (2) where no broker answered or one refused the connection,
    else the error's name and first line (1)."""
    if "bootstrap" in str(error).lower() and refusals.last:
        # Credentials or certificates: a configuration error, which no retry would cure.
        return 2, (
            "the Kafka broker at IPASN_KAFKA_BOOTSTRAP_SERVERS refused the connection "
            f"({refusals.last})"
        )
    if "bootstrap" in str(error).lower():
        return 2, "no Kafka broker answers at IPASN_KAFKA_BOOTSTRAP_SERVERS"
    return 1, f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
