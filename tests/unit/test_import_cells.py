"""`ipasn-worker import`: a cell as a spreadsheet stores it, as the value its event carries."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.spreadsheets import cell_time
from worker.commands.importing.cells import (
    LOST_DIGITS,
    CellError,
    event_time,
    is_deleted,
    is_empty,
    json_value,
    nip_text,
    number_text,
)
from worker.commands.importing.columns import Column

NIP = "198503152010012003"
HOURS = Column("hours", "number", True)
YEAR = Column("year", "integer", True)
START = Column("start_date", "date", True)
RECORD_ID = Column("record_id", "text", True)
AGENCY = Column("agency_code", "code", True)
GENDER = Column("gender", "choice", True, ("M", "F"))

nips = st.integers(min_value=10**17, max_value=10**18 - 1)


@given(nips)
def test_an_integer_nip_cell_comes_back_as_its_18_digits(number: int) -> None:
    assert nip_text(number) == str(number)


@given(nips)
def test_a_nip_written_with_a_trailing_point_zero_comes_back_as_its_18_digits(
    number: int,
) -> None:
    assert nip_text(f"{number}.0") == str(number)
    assert nip_text(f" {number}.000 ") == str(number)


@given(nips)
def test_a_nip_stored_as_a_floating_point_number_lost_digits_and_says_so(number: int) -> None:
    # A spreadsheet's number cell is a double: 18 digits do not fit in its 53 bits.
    with pytest.raises(CellError) as lost:
        nip_text(float(number))

    assert str(lost.value) == LOST_DIGITS
    assert str(number) not in str(lost.value)


@pytest.mark.parametrize("text", ["1.98503E+17", "1.98503152010012E+17", "198503152010012e3"])
def test_a_nip_in_exponent_form_lost_digits_and_says_so(text: str) -> None:
    with pytest.raises(CellError, match="last digits are lost"):
        nip_text(text)


def test_a_nip_in_exponent_form_with_every_digit_written_is_whole() -> None:
    assert nip_text("1.98503152010012003E+17") == NIP


def test_a_nip_as_text_is_kept_as_written_for_the_decoder_to_judge() -> None:
    assert nip_text(NIP) == NIP
    assert nip_text(f" {NIP} ") == NIP
    assert nip_text("1985 0315 2010 01 2 003") == "1985 0315 2010 01 2 003"
    assert nip_text("1,98503E+17") == "1,98503E+17"  # no number: the decoder wants 18 digits


@pytest.mark.parametrize("cell", [True, date(2020, 1, 1), cell_time(2020, 1, 1)])
def test_a_nip_is_never_a_boolean_or_a_date(cell: object) -> None:
    with pytest.raises(CellError, match="18 digits"):
        nip_text(cell)


@pytest.mark.parametrize(
    ("cell", "value"),
    [(20, 20), (20.0, 20), ("20", 20), (" 20.0 ", 20), (10.5, 10.5), ("10.50", 10.5), (0, 0)],
)
def test_a_number_arrives_as_the_json_number_the_wire_has(cell: object, value: object) -> None:
    converted = json_value(HOURS, cell)

    assert converted == value
    assert type(converted) is type(value)  # 20.0 is the integer 20, as the wire has it


@given(st.integers(min_value=-(2**53), max_value=2**53))
def test_an_integral_float_is_its_integer(number: int) -> None:
    assert json_value(YEAR, float(number)) == number
    assert json_value(YEAR, str(number)) == number


@given(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1e6, max_value=1e6))
def test_a_number_written_as_text_keeps_its_value(number: Decimal) -> None:
    assert Decimal(str(json_value(HOURS, str(number)))) == number


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("20,5", "decimals are written with a point"),
        ("abc", "not a number"),
        ("nan", "not a finite number"),
        (True, "TRUE/FALSE"),
        (cell_time(2020, 1, 1), "date cell"),
    ],
)
def test_what_is_no_number_says_so(cell: object, message: str) -> None:
    with pytest.raises(CellError, match=message):
        json_value(HOURS, cell)


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (date(2023, 5, 8), "2023-05-08"),
        (cell_time(2023, 5, 8), "2023-05-08"),  # an XLSX date cell arrives as a midnight
        ("2023-05-08", "2023-05-08"),
        (" 2023-05-08 ", "2023-05-08"),
        ("2023-02-30", "2023-02-30"),  # the right form: the decoder says it is no calendar day
    ],
)
def test_a_date_is_an_iso_date(cell: object, value: str) -> None:
    assert json_value(START, cell) == value


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (cell_time(2023, 5, 8, 10, 30), "a date and time where a date is expected"),
        (45054, "a number where a date is expected"),
        (45054.0, "a number where a date is expected"),
        ("08/05/2023", "written YYYY-MM-DD"),
        (True, "TRUE/FALSE"),
        (time(10, 30), "time-of-day"),
    ],
)
def test_what_is_no_date_says_so(cell: object, message: str) -> None:
    with pytest.raises(CellError, match=message):
        json_value(START, cell)


def test_text_is_kept_exactly_and_a_code_without_surrounding_spaces() -> None:
    assert json_value(RECORD_ID, "  12/KP/2021 ") == "  12/KP/2021 "
    assert json_value(AGENCY, " 7317 ") == "7317"
    assert json_value(GENDER, "F ") == "F"


@pytest.mark.parametrize(("cell", "text"), [(12345, "12345"), (12345.0, "12345"), (1.5, "1.5")])
def test_a_number_cell_in_a_text_column_is_its_digits(cell: float, text: str) -> None:
    assert json_value(RECORD_ID, cell) == text
    assert json_value(AGENCY, cell) == text


def test_a_long_number_in_a_text_column_lost_digits_and_says_so() -> None:
    with pytest.raises(CellError, match="last digits are lost"):
        number_text(1.2345678901234567e19)


def test_a_date_cell_in_a_text_column_is_refused_for_what_it_is() -> None:
    # "12/2021" typed into a General cell becomes a date: the decree number is gone.
    with pytest.raises(CellError, match="format the column as Text"):
        json_value(RECORD_ID, cell_time(2021, 12, 1))


@pytest.mark.parametrize(
    ("cell", "deleted"),
    [
        (None, False),
        ("", False),
        (True, True),
        (False, False),
        ("TRUE", True),
        ("false", False),
        ("Ya", True),
        ("tidak", False),
        (1, True),
        (0, False),
        (1.0, True),
        (" yes ", True),
    ],
)
def test_the_deleted_column_reads_as_a_spreadsheet_writes_it(cell: object, deleted: bool) -> None:
    assert is_deleted(cell) is deleted


@pytest.mark.parametrize("cell", ["maybe", 2, "deleted"])
def test_a_deleted_cell_that_says_neither_is_refused(cell: object) -> None:
    with pytest.raises(CellError, match="TRUE or FALSE"):
        is_deleted(cell)


@pytest.mark.parametrize(
    ("cell", "time_"),
    [
        ("2025-01-15T09:00:00+07:00", "2025-01-15T09:00:00+07:00"),
        ("2025-01-15", "2025-01-15T00:00:00Z"),
        (date(2025, 1, 15), "2025-01-15T00:00:00Z"),
        (cell_time(2025, 1, 15, 9, 30), "2025-01-15T09:30:00Z"),  # no offset in a cell: UTC
        ("not a time", "not a time"),  # the decoder refuses it with the contract's words
    ],
)
def test_a_time_is_rfc_3339(cell: object, time_: str) -> None:
    assert event_time(cell) == time_


def test_a_number_is_no_time() -> None:
    with pytest.raises(CellError, match="a number where a time is expected"):
        event_time(45672.5)


@pytest.mark.parametrize("cell", [None, "", "   ", "\t"])
def test_an_empty_cell_or_one_of_spaces_is_an_absent_field(cell: object) -> None:
    assert is_empty(cell)


@pytest.mark.parametrize("cell", [0, False, "0", " x "])
def test_a_zero_or_false_is_a_value(cell: object) -> None:
    assert not is_empty(cell)
