"""The snapshot digest (schemas.reconciled.digest) is stored with each published version and
compared with the next: it must stay the same bytes for the same records, release after release,
or every employee's next change would publish a new snapshot version that says nothing new."""

from __future__ import annotations

import hashlib
from collections import defaultdict

import orjson

from consumers.changes import decode
from schemas.reconciled import NOTHING_DIGEST, digest
from schemas.rules import load_rules
from worker.dev.demo.sample import sample_events
from worker.domain.model import Resolution, Statement
from worker.domain.reconcile import resolve


def _as_first_written(resolution: Resolution) -> str:
    """The digest as the first release computed it (a copy of each record's values, sorted
    with them)."""
    said = sorted(
        (r.kind, r.record_id or "", r.source, dict(r.values)) for r in resolution.every_record()
    )
    data = orjson.dumps(said, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(data).hexdigest()


def test_the_digest_of_every_sample_employee_is_the_first_releases() -> None:
    rules = load_rules()
    by_nip: dict[str, list[Statement]] = defaultdict(list)
    for m in sample_events(300, measurement_year=2025):
        decoded = decode(m.key, m.value, rules)
        if isinstance(decoded, Statement):
            by_nip[decoded.nip].append(decoded)
    resolutions = [resolve(nip, found, rules) for nip, found in sorted(by_nip.items())]
    assert sum(len(r.every_record()) for r in resolutions) > 2000  # every kind, many records
    assert [digest(r) for r in resolutions] == [_as_first_written(r) for r in resolutions]


def test_the_digest_of_no_records_is_the_one_stored_for_never_published() -> None:
    nothing = Resolution.nothing("199001012015031001")
    assert digest(nothing) == NOTHING_DIGEST == _as_first_written(nothing)
    assert hashlib.sha256(b"[]").hexdigest() == NOTHING_DIGEST
