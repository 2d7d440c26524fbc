"""Reading a spreadsheet file: its header row and its rows, each with its number as the
spreadsheet shows it (the header is row 1), cells as the file stores them.

XLSX through openpyxl (read-only, streaming, the cached values of formulas): cells arrive typed,
text, int, float, bool or datetime. CSV through the standard library: cells are text. A CSV
file is UTF-8 (a byte-order mark, as Excel's "CSV UTF-8" writes, is dropped), its separator
the first of `,`, `;` (Excel's where the decimal mark is a comma) and tab found in the header.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

XLSX = (".xlsx", ".xlsm")
CSV = (".csv",)
SEPARATORS = ",;\t"

Row = tuple[int, tuple[object, ...]]  # the row's number, its cells


class SheetError(ValueError):
    """A file that cannot be read as a spreadsheet; the message is one line."""


@dataclass
class Sheet:
    header: tuple[object, ...]
    rows: Iterator[Row]  # the rows below the header, blank ones left out
    size: int | None  # how many rows below the header the file says it has, where it says
    name: str | None = None  # the worksheet read, of an XLSX with more than one


def _blank(cells: Sequence[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _numbered(rows: Iterable[Sequence[object]], path: Path) -> Iterator[Row]:
    try:
        for number, cells in enumerate(rows, 2):
            if not _blank(cells):
                yield number, tuple(cells)
    except UnicodeDecodeError:
        raise SheetError(f"{path} is not UTF-8 text: save it as CSV UTF-8") from None
    except csv.Error as e:
        raise SheetError(f"{path} is not readable CSV: {e}") from None


@contextmanager
def opened(path: Path) -> Iterator[Sheet]:
    """The file's first worksheet (XLSX) or its rows (CSV); SheetError, one line, where the
    file cannot be read. Rows are read as they are iterated."""
    suffix = path.suffix.lower()
    if suffix in XLSX:
        with _xlsx(path) as sheet:
            yield sheet
    elif suffix in CSV:
        with _csv(path) as sheet:
            yield sheet
    elif suffix == ".xls":
        raise SheetError(f"{path}: the old .xls format is not read; save it as .xlsx or .csv")
    else:
        raise SheetError(f"{path}: not a .xlsx or .csv file")


@contextmanager
def _csv(path: Path) -> Iterator[Sheet]:
    try:
        text = path.open(encoding="utf-8-sig", newline="")
    except OSError as e:
        raise SheetError(f"cannot read {path}: {e.strerror or e}") from None
    with text:
        try:
            first = text.readline()
            separator = next((s for s in SEPARATORS if s in first), ",")
            text.seek(0)
            rows = csv.reader(text, delimiter=separator)
            header = next(rows, None)
        except UnicodeDecodeError:
            raise SheetError(f"{path} is not UTF-8 text: save it as CSV UTF-8") from None
        except csv.Error as e:
            raise SheetError(f"{path} is not readable CSV: {e}") from None
        if header is None or _blank(header):
            raise SheetError(f"{path} has no header row (row 1 is empty)")
        yield Sheet(tuple(header), _numbered(rows, path), None)


def _parsed(rows: Iterable[tuple[object, ...]], path: Path) -> Iterator[tuple[object, ...]]:
    """The rows of a worksheet, which is parsed as they are read: a damaged one fails there."""
    try:
        yield from rows
    except (ParseError, zipfile.BadZipFile, KeyError, ValueError, EOFError) as e:
        raise SheetError(f"cannot read {path} as XLSX: {type(e).__name__}") from None


@contextmanager
def _xlsx(path: Path) -> Iterator[Sheet]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise SheetError(f"cannot read {path} as XLSX: {type(e).__name__}") from None
    except OSError as e:
        raise SheetError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        sheet = book.worksheets[0]
        rows = _parsed(sheet.iter_rows(values_only=True), path)
        header = next(rows, None)
        if header is None or _blank(header):
            raise SheetError(f"{path} has no header row (row 1 is empty)")
        size = sheet.max_row - 1 if sheet.max_row else None
        name = sheet.title if len(book.worksheets) > 1 else None
        yield Sheet(tuple(header), _numbered(rows, path), size, name)
    finally:
        book.close()
