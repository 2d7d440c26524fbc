"""A realistic, deterministic sample of personnel change events for the demo and the tests.

``sample_events()`` returns the Kafka messages (key, value, note) that the national and
regional personnel systems would publish on ``asn.personnel.changes`` (contracts.md §1) over
one measurement cycle. Each value is the exact message value: a CloudEvents 1.0 event in
structured JSON mode, UTF-8; the key is the NIP. What the sample holds:

* ``count`` employees with valid, unique NIPs and Indonesian names: staff of Kab. Bogor
  (agency 3201, regional system ``simpeg:3201``), of Kab. Luwu (7317, ``simpeg:7317``) and of
  three agencies known only nationally (``siasn``). Each has a profile (from ``siasn``, their
  SIMPEG, or both) and, mostly, a position: struktural with ``III.a``-style echelons
  (``simpeg:7317`` writes plain ``III``), fungsional or pelaksana; some have none (no index).
* History: education (national rows from ``siasn``, a later S2 often only on the SIMPEG's own
  row), trainings (leadership tiers that match the echelon or not, functional, technical with
  JP, seminars, ending inside and outside the measurement windows), the appraisal of year N-1
  from ``ekinerja`` (predicate) and/or ``siasn`` (old 0-100 score) on the same national row (so
  ``ekinerja`` wins), an older appraisal, and sometimes a punishment.
* The two worked examples of contracts.md §3 (73 Sedang, 62.5 Rendah for 2025) and an anchor
  employee in each other band; the rest spreads over all five bands.
* Conflicts (``siasn`` and a SIMPEG disagree on one record), corrections (a later ``time``, or
  the same ``time`` and a higher ``sequence``, some arriving before what they correct),
  deletes (some arriving before the upsert they delete, with a later ``time``), exact
  duplicates (the same message re-sent), ``simpeg:7317`` speaking about an employee who moved
  to agency 3201 (valid events that do not count).
* Nine malformed messages; their note starts with ``malformed <reason>:`` naming the
  dead-letter reason the worker must give (see ``expected_reason``).

Every note says what the message is for. Times are RFC 3339: ``siasn`` in UTC (``Z``),
``ekinerja`` and ``simpeg:3201`` in WIB (``+07:00``), ``simpeg:7317`` in WITA (``+08:00``);
``simpeg:3201`` and ``ekinerja`` send a ``sequence``. Messages arrive roughly in event-time
order, interleaving employees, with per-source delivery delays. The same arguments always give
the same bytes: all randomness comes from ``random.Random(seed)``, none from the clock.

The generator is this package; each module tells one part of the story:

* ``stream``: the event stream being built (the sources and their clocks, the employees, the
  events emitted, ids), through which every other module draws on the one ``random.Random``;
* ``records``: how the sources publish one employee's records (national rows, echoes and own
  rows of a SIMPEG, the appraisal row that ekinerja and siasn share);
* ``anchors``: the hand-written employees; ``people``: the random ones; ``history``: a random
  employee's education, training, appraisals and punishments;
* ``stories``: corrections, deletions and regional statements told about a few employees,
  each a function named for its story;
* ``arrival``: ids, sequences, delivery delays, exact duplicates, the order of arrival;
* ``malformed``: the messages to dead-letter; ``wire``: the messages' bytes.

What it draws on is data in worker/dev/demo/data/, read by ``sample_data``: the names
(``vocabulary.toml``), the anchor employees (``anchors.toml``) and the recipes of the malformed
messages (``malformed.toml``).
"""

from __future__ import annotations

from worker.dev.demo.sample.anchors import anchor
from worker.dev.demo.sample.arrival import in_arrival_order
from worker.dev.demo.sample.people import random_employee
from worker.dev.demo.sample.stories import tell_stories
from worker.dev.demo.sample.stream import Stream
from worker.dev.demo.sample.wire import SampleMessage, expected_reason, write_jsonl
from worker.dev.demo.sample_data import load_anchors, load_malformed, load_vocabulary

__all__ = ["SampleMessage", "expected_reason", "sample_events", "write_jsonl"]


def sample_events(
    count: int = 300, seed: int = 2025, measurement_year: int = 2025
) -> list[SampleMessage]:
    """``count`` employees' change events (at least 5: the anchors), in arrival order."""
    anchors = load_anchors()
    if count < len(anchors):
        raise ValueError(f"count must be at least {len(anchors)}")
    stream = Stream(seed, measurement_year, load_vocabulary())
    for spec in anchors:
        anchor(stream, spec)
    while len(stream.employees) < count:
        random_employee(stream)
    tell_stories(stream, count)
    return in_arrival_order(stream, count, load_malformed())
