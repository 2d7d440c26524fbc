"""`ipasn-worker override` and `publish --sign` refuse bad input in one line (exit 2) before
anything is sent: no broker answers at the address these tests give."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from consumers.changes import decode
from schemas.signature import SIGNATURE_HEADER, SourceSecrets, sign
from tests.factories import BKN_8_2019, NIP
from worker.cli import main
from worker.commands.override import override_event
from worker.domain.model import Statement

SECRET = "cli-steward-secret"  # noqa: S105 - a test secret
NOWHERE = "127.0.0.1:9"  # discard: nothing to publish to


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'steward = "{SECRET}"\nsiasn = "{SECRET}-2"\n', encoding="utf-8")
    monkeypatch.setenv("IPASN_KAFKA_BOOTSTRAP_SERVERS", NOWHERE)
    monkeypatch.setenv("IPASN_SOURCE_SECRETS_FILE", str(secrets))
    monkeypatch.delenv("IPASN_RULES_FILE", raising=False)
    return secrets


def refusal(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert SECRET not in err
    return err


EDUCATION = ["education", "--record-id", "edu-1"]
VALUES = json.dumps(
    {"level": "S2", "institution": "Universitas Terbuka", "graduated_on": "2020-08-01"}
)
WHY = ["--reason", "verified", "--actor", "Rina"]


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            [NIP, "education", "--values", VALUES, *WHY],
            "education records are told apart by id: give --record-id",
        ),
        ([NIP, "profile", "--record-id", "x", "--delete", *WHY], "profile has no record id"),
        ([NIP, *EDUCATION, "--values", "[1]", *WHY], "--values is not a JSON object"),
        ([NIP, *EDUCATION, "--values", "{level: S2}", *WHY], "--values is not JSON"),
        ([NIP, *EDUCATION, "--values", '{"reason": "x"}', *WHY], "give it with --reason"),
        ([NIP, *EDUCATION, "--values", '{"record_id": "x"}', *WHY], "give it with --record-id"),
        (
            [NIP, *EDUCATION, "--values", '{"level": "S9"}', *WHY],
            "the worker would refuse it (invalid_event): data.level:",
        ),
        (["1987", "profile", "--release", *WHY], "the worker would refuse it (bad_nip)"),
        (
            [NIP, *EDUCATION, "--delete", "--reason", " ", "--actor", "R"],
            "data.reason: Value error",
        ),
        ([NIP, *EDUCATION, "--delete", "--reason", "r", "--actor", "a\tb"], "actor: String should"),
    ],
)
def test_a_bad_override_is_one_line_and_nothing_is_sent(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    err = refusal(capsys, "override", *argv)

    assert err.startswith("ipasn-worker: override: ")
    assert expected in err


def test_override_needs_a_secrets_file_with_a_steward_secret(
    capsys: pytest.CaptureFixture[str], env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["override", NIP, "profile", "--release", *WHY]
    monkeypatch.delenv("IPASN_SOURCE_SECRETS_FILE")
    assert "override needs the sources' secrets: set IPASN_SOURCE_SECRETS_FILE" in refusal(
        capsys, *argv
    )

    env.write_text('siasn = "x"\n', encoding="utf-8")
    monkeypatch.setenv("IPASN_SOURCE_SECRETS_FILE", str(env))
    assert "has no steward secret" in refusal(capsys, *argv)

    monkeypatch.setenv("IPASN_SOURCE_SECRETS_FILE", str(env.parent / "missing.toml"))
    assert "IPASN_SOURCE_SECRETS_FILE: cannot read" in refusal(capsys, *argv)


def test_override_requires_exactly_one_of_values_delete_and_release(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["override", NIP, "profile", "--delete", "--release", *WHY])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("what", "kind", "record_id", "released", "values"),
    [
        (["--values", VALUES], "education", "edu-1", False, True),
        (["--delete"], "education", "edu-1", False, False),
        (["--release"], "position", None, True, False),
    ],
)
def test_an_override_event_decodes_to_the_stewards_statement(
    what: list[str], kind: str, record_id: str | None, released: bool, values: bool
) -> None:
    parser = argparse.ArgumentParser()
    for name in ("nip", "kind"):
        parser.add_argument(name)
    for flag in ("--record-id", "--values", "--reason", "--actor"):
        parser.add_argument(flag)
    for flag in ("--delete", "--release"):
        parser.add_argument(flag, action="store_true")
    args = parser.parse_args(
        [NIP, kind, *(["--record-id", record_id] if record_id else []), *what, *WHY]
    )
    event = override_event(args, datetime(2025, 4, 1, 3, 0, 0, 500, tzinfo=UTC), "id-1")
    value = json.dumps(event).encode()
    headers = [(SIGNATURE_HEADER, sign(SECRET.encode(), value).encode())]

    statement = decode(
        NIP.encode(), value, BKN_8_2019, headers, SourceSecrets({"steward": SECRET.encode()})
    )

    assert isinstance(statement, Statement), statement
    assert event["time"] == "2025-04-01T03:00:00.000500Z"
    assert (statement.source, statement.kind, statement.record_id) == ("steward", kind, record_id)
    assert (statement.actor, statement.reason, statement.released) == ("Rina", "verified", released)
    assert (statement.values is not None) == values


def test_publish_sign_without_a_secrets_file_is_one_line(
    capsys: pytest.CaptureFixture[str], env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lines = tmp_path / "events.jsonl"
    lines.write_text('{"source": "siasn", "subject": "x"}\n', encoding="utf-8")
    monkeypatch.delenv("IPASN_SOURCE_SECRETS_FILE")

    err = refusal(capsys, "publish", str(lines), "--sign")

    assert "publish --sign needs the sources' secrets: set IPASN_SOURCE_SECRETS_FILE" in err


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b'{"source": "siasn"}\n{"source": "ekinerja"}\n',
            "line 2: no secret for source 'ekinerja'",
        ),
        (b'{"source": "siasn"}\n\n{not json\n', "line 3: no source to sign for"),
        (b"[1]\n", "line 1: no source to sign for"),
    ],
)
def test_publish_sign_names_the_first_line_it_cannot_sign(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, expected: str
) -> None:
    lines = tmp_path / "events.jsonl"
    lines.write_bytes(content)

    err = refusal(capsys, "publish", str(lines), "--sign")

    assert expected in err
    assert "nothing was published" in err
