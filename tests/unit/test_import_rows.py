"""`ipasn-worker import`: a row as one change event, its id, and why a row is refused."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from consumers.changes import decode
from schemas.rules import load_rules
from schemas.signature import SIGNATURE_HEADER, SourceSecrets, verify
from worker.commands.importing.columns import read_header
from worker.commands.importing.rows import ID_PREFIX, Problem, RowReader
from worker.commands.sending import Outgoing
from worker.domain.model import Kind, Statement

RULES = load_rules()
NIP = "198503152010012003"
OTHER_NIP = "199001012015031001"
TIME = "2025-01-15T00:00:00Z"
TRAINING = ["nip", "record_id", "category", "leadership_tier", "name", "start_date", "end_date",
            "hours", "time", "deleted"]  # fmt: skip
PROFILE = ["nip", "name", "birth_date", "gender", "employee_type", "status", "agency_code",
           "unit_code"]  # fmt: skip


def reader(
    kind: Kind = "training",
    columns: Sequence[str] = TRAINING,
    source: str = "simpeg:7317",
    default_time: str = TIME,
    secrets: SourceSecrets | None = None,
) -> RowReader:
    header = read_header(columns, kind)
    sign = secrets is not None
    return RowReader(header, source, RULES, default_time, secrets or SourceSecrets(), sign)


def training(**changes: object) -> list[object]:
    row: dict[str, object] = {
        "nip": NIP, "record_id": "diklat-1", "category": "technical", "leadership_tier": None,
        "name": "Pelatihan Manajemen ASN", "start_date": date(2023, 5, 8),
        "end_date": date(2023, 5, 12), "hours": 40, "time": None, "deleted": None,
    }  # fmt: skip
    row.update(changes)
    return [row[c] for c in TRAINING]


def accepted(r: RowReader, cells: Sequence[object]) -> Outgoing:
    message = r.message(2, cells)
    assert not isinstance(message, list), message
    return message


def event(r: RowReader, cells: Sequence[object]) -> dict[str, Any]:
    key, value, _ = accepted(r, cells)
    parsed: dict[str, Any] = json.loads(value)
    assert key == parsed["subject"].encode()
    return parsed


def problems(r: RowReader, cells: Sequence[object], row: int = 7) -> list[Problem]:
    found = r.message(row, cells)
    assert isinstance(found, list), "the row was accepted"
    return found


def test_a_row_becomes_the_change_event_the_worker_takes() -> None:
    r = reader()
    key, value, headers = accepted(r, training())

    statement = decode(key, value, RULES, headers)

    assert isinstance(statement, Statement)
    assert (statement.nip, statement.source, statement.kind) == (NIP, "simpeg:7317", "training")
    assert statement.record_id == "diklat-1"
    assert statement.values == {
        "category": "technical", "leadership_tier": None, "name": "Pelatihan Manajemen ASN",
        "start_date": "2023-05-08", "end_date": "2023-05-12", "hours": 40,
    }  # fmt: skip
    parsed = json.loads(value)
    assert parsed["type"] == "asn.training.upserted"
    assert parsed["time"] == TIME
    assert parsed["id"].startswith(ID_PREFIX)
    assert "leadership_tier" not in parsed["data"]  # an empty cell is an absent field
    assert headers == []


def test_the_id_is_the_same_however_the_spreadsheet_stored_the_same_values() -> None:
    r = reader()
    as_xlsx = training(hours=20.0, start_date=date(2023, 5, 8), nip=int(NIP))
    as_csv = training(hours="20", start_date="2023-05-08", nip=f"{NIP}.0")

    assert event(r, as_xlsx)["id"] == event(r, as_csv)["id"] == event(r, training(hours=20))["id"]


def test_the_id_does_not_depend_on_the_hour_of_the_import() -> None:
    first = event(reader(default_time="2025-01-15T00:00:00Z"), training())
    again = event(reader(default_time="2026-12-06T18:00:00Z"), training())

    assert first["id"] == again["id"]
    assert first["time"] != again["time"]


def test_the_id_depends_on_the_rows_own_time() -> None:
    r = reader()
    ids = {event(r, training(time=t))["id"] for t in (None, "2025-01-01", "2025-02-01")}

    assert len(ids) == 3


LETTERS_AND_DIGITS = st.characters(codec="utf-8", categories=("L", "N"))
ROW_VALUES = st.fixed_dictionaries(
    {
        "record_id": st.text(LETTERS_AND_DIGITS, min_size=1, max_size=20),
        "category": st.sampled_from(["functional", "technical", "seminar"]),
        "hours": st.integers(0, 10000) | st.floats(0, 10000),
        "nip": st.sampled_from([NIP, OTHER_NIP]),
        "deleted": st.booleans(),
    }
)


@given(ROW_VALUES, ROW_VALUES)
def test_rows_of_different_content_have_different_ids_and_equal_ones_the_same(
    one: dict[str, Any], other: dict[str, Any]
) -> None:
    # Readers of their own: one sheet refuses two rows of one record at one time.
    first, second = event(reader(), training(**one)), event(reader(), training(**other))

    same = (first["subject"], first["type"], first["data"]) == (
        second["subject"], second["type"], second["data"],
    )  # fmt: skip
    assert (first["id"] == second["id"]) == same
    assert event(reader(), training(**one))["id"] == first["id"]  # and again, stable


def test_the_id_differs_between_sources_and_kinds_for_the_same_cells() -> None:
    profile = [NIP, "Siti", date(1985, 3, 15), "F", "PNS", "active", "7317", "u-1"]
    ids = {
        event(reader("profile", PROFILE, source), profile)["id"]
        for source in ("siasn", "simpeg:7317")
    }
    deletion = {
        event(reader(kind, ["nip", "record_id", "deleted"]), [NIP, "r-1", True])["id"]
        for kind in ("education", "training", "discipline")
    }

    assert len(ids) == 2
    assert len(deletion) == 3


def test_a_deleted_row_is_a_deletion_of_its_record_only() -> None:
    deleted = event(reader(), training(deleted="TRUE", hours="not even a number"))

    assert deleted["type"] == "asn.training.deleted"
    assert deleted["data"] == {"record_id": "diklat-1"}


def test_a_deleted_profile_carries_no_data() -> None:
    deleted = event(reader("profile", ["nip", "deleted"]), [NIP, True])

    assert deleted["type"] == "asn.profile.deleted"
    assert "data" not in deleted


def test_every_problem_of_a_row_is_named_by_row_column_and_reason() -> None:
    found = problems(reader(), training(nip="19850315201001200", category="workshop", hours="x"))

    assert sorted((p.row, p.column, p.reason) for p in found) == [
        (7, "category (C)", "invalid_event"),
        (7, "hours (H)", "invalid_event"),
        (7, "nip (A)", "bad_nip"),
    ]
    by_column = {p.column: p.detail for p in found}
    assert by_column["nip (A)"] == "a NIP is 18 digits"
    assert "'leadership', 'functional', 'technical' or 'seminar'" in by_column["category (C)"]
    assert by_column["hours (H)"] == "not a number"


def test_a_cell_the_import_cannot_read_is_reported_once_not_again_by_the_decoder() -> None:
    found = problems(reader(), training(start_date=45054))

    assert [(p.column, p.detail) for p in found] == [
        ("start_date (F)", "a number where a date is expected: format the cell as a date, or "
         "write YYYY-MM-DD"),
    ]  # fmt: skip


def test_a_required_cell_left_empty_says_so() -> None:
    found = problems(reader(), training(name=None))

    assert [(p.column, p.reason, p.detail) for p in found] == [
        ("name (E)", "invalid_event", "empty, and required")
    ]


def test_a_rule_across_columns_is_the_rows() -> None:
    found = problems(reader(), training(category="leadership"))

    assert [(p.column, p.detail) for p in found] == [
        ("", "leadership_tier is required for, and only for, leadership training")
    ]


def test_a_row_without_a_nip_says_so() -> None:
    found = problems(reader(), training(nip=None))

    assert [(p.column, p.detail) for p in found] == [("nip (A)", "empty: every row needs a NIP")]


def test_a_nip_that_lost_digits_is_a_bad_nip_and_not_shown() -> None:
    found = problems(reader(), training(nip=float(NIP)))

    assert [(p.column, p.reason) for p in found] == [("nip (A)", "bad_nip")]
    assert "last digits are lost" in found[0].detail
    assert NIP[:12] not in found[0].detail


def test_a_bad_calendar_date_is_refused_by_the_decoder_in_its_words() -> None:
    found = problems(reader(), training(start_date="2023-02-30"))

    assert [(p.column, p.detail) for p in found] == [("start_date (F)", "not a calendar date")]


def test_a_regions_profile_of_another_agency_is_refused_in_the_agency_column() -> None:
    profile = [NIP, "Siti", date(1985, 3, 15), "F", "PNS", "active", "7318", "u-1"]
    found = problems(reader("profile", PROFILE, "simpeg:7317"), profile)

    assert [(p.column, p.reason) for p in found] == [("agency_code (G)", "not_authorised")]


def test_a_value_under_no_header_is_refused_in_its_lettered_column() -> None:
    found = problems(reader(), [*training(), None, "stray"])

    assert [(p.column, p.detail) for p in found] == [("L", "a value in a column without a header")]


def test_problems_never_repeat_a_cells_value() -> None:
    cells = training(nip="1985031520100120", name="x" * 201, category="Siti Rahmawati", hours="-5")
    found = problems(reader(), cells)

    assert len(found) == 4
    for p in found:
        assert "Siti" not in p.detail
        assert "1985031520100120" not in p.detail
        assert "xxxx" not in p.detail


def test_a_signed_row_carries_the_signature_the_worker_checks() -> None:
    secrets = SourceSecrets({"simpeg:7317": b"s3cret"})
    key, value, headers = accepted(reader(secrets=secrets), training())

    assert headers[0][0] == SIGNATURE_HEADER
    assert verify(b"s3cret", value, headers[0][1])
    assert isinstance(decode(key, value, RULES, headers, secrets), Statement)


def test_a_second_row_of_other_values_for_the_same_record_at_the_same_time_is_refused() -> None:
    r = reader()
    accepted(r, training(hours=40))
    found = problems(r, training(hours=32), row=9)

    assert [(p.row, p.column, p.reason) for p in found] == [(9, "", "same_record")]
    assert found[0].detail.startswith("row 2 gives this record other values at the same time")


def test_the_same_record_again_with_its_own_time_or_the_same_values_is_no_problem() -> None:
    r = reader()
    accepted(r, training(hours=40))

    accepted(r, training(hours=40))  # the same event: stored once
    accepted(r, training(hours=32, time="2025-02-01"))
    accepted(r, training(hours=40, record_id="diklat-2"))
    accepted(r, training(hours=40, nip=OTHER_NIP))
