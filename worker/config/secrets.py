"""Source identity (contracts §8): per-source secrets and the `ipasn-signature` header.

A message whose source has a secret carries the Kafka header
`ipasn-signature: sha256=<lowercase hex HMAC-SHA256(secret, the message value bytes)>`.
Secrets come from the TOML file named by IPASN_SOURCE_SECRETS_FILE and appear nowhere else:
not in a repr, a log line, an error or a dead letter.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from schemas.wire import SOURCE
from worker.config.settings import SettingsError

SIGNATURE_HEADER = "ipasn-signature"
_SOURCE = re.compile(SOURCE)
_POSITION = re.compile(r"\(at line \d+, column \d+\)|\(at end of document\)")
VARIABLE = "IPASN_SOURCE_SECRETS_FILE"


@dataclass(frozen=True, slots=True)
class SourceSecrets:
    """Each source's secret (absent: the source signs nothing), and whether a source without
    one is refused all the same (IPASN_REQUIRE_SIGNATURES)."""

    by_source: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    required: bool = False

    def secret(self, source: str) -> bytes | None:
        return self.by_source.get(source)


def sign(secret: bytes, value: bytes) -> str:
    """The `ipasn-signature` header's value for a message value."""
    return "sha256=" + hmac.new(secret, value, hashlib.sha256).hexdigest()


def verify(secret: bytes, value: bytes, signature: bytes) -> bool:
    """Whether the header's value is the value's signature, exactly (lowercase hex), compared
    in constant time."""
    return hmac.compare_digest(sign(secret, value).encode("ascii"), signature)


def load_source_secrets(path: Path | None, *, required: bool = False) -> SourceSecrets:
    """The secrets file's contents; no file: no secrets. SettingsError (one line, never a
    secret) for a file that cannot be read or is not a table of source names to strings."""
    if path is None:
        return SourceSecrets(required=required)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as e:
        raise SettingsError(f"{VARIABLE}: cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{VARIABLE}: {path} is not UTF-8") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        # Only where: some of tomllib's messages quote a character of the input.
        where = _POSITION.search(str(e))
        raise SettingsError(
            f"{VARIABLE}: {path} is not valid TOML" + (f" {where.group()}" if where else "")
        ) from None
    return SourceSecrets(_secrets(table, path), required)


def _secrets(table: Mapping[str, object], path: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for name, secret in table.items():
        shown = repr(name[:60])
        if not _SOURCE.fullmatch(name):
            raise SettingsError(
                f"{VARIABLE}: {shown} in {path} is not a source name "
                "(siasn, ekinerja, simpeg:<agency_code>, steward)"
            )
        if not isinstance(secret, str):
            raise SettingsError(f"{VARIABLE}: the secret of {shown} in {path} is not a string")
        if not secret:
            raise SettingsError(f"{VARIABLE}: the secret of {shown} in {path} is empty")
        found[name] = secret.encode("utf-8")
    return found


def signing_secrets(path: Path | None, command: str) -> SourceSecrets:
    """The secrets a command signs with, which it cannot do without a file."""
    if path is None:
        raise SettingsError(f"{command} needs the sources' secrets: set {VARIABLE}")
    return load_source_secrets(path)
