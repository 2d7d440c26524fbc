"""The scalar types of inbound events, exact to contracts §1 and strict about JSON types.

pydantic's lax mode coerces ``"2024"`` to an int and ``1735689600`` to a datetime; even its
strict JSON mode takes ``"10"`` as a Decimal, ``"1735689600"`` (unix seconds) as a date or a
time, and ``"2025-02-03 00:00:00Z"``, ``"2025-02-03T00:00Z"`` and ``"...+0700"`` as times.
These types accept only the JSON forms the contract names, so a sender's mistake is
dead-lettered where it happens instead of being stored as a guess. Each validator raises
ValueError with a fixed message: pydantic turns it into a validation error, and the message
never repeats the input (it may be personal data). Never TypeError: pydantic lets that escape.

Python callers (tests, builders) may also pass ``date``, aware ``datetime`` and ``Decimal``
objects; JSON never produces those, so this does not widen what the wire accepts.
"""

from __future__ import annotations

import functools
import math
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

# No C0 or C1 control character and no DEL (Unicode category Cc): they break logs, terminals and
# PostgreSQL text (NUL). The same pattern is valid in Rust (pydantic), Python and ECMA-262 (JSON
# Schema). Lone surrogates never reach it: the JSON parser refuses them, and in Python mode a
# pattern-checked string that is not valid Unicode fails as `string_unicode`.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f-\x9f]*$"

Opaque = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS)
]
"""An identifier or a text as the upstream system writes it (contracts §1, "Identifiers are
opaque"): any JSON string of 1 to 200 characters (code points) without control characters.
Spaces, punctuation and non-ASCII letters are kept exactly, leading and trailing spaces included."""

AGENCY_CODE = r"[0-9A-Za-z]{1,40}"
AgencyCode = Annotated[str, StringConstraints(pattern=f"^{AGENCY_CODE}$")]
"""The one restricted identifier: 1 to 40 ASCII letters or digits, as in `simpeg:<agency_code>`."""

SYSTEM_SOURCE = f"^(siasn|ekinerja|simpeg:{AGENCY_CODE})$"
Source = Annotated[str, StringConstraints(pattern=SYSTEM_SOURCE)]
"""An upstream system: `siasn`, `ekinerja` or `simpeg:<agency_code>` (contracts §1)."""

SOURCE = f"^(steward|siasn|ekinerja|simpeg:{AGENCY_CODE})$"
"""Every source name: the upstream systems' and `steward`, a data steward's overrides (§7)."""

SOURCE_FILTER = f"^(steward|siasn|ekinerja|simpeg|simpeg:{AGENCY_CODE})$"
"""A source name, or `simpeg` for any regional system: what the commands' --source takes."""

# Explicit [0-9]: Python's \d also matches other scripts' digits.
DATE_FORM = r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
# RFC 3339 §5.6 date-time. "T" and "Z" may be lower case (§5.6 note); a space instead of "T"
# is refused, as the JSON Schema format "date-time" that senders check against refuses it.
TIME_FORM = (
    DATE_FORM + r"[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))"
)
_DATE = re.compile(DATE_FORM)
_TIME = re.compile(TIME_FORM)


def _calendar_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or _DATE.fullmatch(value) is None:
        raise ValueError("a date is a JSON string YYYY-MM-DD")
    try:
        return date.fromisoformat(value)  # exactly YYYY-MM-DD in ASCII digits, checked above
    except ValueError:
        raise ValueError("not a calendar date") from None


IsoDate = Annotated[
    date,
    BeforeValidator(_calendar_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": f"^{DATE_FORM}$"}),
]
"""A date in ``data``: exactly ``YYYY-MM-DD`` (RFC 3339 full-date), a real calendar day."""


def _offset(match: re.Match[str]) -> timezone:
    sign, hours, minutes = match.group(8, 9, 10)
    return UTC if sign is None else _zone(sign, hours, minutes)


@functools.lru_cache(maxsize=64)  # a handful of offsets in practice (+07:00, +08:00, +09:00)
def _zone(sign: str, hours: str, minutes: str) -> timezone:
    if int(hours) > 23 or int(minutes) > 59:
        raise ValueError("a UTC offset is at most 23:59")
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)


def _rfc3339_time(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            "time is a JSON string in RFC 3339 form YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM)"
        )
    # Python keeps microseconds: finer fractions (Go's RFC3339Nano) are truncated, never
    # rounded up into the next second.
    year, month, day, hour, minute, second, digits = match.group(1, 2, 3, 4, 5, 6, 7)
    fraction = int(digits[:6].ljust(6, "0")) if digits else 0
    offset = _offset(match)
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), fraction,
            tzinfo=offset,
        )  # fmt: skip
    except ValueError:
        # Also a leap second (:60): no upstream system is known to send one.
        raise ValueError("time is not a real calendar date and time") from None


def _plausible_time(value: datetime) -> datetime:
    # Far-off years overflow when converted to UTC and mean a broken clock upstream.
    if not 1900 <= value.year <= 2200:
        raise ValueError("time must fall between the years 1900 and 2200")
    return value


EventTime = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339_time),
    AfterValidator(_plausible_time),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": f"^{TIME_FORM}$"}),
]
"""The event time: a JSON string in RFC 3339 date-time form with seconds and a UTC offset
(``Z``, ``z`` or ``±HH:MM``), "T" or "t" between date and time, years 1900 to 2200."""


def _json_number(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        # Not ValueError's "Value error, ...": a wrong JSON type reads like pydantic's own.
        raise PydanticCustomError("number_type", "Input should be a JSON number")
    if isinstance(value, int):
        return Decimal(value)
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    # The shortest form that reads back as the same double, and 10.0 as 10, as pydantic's
    # own JSON parsing gives, so that 10 and 10.0 from two sources are not a conflict.
    if value.is_integer() and abs(value) < 2**53:
        return Decimal(int(value))
    return Decimal(repr(value))


def _as_json_number(value: Decimal) -> int | float:
    # Stored and sent on as the JSON number it came as (contracts §6: "values exactly as the
    # winning statement's data"): 10 and 10.0 both as 10, 10.5 as 10.5. Within these ranges
    # and the digits JSON senders write, a double holds each exactly.
    return int(value) if value == value.to_integral_value() else float(value)


Hours = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    PlainSerializer(_as_json_number, return_type=Any, when_used="json"),
    Field(ge=0, le=10000),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 10000}),
]
"""Lesson hours (JP): a JSON number from 0 to 10000, integer or fraction (10, 10.5)."""

Score = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    PlainSerializer(_as_json_number, return_type=Any, when_used="json"),
    Field(ge=0, le=100),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100}),
]
"""An old-scale appraisal score: a JSON number from 0 to 100."""
