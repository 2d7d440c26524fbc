"""The rules file: the packaged bkn-8-2019 tables, replacing them, and refusing bad files."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pytest

from schemas.rules import RulesFileError, load_rules
from tests.factories import YEAR, education_values, records
from worker.domain.index import qualification_points
from worker.domain.model import KINDS, Kind

PACKAGED = files("worker").joinpath("rules/bkn-8-2019.toml").read_text("utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_packaged_rule_set_is_bkn_8_2019() -> None:
    assert load_rules().version == "bkn-8-2019"


def test_loading_the_packaged_file_by_path_gives_the_same_rule_set(tmp_path: Path) -> None:
    assert load_rules(_write(tmp_path, PACKAGED)) == load_rules()


# Copied from contracts.md §2: highest precedence first; a source not listed may not send.
@pytest.mark.parametrize(
    ("kind", "source", "rank"),
    [
        *[(k, "siasn", 0) for k in KINDS if k != "performance"],
        *[(k, "simpeg:3201", 1) for k in KINDS if k != "performance"],
        *[(k, "ekinerja", None) for k in KINDS if k != "performance"],
        ("performance", "ekinerja", 0),
        ("performance", "siasn", 1),
        ("performance", "simpeg:3201", 2),
        ("performance", "simpeg:7317", 2),
        ("education", "simpeg", None),
        ("education", "bkd", None),
    ],
)
def test_source_precedence_per_kind_follows_the_contract(
    kind: Kind, source: str, rank: int | None
) -> None:
    rules = load_rules()
    assert rules.rank(source, kind) == rank
    assert rules.may_send(source, kind) == (rank is not None)


def test_a_rules_file_replaces_a_table_without_a_code_change(tmp_path: Path) -> None:
    text = PACKAGED.replace('version = "bkn-8-2019"', 'version = "local-2026"').replace(
        'S2 = "20"', 'S2 = "21.5"'
    )
    rules = load_rules(_write(tmp_path, text))
    masters_degree = records("education", education_values("S2", graduated_on=date(2020, 6, 1)))
    assert rules.version == "local-2026"
    assert qualification_points(masters_degree, YEAR, rules) == Decimal("21.5")


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("version = ", "not valid TOML"),
        (PACKAGED.replace("[precedence]\n", '[precedence]\nsalary = ["siasn"]\n'), "precedence"),
        (PACKAGED.replace('discipline = ["siasn", "simpeg:*"]\n', ""), "precedence"),
        (PACKAGED.replace('version = "bkn-8-2019"', 'version = "bkn 8"'), "version"),
        (PACKAGED.replace('S3 = "25"', 'S3 = "-1"'), "qualification.S3"),
        (PACKAGED.replace('S3 = "25"', 'S3 = "lots"'), "qualification.S3"),
        (PACKAGED.replace('seminar = "17.5"', 'seminar = "17.5"\nbonus = "5"'), "bonus"),
        (PACKAGED.replace('score_floor = "BURUK"', 'score_floor = "JELEK"'), "JELEK"),
        (PACKAGED.replace('heavy = "1"', ""), "heavy"),
        (PACKAGED.replace('band = "Tinggi"', 'band = "Tinggi Sekali"'), "bands"),
        (PACKAGED.replace("[lowest_band]", "[lowest]"), "lowest"),
    ],
)
def test_a_bad_rules_file_is_refused_with_one_line_naming_the_problem(
    tmp_path: Path, text: str, mentions: str
) -> None:
    with pytest.raises(RulesFileError) as raised:
        load_rules(_write(tmp_path, text))
    message = str(raised.value)
    assert mentions in message
    assert "\n" not in message


def test_a_missing_rules_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesFileError, match="cannot read"):
        load_rules(tmp_path / "absent.toml")


def test_the_example_rule_change_differs_from_bkn_8_2019_only_where_its_header_says() -> None:
    path = files("worker").joinpath("rules/example-2026.toml")
    assert "EXAMPLE ONLY, NOT A REGULATION" in path.read_text("utf-8").splitlines()[0]
    example, bkn = load_rules(str(path)), load_rules()

    assert example.version == "example-2026"
    changed = {level: example.qualification[level] for level in ("S2", "S1", "D4")}
    assert changed == {"S2": Decimal("22.5"), "S1": Decimal("17.5"), "D4": Decimal("17.5")}
    assert example.technical_min_hours == Decimal(16)
    same = replace(
        example,
        version=bkn.version,
        qualification=bkn.qualification,
        technical_min_hours=bkn.technical_min_hours,
    )
    assert same == bkn
