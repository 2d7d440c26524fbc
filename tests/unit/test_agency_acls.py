"""Each system reads only its own staff (contracts §15): the agencies file, the agencies' own
topics and the ACLs `ipasn-worker topics acls` prints (worker/config/agencies.py); the broker
enforcing them is tests/integration/test_kafka_acls.py."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from worker.cli import main
from worker.commands.topics import acls_table
from worker.config.agencies import (
    AgenciesFileError,
    Grant,
    acls,
    agency_topics,
    read_agencies,
)
from worker.config.settings import Settings, load_settings
from worker.config.topics import COMPACTED, FEW_PARTITIONS


@pytest.fixture(autouse=True)
def no_ipasn_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("IPASN_"):
            monkeypatch.delenv(name)


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agencies.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_codes_are_read_in_order_once_each_skipping_blanks_and_comments(tmp_path: Path) -> None:
    path = written(tmp_path, "# Sulawesi Selatan\n7317\n\n  7371  \n7317\nA-01_x\n")

    assert read_agencies(path) == ["7317", "7371", "A-01_x"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("7317\n73.17\n", "line 2: '73.17' is not an agency code"),
        ("7317\nKab Luwu\n", "line 2: 'Kab Luwu' is not an agency code"),
        ("-7317\n", "line 1: '-7317' is not an agency code"),
        ("x" * 41 + "\n", "line 1:"),
        ("# nothing but comments\n\n", "names no agency"),
        ("", "names no agency"),
    ],
)
def test_a_file_that_is_not_a_list_of_codes_is_refused_in_one_line(
    tmp_path: Path, text: str, says: str
) -> None:
    with pytest.raises(AgenciesFileError) as refused:
        read_agencies(written(tmp_path, text))

    assert says in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_missing_file_is_named_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(AgenciesFileError, match=r"cannot read the agencies file .*: No such file"):
        read_agencies(tmp_path / "absent.txt")


def test_each_agency_gets_its_recalculated_and_compacted_reconciled_topics() -> None:
    settings = load_settings(output_topic="out", reconciled_topic="rec")

    topics = agency_topics(settings, ["7317", "7371"])

    assert [(t.name, t.partitions, t.configs) for t in topics] == [
        ("out.7317", FEW_PARTITIONS, {}),
        ("rec.7317", FEW_PARTITIONS, COMPACTED),
        ("out.7371", FEW_PARTITIONS, {}),
        ("rec.7371", FEW_PARTITIONS, COMPACTED),
    ]


def by_principal(grants: list[Grant]) -> dict[str, set[tuple[str, str, str, str]]]:
    found: dict[str, set[tuple[str, str, str, str]]] = {}
    for g in grants:
        found.setdefault(g.principal, set()).add((g.operation, g.resource, g.pattern, g.name))
    return found


def test_the_acls_give_each_principal_what_contracts_15_says_and_nothing_more() -> None:
    settings = load_settings(
        input_topics="in,stewards", output_topic="out", reconciled_topic="rec",
        agency_topic="agencies", dlq_topic="dlq", consumer_group="workers",
    )  # fmt: skip

    found = by_principal(acls(settings, ["7317", "7371"], "the-worker"))

    assert found == {
        "User:simpeg-7317": {
            ("WRITE", "TOPIC", "LITERAL", "in"),
            ("WRITE", "TOPIC", "LITERAL", "stewards"),
            ("READ", "TOPIC", "LITERAL", "out.7317"),
            ("READ", "TOPIC", "LITERAL", "rec.7317"),
            ("READ", "GROUP", "PREFIXED", "simpeg-7317"),
        },
        "User:simpeg-7371": {
            ("WRITE", "TOPIC", "LITERAL", "in"),
            ("WRITE", "TOPIC", "LITERAL", "stewards"),
            ("READ", "TOPIC", "LITERAL", "out.7371"),
            ("READ", "TOPIC", "LITERAL", "rec.7371"),
            ("READ", "GROUP", "PREFIXED", "simpeg-7371"),
        },
        "User:siasn": {
            ("WRITE", "TOPIC", "LITERAL", "in"),
            ("WRITE", "TOPIC", "LITERAL", "stewards"),
        },
        "User:ekinerja": {
            ("WRITE", "TOPIC", "LITERAL", "in"),
            ("WRITE", "TOPIC", "LITERAL", "stewards"),
        },
        "User:the-worker": {
            ("READ", "TOPIC", "LITERAL", "in"),
            ("READ", "TOPIC", "LITERAL", "stewards"),
            ("READ", "GROUP", "LITERAL", "workers"),
            ("WRITE", "TOPIC", "LITERAL", "out"),
            ("WRITE", "TOPIC", "LITERAL", "rec"),
            ("WRITE", "TOPIC", "LITERAL", "agencies"),
            ("WRITE", "TOPIC", "LITERAL", "dlq"),
            ("WRITE", "TOPIC", "PREFIXED", "out."),
            ("WRITE", "TOPIC", "PREFIXED", "rec."),
        },
    }


def test_the_acls_table_reads_whole_at_80_columns() -> None:
    settings = Settings.model_construct()
    grants = acls(settings, ["7317", "KEMENDIKBUDRISTEK-PUSAT-0001"], "ipasn-worker")
    out = io.StringIO()

    Console(file=out, width=80, color_system=None).print(acls_table(grants, "ACLs"))

    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in out.getvalue()
    # Each row's cells, a cell folded over lines joined again.
    rows: list[list[str]] = []
    for line in lines:
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells[1]:  # "may" is one word: a new row
            rows.append(cells)
        else:
            rows[-1] = [a + b for a, b in zip(rows[-1], cells, strict=True)]
    assert [(r[0], r[3]) for r in rows] == [
        (g.principal.removeprefix("User:"), g.name + ("*" if g.pattern == "PREFIXED" else ""))
        for g in grants
    ]


def test_topics_acls_with_a_bad_file_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["topics", "acls", "--agencies", str(written(tmp_path, "73.17\n"))])

    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert "line 1: '73.17' is not an agency code" in err


def test_topics_acls_prints_without_a_broker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["topics", "acls", "--agencies", str(written(tmp_path, "7317\n"))])

    out = capsys.readouterr().out
    assert status == 0
    assert "simpeg-7317" in out
    assert "asn.ipasn.recalculated.7317" in out
