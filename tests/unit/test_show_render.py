"""`ipasn-worker show NIP` on a terminal: what a person reads, at 80 columns."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from worker.commands.show import render

NIP = "198503152010011001"


def _view(revisions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "nip": NIP,
        "measurement_year": 2025,
        "rule_version": "bkn-8-2019",
        "statements": 3,
        "records": [],
        "index": {
            "score": None,
            "band": None,
            "revision": len(revisions),
            "agency_code": "3201",
            **dict.fromkeys(("qualification", "competency", "performance", "discipline")),
        },
        "revisions": revisions,
        "overrides": [],
        "conflicts": [],
    }


def _shown(view: dict[str, Any]) -> str:
    console = Console(width=80, record=True, color_system=None)
    render(view, console)
    return console.export_text()


def test_where_there_is_nothing_a_dash_shows_never_none() -> None:
    first: dict[str, Any] = {"revision": 1, "score": "73", "band": "Sedang", "previous_score": None,
             "caused_by": [{"source": "siasn", "id": "e-1"}]}  # fmt: skip
    withdrawn: dict[str, Any] = {"revision": 2, "score": None, "band": None, "previous_score": "73",
                 "caused_by": []}  # fmt: skip

    text = _shown(_view([first, withdrawn]))

    assert "None" not in text
    revisions = text[text.index("Revisions") :].splitlines()
    first_row = next(line for line in revisions if line.lstrip("│ ").startswith("1 "))
    assert first_row.split("│")[4].strip() == "-"  # previous: none before revision 1
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "previous" in text  # the headers whole at 80 columns
    assert "caused by" in text


def _improvement(options: list[dict[str, Any]], to_next: list[str] | None) -> dict[str, Any]:
    return {
        "year": 2026,
        "projected": {
            "score": 53,
            "band": "Sangat Rendah",
            "dimensions": {"qualification": 15, "competency": 10, "performance": 25,
                           "discipline": 3},
        },
        "options": options,
        "to_next_band": to_next,
    }  # fmt: skip


OPTIONS: list[dict[str, Any]] = [
    {"action": "technical_training", "dimension": "competency", "gain": 15, "effort": "short",
     "detail": "4 more JP of technical training ending in 2026"},
    {"action": "leadership_training", "dimension": "competency", "gain": 15, "effort": "short",
     "detail": "leadership training PIM_III or PKA (echelon III) ending by 2026-12-31"},
    {"action": "education", "dimension": "qualification", "gain": 5, "effort": "long",
     "detail": "complete S2 by 2026-12-31 (now S1)"},
]  # fmt: skip


def _cells(text: str, column: int) -> str:
    """One column of the options table, its wrapped lines joined."""
    table = text[text.index("Options for 2026") :].splitlines()
    rows = [line.split("│") for line in table if line.startswith("│")]
    return " ".join(row[column].strip() for row in rows if row[column].strip())


def test_the_options_and_the_set_to_the_next_band_read_whole_at_80_columns() -> None:
    view = _view([]) | {"improvement": _improvement(OPTIONS, ["technical_training"])}

    text = _shown(view)

    assert all(len(line) <= 80 for line in text.splitlines())
    assert "53 (Sangat Rendah) projected for 2026" in text
    assert "(the appraisal of 2025)" in text
    assert all(header in text for header in ("action", "gain", "effort", "detail"))
    assert _cells(text, 1).split() == [
        "technical_training", "leadership_training", "education"
    ]  # fmt: skip
    assert _cells(text, 2).split() == ["+15", "+15", "+5"]
    assert _cells(text, 4) == " ".join(o["detail"] for o in OPTIONS)
    assert "To the next band: technical_training (+15 → 68)." in text


def test_without_a_set_to_the_next_band_it_says_why() -> None:
    top = _improvement(OPTIONS[2:], None)
    top["projected"] = top["projected"] | {"score": 95, "band": "Sangat Tinggi"}
    low = _improvement(OPTIONS[2:], None)

    assert "none, already the top band." in _shown(_view([]) | {"improvement": top})
    assert "not even every option together reaches it." in _shown(_view([]) | {"improvement": low})


def test_with_no_option_it_says_so_and_no_index_shows_no_section() -> None:
    done = _shown(_view([]) | {"improvement": _improvement([], None)})

    assert "No option: every criterion that one action meets is met for 2026." in done
    assert "Options for" not in done
    assert "Raising the index" not in _shown(_view([]) | {"improvement": None})
