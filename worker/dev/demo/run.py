"""`ipasn-worker demo`: local broker, SQLite, a realistic sample, the worker, the results."""

from __future__ import annotations

import argparse
import secrets
import threading
from importlib.resources import as_file, files
from pathlib import Path

from prometheus_client import CollectorRegistry
from rich.console import Console
from rich.progress import Progress

from consumers.reader import read_topic
from producers.kafka_sink import KafkaPublisher
from schemas.rules import load_rules
from worker.bootstrap import bootstrap
from worker.bootstrap.worker import run_worker
from worker.commands.agencies import render
from worker.commands.arguments import parse_as
from worker.commands.plan import planned
from worker.commands.plan import render as render_plan
from worker.commands.recompute import arguments as recompute_arguments
from worker.commands.recompute import run_recompute
from worker.commands.show import render_improvement
from worker.config.settings import Settings, load_settings
from worker.config.topics import worker_topics
from worker.db.views.agencies import figures
from worker.db.views.employees import json_numbers, reconciled_pages
from worker.dev.brokers.tansu import TansuBroker
from worker.dev.demo.http import send_over_http, split_regional
from worker.dev.demo.report import report
from worker.dev.demo.sample import sample_events
from worker.dev.demo.spreadsheet import AGENCY as LUWU
from worker.dev.demo.spreadsheet import import_trainings
from worker.dev.demo.stewardship import steward_act
from worker.domain import improvement
from worker.kafka import clients

IDLE_S = 2.0


def _fresh(database: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def _steward_secret(database: Path) -> Path:
    """A secrets file beside the database with a fresh steward secret: the demo's overrides
    are signed and checked as in production (contracts §8)."""
    path = Path(f"{database}.secrets.toml")
    path.write_text(f'steward = "{secrets.token_hex(32)}"\n', encoding="utf-8")
    path.chmod(0o600)
    return path


def run_demo(args: argparse.Namespace, console: Console) -> int:
    _fresh(args.database)
    with TansuBroker(0) as broker:
        settings = load_settings(
            source_secrets_file=_steward_secret(args.database),
            kafka_bootstrap_servers=broker.bootstrap,
            database_url=f"sqlite:///{args.database}",
            measurement_year=args.measurement_year,
            metrics_port=args.metrics_port,
            consumer_group="ipasn-demo",
            kafka_session_timeout_ms=6000,
        )
        console.print(
            f"[bold]ipasn-worker demo[/]: local broker on {broker.bootstrap}, "
            f"SQLite {args.database}, measurement year {settings.measurement_year}"
        )
        broker.create_topics({t.name: t.partitions for t in worker_topics(settings, 3)})
        sample = sample_events(args.employees, measurement_year=settings.measurement_year)
        regional, over_http, messages = split_regional(sample)
        publisher = KafkaPublisher(broker.bootstrap, client_id=clients.DEMO_UPSTREAM)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("publishing sample change events", total=len(messages))
            for m in messages:
                publisher.send(settings.input_topics[0], m.key, m.value)
                progress.advance(task)
            publisher.flush()
        publisher.close()
        console.print(
            f"published {len(messages)} change events from SIASN, e-Kinerja and "
            "two regional SIMPEGs"
        )
        if regional is not None:
            send_over_http(console, settings, regional, over_http)
        import_trainings(console, settings, sample, Path(args.database).resolve().parent)
        registry = CollectorRegistry()
        with console.status("worker consuming, reconciling, recomputing, publishing…"):
            totals = run_worker(settings, IDLE_S, threading.Event(), registry)
        published = read_topic(broker.bootstrap, settings.output_topic)
        dead = read_topic(broker.bootstrap, settings.dlq_topic)
        report(console, settings, totals, published, dead, registry)
        steward_act(console, settings, IDLE_S)
    _agencies(console, settings)
    _raising(console, settings)
    return 0


def _agencies(console: Console, settings: Settings) -> None:
    """The figures each agency is judged by, as `ipasn-worker agencies` prints them."""
    rule_version = load_rules(settings.rules_file).version
    with bootstrap(settings, database="read") as app:
        found = figures(app.engine, settings.measurement_year, rule_version)
    console.rule("[bold]Agencies (ipasn-worker agencies), kept from index changes")
    render(found, settings.measurement_year, console)
    example = files("worker").joinpath("rules/example-2026.toml")
    console.rule("[bold]What an example rule change would do (recompute --dry-run)")
    console.print(
        f"[dim]ipasn-worker recompute --year {settings.measurement_year} --rules "
        "worker/rules/example-2026.toml --dry-run[/]  (an example, not a regulation)"
    )
    with as_file(example) as path:
        argv = ["--year", str(settings.measurement_year), "--rules", str(path), "--dry-run"]
        args = parse_as(recompute_arguments, argv)
        run_recompute(args, settings, console)


def _raising(console: Console, settings: Settings) -> None:
    """What raises the index (contracts §12): one employee of Kab. Luwu's with a set of
    options to the next band, as `show` prints it, and the regency's plan, as `plan` does.
    For the measurement year itself: the sample's latest appraisals are of its year before,
    which this year counts (next year's needs an appraisal not made yet)."""
    rules = load_rules(settings.rules_file)
    year = settings.measurement_year
    with bootstrap(settings, database="read") as app:
        chosen = None
        for page in reconciled_pages(app.engine, LUWU, 500):
            found = (improvement.improvement(r, year, rules) for r in page)
            chosen = next((f for f in found if f is not None and f.to_next_band), None)
            if chosen is not None:
                break
        plan = planned(app.engine, rules, year, LUWU)
    console.rule("[bold]What raises the index (ipasn-worker show NIP --year, plan)")
    if chosen is not None:
        console.print(
            f"[dim]ipasn-worker show {chosen.projected.nip} --year {year}[/]  (its last section: "
            "an employee of Kab. Luwu's)"
        )
        render_improvement(json_numbers(improvement.as_data(chosen)), console)
    console.print(f"[dim]ipasn-worker plan --agency {LUWU} --year {year}[/]")
    render_plan(plan, rules.version, console)
