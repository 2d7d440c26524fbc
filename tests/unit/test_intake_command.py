"""`ipasn-worker intake`'s arguments: a bad one is one clear line and exit status 2, before
anything starts (no broker is asked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.cli import main


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    try:
        status = main(["intake", *argv])
    except SystemExit as e:  # argparse's own refusals
        status = int(e.code or 0)
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--port", "0"], "must be 1 to 65535, not 0"),
        (["--port", "70000"], "must be 1 to 65535, not 70000"),
        (["--port", "eighty"], "invalid port value: 'eighty'"),
        (
            ["--certfile", "/nonexistent/cert.pem", "--keyfile", "/nonexistent/key.pem"],
            "cannot read",
        ),
    ],
)
def test_a_bad_argument_is_one_line_and_status_2(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert said in _refused(argv, capsys)


def test_a_certificate_without_its_key_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    certificate = tmp_path / "cert.pem"
    certificate.write_text("not read yet")
    err = _refused(["--certfile", str(certificate)], capsys)
    assert "IPASN_INTAKE_TLS_CERTFILE and IPASN_INTAKE_TLS_KEYFILE go together" in err


def test_a_bad_port_in_the_environment_is_refused_as_a_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IPASN_INTAKE_PORT", "-1")
    assert "IPASN_INTAKE_PORT" in _refused([], capsys)
