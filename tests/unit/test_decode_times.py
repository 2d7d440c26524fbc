"""Times are RFC 3339 strings and dates in data are YYYY-MM-DD strings, nothing else.

pydantic's lax mode reads 1735689600 or "1735689600" as a time and an integer as a date; even its
strict mode reads "1735689600" as unix seconds and takes "2025-03-01 08:00:00Z". The contract
names one form for each (schemas.wire says which variants of RFC 3339 pass and why).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.wire import _rfc3339_time
from tests.factories import cloud_event, profile_data, training_data
from tests.unit.decoding import accepted, reason


def _profile(**attributes: Any) -> dict[str, Any]:
    return cloud_event("profile", profile_data("3201"), **attributes)


# --- time: RFC 3339 date-time ---------------------------------------------------------------

WIB = timezone(timedelta(hours=7))
AT_8_UTC = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ("2025-03-01T08:00:00Z", AT_8_UTC),
        ("2025-03-01T08:00:00z", AT_8_UTC),  # RFC 3339 §5.6: "T" and "Z" may be lower case
        ("2025-03-01t08:00:00Z", AT_8_UTC),
        ("2025-03-01T15:00:00+07:00", AT_8_UTC),
        ("2025-03-01T02:30:00-05:30", AT_8_UTC),
        ("2025-03-01T08:00:00-00:00", AT_8_UTC),  # UTC, local offset unknown (§4.3)
        ("2025-03-02T07:59:00+23:59", AT_8_UTC),
        ("2025-03-01T08:00:00.5Z", AT_8_UTC + timedelta(microseconds=500_000)),
        ("2025-03-01T08:00:00.123456Z", AT_8_UTC + timedelta(microseconds=123_456)),
        # Finer than Python keeps (Go's RFC3339Nano): truncated, never rounded up.
        ("2025-03-01T08:00:00.999999999Z", AT_8_UTC + timedelta(microseconds=999_999)),
        ("1900-01-01T00:00:00Z", datetime(1900, 1, 1, tzinfo=UTC)),
        ("2200-12-31T23:59:59Z", datetime(2200, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2024-02-29T00:00:00+07:00", datetime(2024, 2, 29, tzinfo=WIB)),
    ],
)
def test_an_rfc3339_time_is_accepted_as_the_instant_it_names(
    written: str, instant: datetime
) -> None:
    assert accepted(_profile(time=written)).time == instant


@pytest.mark.parametrize(
    "time",
    [
        1735689600,  # a JSON number: pydantic's lax mode reads unix seconds
        1735689600.5,
        "1735689600",  # pydantic's strict mode still reads a numeric string as unix seconds
        "2025-03-01",
        "2025-03-01T08:00Z",  # no seconds
        "2025-03-01T08Z",
        "2025-03-01T08:00:00",  # no offset
        "2025-03-01T08:00:00+0700",  # offset without a colon
        "2025-03-01T08:00:00+07",
        "2025-03-01T08:00:00 +07:00",
        "2025-03-01 08:00:00Z",  # space separator: refused, see schemas.wire
        "2025-03-01_08:00:00Z",
        "20250301T080000Z",  # ISO 8601 basic format
        "2025-03-01T08:00:00,5Z",  # ISO 8601 decimal comma
        "2025-03-01T08:00:00.Z",
        "2025-3-1T8:00:00Z",
        "2025-02-30T08:00:00Z",  # no such day
        "2025-13-01T08:00:00Z",
        "2025-03-01T24:00:00Z",
        "2025-03-01T08:60:00Z",
        "2016-12-31T23:59:60Z",  # a leap second: Python cannot hold it
        "2025-03-01T08:00:00+24:00",
        "2025-03-01T08:00:00+07:60",
        "1899-12-31T23:59:59Z",  # plausibility: years 1900 to 2200
        "2201-01-01T00:00:00Z",
        "0000-01-01T00:00:00Z",
        "\uff12\uff10\uff12\uff15-03-01T08:00:00Z",  # digits of another script
        "2025-03-01T08:00:00Z\n",
        " 2025-03-01T08:00:00Z",
        "Sat, 01 Mar 2025 08:00:00 GMT",
        "",
        None,
        True,
        ["2025-03-01T08:00:00Z"],
        {"seconds": 1735689600},
    ],
    ids=repr,
)
def test_a_time_not_in_rfc3339_form_is_invalid(time: Any) -> None:
    assert reason(_profile(time=time)) == "invalid_event"


# --- dates in data: YYYY-MM-DD --------------------------------------------------------------

DATE_FIELDS: list[tuple[str, dict[str, Any], str]] = [
    ("profile", profile_data("3201"), "birth_date"),
    (
        "position",
        {"position_type": "pelaksana", "position_name": "Analis", "tmt": "2020-01-01"},
        "tmt",
    ),
    (
        "education",
        {"record_id": "E", "level": "S1", "institution": "UT", "graduated_on": "2010-08-01"},
        "graduated_on",
    ),
    ("training", training_data("T-1") | {"end_date": "2025-12-31"}, "start_date"),
    ("training", training_data("T-1") | {"start_date": "2000-01-01"}, "end_date"),
    (
        "discipline",
        {"record_id": "D", "level": "light", "decree_number": "1", "start_date": "2020-01-01"},
        "end_date",
    ),
]


@pytest.mark.parametrize("written", ["2024-02-29", "2020-01-01", "2020-12-31"])
@pytest.mark.parametrize(("kind", "data", "field"), DATE_FIELDS)
def test_a_calendar_date_is_accepted_as_written(
    kind: str, data: dict[str, Any], field: str, written: str
) -> None:
    values = accepted(cloud_event(kind, {**data, field: written})).values
    assert values is not None
    assert values[field] == written


@pytest.mark.parametrize(
    "written",
    [
        20200101,
        1577836800,
        "1577836800",
        "20200101",
        "2020-1-1",
        "2020-01-01T00:00:00",
        "2020-01-01T00:00:00Z",
        "2020-01-01Z",
        "2023-02-29",
        "2020-04-31",
        "2020-00-10",
        "0000-01-01",
        " 2020-01-01",
        "2020-01-01\n",
        "01-01-2020",
        "2020/01/01",
        "\uff12\uff10\uff12\uff10-01-01",
        "",
        True,
    ],
    ids=repr,
)
@pytest.mark.parametrize(("kind", "data", "field"), DATE_FIELDS)
def test_a_date_not_written_yyyy_mm_dd_is_invalid(
    kind: str, data: dict[str, Any], field: str, written: Any
) -> None:
    assert reason(cloud_event(kind, {**data, field: written})) == "invalid_event"


@given(
    st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2199, 12, 31)),  # noqa: DTZ001 (naive: the written local time)
    st.text("0123456789", max_size=12),
    st.one_of(
        st.just("Z"),
        st.just("z"),
        st.tuples(st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59)),
    ),
    st.sampled_from("Tt"),
)
def test_every_written_form_reads_as_the_instant_it_names(
    local: datetime, digits: str, offset: Any, separator: str
) -> None:
    """The parse in C (datetime.fromisoformat) and the one by the pattern's groups agree."""
    written = local.strftime(f"%Y-%m-%d{separator}%H:%M:%S") + (f".{digits}" if digits else "")
    if isinstance(offset, str):
        zone, written = UTC, written + offset
    else:
        sign, hours, minutes = offset
        delta = timedelta(hours=hours, minutes=minutes)
        zone = timezone(-delta if sign == "-" else delta)
        written += f"{sign}{hours:02d}:{minutes:02d}"
    micros = int(digits[:6].ljust(6, "0")) if digits else 0
    instant = local.replace(microsecond=micros, tzinfo=zone)
    read = _rfc3339_time(written)
    assert read == instant
    assert read.utcoffset() == instant.utcoffset()
