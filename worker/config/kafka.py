"""Kafka's own security (contracts §8): the settings checked, and turned into client options.

`kafka_options(settings)` turns the IPASN_KAFKA_SECURITY_PROTOCOL, _SASL_* and _SSL_* settings
into kafka-python's keyword arguments; the consumer, the producers, the topic reader and the
dead-letter replay all take them (a `security=` argument, none by default: PLAINTEXT). The
password is passed on as it is and appears nowhere else: settings keep it as a SecretStr.

No kafka-python here: the settings validate with `security_problem` before any client exists.
"""

from __future__ import annotations

import re
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from worker.config.settings import Settings

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
SASL: tuple[SecurityProtocol, ...] = ("SASL_PLAINTEXT", "SASL_SSL")
TLS: tuple[SecurityProtocol, ...] = ("SSL", "SASL_SSL")

_SASL_FIELDS = ("kafka_sasl_mechanism", "kafka_sasl_username", "kafka_sasl_password")
_TLS_FIELDS = ("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile")


def _variable(field: str) -> str:
    return f"IPASN_{field.upper()}"


def security_problem(settings: Settings) -> str | None:
    """What is wrong with the Kafka security settings as one line naming the variable (never a
    secret), or None. A setting the protocol would ignore is refused: someone set it thinking
    it protects the connection."""
    protocol = settings.kafka_security_protocol
    for field in _SASL_FIELDS:
        given = getattr(settings, field) is not None
        if protocol in SASL and not given:
            return f"{_variable(field)}: missing; IPASN_KAFKA_SECURITY_PROTOCOL={protocol} needs it"
        if protocol not in SASL and given:
            return (
                f"{_variable(field)}: set, but IPASN_KAFKA_SECURITY_PROTOCOL is {protocol}; "
                "SASL needs SASL_SSL or SASL_PLAINTEXT"
            )
    for field in _TLS_FIELDS:
        if protocol not in TLS and getattr(settings, field) is not None:
            return (
                f"{_variable(field)}: set, but IPASN_KAFKA_SECURITY_PROTOCOL is {protocol}; "
                "TLS needs SSL or SASL_SSL"
            )
    if settings.kafka_ssl_keyfile is not None and settings.kafka_ssl_certfile is None:
        return "IPASN_KAFKA_SSL_KEYFILE: needs IPASN_KAFKA_SSL_CERTFILE, the certificate it is for"
    return tls_problem(settings.kafka_ssl_cafile, settings.kafka_ssl_certfile,
                       settings.kafka_ssl_keyfile)  # fmt: skip


class _Encrypted(Exception):
    """The key file wants a password: kafka-python would ask for it on the terminal."""


def _no_password() -> bytes:
    raise _Encrypted


def _reason(e: ssl.SSLError) -> str:
    return re.sub(r"\s*\(_ssl\.c:\d+\)", "", str(e.args[1] if len(e.args) > 1 else e))


def tls_problem(cafile: Path | None, certfile: Path | None, keyfile: Path | None) -> str | None:
    """The files load as kafka-python will load them when it connects, where a bad one would
    only show as a broker that never answers."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if cafile is not None:
        try:
            context.load_verify_locations(cafile)
        except (ssl.SSLError, OSError):
            return f"IPASN_KAFKA_SSL_CAFILE: no PEM certificate in {cafile}"
    if certfile is None:
        return None
    try:
        context.load_cert_chain(certfile, keyfile, password=_no_password)
    except _Encrypted:
        return f"IPASN_KAFKA_SSL_KEYFILE: the key in {keyfile or certfile} is encrypted"
    except (ssl.SSLError, OSError) as e:
        if getattr(e, "reason", None) == "KEY_VALUES_MISMATCH":
            return f"IPASN_KAFKA_SSL_KEYFILE: {keyfile or certfile} holds another certificate's key"
        why = _reason(e) if isinstance(e, ssl.SSLError) else type(e).__name__
        if keyfile is None:
            return (
                f"IPASN_KAFKA_SSL_CERTFILE: no PEM certificate and key in {certfile} ({why}); "
                "a key in a file of its own is IPASN_KAFKA_SSL_KEYFILE"
            )
        return (
            f"IPASN_KAFKA_SSL_CERTFILE: {certfile} and IPASN_KAFKA_SSL_KEYFILE {keyfile} are "
            f"not a PEM certificate and its key ({why})"
        )
    return None


def kafka_options(settings: Settings) -> dict[str, object]:
    """kafka-python's security arguments for these settings; {} for PLAINTEXT."""
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return {}
    options: dict[str, object] = {"security_protocol": protocol}
    if protocol in SASL and settings.kafka_sasl_password is not None:
        options |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": settings.kafka_sasl_password.get_secret_value(),
        }
    if protocol in TLS:
        # Without a CA file the system's trusted CAs verify the broker; the host name is always
        # checked against its certificate.
        options["ssl_check_hostname"] = True
        for field in _TLS_FIELDS:
            path = getattr(settings, field)
            if path is not None:
                options[field.removeprefix("kafka_")] = str(path)
    return options
