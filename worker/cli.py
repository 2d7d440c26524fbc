"""ipasn-worker commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any, NoReturn, cast

from schemas.rules import RulesFileError
from worker.commands import CommandError, CommandModule
from worker.commands.shutdown import Stopped
from worker.config.settings import Settings, SettingsError, load_settings
from worker.db import errors as database
from worker.db.engine import SchemaMissing
from worker.kafka import errors as kafka
from worker.observability.logs import configure_logging
from worker.pipeline.ports import TransientError


@dataclass(frozen=True, slots=True)
class Command:
    """A command: its name, its line in `ipasn-worker --help`, and the module that has its
    DESCRIPTION, arguments() and run() (worker/commands/__init__.py), imported only when the
    command runs or its help is asked for."""

    name: str
    help: str
    module: str

    def load(self) -> CommandModule:
        return cast(CommandModule, import_module(self.module))


# Every command, once; the development tools' (worker.dev) are never imported by the others.
COMMANDS = (
    Command("run", "consume, reconcile, recompute, publish", "worker.commands.run"),
    Command("publish", "publish a JSON-lines file of change events", "worker.commands.publish"),
    Command(
        "import",
        "a spreadsheet (CSV, XLSX) of one kind as change events; --template KIND",
        "worker.commands.importing",
    ),
    Command("show", "one employee's record, index and provenance", "worker.commands.show"),
    Command(
        "dev-broker",
        "start a local broker: Tansu (in memory), or Apache Kafka",
        "worker.dev.brokers.command",
    ),
    Command("demo", "the whole loop on this machine, no setup", "worker.dev.demo.command"),
    Command("migrate", "create or upgrade the database schema", "worker.commands.migrate"),
    Command(
        "bench",
        "throughput, latency, memory and flat cost, from one run (minutes)",
        "worker.dev.bench.command",
    ),
    Command("dlq", "dead letters: replay them after a fix", "worker.commands.dlq"),
    Command("override", "publish a data steward's signed override", "worker.commands.override"),
    Command(
        "conflicts",
        "the data stewards' queue: conflicts between sources, oldest first",
        "worker.commands.conflicts",
    ),
    Command(
        "quality", "data quality per source system and regional agency", "worker.commands.quality"
    ),
    Command(
        "agencies", "each agency's employees, mean score and bands", "worker.commands.agencies"
    ),
    Command(
        "topics",
        "create the topics the worker reads and writes; print or apply their ACLs",
        "worker.commands.topics",
    ),
    Command(
        "intake",
        "CloudEvents over HTTP into the input topic (POST /v1/events)",
        "worker.commands.intake",
    ),
    Command(
        "plan",
        "what raises the indexes: per action and the bands, for an agency or all",
        "worker.commands.plan",
    ),
    Command(
        "recompute",
        "compute the indexes again from the stored statements (a year, a rule change)",
        "worker.commands.recompute",
    ),
)
BY_NAME = {c.name: c for c in COMMANDS}
# The flags of every command, which name settings (the rest are the command's own).
SETTINGS_FLAGS = (
    "kafka_bootstrap_servers",
    "database_url",
    "measurement_year",
    "rules_file",
    "metrics_port",
    "intake_port",
    "intake_tls_certfile",
    "intake_tls_keyfile",
    "consumer_group",
    "log_level",
    "log_format",
)
GLOBAL_OPTIONS = ("--log-level", "--log-format")


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line instead of argparse's usage dump.
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def _named(argv: Sequence[str]) -> str | None:
    """The command argv names: its first word that is no option nor an option's value."""
    after_option = False
    for word in argv:
        if after_option:
            after_option = False
        elif word in GLOBAL_OPTIONS:
            after_option = True
        elif not word.startswith("-"):
            return word
    return None


def build_parser(argv: Sequence[str] | None = None) -> Parser:
    """The parser of every command; of the one `argv` names, its arguments too (of all of them
    where argv is None), so that only that command's module is imported."""
    parser = Parser(prog="ipasn-worker", description=__doc__)
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING (IPASN_LOG_LEVEL)")
    parser.add_argument("--log-format", help="text or json, one object a line (IPASN_LOG_FORMAT)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    named = None if argv is None else _named(argv)
    for command in COMMANDS:
        if argv is not None and command.name != named:
            commands.add_parser(command.name, help=command.help)
            continue
        module = command.load()
        module.arguments(
            commands.add_parser(
                command.name,
                help=command.help,
                description=module.DESCRIPTION,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
        )
    return parser


def settings_of(args: argparse.Namespace, **extra: Any) -> Settings:
    """The settings, with the flags given on top of the environment."""
    given = {n: getattr(args, n) for n in SETTINGS_FLAGS if getattr(args, n, None) is not None}
    return load_settings(**given, **extra)


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """The command the arguments name, run; its exit status."""
    return BY_NAME[args.command].load().run(args, settings)


def main(argv: Sequence[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    args = build_parser(given).parse_args(given)
    try:
        settings = settings_of(args)  # once, for every command
    except SettingsError as e:
        print(f"ipasn-worker: {e}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    refusals = kafka.watch_refusals()
    status, line = 0, ""
    try:
        return run_command(args, settings)
    except Stopped as e:
        status, line = 1, f"stopped by {e}"
    except TransientError as e:
        # Retries ran out; offsets past the last committed batch were not committed.
        status, line = 1, f"{e}, still after retries; stopping"
    except SchemaMissing as e:
        status, line = 1, str(e)
    except (SettingsError, RulesFileError, CommandError, kafka.MissingTopics, OSError) as e:
        status, line = 2, str(e)
    except kafka.KafkaFailure as e:
        status, line = kafka.explained(e, refusals)
    except database.DatabaseFailure as e:
        status, line = 1, database.explained(e)
    print(f"ipasn-worker: {line}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
