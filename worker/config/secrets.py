"""The sources' signing secrets (contracts §8), read from IPASN_SOURCE_SECRETS_FILE: a TOML
table of source names to secrets. What a secret signs: schemas/signature.py.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from schemas.signature import SourceSecrets
from schemas.wire import SOURCE
from worker.config.settings import SettingsError

_SOURCE = re.compile(SOURCE)
_POSITION = re.compile(r"\(at line \d+, column \d+\)|\(at end of document\)")
VARIABLE = "IPASN_SOURCE_SECRETS_FILE"


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
