"""Every table a command prints, rendered at 80 columns from the longest realistic values: no
line wider than the terminal, no value cut with "…", every value a person needs there whole
(folded over lines at worst). `show` and `recompute` have tests of their own."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from rich.cells import cell_len
from rich.console import Console, RenderableType

from consumers.reader import Read
from schemas import dead_letter
from worker.commands import agencies, conflicts, quality, topics
from worker.commands.dlq import summary as dlq
from worker.commands.importing import report as imports
from worker.commands.importing.rows import Problem
from worker.commands.screen import split_figures
from worker.config.settings import load_settings
from worker.config.topics import DEAD_LETTERS_KEPT_DAYS, worker_topics
from worker.db.seeding import Stored
from worker.dev.bench import flat_cost, intake, latency, recompute, targets, throughput
from worker.dev.bench import soak as bench_soak
from worker.dev.bench.first_load import FirstLoad, LoadRun
from worker.dev.bench.first_load import tables as first_load_tables
from worker.dev.bench.machine import Spent, Window
from worker.dev.bench.runs import Run
from worker.dev.demo import report as demo
from worker.domain.agencies import BANDS, Figures
from worker.domain.model import KINDS
from worker.domain.nip import mask_nip
from worker.domain.quality import Quality, SourceQuality
from worker.domain.rules import REGIONAL_PREFIX
from worker.observability.metrics import WorkerMetrics

WIDTH = 80
NIP = "198503152010011001"
OTHER_NIP = "199912312022122001"
VERTICAL = re.compile("[│┃]")


def at(width: int, draw: Callable[[Console], None]) -> str:
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    draw(console)
    return console.export_text()


def printed(*renderables: RenderableType, width: int = WIDTH) -> str:
    def draw(console: Console) -> None:
        for r in renderables:
            console.print(r)

    return at(width, draw)


def _columns(text: str) -> list[str]:
    """Each column's text, top to bottom, without spaces: a folded value whole again."""
    found: dict[int, list[str]] = {}
    for line in text.splitlines():
        if VERTICAL.search(line):
            for i, cell in enumerate(VERTICAL.split(line)):
                found.setdefault(i, []).append(cell.strip())
    return ["".join(parts).replace(" ", "") for parts in found.values()]


def assert_whole(text: str, values: Iterable[str], *, cut: int = 0, width: int = WIDTH) -> None:
    """No line beyond the width; `cut` "…" at most (where a value is shortened on purpose);
    each value on a line, or in a column folded over lines."""
    wide = [line for line in text.splitlines() if cell_len(line) > width]
    assert not wide, "\n".join(wide)
    assert text.count("…") <= cut, text
    columns = _columns(text)
    for value in values:
        squeezed = value.replace(" ", "")
        assert value in text or any(squeezed in c for c in columns), (value, text)


def first_column(text: str, start: str) -> str:
    """In a table without vertical rules, the first column's value that begins with `start`,
    folded over the lines below it (those with nothing else on them)."""
    lines = text.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith(start))
    found = lines[i].split()[0]
    for line in lines[i + 1 :]:
        if not line[:1].strip() or len(line.split()) != 1:
            break
        found += line.strip()
    return found


# The demo


def _published(nip: str, revision: int, band: str | None, agency: str) -> Read:
    dimensions = {"qualification": 22.5, "competency": 22.5, "performance": 27.5,
                  "discipline": 4}  # fmt: skip
    score = 76.5 if band else None
    data = {"nip": nip, "revision": revision, "band": band, "score": score,
            "agency_code": agency, "dimensions": dimensions if band else None}  # fmt: skip
    return Read(0, revision, nip.encode(), json.dumps({"data": data}).encode(), {})


def _dead(reason: str, detail: str) -> Read:
    headers = {dead_letter.REASON: reason.encode(), dead_letter.DETAIL: detail.encode()}
    return Read(0, 0, None, b"x", headers)


