"""The demo's spreadsheet: Kab. Luwu's personnel office (simpeg:7317) keeps its staff's
trainings in a sheet and sends it with `ipasn-worker import` (contracts §13), each row checked
by the worker's own decoder first; the worker then reads the events as any others."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from worker.commands.arguments import parse_as
from worker.commands.importing import arguments as import_arguments
from worker.commands.importing import run_import
from worker.config.settings import Settings
from worker.dev.demo.sample import SampleMessage

SOURCE = "simpeg:7317"
AGENCY = "7317"
ROWS = 5  # employees whose training the sheet records
COLUMNS = ("nip", "record_id", "category", "name", "start_date", "end_date", "hours")


def agency_staff(messages: Sequence[SampleMessage], agency: str, limit: int) -> list[str]:
    """The first `limit` NIPs whose profile names `agency`, in the order the sample has them."""
    found: list[str] = []
    for m in messages:
        try:
            event = json.loads(m.value)
        except ValueError:
            continue
        data = event.get("data") if isinstance(event, dict) else None
        if (
            isinstance(data, dict)
            and event.get("type") == "asn.profile.upserted"
            and data.get("agency_code") == agency
            and event.get("subject") not in found
        ):
            found.append(str(event["subject"]))
        if len(found) == limit:
            break
    return found


def write_sheet(path: Path, nips: Sequence[str], year: int) -> None:
    """A technical training of 20 hours ending in the measurement year, for each NIP."""
    with path.open("w", newline="", encoding="utf-8") as f:
        sheet = csv.writer(f)
        sheet.writerow(COLUMNS)
        for n, nip in enumerate(nips, start=1):
            name = "Pengelolaan Arsip Digital"
            sheet.writerow([nip, f"luwu-diklat-{n:03d}", "technical", name, f"{year}-10-06",
                            f"{year}-10-08", 20])  # fmt: skip


def import_trainings(
    console: Console, settings: Settings, messages: Sequence[SampleMessage], folder: Path
) -> None:
    """Write the sheet beside the demo's database and import it; its report on the console."""
    nips = agency_staff(messages, AGENCY, ROWS)
    if not nips:
        return
    path = folder / "luwu-trainings.csv"
    write_sheet(path, nips, settings.measurement_year)
    console.rule(f"[bold]A spreadsheet from {SOURCE}: ipasn-worker import")
    console.print(
        f"[dim]ipasn-worker import {path.name} --source {SOURCE} --kind training "
        f"--time {settings.measurement_year}-10-09[/]"
    )
    argv = [str(path), "--source", SOURCE, "--kind", "training"]
    argv += ["--time", f"{settings.measurement_year}-10-09"]
    run_import(parse_as(import_arguments, argv), settings, console, console)
