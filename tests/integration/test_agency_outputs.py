"""Each agency's own outputs on a real broker (contracts §15, IPASN_AGENCY_OUTPUTS=true), on
SQLite and PostgreSQL: the per-agency topics get their employees' events as the national topics
have them, in order per NIP; a transfer leaves the old agency one `left_agency` snapshot and
brings the new one the current snapshot and the latest revision; a crash between the commit
and the send still publishes them; a per-agency topic missing is refused by name, its rows kept.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consumers.reader import read_topic
from producers import outbox
from tests.conftest import Topics
from tests.integration.helpers import publish, run, settings_for
from tests.integration.stream import B, D, Msg, event, phase_one, profile, training
from tests.integration.test_cli import cli, service_env
from tests.integration.test_recompute import EXAMPLE, EXAMPLE_FILE, _scored_here, _seeded
from worker.config.settings import Settings, as_environment
from worker.db.engine import make_engine
from worker.db.tables import outbox as outbox_table
from worker.dev.brokers import LocalBroker

pytestmark = pytest.mark.kafka

AGENCIES = ("3201", "7317")
LATER = "2025-03-01T08:00:00+07:00"


class Crash(Exception):
    """Stands for the process dying at that line."""


def agency_topics(topics: Topics, agencies: Sequence[str] = AGENCIES) -> dict[str, int]:
    return {f"{t}.{a}": 3 for a in agencies for t in (topics.output, topics.reconciled)}


def settings(broker: LocalBroker, topics: Topics, database_url: str) -> Settings:
    return settings_for(broker, topics, database_url, agency_outputs=True)


def raw(broker: LocalBroker, topic: str) -> list[tuple[bytes, bytes]]:
    """(key, value) of each record, in order per partition: per key, the order published."""
    return [(r.key or b"", r.value or b"") for r in read_topic(broker.bootstrap, topic)]


def by_nip(records: list[tuple[bytes, bytes]]) -> dict[str, list[bytes]]:
    found: dict[str, list[bytes]] = {}
    for key, value in records:
        found.setdefault(key.decode(), []).append(value)
    return found


def agency_of(value: bytes) -> str | None:
    agency: str | None = json.loads(value)["data"]["agency_code"]
    return agency


def moved(nip: str, agency: str, name: str, birth: str, gender: str) -> Msg:
    data = profile(agency, name, birth, gender)
    return event("siasn", f"move-{nip}-{agency}", "profile", nip, data, time=LATER)


def test_each_agency_gets_its_employees_events_as_the_national_topics_have_them_and_a_transfer(
    broker: LocalBroker, topics: Topics, database_url: str
) -> None:
    broker.create_topics(agency_topics(topics))
    publish(broker.bootstrap, topics.input, phase_one())
    config = settings(broker, topics, database_url)
    run(config)

    for national in (topics.output, topics.reconciled):
        everyone = by_nip(raw(broker, national))
        assert everyone
        for agency in AGENCIES:
            mine = {
                nip: [v for v in values if agency_of(v) == agency]
                for nip, values in everyone.items()
            }
            # Byte for byte, in the national order per NIP; only the agency's employees.
            assert by_nip(raw(broker, f"{national}.{agency}")) == {
                n: v for n, v in mine.items() if v
            }
    assert set(by_nip(raw(broker, f"{topics.reconciled}.7317"))) == {B}
    [latest] = by_nip(raw(broker, topics.output))[D]

    # D moves from 3201 to 7317: the agency alone (every record from siasn), no new revision.
    publish(broker.bootstrap, topics.input, [moved(D, "7317", "Dedi Kurniawan", "1990-01-01", "M")])
    run(config)

    assert by_nip(raw(broker, topics.output))[D] == [latest]  # nothing new nationally
    [*_, current] = by_nip(raw(broker, topics.reconciled))[D]
    version = json.loads(current)["data"]["version"]
    *before, left = by_nip(raw(broker, f"{topics.reconciled}.3201"))[D]
    assert all(agency_of(v) == "3201" for v in before)
    gone = json.loads(left)
    assert gone["id"] == f"{D}:reconciled:{version}:left"
    assert gone["data"]["left_agency"] is True
    assert gone["data"]["agency_code"] == "7317"
    assert gone["data"]["conflicts"] == []
    assert gone["data"]["caused_by"] == []
    assert gone["data"]["records"]["profile"] is None
    assert gone["data"]["records"]["position"] is None
    assert all(gone["data"]["records"][k] == [] for k in ("education", "training"))
    assert "Dedi" not in left.decode()
    assert by_nip(raw(broker, f"{topics.reconciled}.7317"))[D] == [current]
    # The latest revision, rebuilt from the database: the bytes the national topic has.
    assert by_nip(raw(broker, f"{topics.output}.7317"))[D] == [latest]

    # Later changes go to the new agency alone.
    extra = training("tr-d-late", "technical", "2025-04-01", 20)
    publish(
        broker.bootstrap, topics.input, [event("siasn", "late-d", "training", D, extra, time=LATER)]
    )
    run(config)
    assert by_nip(raw(broker, f"{topics.reconciled}.3201"))[D] == [*before, left]
    assert by_nip(raw(broker, f"{topics.output}.3201"))[D] == [latest]
    assert (
        by_nip(raw(broker, f"{topics.reconciled}.7317"))[D]
        == by_nip(raw(broker, topics.reconciled))[D][-2:]
    )
    assert by_nip(raw(broker, f"{topics.output}.7317"))[D] == by_nip(raw(broker, topics.output))[D]


def test_a_crash_between_the_commit_and_the_send_still_publishes_each_agency_copy_once(
    broker: LocalBroker, topics: Topics, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker.create_topics(agency_topics(topics))
    publish(broker.bootstrap, topics.input, phase_one())
    config = settings(broker, topics, database_url)

    def crash(self: outbox.OutboxRelay, events: object) -> dict[str, int]:
        raise Crash  # before anything is sent, from memory or read back

    with monkeypatch.context() as patch:
        patch.setattr(outbox.OutboxRelay, "send", crash)
        with pytest.raises(Crash):
            run(config)
    assert raw(broker, f"{topics.reconciled}.3201") == []

    totals = run(config)  # nothing new to read; the outbox still holds every row

    assert totals.messages == 0
    for national in (topics.output, topics.reconciled):
        everyone = raw(broker, national)
        copies = [r for a in AGENCIES for r in raw(broker, f"{national}.{a}")]
        ids = [json.loads(v)["id"] for _, v in copies]
        assert len(ids) == len(set(ids))  # each once
        assert sorted(copies) == sorted(everyone)  # every national event has its copy
    assert _outbox_rows(config) == 0


def _outbox_rows(config: Settings, topic: str | None = None) -> int:
    engine = make_engine(config.database_url.get_secret_value())
    query = select(func.count()).select_from(outbox_table)
    if topic is not None:
        query = query.where(outbox_table.c.topic == topic)
    with engine.connect() as conn:
        n = int(conn.execute(query).scalar_one())
    engine.dispose()
    return n


def test_a_per_agency_topic_missing_at_publish_time_is_refused_by_name_and_its_rows_kept(
    broker: LocalBroker, topics: Topics, database_url: str
) -> None:
    broker.create_topics(agency_topics(topics, ["3201"]))  # 7317's are not made
    publish(broker.bootstrap, topics.input, phase_one())
    config = settings(broker, topics, database_url)
    command = [sys.executable, "-m", "worker.cli", "run", "--until-idle", "1.5"]
    env = {**as_environment(config), "IPASN_METRICS_PORT": "0"}

    refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)

    assert refused.returncode == 2, refused.stderr
    line = refused.stderr.strip().splitlines()[-1]
    assert line.startswith("ipasn-worker: the broker has no topic ")
    assert f"{topics.reconciled}.7317" in line or f"{topics.output}.7317" in line
    assert B not in refused.stderr
    assert "Siti" not in refused.stderr
    kept = _outbox_rows(config, f"{topics.reconciled}.7317")
    assert kept == 1  # B's snapshot: kept, never dropped

    broker.create_topics(agency_topics(topics, ["7317"]))
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)

    assert done.returncode == 0, done.stderr
    assert _outbox_rows(config) == 0
    [(key, value)] = raw(broker, f"{topics.reconciled}.7317")
    assert key == B.encode()
    assert value in [v for _, v in raw(broker, topics.reconciled)]
    # The national events the first run sent before it stopped went again: the same ids.
    national = list(dict.fromkeys(by_nip(raw(broker, topics.output))[B]))
    assert [v for _, v in raw(broker, f"{topics.output}.7317")] == national


def test_recompute_copies_its_revisions_to_their_agencies(
    broker: LocalBroker, topics: Topics, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/recompute.db"
    engine = _seeded(url)
    scored = _scored_here(engine, EXAMPLE).values()
    agencies = {i.agency_code for i in scored if i.has_index and i.agency_code is not None}
    engine.dispose()
    assert len(agencies) > 1
    broker.create_topics({f"{topics.output}.{a}": 3 for a in agencies})
    env = {**service_env(broker, topics, url), "IPASN_AGENCY_OUTPUTS": "true"}

    done = cli("recompute", "--year", "2025", "--rules", EXAMPLE_FILE, env=env)

    assert done.returncode == 0, done.stderr
    everyone = raw(broker, topics.output)
    assert everyone
    copied = 0
    for agency in agencies:
        mine = [(k, v) for k, v in everyone if agency_of(v) == agency]
        assert by_nip(raw(broker, f"{topics.output}.{agency}")) == by_nip(mine)
        copied += len(mine)
    assert copied == len(everyone)