DETAIL = ("the message value is not UTF-8 JSON: trailing characters at line 1 column 19 "
          "of a message of 1,048,576 bytes")  # fmt: skip


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    m = WorkerMetrics(registry)
    for system, outcome in (("siasn", "processed"), ("simpeg", "dead_lettered")):
        m.events_consumed.labels(system=system, kind="profile", outcome=outcome).inc(12_345_678)
    m.published.inc(9_876_543)
    m.batch_duration.observe(0.183)
    return registry


def test_the_demo_results() -> None:
    published = [
        _published(NIP, 12, "Sangat Rendah", "3201"),
        _published(OTHER_NIP, 3, None, "7371"),  # withdrawn
        *(_published(f"1985031520100120{i:02}", 1, "Sangat Tinggi", "7317") for i in range(20)),
    ]
    dead = [_dead("not_authorised", "a simpeg:7317 profile must carry agency_code 7317"),
            _dead("not_json", DETAIL)]  # fmt: skip

    text = printed(*demo.result_tables(published, dead, _registry()))

    assert_whole(text, [
        NIP, OTHER_NIP, "7371", "score", "rev", "22.5", "76.5", "withdrawn",
        "not_authorised", DETAIL, "ipasn_recalculations_published_total",
        "ipasn_events_consumed_total", "ipasn_batch_duration_seconds", "12,345,678",
        "9,876,543", "dead_lettered", "1 batches, mean 183 ms", "Sangat Rendah",
    ])  # fmt: skip
    assert "│ Sangat Tinggi │        20 │   95% │ " + "█" * 29 + " │" in text  # 30 at 100%
    assert "None" not in text


# agencies


def test_the_agencies() -> None:
    def figures(employees: int) -> Figures:
        f = Figures()  # the largest agency: some 300,000 with an index, 7 digits a band
        f.add(Decimal("99.25"), "Sangat Tinggi", employees)
        for band in BANDS[1:]:
            f.add(Decimal("60.5"), band, 123_456)
        return f

    found = [(("3201", 2025, "bkn-8-2019"), figures(7), 12),
             (("KEMENDIKBUDRISTEK", 2025, "bkn-8-2019"), figures(123_456), 1_234_567)]  # fmt: skip

    text = at(WIDTH, lambda console: agencies.render(found, 2025, console))

    assert_whole(text, ["3201", "employees", "version", "Sangat", "123,456", "617,280",
                        "1234567", "68.25", "60.50"])  # fmt: skip
    assert first_column(text, "KEMEN") == "KEMENDIKBUDRISTEK"  # folded, whole


# conflicts

TRAINING = {"category": "technical", "leadership_tier": None, "start_date": "2025-01-11",
            "name": "Pelatihan Kepemimpinan Administrator Angkatan XXIII Tahun 2025",
            "end_date": "2025-01-12", "hours": 20}  # fmt: skip
RECORD_ID = "ac7b2efb69979cbfeaab7ab4f450d840"


def _conflict(
    nip: str, agency: str | None, winner: object, loser: object, closed: bool
) -> dict[str, Any]:
    return {
        "id": 1, "detected_at": "2025-03-01T09:54:02.356000+00:00", "nip": nip,
        "agency_code": agency, "kind": "training", "record_id": RECORD_ID,
        "winner": {"source": "siasn", "event_id": "siasn-000278", "values": winner},
        "loser": {"source": "simpeg:KEMENDIKBUDRISTEK", "event_id": "e-2", "values": loser},
        "rule": "precedence for training: siasn over simpeg:*",
        "status": "closed" if closed else "open",
        "closed_at": "2025-03-02T10:00:00+00:00" if closed else None,
        "closed_reason": "superseded" if closed else None,
    }  # fmt: skip


CONFLICTS = [
    _conflict(NIP, "KEMENDIKBUDRISTEK", TRAINING, {**TRAINING, "hours": 8,
              "name": "Diklat [PIM] Tingkat III"}, closed=False),
    _conflict(OTHER_NIP, None, TRAINING, None, closed=True),
]  # fmt: skip


