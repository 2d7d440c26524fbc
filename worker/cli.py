"""ipasn-worker commands: the one composition root."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from kafka.errors import KafkaError
from rich.console import Console
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from schemas.rules import RulesFileError, load_rules
from worker.bootstrap.worker import run_worker
from worker.commands.agencies import add_agencies_parser, show_agencies
from worker.commands.conflicts import add_conflicts_parser, list_conflicts
from worker.commands.dlq.replay import add_dlq_parser, replay_dead_letters
from worker.commands.override import add_override_parser, publish_override
from worker.commands.quality import add_quality_parser, show_quality
from worker.commands.recompute import add_recompute_parser, run_recompute
from worker.config.secrets import signing_secrets
from worker.config.settings import Settings, SettingsError, load_settings
from worker.dev.bench import PARTS, BenchOptions, run_bench
from worker.dev.brokers import DevBrokerError, LocalBroker
from worker.dev.brokers.apache_kafka import ApacheKafka
from worker.dev.brokers.tansu import TansuBroker
from worker.kafka.errors import watch_refusals
from worker.kafka.security import kafka_options
from worker.observability.logs import configure_logging
from worker.pipeline.ports import TransientError

log = logging.getLogger("ipasn_worker")


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line instead of argparse's usage dump.
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _common(p: argparse.ArgumentParser, *, kafka: bool = False, database: bool = False) -> None:
    if kafka:
        p.add_argument(
            "--bootstrap-servers",
            dest="kafka_bootstrap_servers",
            help="Kafka bootstrap servers (IPASN_KAFKA_BOOTSTRAP_SERVERS)",
        )
    if database:
        p.add_argument("--database-url", help="SQLAlchemy URL (IPASN_DATABASE_URL)")
        p.add_argument("--measurement-year", type=int, help="IPASN_MEASUREMENT_YEAR")
        p.add_argument("--rules-file", help="a rules file replacing bkn-8-2019 (IPASN_RULES_FILE)")


def build_parser() -> Parser:
    parser = Parser(prog="ipasn-worker", description=__doc__)
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING (IPASN_LOG_LEVEL)")
    parser.add_argument("--log-format", help="text or json, one object a line (IPASN_LOG_FORMAT)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    run = commands.add_parser("run", help="consume, reconcile, recompute, publish")
    run.add_argument(
        "--until-idle",
        type=float,
        metavar="SECONDS",
        help="exit 0 once no message arrived for this long and all is published",
    )
    run.add_argument("--metrics-port", type=int, help="Prometheus port, 0 disables it")
    run.add_argument(
        "--processes",
        type=_positive,
        default=1,
        metavar="N",
        help="worker processes in the consumer group, about one per core (PostgreSQL)",
    )
    run.add_argument("--consumer-group", help="IPASN_CONSUMER_GROUP")
    _common(run, kafka=True, database=True)

    publish = commands.add_parser("publish", help="publish a JSON-lines file of change events")
    publish.add_argument("file", type=Path)
    publish.add_argument("--topic", help="default: the first of IPASN_INPUT_TOPICS")
    publish.add_argument(
        "--sign",
        action="store_true",
        help="sign each line with its source's secret (IPASN_SOURCE_SECRETS_FILE)",
    )
    _common(publish, kafka=True)

    show = commands.add_parser("show", help="one employee's record, index and provenance")
    show.add_argument("nip")
    show.add_argument("--json", action="store_true", help="print JSON")
    _common(show, database=True)

    dev = commands.add_parser(
        "dev-broker", help="start a local broker: Tansu (in memory), or Apache Kafka"
    )
    dev.add_argument(
        "--apache-kafka",
        action="store_true",
        help="Apache Kafka (KRaft) from Maven Central, needs Java 17 and Maven",
    )
    dev.add_argument(
        "--nodes", type=int, default=1, help="Apache Kafka nodes (3: replication factor 3)"
    )
    dev.add_argument("--port", type=int, default=9092, help="of the first node; 0: a free one")
    dev.add_argument("--partitions", type=int, default=3, help="for the input and output topics")

    demo = commands.add_parser("demo", help="the whole loop on this machine, no setup")
    demo.add_argument("--employees", type=int, default=300)
    demo.add_argument(
        "--database", type=Path, default=Path("ipasn-demo.db"), help="the SQLite file to (re)create"
    )
    demo.add_argument(
        "--metrics-port",
        type=int,
        default=0,
        help="also serve /metrics while the demo runs (0: no)",
    )
    demo.add_argument("--measurement-year", type=int)

    migrate = commands.add_parser("migrate", help="create or upgrade the database schema")
    _common(migrate, database=True)

    bench = commands.add_parser(
        "bench", help="throughput, latency, memory and flat cost, from one run (minutes)"
    )
    bench.add_argument("--employees", type=_positive, default=10_000, help="in the stream")
    bench.add_argument(
        "--broker",
        choices=["apache-kafka", "local"],
        default="apache-kafka",
        help="start Apache Kafka (one KRaft node; Java) or the in-memory stand-in",
    )
    bench.add_argument("--bootstrap-servers", help="use this running broker instead")
    bench.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="a PostgreSQL server where the benchmark may create and drop databases",
    )
    bench.add_argument(
        "--processes", type=_positive, nargs="+", default=[1, 2], help="worker processes"
    )
    bench.add_argument("--rate", type=float, default=2000.0, help="events/s offered (latency)")
    bench.add_argument("--latency-employees", type=_positive, default=6000)
    bench.add_argument(
        "--stored",
        type=_positive,
        nargs="+",
        default=[10_000, 1_000_000],
        help="employees already stored, for the cost per event (1,000,000 needs ~10 GB)",
    )
    bench.add_argument("--skip", nargs="+", default=[], choices=PARTS, help="parts to leave out")
    add_dlq_parser(commands, _common)
    add_override_parser(commands, _common)
    add_conflicts_parser(commands)
    add_quality_parser(commands)
    add_agencies_parser(commands)
    add_recompute_parser(commands, _common)
    return parser


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    names = (
        "kafka_bootstrap_servers",
        "database_url",
        "measurement_year",
        "rules_file",
        "metrics_port",
        "consumer_group",
        "log_level",
        "log_format",
    )
    given = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    return load_settings(**given, **extra)


class Stopped(BaseException):
    """SIGTERM or SIGINT arrived where nothing can be left half done.

    A BaseException, as KeyboardInterrupt is: kafka-python's bootstrap catches Exception and
    tried the broker again for its whole timeout when the signal came in there."""


class Shutdown:
    """SIGTERM and SIGINT stop the worker within a second or two, wherever it is.

    While the loop runs, the first signal asks it to finish the batch in hand, commit and leave
    the group. Before the loop runs (connecting, migrating), or at a second signal, the command
    stops at once: nothing is committed then, and a redelivered batch is harmless.
    """

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.graceful = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)

    def loop_started(self) -> None:
        self.graceful = True

    def _on_signal(self, signum: int, frame: object) -> None:
        if self.graceful and not self.requested.is_set():
            log.info("%s: finishing the batch in hand", signal.Signals(signum).name)
            self.requested.set()
            return
        raise Stopped(signal.Signals(signum).name)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if args.processes > 1:
        from worker.bootstrap.processes import run_processes

        return run_processes(settings, args.processes, args.until_idle)
    shutdown = Shutdown()
    totals = run_worker(
        settings, args.until_idle, shutdown.requested, looping=shutdown.loop_started
    )
    log.info(
        "stopped: %d messages, %d stored, %d duplicate, %d dead-lettered, %d published",
        totals.messages,
        totals.stored,
        totals.duplicates,
        totals.dead_lettered,
        totals.published,
    )
    if totals.unfinished:
        # --until-idle exits 0 only when every partition held is read to its end, committed and
        # published; a stuck consumer group ends any run (a supervisor restarts it).
        print(f"ipasn-worker: {totals.unfinished}", file=sys.stderr)
        return 1
    return 0


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    from worker.commands.publish import publish_file

    topic = args.topic or settings.input_topics[0]
    secrets = signing_secrets(settings.source_secrets_file, "publish --sign") if args.sign else None
    return publish_file(
        args.file,
        topic,
        settings.kafka_bootstrap_servers,
        Console(stderr=True),
        secrets,
        security=kafka_options(settings),
    )


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from worker.commands.show import dumps, employee_view, render
    from worker.db.engine import make_engine

    rules = load_rules(settings.rules_file)
    engine = make_engine(settings.database_url.get_secret_value())
    if not inspect(engine).has_table("records"):
        engine.dispose()
        print(
            f"ipasn-worker: {_db_name(settings)} has no ipasn schema yet "
            "(ipasn-worker migrate, or run the worker)",
            file=sys.stderr,
        )
        return 1
    view = employee_view(engine, args.nip, settings.measurement_year, rules.version)
    engine.dispose()
    if not view["records"] and view["index"] is None and not view["statements"]:
        print(
            f"ipasn-worker: no statements about that NIP in {_db_name(settings)}", file=sys.stderr
        )
        return 1
    if args.json:
        print(dumps(view))
    else:
        render(view, Console())
    return 0


def _db_name(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url.get_secret_value()).render_as_string(hide_password=True)


def cmd_dev_broker(args: argparse.Namespace, settings: Settings) -> int:
    Shutdown()  # no loop here: a signal stops the broker at once, cleanly
    broker: LocalBroker = (
        ApacheKafka(args.port, nodes=args.nodes) if args.apache_kafka else TansuBroker(args.port)
    )
    if args.apache_kafka:
        print(f"starting {broker.name}; the first start fetches it with Maven", flush=True)
    topics = dict.fromkeys(settings.input_topics, args.partitions)
    topics |= {settings.output_topic: args.partitions, settings.dlq_topic: 1}
    topics |= {settings.reconciled_topic: args.partitions, settings.agency_topic: 1}
    try:
        with broker:
            broker.create_topics(topics)
            logs = f"; logs in {broker.log_dir}" if isinstance(broker, ApacheKafka) else ""
            print(
                f"{broker.name} on {broker.bootstrap}{logs}; topics: {', '.join(topics)}; "
                "Ctrl-C stops it",
                flush=True,
            )
            threading.Event().wait()
    except Stopped:
        pass
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    # The demo makes settings of its own: its local broker, its SQLite file.
    from worker.dev.demo.run import run_demo

    return run_demo(args, Console())


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from worker.db.engine import make_engine, migrate

    engine = make_engine(settings.database_url.get_secret_value())
    migrate(engine)
    engine.dispose()
    print(f"schema is current in {_db_name(settings)}")
    return 0


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    Shutdown()  # no loop here: a signal stops the benchmark at once; its brokers stop cleanly
    options = BenchOptions(
        employees=args.employees,
        broker=args.broker,
        bootstrap_servers=args.bootstrap_servers,
        postgres=args.postgres,
        processes=args.processes,
        rate=args.rate,
        latency_employees=args.latency_employees,
        stored=args.stored,
        skip=frozenset(args.skip),
    )
    run_bench(options, Console(width=max(Console().width, 110)))  # tables not wrapped
    return 0


def cmd_dlq(args: argparse.Namespace, settings: Settings) -> int:
    Shutdown()  # a signal stops the replay at once; the cursors keep what was acknowledged
    return replay_dead_letters(args, settings, Console())


def cmd_recompute(args: argparse.Namespace, settings: Settings) -> int:
    Shutdown()  # a signal stops it at once: the chunk in hand is rolled back, the rest stays
    return run_recompute(args, settings, Console())


COMMANDS = {
    "run": cmd_run,
    "publish": cmd_publish,
    "show": cmd_show,
    "dev-broker": cmd_dev_broker,
    "demo": cmd_demo,
    "migrate": cmd_migrate,
    "bench": cmd_bench,
    "dlq": cmd_dlq,
    "override": publish_override,
    "conflicts": list_conflicts,
    "quality": show_quality,
    "agencies": show_agencies,
    "recompute": cmd_recompute,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)  # once, for every command
    except SettingsError as e:
        print(f"ipasn-worker: {e}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    refusals = watch_refusals()
    try:
        return COMMANDS[args.command](args, settings)
    except Stopped as e:
        print(f"ipasn-worker: stopped by {e}", file=sys.stderr)
        return 1
    except TransientError as e:
        # Retries ran out; offsets past the last committed batch were not committed.
        print(f"ipasn-worker: {e}, still after retries; stopping", file=sys.stderr)
        return 1
    except (SettingsError, RulesFileError, DevBrokerError, OSError) as e:
        print(f"ipasn-worker: {e}", file=sys.stderr)
        return 2
    except KafkaError as e:
        if "bootstrap" in str(e).lower() and refusals.last:
            # Credentials or certificates: a configuration error, which no retry would cure.
            print(
                "ipasn-worker: the Kafka broker at IPASN_KAFKA_BOOTSTRAP_SERVERS refused the "
                f"connection ({refusals.last})",
                file=sys.stderr,
            )
            return 2
        if "bootstrap" in str(e).lower():
            print(
                "ipasn-worker: no Kafka broker answers at IPASN_KAFKA_BOOTSTRAP_SERVERS",
                file=sys.stderr,
            )
            return 2
        print(f"ipasn-worker: {type(e).__name__}: {str(e).splitlines()[0][:300]}", file=sys.stderr)
        return 1
    except SQLAlchemyError as e:
        print(f"ipasn-worker: {type(e).__name__}: {str(e).splitlines()[0][:300]}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
