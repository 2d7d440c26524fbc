"""`ipasn-worker topics create`: the topics the worker reads and writes, with the recommended
settings (contracts §14), for those without topic tooling of their own; with --agencies, each
agency's own outputs too. `ipasn-worker topics acls`: the ACLs that let each system read only
its own staff (contracts §15)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from worker.commands import CommandError
from worker.commands.arguments import kafka_flags, positive
from worker.config.agencies import AgenciesFileError, Grant, acls, agency_topics, read_agencies
from worker.config.kafka import kafka_options
from worker.config.settings import Settings
from worker.config.topics import DEAD_LETTERS_KEPT_DAYS, FEW_PARTITIONS, Topic, worker_topics
from worker.kafka import clients
from worker.kafka.admin import create_acls, create_topics, existing_topics

DESCRIPTION = "create the topics the worker reads and writes, and their ACLs"

CREATE = f"""\
Create every topic the worker reads and writes, named by the settings (IPASN_INPUT_TOPICS,
IPASN_OUTPUT_TOPIC, IPASN_RECONCILED_TOPIC, IPASN_AGENCY_TOPIC, IPASN_DLQ_TOPIC): the input and
the per-employee outputs with --partitions each (keyed by NIP: the most worker processes that
can share the work), the agency figures and the dead letters with at most {FEW_PARTITIONS};
reconciled records and agency figures compacted (the latest per key is kept), dead letters
kept {DEAD_LETTERS_KEPT_DAYS} days. Topics that exist are left alone, whatever their settings.

With --agencies FILE (one agency code a line; blank lines and # comments skipped), each
agency's copies of the recalculated events and reconciled records too, `<topic>.<code>`, with
{FEW_PARTITIONS} partitions each, for IPASN_AGENCY_OUTPUTS (contracts §15).

Exit status: 0 all are there; 1 the broker refused to create one; 2 a bad argument or file, or
no broker answering."""

ACLS = """\
Print, or with --apply create through Kafka's admin API, the ACLs for Kafka's standard
authoriser (StandardAuthorizer; it denies what no ACL allows) that let each system read only
its own staff (contracts §15):

  simpeg-<code>      writes the input topics; reads <recalculated>.<code> and
                     <reconciled>.<code>, in consumer groups named simpeg-<code>...
  siasn, ekinerja    write the input topics
  the worker         reads the input topics in its consumer group (IPASN_CONSUMER_GROUP);
                     writes every output: the national ones, the dead letters and every
                     agency's copies (<topic>.*)

Nobody else reads anything. Principals are Kafka's User:<name> (the SASL user name). Topic
names follow the settings (IPASN_INPUT_TOPICS, IPASN_OUTPUT_TOPIC, ...). Applying twice
creates nothing twice; ACLs of agencies no longer in the file are not removed.

Exit status: 0 printed, or every ACL created; 1 the broker refused some (listed); 2 a bad
argument or file, or no broker answering."""


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
    _agencies_flag(create, required=False)
    kafka_flags(create)
    grants = actions.add_parser(
        "acls",
        help="print (or --apply) the ACLs: each system reads only its own staff",
        description=ACLS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _agencies_flag(grants, required=True)
    grants.add_argument(
        "--worker-principal",
        metavar="NAME",
        help="the worker's SASL user (default: IPASN_KAFKA_SASL_USERNAME, else ipasn-worker)",
    )
    grants.add_argument("--apply", action="store_true", help="create them on the broker")
    kafka_flags(grants)


def _agencies_flag(p: argparse.ArgumentParser, *, required: bool) -> None:
    p.add_argument(
        "--agencies",
        type=Path,
        required=required,
        metavar="FILE",
        help="one agency code a line: their own topics (contracts §15)",
    )


def _replicas(text: str) -> int:
    value = int(text) if text.lstrip("-").isdigit() else 0
    if value == 0 or value < -1:
        raise argparse.ArgumentTypeError(f"{text!r}: 1 or more (-1: the broker's default)")
    return value


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.topics_command == "acls":
        return run_acls(args, settings)
    topics = worker_topics(settings, args.partitions)
    if args.agencies is not None:
        topics += agency_topics(settings, _agencies(args.agencies))
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


def run_acls(args: argparse.Namespace, settings: Settings) -> int:
    worker = args.worker_principal or settings.kafka_sasl_username or clients.WORKER
    grants = acls(settings, _agencies(args.agencies), worker)
    console = Console()
    if not args.apply:
        console.print(acls_table(grants, "ACLs for the standard authoriser (--apply creates them)"))
        return 0
    refused = create_acls(
        settings.kafka_bootstrap_servers,
        grants,
        client_id=clients.TOPICS,
        security=kafka_options(settings),
    )
    if refused:
        for grant, error in refused:
            print(f"ipasn-worker: the broker refused {grant}: {error}", file=sys.stderr)
        return 1
    console.print(acls_table(grants, f"{len(grants)} ACLs on the broker"))
    return 0


def _agencies(path: Path) -> list[str]:
    try:
        return read_agencies(path)
    except AgenciesFileError as e:
        raise CommandError(str(e)) from None


def acls_table(grants: list[Grant], title: str) -> Table:
    """One row an ACL, by principal; fits 80 columns with Kafka's longest default names."""
    table = Table(title=title, caption="*: every name that starts so", caption_justify="left")
    table.add_column("principal", overflow="fold")
    table.add_column("may", no_wrap=True)
    table.add_column("on", no_wrap=True)
    table.add_column("name", overflow="fold")
    for g in grants:
        prefix = "*" if g.pattern == "PREFIXED" else ""
        table.add_row(
            g.principal.removeprefix("User:"),
            g.operation.lower(),
            g.resource.lower(),
            g.name + prefix,
        )
    return table