@pytest.mark.parametrize("width", [WIDTH, conflicts.WIDE])
def test_the_conflicts_queue(width: int) -> None:
    text = at(width, lambda console: conflicts.render(CONFLICTS, console))

    assert_whole(text, [
        NIP, OTHER_NIP, "KEMENDIKBUDRISTEK", RECORD_ID, "2025-03-01 09:54",
        "superseded, 2025-03-02", "simpeg:KEMENDIKBUDRISTEK: deleted",
        "siasn: name=Pelatihan Kepemimpinan Administrator Angkatan XXIII Tahun 2025, hours=20",
        "simpeg:KEMENDIKBUDRISTEK: name=Diklat [PIM] Tingkat III, hours=8",
        "precedence for training: siasn over simpeg:*",
    ], width=width)  # fmt: skip


# quality


def _source(source: str, employees: int) -> SourceQuality:
    q = SourceQuality(source, employees, dict.fromkeys(KINDS, employees), set(KINDS))
    q.ages.update({29: 1, 3 * 86_400: 1, 123 * 86_400: 1})
    q.count_conflicts("won", 123_456, 12_345)
    q.count_conflicts("lost", 123_456, 123_456)
    return q


def _quality() -> Quality:
    national = 4_321_987  # every civil servant
    systems = {s: _source(s, national) for s in ("siasn", "ekinerja", "simpeg", "steward")}
    regional = [f"{REGIONAL_PREFIX}KEMENDIKBUDRISTEK", f"{REGIONAL_PREFIX}3201"]
    return Quality(systems, {a: _source(a, 312_456) for a in regional})


@pytest.mark.parametrize("width", [WIDTH, 160])
def test_the_data_quality(width: int) -> None:
    text = at(width, lambda console: quality.render(_quality(), console))

    assert_whole(text, [
        "ekinerja", "steward", "KEMENDIKBUDRISTEK", "4,321,987", "312,456", "100.0%", "3.0 d",
        "123.0 d", "12,345/123,456", "123,456/123,456", "won open/all", "lost open/all",
        *quality.SHORT.values(),
    ], width=width)  # fmt: skip
    assert text.count("│ siasn ") == (2 if width == WIDTH else 1)  # two tables, or one


# topics create


def test_the_topics_created() -> None:
    names = {
        "input_topics": ["bkn.siasn.prod.asn.personnel.changes.v1", "asn.personnel.changes"],
        "output_topic": "bkn.siasn.prod.asn.personnel.index-recalculated.v1",
        "reconciled_topic": "bkn.siasn.prod.asn.personnel.reconciled.v1",
        "agency_topic": "bkn.siasn.prod.asn.agency.figures.v1",
        "dlq_topic": "bkn.siasn.prod.asn.personnel.changes.dead-letters.v1",
    }
    found = worker_topics(load_settings(**names), 1_000)
    created = {t.name for t in found[1:]}

    text = printed(topics.table(found, created, {found[0].name}))

    kept = f"kept {DEAD_LETTERS_KEPT_DAYS} days"
    assert_whole(text, [*(t.name for t in found), "1000", "compacted", kept, "exists", "created",
                        "partitions"])  # fmt: skip


# dlq replay

DLQ = "bkn.siasn.prod.asn.personnel.changes.dead-letters.v1"
CHANGES = "bkn.siasn.prod.asn.personnel.changes.v1"


def _replayed(width: int) -> str:
    s = dlq.Summary(DLQ, ["not_authorised", "invalid_event"], False, "ipasn-dlq-replay")
    s.end_offsets = dict.fromkeys(range(12), 12345678)
    s.cursors = {r: dict(s.end_offsets) for r in s.reasons}
    s.read = s.sent = 2_469_134
    for reason in s.reasons:
        s.rows[(reason, CHANGES)] = dlq.Row(1_234_567, {p: [0, 12_345_677] for p in range(12)})
    s.skipped.update({"other_reason": 12, "replayed_before": 3})
    s.messages = [{"partition": 11, "offset": 12_345_677, "reason": reason, "to_topic": CHANGES,
                   "nip": mask_nip(NIP), "detail": DETAIL} for reason in s.reasons]  # fmt: skip
    return at(width, lambda console: dlq.render(s, console))


