"""Spreadsheet files for the import's tests, made with the libraries that read them."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

SHEET_XML = "xl/worksheets/sheet1.xml"


def cell_time(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A date or date-and-time cell as openpyxl gives it: without a UTC offset, which a
    spreadsheet does not have."""
    return datetime(year, month, day, hour, minute)  # noqa: DTZ001


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    stored_as: Mapping[str, str] | None = None,
    more_sheets: int = 0,
) -> Path:
    """An XLSX of these rows, first row the header. `stored_as` rewrites cell values in the
    sheet's XML (`{"<v>20</v>": "<v>20.0</v>"}`), to store a number as another program
    writes it."""
    book = Workbook()
    sheet = book.worksheets[0]
    for row in rows:
        sheet.append(list(row))
    for n in range(more_sheets):
        book.create_sheet(f"notes {n}")
    book.save(path)
    if stored_as:
        _rewrite(path, stored_as)
    return path


def _rewrite(path: Path, replacements: Mapping[str, str]) -> None:
    with zipfile.ZipFile(path) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    xml = parts[SHEET_XML].decode()
    for old, new in replacements.items():
        assert old in xml, f"{old} not in the sheet's XML"
        xml = xml.replace(old, new)
    parts[SHEET_XML] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as rewritten:
        for name, data in parts.items():
            rewritten.writestr(name, data)


def write_csv(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        for row in rows:
            writer.writerow(["" if c is None else c for c in row])
    return path
