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