@pytest.mark.parametrize("width", [WIDTH, 200])
def test_the_dead_letters_replayed(width: int) -> None:
    text = _replayed(width)

    assert_whole(text, [
        "invalid_event", CHANGES, "1,234,567", "2,469,134", "11:0-12345677",
        "11:12345677", mask_nip(NIP), DETAIL, "DLQ offsets (partition:offset)",
    ], width=width)  # fmt: skip
    headers = ("DLQ offset", "reason", "to topic", "NIP", "detail")
    a_column_each = any(all(h in line for h in headers) for line in text.splitlines())
    assert a_column_each == (width > WIDTH)  # at 80: offset and reason, topic and NIP stacked


# import


def test_the_import_summary() -> None:
    s = imports.Summary(Path("/data/simpeg/2025/Rekap Diklat Pegawai Kab. Luwu Timur.xlsx"),
                        "simpeg:KEMENDIKBUDRISTEK", "training", "Diklat Teknis & Fungsional",
                        1_048_575, 1_048_560)  # fmt: skip
    lost = "a NIP written as a number keeps only 15 significant digits: write it as text"
    s.add([Problem(row, "nip (A)", "bad_nip", lost) for row in range(1_048_560, 1_048_576)])
    s.add([Problem(7, "leadership_tier (AB)", "invalid_event", "not one of 'I', 'II', 'III', "
                   "'IV' or empty")])  # fmt: skip

    text = at(WIDTH, lambda console: imports.render(s, console, dry_run=True))

    # "…" only where the row numbers go on beyond ROWS_SHOWN: each is on a line of its own.
    assert_whole(text, ["1048575", "published (dry run)", lost,
                        "leadership_tier (AB)", "invalid_event: not one of 'I', 'II', 'III', "
                        "'IV' or empty", "(10 more)", "1048560, 1048561"], cut=1)  # fmt: skip
    assert "Rekap Diklat Pegawai Kab. Luwu Timur.xlsx" in text.replace("\n", "")


# bench

CACHE = "ipasn-worker, PostgreSQL, 1 process, cache of 200,000 employees"
RSS = [(i * 0.25, 1_234.0 + i) for i in range(40)]
QUIX = "Quix Streams is not installed: pip install 'ipasn-worker[bench]'"
REPEATED = "repeated: ended with 1,234 events left"


def _runs() -> list[Run]:
    two = "ipasn-worker, PostgreSQL, 2 processes"
    return [
        Run("bare kafka-python consumer", 12_345_678, 1_234.56),
        Run("Quix Streams peer", 0, 0.0, note=QUIX),
        Run("ipasn-worker, PostgreSQL, 1 process", 12_345_678, 2_345.67, RSS, peaks=[1_234.0]),
        Run(throughput.AGENCY_OUTPUTS, 12_345_678, 3_456.78, RSS, peaks=[1_288.0]),
        Run(
            two,
            12_345_678,
            1_234.56,
            RSS,
            note=REPEATED,
            peaks=[1_234.0, 1_235.0],
            cpu=Window(1_200.0, 1_400.0, 650.0, 2_200.0, 2_400.0),
        ),
        Run(CACHE, 12_345_678, 2_345.67, RSS, peaks=[1_273.0]),
    ]


def test_the_bench_throughput_and_targets() -> None:
    result = throughput.Throughput(12_345_678, 1_000_000, _runs())
    found = throughput.targets(result)

    text = printed(*throughput.tables(result, 12, "Apache Kafka 4.1.0 (KRaft)"),
                   targets.table(found))  # fmt: skip

    assert_whole(text, [
        CACHE, "12,345,678", "1234.56", "10,000", "1.000x", "1,234 + 1,235 MiB",
        QUIX, REPEATED, "1,273 MiB",
        "PostgreSQL, 2 processes", "cache of 200,000 employees", "share of the run",
        throughput.AGENCY_OUTPUTS, "3456.78", "68% (3,571 against 5,263 events/s)",
        "Where the CPU went", "117 µs", "54 µs", "12 µs", "92%", "10,909/s", "the cores allow",
        *(t.what for t in found), *(t.target for t in found), *(t.measured for t in found),
    ])  # fmt: skip


