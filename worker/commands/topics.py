"""`ipasn-worker topics create`: the topics the worker reads and writes, with the recommended
settings (contracts §14), for those without topic tooling of their own."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from worker.commands.arguments import kafka_flags, positive
from worker.config.kafka import kafka_options
from worker.config.settings import Settings
from worker.config.topics import DEAD_LETTERS_KEPT_DAYS, FEW_PARTITIONS, Topic, worker_topics
from worker.kafka import clients
from worker.kafka.admin import create_topics, existing_topics

DESCRIPTION = "create the topics the worker reads and writes"

CREATE = f"""\
Create every topic the worker reads and writes, named by the settings (IPASN_INPUT_TOPICS,
IPASN_OUTPUT_TOPIC, IPASN_RECONCILED_TOPIC, IPASN_AGENCY_TOPIC, IPASN_DLQ_TOPIC): the input and
the per-employee outputs with --partitions each (keyed by NIP: the most worker processes that
can share the work), the agency figures and the dead letters with at most {FEW_PARTITIONS};
reconciled records and agency figures compacted (the latest per key is kept), dead letters
kept {DEAD_LETTERS_KEPT_DAYS} days. Topics that exist are left alone, whatever their settings.

Exit status: 0 all are there; 1 the broker refused to create one; 2 a bad argument or no
broker answering."""


def arguments(p: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="topics_command", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create",
        help="create those missing, with the recommended settings",
        description=CREATE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    create.add_argument(
        "--partitions",
        type=positive,
        default=12,
        metavar="N",
        help="of the input and the per-employee outputs (default 12)",
    )
    create.add_argument(
        "--replication-factor",
        type=_replicas,
        default=-1,
        metavar="R",
        help="replicas of each partition (default: the broker's default.replication.factor)",
    )
    kafka_flags(create)


def _replicas(text: str) -> int:
    value = int(text) if text.lstrip("-").isdigit() else 0
    if value == 0 or value < -1:
        raise argparse.ArgumentTypeError(f"{text!r}: 1 or more (-1: the broker's default)")
    return value


def run(args: argparse.Namespace, settings: Settings) -> int:
    topics = worker_topics(settings, args.partitions)
    options = kafka_options(settings)
    bootstrap = settings.kafka_bootstrap_servers
    created = create_topics(
        bootstrap,
        {t.name: t.partitions for t in topics},
        args.replication_factor,
        client_id=clients.TOPICS,
        security=options,
        configs={t.name: t.configs for t in topics},
    )
    there = existing_topics(bootstrap, client_id=clients.TOPICS, security=options)
    Console().print(table(topics, set(created), there))
    return 0 if all(t.name in there for t in topics) else 1


def table(topics: list[Topic], created: set[str], there: set[str]) -> Table:
    table = Table(
        title="Topics of the worker",
        caption="exists: left as it is, whatever its settings",
        caption_justify="left",
    )
    table.add_column("topic", overflow="fold")  # a long name folds, never cut
    table.add_column("partitions", justify="right", no_wrap=True)
    table.add_column("settings", overflow="fold")
    table.add_column("", no_wrap=True)
    for t in topics:
        if t.name not in created:
            table.add_row(t.name, "-", "-", "exists" if t.name in there else "missing")
            continue
        settings = ", ".join(_setting(key, value) for key, value in t.configs.items())
        table.add_row(t.name, str(t.partitions), settings or "-", "created")
    return table


def _setting(key: str, value: str) -> str:
    if key == "retention.ms":
        return f"kept {int(value) // (24 * 3600 * 1000)} days"
    if key == "cleanup.policy" and value == "compact":
        return "compacted"
    return f"{key}={value}"
