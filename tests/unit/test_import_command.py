"""`ipasn-worker import` as a whole, on a fake publisher: what is published, what is reported,
the exit status; the templates; bad arguments and files in one line (exit 2)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rich.console import Console

from consumers.changes import decode
from schemas.rules import load_rules
from schemas.signature import SourceSecrets
from tests.fakes import FakePublisher
from tests.unit.spreadsheets import write_csv, write_xlsx
from worker.cli import main
from worker.commands.importing.columns import column_names
from worker.commands.importing.importer import Job, import_file
from worker.commands.importing.template import EXAMPLE_NIP, write_template
from worker.config.settings import Settings, load_settings
from worker.domain.model import KINDS, Kind, Statement

RULES = load_rules()
NIP = "198503152010012003"
NIPS = ["198503152010012003", "199001012015031001", "197712312002122002"]
TIME = "2025-01-15T00:00:00Z"
TOPIC = "changes-import-test"
HEADER = ["nip", "record_id", "level", "institution", "graduated_on"]
SECRET = "import-secret"  # noqa: S105 - a test secret
NOWHERE = "127.0.0.1:9"  # discard: nothing answers


def education(*bad_rows: int) -> list[list[object]]:
    """A header and three rows; the rows numbered in `bad_rows` with an unknown level."""
    rows: list[list[object]] = [list(HEADER)]
    for number, nip in enumerate(NIPS, 2):
        level = "S9" if number in bad_rows else "S1"
        rows.append([nip, f"pend-{number}", level, "Universitas Hasanuddin", "2008-08-30"])
    return rows


def settings() -> Settings:
    return load_settings(input_topics=TOPIC, kafka_bootstrap_servers=NOWHERE)


class Outcome:
    def __init__(self, job: Job, secrets: SourceSecrets | None = None, width: int = 80) -> None:
        self.publisher = FakePublisher([])
        self.out, self.err = io.StringIO(), io.StringIO()
        self.status = import_file(
            job,
            settings(),
            RULES,
            secrets or SourceSecrets(),
            Console(file=self.out, width=width),
            Console(file=self.err, width=width),
            self.publisher,
        )

    @property
    def events(self) -> list[dict[str, object]]:
        return [json.loads(value or b"") for _, _, value in self.publisher.published]


def job(path: Path, kind: Kind = "education", **flags: bool) -> Job:
    return Job(path, "simpeg:7317", kind, TIME, **flags)


def test_every_row_of_a_valid_sheet_is_published_keyed_by_its_nip(tmp_path: Path) -> None:
    done = Outcome(job(write_xlsx(tmp_path / "pend.xlsx", education())))

    assert done.status == 0
    assert [(t, k) for t, k, _ in done.publisher.published] == [(TOPIC, n.encode()) for n in NIPS]
    assert [e["data"]["record_id"] for e in done.events] == ["pend-2", "pend-3", "pend-4"]  # type: ignore[index]
    assert "published 3 events to changes-import-test, each acknowledged" in done.out.getvalue()
    for nip in NIPS:
        assert nip not in done.out.getvalue() + done.err.getvalue()


def test_one_bad_row_publishes_nothing_and_names_its_row_column_and_reason(
    tmp_path: Path,
) -> None:
    done = Outcome(job(write_csv(tmp_path / "pend.csv", education(3))))

    assert done.status == 3
    assert done.publisher.published == []
    assert done.publisher.queued == []
    out = done.out.getvalue()
    assert out.splitlines()[0] == (
        "row 3, level (C): invalid_event: Input should be 'S3', 'S2', 'S1', 'D4', 'D3', 'D2', "
        "'D1', 'SMA', 'SMP' or 'SD'"
    )
    assert "nothing published: 1 row invalid (listed above)" in out
    assert "--skip-invalid to publish the 2 rows valid" in out


def test_skip_invalid_publishes_the_valid_rows_and_still_says_some_were_not(
    tmp_path: Path,
) -> None:
    done = Outcome(job(write_csv(tmp_path / "pend.csv", education(2, 4)), skip_invalid=True))

    assert done.status == 3
    assert [k for _, k, _ in done.publisher.published] == [NIPS[1].encode()]
    assert (
        "published 1 event to changes-import-test, each acknowledged; 2 rows invalid, skipped"
    ) in done.out.getvalue()


def test_a_dry_run_publishes_nothing(tmp_path: Path) -> None:
    valid = Outcome(job(write_xlsx(tmp_path / "a.xlsx", education()), dry_run=True))
    invalid = Outcome(job(write_xlsx(tmp_path / "b.xlsx", education(2)), dry_run=True))

    assert (valid.status, invalid.status) == (0, 3)
    assert valid.publisher.queued == valid.publisher.published == []
    assert invalid.publisher.queued == invalid.publisher.published == []
    assert "dry run: nothing published; 3 rows valid" in valid.out.getvalue()


def test_importing_the_same_rows_again_publishes_the_same_events(tmp_path: Path) -> None:
    first = Outcome(job(write_xlsx(tmp_path / "a.xlsx", education())))
    again = Outcome(job(write_csv(tmp_path / "a.csv", education())))

    assert first.publisher.published == again.publisher.published


def test_signed_rows_verify_as_the_worker_checks_them(tmp_path: Path) -> None:
    secrets = SourceSecrets({"simpeg:7317": SECRET.encode()})
    done = Outcome(job(write_csv(tmp_path / "a.csv", education()), sign=True), secrets)

    assert done.status == 0
    for (_, key, value), headers in zip(
        done.publisher.published, done.publisher.headers, strict=True
    ):
        assert isinstance(decode(key, value, RULES, headers, secrets), Statement)  # fmt: skip
        assert not isinstance(decode(key, value, RULES, [], secrets), Statement)


class FailingPublisher(FakePublisher):
    """Acknowledges the first flush, then the broker is gone."""

    def flush(self) -> None:
        if self.published:
            raise ConnectionError("the broker went away")
        super().flush()


def test_a_broker_failure_part_way_reports_what_was_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("worker.commands.importing.importer.ACKNOWLEDGED_EVERY", 2)
    out = io.StringIO()
    rows = [HEADER, *([n, f"p-{i}", "S1", "UI", "2001-01-01"] for i, n in enumerate(NIPS * 2))]
    publisher = FailingPublisher([])

    with pytest.raises(ConnectionError):
        import_file(
            job(write_csv(tmp_path / "a.csv", rows)), settings(), RULES, SourceSecrets(),
            Console(file=out, width=80), Console(file=io.StringIO()), publisher,
        )  # fmt: skip

    assert len(publisher.published) == 2
    assert "the broker failed after acknowledging 2 of 6 rows" in out.getvalue()
    assert "importing the file again is safe" in out.getvalue()


def test_the_summary_reads_whole_at_80_columns(tmp_path: Path) -> None:
    rows = education(2, 3, 4)
    rows[1][0] = float(NIPS[0])  # lost digits: the longest reason there is
    rows[2][4] = "30/08/2008"
    done = Outcome(job(write_xlsx(tmp_path / "a.xlsx", rows)), width=80)

    lines = [line.rstrip() for line in done.out.getvalue().splitlines()]
    start = lines.index("Invalid rows by column and reason")
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith("└"))
    table = "\n".join(lines[start : end + 1])
    assert all(len(line) <= 80 for line in table.splitlines()), table
    words = " ".join(w for line in table.splitlines() for w in line.strip("│┃ ").split())
    for phrase in ("keeps only 15 significant digits", "written YYYY-MM-DD", "'SMP' or 'SD'"):
        assert all(word in words for word in phrase.split()), phrase
    assert "read (not blank)" in done.out.getvalue()
    assert "nothing published: 3 rows invalid (listed above), none valid" in done.out.getvalue()


def test_the_progress_bar_shows_on_a_terminal_only(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", education())
    terminal = io.StringIO()
    import_file(
        job(path), settings(), RULES, SourceSecrets(), Console(file=io.StringIO()),
        Console(file=terminal, force_terminal=True, width=80), FakePublisher([]),
    )  # fmt: skip
    piped = Outcome(job(path))

    assert "publishing to changes-import-test" in terminal.getvalue()
    assert piped.err.getvalue() == ""


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_each_template_has_the_kinds_header_and_an_example_row_that_imports_cleanly(
    tmp_path: Path, kind: Kind, suffix: str
) -> None:
    path = tmp_path / f"template{suffix}"
    write_template(kind, path, agency_code="7317")

    done = Outcome(job(path, kind))

    assert done.status == 0, done.out.getvalue()
    [event] = done.events
    assert event["subject"] == EXAMPLE_NIP
    assert header_of(path) == list(column_names(kind))


def header_of(path: Path) -> list[str]:
    if path.suffix == ".csv":
        return path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    return [str(cell.value) for cell in load_workbook(path).worksheets[0][1]]


def test_the_xlsx_template_keeps_nips_and_codes_as_text_and_dates_as_dates(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_template("training", path)

    sheet = load_workbook(path).worksheets[0]
    header, example = sheet[1], sheet[2]
    formats = {h.value: c.number_format for h, c in zip(header, example, strict=True)}

    assert formats["nip"] == formats["record_id"] == "@"
    assert formats["start_date"] == "yyyy-mm-dd"
    assert sheet.column_dimensions["A"].number_format == "@"  # rows typed later, too
    listed = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert '"leadership,functional,technical,seminar"' in listed


def test_a_template_never_replaces_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mine.xlsx"
    path.write_bytes(b"an agency's filled-in sheet")

    assert main(["import", "--template", "profile", "--out", str(path)]) == 2

    assert path.read_bytes() == b"an agency's filled-in sheet"
    assert capsys.readouterr().err.strip().endswith("exists: remove it or give another --out")


def status_of(argv: list[str]) -> int:
    """main()'s exit status, also where argparse exits (a bad flag)."""
    try:
        return main(argv)
    except SystemExit as e:
        return int(str(e.code))


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IPASN_KAFKA_BOOTSTRAP_SERVERS", NOWHERE)
    for name in ("IPASN_RULES_FILE", "IPASN_SOURCE_SECRETS_FILE", "IPASN_REQUIRE_SIGNATURES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "pend.csv", education())
    write_csv(tmp_path / "bad-header.csv", [["nip", "levl"], [NIP, "S1"]])
    write_csv(tmp_path / "header-only.csv", [HEADER])
    (tmp_path / "secrets.toml").write_text(f'"simpeg:7317" = "{SECRET}"\n', encoding="utf-8")
    return tmp_path


PEND = ["pend.csv", "--source", "simpeg:7317", "--kind", "education"]


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("argv", "variables", "expected"),
    [
        (["pend.csv", "--source", "simpeg:7317"], {}, "import needs --kind"),
        (["--kind", "training"], {}, "import needs FILE, --source"),
        (["pend.csv", "--source", "bkn", "--kind", "education"], {}, "is not siasn, ekinerja"),
        (["pend.csv", "--source", "siasn", "--kind", "skills"], {}, "invalid choice: 'skills'"),
        (["gone.xlsx", *PEND[1:]], {}, "cannot read gone.xlsx"),
        (["bad-header.csv", *PEND[1:]], {}, "unknown column levl (B); no column record_id"),
        (["header-only.csv", *PEND[1:]], {}, "has no rows below its header"),
        ([*PEND, "--time", "yesterday"], {}, "--time: time is a JSON string in RFC 3339 form"),
        (["pend.csv", "--source", "ekinerja", "--kind", "education"], {}, "may not send education"),
        ([*PEND, "--out", "x.xlsx"], {}, "--out goes with --template"),
        (["--template", "profile", "pend.csv"], {}, "give no FILE nor --kind"),
        (["--template", "profile", "--out", "t.ods"], {}, "a template is a .xlsx or .csv file"),
        ([*PEND, "--sign"], {}, "import --sign needs the sources' secrets"),
        ([*PEND], {"IPASN_SOURCE_SECRETS_FILE": "secrets.toml"}, "give --sign"),
        ([*PEND], {"IPASN_REQUIRE_SIGNATURES": "true"}, "give --sign"),
        (
            ["pend.csv", "--source", "simpeg:7318", "--kind", "education", "--sign"],
            {"IPASN_SOURCE_SECRETS_FILE": "secrets.toml"},
            "secrets.toml has no secret for simpeg:7318",
        ),
    ],
)
def test_a_bad_argument_or_file_is_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    variables: dict[str, str],
    expected: str,
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    assert status_of(["import", *argv]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, captured.err
    assert expected in captured.err
    assert SECRET not in captured.err