def test_the_bench_latency_intake_flat_cost_and_recompute() -> None:
    seconds = sorted(0.001 * i for i in range(1, 12_346))  # up to 12,345 ms
    latencies = [latency.Latency(123_456, 123_456, rate, seconds, processes, on)
                 for rate, processes, on in latency.cases(list(latency.P99_TARGETS))]  # fmt: skip
    found = latency.targets(latencies)
    rates = [intake.IntakeRate(1_000, 16, 1_234_567, 123.4, seconds, 12_345, 1_234.5)]
    stored = [1_000, 1_000_000]
    costs = [flat_cost.FlatCost(n, 1_234.5, Run(f"{n:,} stored", 12_345, 123.4, RSS))
             for n in stored]  # fmt: skip
    again = recompute.Recompute(
        1_000_000, 1_234.5, [recompute.RecomputeRun(16, 1_234.5, "")], 1_234.5
    )

    text = printed(latency.table(latencies, "PostgreSQL 17, Apache Kafka 4.1.0 (KRaft)"),
                   intake.table(rates), flat_cost.table(costs), recompute.table(again),
                   targets.table(found))  # fmt: skip

    assert_whole(text, [
        "5,000/s", "123,456", "recalculated", "12,345 ms", "1,000", "1,234,567", "123.4",
        "10,005", "12,222.0 ms", "1,000 µs", "12,345", "1,000,000", "1234 s", "1,273 MiB",
        "1.00x", "810", "20.6 min", "12,223 ms", "intake CPU", "at this rate",
        "agency outputs", "12,223 ms on against 12,223 ms off",
        *(t.what for t in found), *(t.target for t in found), *(t.measured for t in found),
    ])  # fmt: skip
    on = [line for line in text.splitlines() if re.search(r"2,000/s\W+1\W+on\W", line)]
    assert len(on) == 2  # the case with agency outputs, in each part of the table


def test_the_bench_soak_and_first_load() -> None:
    soak = bench_soak.Soak(60 * 24, 4_321_987, 5_000.0, 60.0, 8_643_974, 432_000_000, 1_440)
    soak.samples = [
        bench_soak.Sample(s, 5_000 * s, 1_234.5 + s / 100) for s in range(0, 86_400, 60)
    ]
    one = LoadRun(
        1,
        Run("first load, 1", 2_000_000, 200.0, RSS, peaks=[1_234.0]),
        Spent(1_234.5, 2_345.6, 0.123, 0.987),
        Stored(123_456_789_012, {"statements": 1}, 12_345_678, 1_000_000, 1_234_567),
    )
    two = LoadRun(2, Run("first load, 2", 2_000_000, 150.0, RSS, peaks=[1_234.0, 1_235.0]),
                  one.spent, one.stored)  # fmt: skip
    load = FirstLoad(1_000_000, 2_000_000, 12, 1_234.5, (one, two))

    text = printed(*bench_soak.tables(soak), *first_load_tables(load))

    assert_whole(text, [
        "432,000,000", "2,098 MiB", "86,340", "peak RSS", "surviving worker", "█" * 30,
        "2,000,000", "13,333", "≥ 10,000: met", "1,234 + 1,235 MiB", "123,457 B",
        "617 µs", "1,173 µs", "99%", "12.3%", "12,345,678", "1,234,567", "NO",
        "2 processes", "database", "national", "r1 / (s + (1 - s)/N), s = 0.50", "16.3 cores",
    ])  # fmt: skip


def test_a_table_of_figures_is_whole_where_it_fits_else_in_parts() -> None:
    headers = ("contender", *(f"figure {i}" for i in range(8)))
    rows = [("bare kafka-python consumer", *(f"{12_345_678 + i:,}" for i in range(8)))]
    fitted = split_figures("Figures", headers, rows, [(1, 2, 3, 4), (5, 6, 7, 8)])

    wide, narrow = printed(fitted, width=200), printed(fitted)

    assert sum("figure 7" in line and "figure 0" in line for line in wide.splitlines()) == 1
    assert not any("figure 7" in line and "figure 0" in line for line in narrow.splitlines())
    assert narrow.count("bare kafka-python") == 2  # the row named in each part
    assert_whole(narrow, [*headers, *rows[0]])
