"""`ipasn-worker import`: a spreadsheet's rows as change events onto the input topic
(contracts §13), and `import --template KIND`, a sheet to fill in."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import cast

from rich.console import Console

from schemas.rules import load_rules
from schemas.signature import SourceSecrets
from worker.commands import CommandError
from worker.commands.arguments import kafka_flags, system_source
from worker.commands.importing.importer import Job, check_time, import_file, now
from worker.commands.importing.template import TemplateError, default_path, write_template
from worker.config.secrets import load_source_secrets, signing_secrets
from worker.config.settings import Settings
from worker.domain.model import KINDS, Kind
from worker.domain.rules import regional_agency

DESCRIPTION = """\
Import a spreadsheet (CSV or XLSX, its first sheet) of one kind of record from one source: each
row becomes one change event on the first of IPASN_INPUT_TOPICS, keyed by its NIP, checked
first by the worker's own decoder. Row 1 is the header: `nip`, the kind's data fields (contracts
§1) and optionally `time` and `deleted`; an empty cell is an absent field.

  ipasn-worker import --template training           writes ipasn-training.xlsx
  ipasn-worker import training.xlsx --source simpeg:7317 --kind training

Each event's id is derived from the source, the kind and the row's content, so importing the
same rows again stores nothing new. A row without a time takes --time (RFC 3339, or a date:
its midnight UTC), else the time of the import; a date-and-time cell, which has no UTC
offset, is read as UTC. Give rows a `time` where a record may return to an earlier value.
Every invalid row is listed with its row number, column and the dead-letter reason the worker
would give (or same_record: a second row giving one record other values at the same time), and
then nothing is published unless --skip-invalid. A summary table ends it.

Exit status: 0 every row published (with --dry-run: every row valid); 3 invalid rows, listed:
nothing was published (with --skip-invalid: only the valid rows were); 2 a bad argument or
setting, a file that cannot be read, a header the kind cannot have; 1 a broker failure (what
the broker acknowledged before it is in the summary: importing again is safe)."""


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", nargs="?", type=Path, metavar="FILE", help="a .xlsx or .csv file")
    p.add_argument("--source", type=system_source, help="siasn, ekinerja or simpeg:<agency>")
    p.add_argument("--kind", choices=KINDS, metavar="KIND", help=", ".join(KINDS))
    p.add_argument("--time", metavar="T", help="the event time of rows without one")
    p.add_argument(
        "--sign", action="store_true", help="sign each event with the source's secret (§8)"
    )
    p.add_argument("--dry-run", action="store_true", help="check every row, publish nothing")
    p.add_argument("--skip-invalid", action="store_true", help="publish the valid rows anyway")
    p.add_argument(
        "--template",
        metavar="KIND",
        choices=KINDS,
        help="write a sheet with KIND's header and one example row, then stop",
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="the template's file (.xlsx or .csv)")
    p.add_argument("--rules-file", help="a rules file replacing bkn-8-2019 (IPASN_RULES_FILE)")
    kafka_flags(p)


def run(args: argparse.Namespace, settings: Settings) -> int:
    return run_import(args, settings, Console(), Console(stderr=True))


def run_import(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    """The command, its report on `out` and its progress and notes on `err` (the demo shows
    both on its own console)."""
    if args.template is not None:
        return _template(args, err)
    job = _job(args)
    rules = load_rules(settings.rules_file)
    if not rules.may_send(job.source, job.kind):
        raise CommandError(
            f"source {job.source} may not send {job.kind} events (rules {rules.version})"
        )
    secrets = _secrets(job, settings)
    return import_file(job, settings, rules, secrets, out, err)


def _job(args: argparse.Namespace) -> Job:
    if args.out is not None:
        raise CommandError("--out goes with --template")
    given = {"FILE": args.file, "--source": args.source, "--kind": args.kind}
    if missing := [name for name, value in given.items() if value is None]:
        raise CommandError(f"import needs {', '.join(missing)} (or --template KIND)")
    default_time = now() if args.time is None else check_time(args.time)
    kind = cast(Kind, args.kind)
    return Job(
        args.file, args.source, kind, default_time, args.sign, args.dry_run, args.skip_invalid
    )


def _secrets(job: Job, settings: Settings) -> SourceSecrets:
    """The secrets the worker checks rows with; a source the worker expects signed events of
    is refused up front without --sign, so that no row is published to be dead-lettered."""
    path, required = settings.source_secrets_file, settings.require_signatures
    if job.sign:
        if signing_secrets(path, "import --sign").secret(job.source) is None:
            raise CommandError(f"{path} has no secret for {job.source} to sign with")
        return load_source_secrets(path, required=required)
    secrets = load_source_secrets(path, required=required)
    if secrets.secret(job.source) is not None or required:
        raise CommandError(
            f"the worker checks signatures of {job.source} (IPASN_SOURCE_SECRETS_FILE, "
            "IPASN_REQUIRE_SIGNATURES): give --sign"
        )
    return secrets


def _template(args: argparse.Namespace, console: Console) -> int:
    if args.file is not None or args.kind is not None:
        raise CommandError("--template KIND writes a template: give no FILE nor --kind")
    kind = cast(Kind, args.template)
    path: Path = args.out or default_path(kind)
    agency = regional_agency(args.source) if args.source else None
    try:
        write_template(kind, path, agency)
    except TemplateError as e:
        raise CommandError(str(e)) from None
    console.print(f"wrote {path}: the {kind} header and one example row", highlight=False)
    return 0
