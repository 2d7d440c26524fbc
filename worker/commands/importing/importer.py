"""The import itself: every row read and checked first, then (where all are valid, or
--skip-invalid) the valid ones published, each counted once the broker acknowledged it."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from schemas.signature import SourceSecrets
from schemas.wire import EventTime
from worker.bootstrap import bootstrap
from worker.bootstrap.topics import require_topics
from worker.commands import CommandError
from worker.commands.importing.cells import CellError, event_time
from worker.commands.importing.columns import HeaderError, read_header
from worker.commands.importing.report import Summary, problem_line, render
from worker.commands.importing.rows import Problem, RowReader
from worker.commands.importing.sheets import SheetError, opened
from worker.commands.sending import Outgoing, send_acknowledged
from worker.config.settings import Settings
from worker.domain.model import Kind
from worker.domain.rules import RuleSet
from worker.kafka import clients
from worker.pipeline.ports import Publisher

ACKNOWLEDGED_EVERY = 500  # rows: how often the progress bar moves, each step acknowledged
INVALID = 3  # the exit status where rows were invalid
_EVENT_TIME: TypeAdapter[datetime] = TypeAdapter(EventTime)


@dataclass(frozen=True, slots=True)
class Job:
    path: Path
    source: str
    kind: Kind
    default_time: str  # RFC 3339
    sign: bool = False
    dry_run: bool = False
    skip_invalid: bool = False


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def check_time(text: str) -> str:
    """--time as an event time, or CommandError."""
    try:
        time = event_time(text)
        _EVENT_TIME.validate_python(time)
    except (CellError, ValidationError) as e:
        why = e.errors()[0]["msg"] if isinstance(e, ValidationError) else str(e)
        raise CommandError(f"--time: {why.removeprefix('Value error, ')}") from None
    return time


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def check_rows(
    job: Job, rules: RuleSet, secrets: SourceSecrets, progress: Progress
) -> tuple[Summary, list[Outgoing], list[Problem]]:
    """Every row of the file, read and checked: the summary so far, the valid rows' messages
    and the invalid rows' problems. CommandError (one line) where the file cannot be read."""
    summary = Summary(job.path, job.source, job.kind)
    valid: list[Outgoing] = []
    problems: list[Problem] = []
    try:
        with opened(job.path) as sheet:
            header = read_header(sheet.header, job.kind)
            summary.sheet = sheet.name
            reader = RowReader(header, job.source, rules, job.default_time, secrets, job.sign)
            task = progress.add_task(f"checking {escape(job.path.name)}", total=sheet.size)
            for number, cells in sheet.rows:
                checked = reader.message(number, cells)
                if isinstance(checked, list):
                    problems += checked
                else:
                    valid.append(checked)
                progress.advance(task)
    except (SheetError, HeaderError) as e:
        raise CommandError(f"{job.path}: {e}" if isinstance(e, HeaderError) else str(e)) from None
    summary.read, summary.valid = len(valid) + len({p.row for p in problems}), len(valid)
    summary.add(problems)
    return summary, valid, problems


def publish_rows(
    messages: list[Outgoing],
    publisher: Publisher,
    topic: str,
    summary: Summary,
    progress: Progress,
) -> None:
    """The messages in order; `summary.published` counts those the broker acknowledged, also
    where it fails part way."""
    task = progress.add_task(f"publishing to {escape(topic)}", total=len(messages))

    def acknowledged(count: int) -> None:
        summary.published = count
        progress.update(task, completed=count)

    send_acknowledged(publisher, topic, messages, acknowledged, ACKNOWLEDGED_EVERY)


def import_file(
    job: Job,
    settings: Settings,
    rules: RuleSet,
    secrets: SourceSecrets,
    out: Console,
    err: Console,
    publisher: Publisher | None = None,
) -> int:
    """Check, report, publish; the exit status. `publisher` replaces the real one (tests)."""
    topic = settings.input_topics[0]
    with _progress(err) as progress:
        summary, valid, problems = check_rows(job, rules, secrets, progress)
    if not summary.read:
        raise CommandError(f"{job.path} has no rows below its header: nothing to import")
    for p in problems:
        out.print(problem_line(p), markup=False, highlight=False, soft_wrap=True)
    publish = valid and not job.dry_run and (job.skip_invalid or not problems)
    finished = not publish
    if publish and publisher is None:
        require_topics(settings, only={topic})  # one line now, not a timeout after the checks
    try:
        if publish:
            with ExitStack() as stack:
                app = stack.enter_context(
                    bootstrap(settings, producer=clients.IMPORT, publisher=publisher)
                )
                progress = stack.enter_context(_progress(err))
                publish_rows(valid, app.publisher, topic, summary, progress)
            finished = True
    finally:
        render(summary, out, dry_run=job.dry_run)
        line = outcome(job, summary, topic, finished=finished)
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    return INVALID if problems else 0


def outcome(job: Job, s: Summary, topic: str, *, finished: bool) -> str:
    """The line that ends the report: what was published, and what to do next."""
    if not finished:
        return (
            f"the broker failed after acknowledging {s.published} of {_rows(s.valid)} (below); "
            "importing the file again is safe: the worker stores each row once"
        )
    if job.dry_run:
        return f"dry run: nothing published; {_rows(s.valid)} valid, for {topic}"
    if s.invalid and not s.valid:
        return f"nothing published: {_rows(s.invalid)} invalid (listed above), none valid"
    if s.invalid and not job.skip_invalid:
        return (
            f"nothing published: {_rows(s.invalid)} invalid (listed above); fix them, or give "
            f"--skip-invalid to publish the {_rows(s.valid)} valid"
        )
    signed = " (signed)" if job.sign else ""
    skipped = f"; {_rows(s.invalid)} invalid, skipped" if s.invalid else ""
    events = f"{s.published} event" + ("" if s.published == 1 else "s")
    return f"published {events}{signed} to {topic}, each acknowledged{skipped}"


def _rows(count: int) -> str:
    return f"{count} row" + ("" if count == 1 else "s")
