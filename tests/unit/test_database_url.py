"""The database URL from secret files (IPASN_DATABASE_URL_FILE, IPASN_DATABASE_PASSWORD_FILE):
where the URL comes from, the password put into it, and nothing of either shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from worker.config.settings import SettingsError, as_environment, load_settings

PASSWORD = "p@ss w:rd/%é#?"  # noqa: S105 - every character a URL would misread
USERLESS = "postgresql+psycopg://db.internal:5432/ipasn"
URL = "postgresql+psycopg://ipasn@db.internal:5432/ipasn?sslmode=require"


@pytest.fixture(autouse=True)
def no_ipasn_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("IPASN_"):
            monkeypatch.delenv(name)


def secret_file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def url_of(**given: object) -> str:
    return load_settings(**given).database_url.get_secret_value()


def refused(**given: object) -> str:
    with pytest.raises(SettingsError) as raised:
        load_settings(**given)
    message = str(raised.value)
    assert "\n" not in message
    assert "w:rd" not in message
    assert "db.internal" not in message  # no file content at all
    return message


def test_the_url_file_gives_the_url_without_its_line_break(tmp_path: Path) -> None:
    assert url_of(database_url_file=secret_file(tmp_path, "url", f"{URL}\n")) == URL


def test_the_password_file_puts_its_password_into_the_url_percent_encoded(
    tmp_path: Path,
) -> None:
    url = url_of(database_url=URL, database_password_file=secret_file(tmp_path, "pw", PASSWORD))

    parsed = make_url(url)
    assert parsed.password == PASSWORD
    assert (parsed.username, parsed.host, parsed.port, parsed.database) == (
        "ipasn",
        "db.internal",
        5432,
        "ipasn",
    )
    assert dict(parsed.query) == {"sslmode": "require"}


def test_the_password_file_loses_only_its_trailing_line_break(tmp_path: Path) -> None:
    for text in (f"{PASSWORD}\n", f"{PASSWORD}\r\n", PASSWORD):
        path = secret_file(tmp_path, "pw", text)
        assert make_url(url_of(database_url=URL, database_password_file=path)).password == PASSWORD
    spaced = secret_file(tmp_path, "spaced", " in spaces \n")
    assert make_url(url_of(database_url=URL, database_password_file=spaced)).password == (
        " in spaces "  # noqa: S105 - a test secret
    )


def test_both_files_together_make_the_url(tmp_path: Path) -> None:
    url = url_of(
        database_url_file=secret_file(tmp_path, "url", URL),
        database_password_file=secret_file(tmp_path, "pw", PASSWORD),
    )

    assert make_url(url).password == PASSWORD


def test_the_url_flag_takes_the_place_of_the_url_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPASN_DATABASE_URL_FILE", secret_file(tmp_path, "url", URL))
    monkeypatch.setenv("IPASN_DATABASE_PASSWORD_FILE", secret_file(tmp_path, "pw", PASSWORD))

    url = url_of(database_url="postgresql+psycopg://steward@other/ipasn")  # --database-url

    assert make_url(url).host == "other"
    assert make_url(url).password == PASSWORD


def test_a_url_file_and_a_url_variable_together_are_ambiguous(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPASN_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("IPASN_DATABASE_URL_FILE", secret_file(tmp_path, "url", URL))

    assert refused() == (
        "bad configuration: IPASN_DATABASE_URL_FILE: give the URL in the file or in "
        "IPASN_DATABASE_URL, not both"
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (USERLESS, "the database URL names no user to give the password to"),
        ("sqlite:///ipasn.db", "the database URL names no user to give the password to"),
        (
            "postgresql+psycopg://ipasn:inline@db.internal/ipasn",
            "the database URL has a password already; give it in one place",
        ),
    ],
)
def test_a_password_file_needs_a_url_with_a_user_and_no_password(
    url: str, problem: str, tmp_path: Path
) -> None:
    message = refused(database_url=url, database_password_file=secret_file(tmp_path, "pw", "x"))

    assert message.startswith(f"bad configuration: IPASN_DATABASE_PASSWORD_FILE: {problem}")
    assert "inline" not in message


def test_missing_unreadable_or_empty_files_are_refused_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    assert refused(database_url_file=str(missing)) == (
        f"bad configuration: IPASN_DATABASE_URL_FILE: cannot read {missing}: "
        "No such file or directory"
    )
    assert refused(database_password_file=str(tmp_path), database_url=URL) == (
        f"bad configuration: IPASN_DATABASE_PASSWORD_FILE: cannot read {tmp_path}: Is a directory"
    )
    empty = secret_file(tmp_path, "empty", "\n")
    assert refused(database_url=URL, database_password_file=empty) == (
        f"bad configuration: IPASN_DATABASE_PASSWORD_FILE: {empty} is empty"
    )
    assert refused(database_url_file=empty).startswith(
        "bad configuration: IPASN_DATABASE_URL_FILE: not a database URL"
    )
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe")
    assert refused(database_url_file=str(binary)) == (
        f"bad configuration: IPASN_DATABASE_URL_FILE: {binary} is not UTF-8 text"
    )


def test_a_url_file_that_is_not_a_url_is_refused_without_showing_it(tmp_path: Path) -> None:
    garbage = secret_file(tmp_path, "url", "ipasn:w:rd@db.internal\n")

    assert refused(database_url_file=garbage) == (
        "bad configuration: IPASN_DATABASE_URL_FILE: not a database URL "
        "(dialect+driver://user@host:port/database)"
    )


def test_the_url_read_from_files_stays_secret(tmp_path: Path) -> None:
    settings = load_settings(
        database_url=URL, database_password_file=secret_file(tmp_path, "pw", PASSWORD)
    )

    assert PASSWORD not in repr(settings)
    assert "w:rd" not in repr(settings)


def test_worker_processes_get_the_url_as_read_and_not_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A child of `run --processes N` inherits the parent's environment, file variables included.
    monkeypatch.setenv("IPASN_DATABASE_URL_FILE", secret_file(tmp_path, "url", URL))
    monkeypatch.setenv("IPASN_DATABASE_PASSWORD_FILE", secret_file(tmp_path, "pw", PASSWORD))
    parent = load_settings()

    for name, value in as_environment(parent).items():
        monkeypatch.setenv(name, value)
    child = load_settings()

    assert child.database_url.get_secret_value() == parent.database_url.get_secret_value()
    assert make_url(child.database_url.get_secret_value()).password == PASSWORD
