"""The database URL from secret files: IPASN_DATABASE_URL_FILE, IPASN_DATABASE_PASSWORD_FILE.

Orchestrators hand secrets over as files (Docker secrets, a Kubernetes Secret mounted as a
volume), so that they stay out of the environment, which `ps e`, `docker inspect` and crash
reports show. Where the URL comes from, the first that applies:

1. `--database-url` (a flag of the commands that take one);
2. IPASN_DATABASE_URL_FILE: the file's content, surrounding whitespace removed;
3. IPASN_DATABASE_URL;
4. the default, `sqlite:///ipasn.db`.

IPASN_DATABASE_URL_FILE and IPASN_DATABASE_URL together are refused as ambiguous. Then
IPASN_DATABASE_PASSWORD_FILE, if set, gives that URL its password: the file's content without
its trailing line break, percent-encoded into the URL (any character may appear in it). The URL
must name a user and have no password of its own.

No file content ever appears in an error: only the variable, the path and what is wrong.
Standard library only, as the settings are imported where SQLAlchemy must not be.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import SecretStr

URL_FILE = "IPASN_DATABASE_URL_FILE"
PASSWORD_FILE = "IPASN_DATABASE_PASSWORD_FILE"  # noqa: S105 - a variable's name
# SQLAlchemy's URL grammar: dialect[+driver]://[user[:password]@]host...; the user ends at the
# first ':', '/' or '@' (one that contains them must be percent-encoded anyway).
_SHAPE = re.compile(r"[\w+]+://")
_USER = re.compile(r"(?P<head>[\w+]+://[^:/@?#]+)(?P<password>:[^@/]*)?@")


def unset_if_blank(value: object) -> object:
    """An empty variable (`IPASN_DATABASE_URL_FILE=`) is no file."""
    return None if isinstance(value, str) and not value.strip() else value


def read_secret(path: Path, variable: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{variable}: {path} is not UTF-8 text") from None
    except OSError as e:
        raise ValueError(
            f"{variable}: cannot read {path}: {e.strerror or type(e).__name__}"
        ) from None
    return text


def with_password(url: str, password: str) -> str:
    """`url` with `password` as its user's password (percent-encoded)."""
    found = _USER.match(url)
    if found is None:
        raise ValueError(
            f"{PASSWORD_FILE}: the database URL names no user to give the password to "
            "(dialect+driver://user@host/database)"
        )
    if found["password"] is not None:
        raise ValueError(
            f"{PASSWORD_FILE}: the database URL has a password already; give it in one place"
        )
    head = found["head"]
    return f"{head}:{quote(password, safe='')}{url[len(head) :]}"


def _text(value: object) -> str | None:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value if isinstance(value, str) else None


def _path(value: object) -> Path | None:
    value = unset_if_blank(value)
    return Path(value) if isinstance(value, str | Path) else None


def resolve_database_url(data: dict[str, Any]) -> dict[str, Any]:
    """The settings' raw values with `database_url` taken from the files where they say so."""
    url_file = _path(data.get("database_url_file"))
    password_file = _path(data.get("database_password_file"))
    if url_file is None and password_file is None:
        return data
    resolved = dict(data)
    source = "IPASN_DATABASE_URL"
    if url_file is not None:
        if data.get("database_url") is not None:
            raise ValueError(
                f"{URL_FILE}: give the URL in the file or in IPASN_DATABASE_URL, not both"
            )
        source = URL_FILE
        resolved["database_url"] = read_secret(url_file, URL_FILE).strip()
    url = _text(resolved.get("database_url", "sqlite:///ipasn.db")) or ""
    if not _SHAPE.match(url):
        raise ValueError(f"{source}: not a database URL (dialect+driver://user@host:port/database)")
    if password_file is not None:
        password = read_secret(password_file, PASSWORD_FILE).removesuffix("\n")
        password = password.removesuffix("\r")
        if not password:
            raise ValueError(f"{PASSWORD_FILE}: {password_file} is empty")
        url = with_password(url, password)
    resolved["database_url"] = SecretStr(url)
    return resolved
