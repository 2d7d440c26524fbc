"""The worker connects to PostgreSQL with the password from IPASN_DATABASE_PASSWORD_FILE.

The server must check that password: deploy/dev/postgres.sh makes members of the role
ipasn_password_test give theirs (scram-sha-256) while everyone else stays trusted. Each test
makes a role of its own, a member of that one, and drops it afterwards.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from tests.conftest import missing

pytestmark = pytest.mark.postgres

GROUP = "ipasn_password_test"  # named by deploy/dev/postgres.sh's pg_hba.conf line


@dataclass(frozen=True)
class Role:
    url: str  # the database's URL as this role, without its password
    password: str


def _admin(url: str, statements: list[str]) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def _checks_passwords(url: str) -> bool:
    parsed = make_url(url)
    try:
        psycopg.connect(
            host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database,
            password="not-the-password", connect_timeout=5,  # noqa: S106 - wrong on purpose
        ).close()  # fmt: skip
    except psycopg.OperationalError:
        return True
    return False


@pytest.fixture
def role(postgres_url: str) -> Iterator[Role]:
    name = f"ipasn_pw_{uuid.uuid4().hex[:10]}"
    password = f"pw '{secrets.token_urlsafe(12)}' @:/%"  # quoted, and a URL would misread it
    with contextlib.suppress(ProgrammingError):  # another test made it first
        _admin(postgres_url, [f"CREATE ROLE {GROUP} NOLOGIN"])
    literal = password.replace("'", "''")
    _admin(
        postgres_url,
        [
            f"CREATE ROLE {name} LOGIN PASSWORD '{literal}' IN ROLE {GROUP}",
            f"GRANT ALL ON SCHEMA public TO {name}",
        ],
    )
    url = make_url(postgres_url).set(username=name, password=None)
    rendered = url.render_as_string(hide_password=False)
    try:
        if not _checks_passwords(rendered):
            missing(
                f"PostgreSQL at {url.host} does not check the passwords of {GROUP}'s members "
                "(deploy/dev/postgres.sh adds the pg_hba.conf line)"
            )
        yield Role(rendered, password)
    finally:
        _admin(postgres_url, [f"DROP OWNED BY {name}", f"DROP ROLE {name}"])


def migrate(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("IPASN_")}
    return subprocess.run(
        [sys.executable, "-m", "worker.cli", "migrate"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**clean, **env},
    )


def test_the_worker_connects_with_the_password_from_the_file_and_never_shows_it(
    role: Role, tmp_path: Path
) -> None:
    password_file = tmp_path / "db-password"
    password_file.write_text(role.password + "\n", encoding="utf-8")  # as `echo` writes one
    env = {"IPASN_DATABASE_URL": role.url, "IPASN_DATABASE_PASSWORD_FILE": str(password_file)}

    result = migrate(env)

    assert result.returncode == 0, result.stderr
    assert "schema is current in postgresql+psycopg://ipasn_pw_" in result.stdout
    assert role.password not in result.stdout + result.stderr


def test_the_url_file_may_hold_the_whole_url(role: Role, tmp_path: Path) -> None:
    url_file = tmp_path / "db-url"
    url_file.write_text(
        make_url(role.url).set(password=role.password).render_as_string(hide_password=False),
        encoding="utf-8",
    )

    result = migrate({"IPASN_DATABASE_URL_FILE": str(url_file)})

    assert result.returncode == 0, result.stderr
    assert role.password not in result.stdout + result.stderr


def test_a_wrong_password_in_the_file_is_refused_by_the_server_without_showing_it(
    role: Role, tmp_path: Path
) -> None:
    wrong = f"wrong-{secrets.token_urlsafe(12)}"
    password_file = tmp_path / "db-password"
    password_file.write_text(wrong, encoding="utf-8")

    result = migrate(
        {"IPASN_DATABASE_URL": role.url, "IPASN_DATABASE_PASSWORD_FILE": str(password_file)}
    )

    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("ipasn-worker: OperationalError: ")
    assert "password authentication failed" in line
    assert wrong not in result.stdout + result.stderr
