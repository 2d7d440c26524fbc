"""`ipasn-worker import --template KIND`: a sheet with the kind's header and one example row
that imports cleanly as it stands, to be overwritten with the agency's own rows.

The XLSX keeps typed NIPs and codes as text (the columns are formatted as Text, so a spreadsheet
never turns an 18-digit NIP into a number that loses its last digits), dates as date cells,
and offers each enumeration's values as a drop-down list.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from worker.commands.importing.columns import (
    DELETED,
    NIP,
    TIME,
    Column,
    column_names,
    data_columns,
    letter,
)
from worker.domain.model import Kind

EXAMPLE_NIP = "198503152010012003"  # born 1985-03-15, CPNS from January 2010, female, no. 3
EXAMPLE_AGENCY = "7317"
EXAMPLE_TIME = "2025-01-15T09:00:00+07:00"
# One row of each kind, every required field and the usual optional ones.
EXAMPLES: dict[Kind, dict[str, object]] = {
    "profile": {
        "name": "Siti Rahmawati",
        "birth_date": date(1985, 3, 15),
        "gender": "F",
        "employee_type": "PNS",
        "status": "active",
        "agency_code": EXAMPLE_AGENCY,
        "unit_code": "7317-BKPSDM-01",
    },
    "position": {
        "position_type": "fungsional",
        "position_name": "Analis Sumber Daya Manusia Aparatur Ahli Muda",
        "echelon": None,
        "tmt": date(2021, 1, 1),
    },
    "education": {
        "record_id": "pend-7317-2802-0",
        "level": "S1",
        "institution": "Universitas Hasanuddin",
        "graduated_on": date(2008, 8, 30),
    },
    "training": {
        "record_id": "diklat-7317-2023-01",
        "category": "technical",
        "leadership_tier": None,
        "name": "Pelatihan Manajemen Talenta ASN",
        "start_date": date(2023, 5, 8),
        "end_date": date(2023, 5, 12),
        "hours": 40,
    },
    "performance": {
        "record_id": "skp-7317-2024",
        "year": 2024,
        "predicate": "BAIK",
        "score": None,
    },
    "discipline": {
        "record_id": "hd-7317-2022-01",
        "level": "light",
        "decree_number": "800/12/BKPSDM/2022",
        "start_date": date(2022, 3, 1),
        "end_date": date(2022, 8, 31),
    },
}
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
LAST_ROW = 1_048_576  # a worksheet's last row: drop-down lists reach it


class TemplateError(ValueError):
    """A template that cannot be written; one line."""


def default_path(kind: Kind) -> Path:
    return Path(f"ipasn-{kind}.xlsx")


def example_row(kind: Kind, agency_code: str | None = None) -> dict[str, object]:
    """The example row by column name; `agency_code`: the importing region's (a region sends
    profiles of its own agency only)."""
    data = dict(EXAMPLES[kind])
    if agency_code is not None and "agency_code" in data:
        data["agency_code"] = agency_code
    return {NIP: EXAMPLE_NIP, **data, TIME: EXAMPLE_TIME, DELETED: False}


def write_template(kind: Kind, path: Path, agency_code: str | None = None) -> None:
    """The template as XLSX, or as CSV where `path` ends in .csv; an existing file is never
    replaced."""
    if path.exists():
        raise TemplateError(f"{path} exists: remove it or give another --out")
    row = example_row(kind, agency_code)
    try:
        if path.suffix.lower() == ".csv":
            _csv(kind, path, row)
        elif path.suffix.lower() == ".xlsx":
            _xlsx(kind, path, row)
        else:
            raise TemplateError(f"{path}: a template is a .xlsx or .csv file")
    except OSError as e:
        raise TemplateError(f"cannot write {path}: {e.strerror or e}") from None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    return value.isoformat() if isinstance(value, date) else str(value)


def _csv(kind: Kind, path: Path, row: dict[str, object]) -> None:
    # utf-8-sig: Excel opens a CSV with a byte-order mark as UTF-8, names with accents intact.
    with path.open("x", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(column_names(kind))
        writer.writerow([_text(row[name]) for name in column_names(kind)])


def _xlsx(kind: Kind, path: Path, row: dict[str, object]) -> None:
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = kind
    names = column_names(kind)
    sheet.append(list(names))
    sheet.append([row[name] for name in names])
    sheet.freeze_panes = "A2"
    columns = {c.name: c for c in data_columns(kind)}
    for index, name in enumerate(names):
        column = letter(index)
        sheet[f"{column}1"].font = Font(bold=True)
        number_format = _format(columns.get(name), name)
        sheet.column_dimensions[column].number_format = number_format
        sheet[f"{column}2"].number_format = number_format
        sheet.column_dimensions[column].width = max(len(name), len(_text(row[name]))) + 3
        choices = columns[name].choices if name in columns else ()
        if name == DELETED:
            choices = ("TRUE", "FALSE")
        if choices:
            listed = DataValidation(type="list", formula1=f'"{",".join(choices)}"')
            listed.add(f"{column}2:{column}{LAST_ROW}")
            sheet.add_data_validation(listed)
    with path.open("xb") as out:
        book.save(out)


def _format(column: Column | None, name: str) -> str:
    if column is not None and column.type == "date":
        return DATE_FORMAT
    if column is not None and column.type in ("number", "integer"):
        return "General"
    return "General" if name == DELETED else TEXT_FORMAT
