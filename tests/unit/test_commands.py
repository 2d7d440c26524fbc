"""The command table of worker/cli.py: every command loads and has what the CLI needs, and
`run` imports none of the development tools."""

from __future__ import annotations

import subprocess
import sys

import pytest

from worker.cli import COMMANDS, Command, build_parser


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_command_module_has_a_description_its_arguments_and_a_run(command: Command) -> None:
    module = command.load()
    assert module.DESCRIPTION.strip()
    assert callable(module.arguments)
    assert callable(module.run)


def test_the_help_lists_every_command_once(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser(["--help"]).parse_args(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert f"    {command.name}" in out
        assert command.help.split()[0] in out


def test_a_commands_flags_are_parsed_when_only_it_is_loaded() -> None:
    args = build_parser(["--log-level", "DEBUG", "conflicts", "--all", "--limit", "3"]).parse_args(
        ["--log-level", "DEBUG", "conflicts", "--all", "--limit", "3"]
    )
    assert (args.command, args.closed, args.limit, args.log_level) == (
        "conflicts",
        True,
        3,
        "DEBUG",
    )


def test_run_imports_none_of_the_development_tools() -> None:
    # A fresh interpreter: this one has imported everything by now.
    probe = (
        "import sys\n"
        "from worker.cli import BY_NAME, build_parser\n"
        "build_parser(['run']).parse_args(['run', '--until-idle', '1'])\n"
        "BY_NAME['run'].load()\n"
        "import worker.bootstrap.worker, worker.bootstrap.processes\n"
        "print(sorted(m for m in sys.modules if m.startswith(('worker.dev', 'quixstreams'))))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "[]"


def test_an_unknown_command_is_one_line_and_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser(["nonsense"]).parse_args(["nonsense"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "invalid choice: 'nonsense'" in err
