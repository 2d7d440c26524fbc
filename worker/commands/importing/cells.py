"""A cell as a spreadsheet stores it, as the value its event carries.

An XLSX cell arrives typed (openpyxl): text, an int or a float (`20` may be `20.0`), a bool,
a datetime for a date cell; a CSV cell is always text. Each becomes the JSON value the wire
schema takes (a date as `YYYY-MM-DD`, a number as a JSON number, a NIP as its 18 digits), or a
CellError saying why it cannot, in words an operator can act on. A message never repeats the
cell's value: it may be a NIP or a name. Whether the value is then valid is the worker's own
decoder's to say (rows.py); this only undoes what a spreadsheet does to values.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from schemas.wire import DATE_FORM
from worker.commands.importing.columns import Column

_DATE = re.compile(DATE_FORM)
# A double holds every integer up to 2**53 exactly; a spreadsheet keeps 15 significant digits.
EXACT_INTEGERS = 2**53
LOST_DIGITS = (
    "stored as a number, which keeps only 15 significant digits: its last digits are lost "
    "(format the column as Text and type the values again)"
)
TRUE_WORDS = frozenset({"true", "yes", "ya", "1", "y"})
FALSE_WORDS = frozenset({"false", "no", "tidak", "0", "n"})

JsonValue = str | int | float


class CellError(ValueError):
    """Why a cell cannot be read as its column's value: one line, never the value itself."""


def is_empty(cell: object) -> bool:
    """An empty cell, or one of spaces only: an absent field."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _integer_text(number: Decimal) -> str | None:
    """An integral number's digits where they are all there, None where it is not integral;
    CellError where digits were lost (an exponent standing for digits never written)."""
    if not number.is_finite() or number != number.to_integral_value():
        return None
    if number.as_tuple().exponent > 0:  # type: ignore[operator]  # finite: an int
        raise CellError(LOST_DIGITS)
    return str(int(number))


def _number(cell: int | float) -> Decimal:
    if isinstance(cell, float):
        if not math.isfinite(cell):
            raise CellError("not a finite number")
        # repr: the digits the file wrote (Excel writes at most 17), never invented ones.
        return Decimal(repr(cell))
    return Decimal(cell)


def number_text(cell: int | float) -> str:
    """A number cell in a text column (a record id, a code): its digits as written; `20.0`
    is `20`. CellError where a long number lost its last digits."""
    number = _number(cell)
    if isinstance(cell, float) and abs(cell) >= EXACT_INTEGERS:
        raise CellError(LOST_DIGITS)
    exact = _integer_text(number)
    return exact if exact is not None else repr(cell)


def nip_text(cell: object) -> str:
    """The NIP of a cell: text as written, or the 18 digits of a number cell (`…001.0` is
    `…001`); CellError where the spreadsheet dropped digits (`1.98001012005011E+17`)."""
    if isinstance(cell, bool | date):
        raise CellError("a NIP is 18 digits, not a TRUE/FALSE or date cell")
    if isinstance(cell, int | float):
        return number_text(cell)
    text = str(cell).strip()
    if text.isascii() and text.isdigit():
        return text
    try:
        exact = _integer_text(Decimal(text))
    except InvalidOperation:
        return text  # not a number: the decoder says what a NIP is
    return exact if exact is not None else text


def _refused_kind(cell: object, expected: str) -> CellError | None:
    if isinstance(cell, bool):
        return CellError(f"a TRUE/FALSE cell where {expected} is expected")
    if isinstance(cell, date):
        return CellError(
            f"a date cell where {expected} is expected (the spreadsheet read it as a date: "
            "format the column as Text)"
        )
    if isinstance(cell, time):
        return CellError(f"a time-of-day cell where {expected} is expected")
    return None


def _date(cell: object) -> str:
    if isinstance(cell, datetime):
        if cell.time() != time(0):
            raise CellError("a date and time where a date is expected")
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        raise CellError(
            "a number where a date is expected: format the cell as a date, or write YYYY-MM-DD"
        )
    if isinstance(cell, str):
        if not _DATE.fullmatch(text := cell.strip()):
            raise CellError("a date is a date cell, or is written YYYY-MM-DD (2023-05-08)")
        return text  # the decoder says whether it is a calendar day
    raise _refused_kind(cell, "a date") or CellError("not a date")


def _json_number(cell: object) -> int | float | str:
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        number = _number(cell)
    elif isinstance(cell, str):
        try:
            number = Decimal(cell.strip())
        except InvalidOperation:
            hint = " (decimals are written with a point: 10.5)" if "," in cell else ""
            raise CellError(f"not a number{hint}") from None
        if not number.is_finite():
            raise CellError("not a finite number")
    else:
        raise _refused_kind(cell, "a number") or CellError("not a number")
    # As the wire has it: 20 and 20.0 are both 20 (schemas/wire.py); the decoder judges range.
    return int(number) if number == number.to_integral_value() else float(number)


def json_value(column: Column, cell: object) -> JsonValue:
    """The JSON value of a non-empty cell in a data column; CellError where there is none."""
    if column.type == "date":
        return _date(cell)
    if column.type in ("number", "integer"):
        return _json_number(cell)
    if refused := _refused_kind(cell, "text"):
        raise refused
    if isinstance(cell, int | float):
        return number_text(cell)
    text = str(cell)
    # An identifier or name is kept exactly, spaces and all (contracts §1); a code is not.
    return text if column.type == "text" else text.strip()


def is_deleted(cell: object) -> bool:
    """The `deleted` column: empty, FALSE, no, tidak, 0 for an upsert; TRUE, yes, ya, 1 for a
    deletion."""
    if is_empty(cell):
        return False
    if isinstance(cell, bool):
        return cell
    word = number_text(cell) if isinstance(cell, int | float) else str(cell).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError("deleted is TRUE or FALSE (or yes/no, ya/tidak, 1/0), or empty")


def event_time(cell: object) -> str:
    """The event time of a `time` cell or `--time`: an RFC 3339 text as written, checked by the
    decoder; a date (`YYYY-MM-DD`, or a date cell) as its midnight, and a date-and-time cell,
    which has no UTC offset, as UTC."""
    if isinstance(cell, datetime):
        return _rfc3339(cell)
    if isinstance(cell, date):
        return f"{cell.isoformat()}T00:00:00Z"
    if isinstance(cell, str):
        text = cell.strip()
        return f"{text}T00:00:00Z" if _DATE.fullmatch(text) else text
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        raise CellError(
            "a number where a time is expected: format the cell as a date and time, or write "
            "YYYY-MM-DDTHH:MM:SS+07:00"
        )
    raise _refused_kind(cell, "a time") or CellError("not a time")


def _rfc3339(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.isoformat().replace("+00:00", "Z")
