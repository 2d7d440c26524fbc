"""`ipasn-worker import`: CSV and XLSX files read as a spreadsheet shows them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.unit.spreadsheets import cell_time, write_csv, write_xlsx
from worker.commands.importing.columns import HeaderError, column_names, letter, read_header
from worker.commands.importing.sheets import Row, SheetError, opened

NIP = "198503152010012003"
HEADER = ["nip", "record_id", "category", "name", "start_date", "end_date", "hours", "deleted"]


def read(path: Path) -> tuple[tuple[object, ...], list[Row]]:
    with opened(path) as sheet:
        return sheet.header, list(sheet.rows)


def test_an_xlsx_gives_its_cells_as_the_file_stores_them(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [
            HEADER,
            [NIP, "d-1", "technical", "Pelatihan", date(2023, 5, 8), None, 20, False],
            [int(NIP), 123, "seminar", "Seminar", cell_time(2023, 6, 1, 8, 0), None, 7.5, True],
        ],
    )

    header, rows = read(path)

    assert header == tuple(HEADER)
    (n2, first), (n3, second) = rows
    assert (n2, n3) == (2, 3)
    assert first == (NIP, "d-1", "technical", "Pelatihan", cell_time(2023, 5, 8), None, 20, False)
    # A number cell as the file stores it: an 18-digit NIP no longer fits (Excel does the same).
    assert isinstance(second[0], float)
    assert second[1:] == (123, "seminar", "Seminar", cell_time(2023, 6, 1, 8, 0), None, 7.5, True)


def test_an_xlsx_number_written_with_a_point_arrives_as_a_float(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [HEADER, [NIP, "d-1", "technical", "P", date(2023, 5, 8), None, 20]],
        stored_as={"<v>20</v>": "<v>20.0</v>"},
    )

    _, [(_, cells)] = read(path)

    assert cells[6] == 20.0
    assert isinstance(cells[6], float)


def test_an_xlsx_nip_stored_whole_as_a_number_arrives_whole(tmp_path: Path) -> None:
    # Programs other than Excel may write all 18 digits; openpyxl reads them as an int.
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [HEADER, [1.5, "d-1"]],
        stored_as={"<v>1.5</v>": f"<v>{NIP}</v>"},
    )

    _, [(_, cells)] = read(path)

    assert cells[0] == int(NIP)


def test_blank_rows_are_left_out_and_the_row_numbers_stay_the_spreadsheets(
    tmp_path: Path,
) -> None:
    rows: list[list[object]] = [list(HEADER), [NIP, "a"], [None, None], ["", " "], [NIP, "b"]]
    for path in (write_xlsx(tmp_path / "t.xlsx", rows), write_csv(tmp_path / "t.csv", rows)):
        _, found = read(path)

        assert [(n, c[1]) for n, c in found] == [(2, "a"), (5, "b")], path.suffix


def test_a_csv_is_text_in_utf8_its_byte_order_mark_dropped(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [HEADER, [NIP, "pend-1", "technical", "Kursus Bahasa Jepang 日本語", "2023-05-08"]],
        encoding="utf-8-sig",
    )

    header, [(number, cells)] = read(path)

    assert header[0] == "nip"
    assert number == 2
    assert cells[:4] == (NIP, "pend-1", "technical", "Kursus Bahasa Jepang 日本語")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_a_csv_separator_is_found_in_its_header(tmp_path: Path, delimiter: str) -> None:
    path = write_csv(tmp_path / "t.csv", [HEADER, [NIP, "d,1;2", "technical"]], delimiter=delimiter)

    header, [(_, cells)] = read(path)

    assert header == tuple(HEADER)
    assert cells[:3] == (NIP, "d,1;2", "technical")


def test_a_csv_cell_across_lines_is_one_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", [HEADER, [NIP, "a", "x", "two\nlines"], [NIP, "b"]])

    _, rows = read(path)

    assert [n for n, _ in rows] == [2, 3]  # records as a spreadsheet shows them, not lines


def test_a_workbook_of_several_sheets_is_read_from_its_first_and_says_which(
    tmp_path: Path,
) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", [HEADER, [NIP]], more_sheets=2)

    with opened(path) as sheet:
        assert sheet.name == "Sheet"
        assert len(list(sheet.rows)) == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.csv", "nip,name\n".encode("utf-16"), "not UTF-8 text: save it as CSV UTF-8"),
        ("t.csv", b"nip,name\n\xff\xfe,x\n", "not UTF-8 text"),
        ("t.csv", b"", "no header row"),
        ("t.csv", b"\n\nnip\n", "no header row"),
        ("t.xlsx", b"nip,name\n", "cannot read"),
        ("t.xls", b"\xd0\xcf\x11\xe0", "the old .xls format is not read"),
        ("t.ods", b"PK", "not a .xlsx or .csv file"),
    ],
)
def test_a_file_that_is_no_spreadsheet_is_one_line(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(SheetError) as refused:
        read(path)

    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    for name in ("gone.csv", "gone.xlsx"):
        with pytest.raises(SheetError, match="cannot read"):
            read(tmp_path / name)


def test_a_header_is_read_without_case_or_surrounding_spaces() -> None:
    cells = [" NIP", "Record_ID ", "level", "institution", "graduated_on"]
    header = read_header(cells, "education")

    assert header.names == ("nip", "record_id", "level", "institution", "graduated_on")
    assert header.shown("graduated_on") == "graduated_on (E)"


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (["nip", "record_id", "level", "institution", "graduatedon"], "graduatedon (E)"),
        (["nip", "nip", "record_id", "level", "institution", "graduated_on"], "nip more than"),
        (["record_id", "level", "institution", "graduated_on"], "no column nip"),
        (["nip", "record_id", "level"], "no column institution, graduated_on"),
    ],
)
def test_a_header_the_kind_cannot_have_is_one_line_naming_the_columns(
    cells: list[str], message: str
) -> None:
    with pytest.raises(HeaderError) as refused:
        read_header(cells, "education")

    assert message in str(refused.value)
    assert ", ".join(column_names("education")) in str(refused.value)


@pytest.mark.parametrize("name", ["Siti Rahmawati", "Budi"])
def test_a_first_row_of_data_is_not_repeated_in_the_header_error(name: str) -> None:
    with pytest.raises(HeaderError) as refused:
        read_header([NIP, name, "S1"], "education")

    assert NIP not in str(refused.value)
    assert name.lower() not in str(refused.value).lower()
    assert "unknown column A, B, C" in str(refused.value)


def test_a_sheet_of_deletions_needs_only_the_nip_and_the_record_id() -> None:
    assert read_header(["nip", "record_id", "deleted"], "training").names[2] == "deleted"
    with pytest.raises(HeaderError, match="no column record_id"):
        read_header(["nip", "deleted"], "training")
    assert read_header(["nip", "deleted"], "profile").names == ("nip", "deleted")


@pytest.mark.parametrize(
    ("index", "name"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_columns_are_lettered_as_a_spreadsheet_does(index: int, name: str) -> None:
    assert letter(index) == name


def test_a_damaged_worksheet_is_one_line_where_it_is_read(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [HEADER, [NIP, "a"], [NIP, "b"]],
        stored_as={'<row r="3"': '<row r="3"><<'},
    )

    with opened(path) as sheet, pytest.raises(SheetError, match=r"as XLSX: ParseError"):
        list(sheet.rows)
