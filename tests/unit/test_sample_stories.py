"""The stories the demo sample tells (worker/dev/demo/sample/stories/ and the rest), each
checked through the worker's own pure core: decode(), then resolve() and score() per employee.

A story's messages are found by their notes; the tests check what the worker makes of them, so
a story no longer told, or no longer showing what its notes say, fails here. The sample has no
data steward's overrides (source "steward"): none of its stories pins a record.
"""

from __future__ import annotations

import re

import pytest

from schemas.rules import load_rules
from tests.unit.sample_told import (
    BOGOR,
    LUWU,
    YEAR,
    Told,
    by_nip,
    in_capitals,
    index_of,
    latest,
    originals,
    same_record,
    story,
    told_in,
)
from worker.dev.demo.sample import sample_events
from worker.domain.model import Resolution, Statement
from worker.domain.reconcile import resolve
from worker.domain.rules import RuleSet


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


@pytest.fixture(scope="module")
def told(rules: RuleSet) -> list[Told]:
    return told_in(sample_events(), rules)


@pytest.fixture(scope="module")
def about(told: list[Told]) -> dict[str, list[Statement]]:
    return by_nip(told)


# sample_events(300): five of each story (one per 60 employees), fewer of the rarer ones.
@pytest.mark.parametrize(
    ("words", "employees"),
    [
        ("after an objection", 5),
        ("with the same time and a higher sequence", 5),
        ("correction of the TMT", 5),
        ("moved to another unit of the same agency", 5),
        ("removes the row entered twice", 5),
        ("punishment annulled on appeal", 5),
        ("position vacated", 2),
        ("appraisal withdrawn", 2),
        ("profile entered under a wrong NIP", 1),
        ("promotion known regionally only", 5),
        ("moved to agency 3201", 2),
    ],
)
def test_each_story_is_told_about_as_many_employees_as_planned(
    told: list[Told], words: str, employees: int
) -> None:
    assert len({t.statement.nip for t in story(told, words)}) == employees


def test_where_a_simpeg_disagrees_with_siasn_siasn_wins_and_the_conflict_is_kept(
    told: list[Told], about: dict[str, list[Statement]], rules: RuleSet
) -> None:
    kept = 0
    for t in story(told, "(conflict: "):
        s = t.statement
        by_source = latest(about[s.nip], s)
        if not s.source.startswith("simpeg:") or by_source[s.source] != s:
            continue  # siasn's own side, or superseded by the SIMPEG's next statement
        resolution = resolve(s.nip, about[s.nip], rules)
        assert resolution.keyed()[s.key].source == "siasn", t.note
        if in_capitals(s.values) != in_capitals(by_source["siasn"].values):
            pairs = {(c.key[:2], c.winner_source, c.loser_event_id) for c in resolution.conflicts}
            assert (s.key, "siasn", s.event_id) in pairs, t.note
            kept += 1
    assert kept >= 20


def test_a_simpeg_writing_siasns_record_only_in_capitals_raises_no_conflict(
    told: list[Told], about: dict[str, list[Statement]], rules: RuleSet
) -> None:
    # Some notes say "conflict: written differently" where the SIMPEG only wrote capitals;
    # contracts §2 rule 4 folds letter case, so those agree with siasn.
    in_capitals_only = same = 0
    for t in originals(told):
        s = t.statement
        by_source = latest(about[s.nip], s)
        if not s.source.startswith("simpeg:") or by_source[s.source] != s:
            continue
        siasn = by_source.get("siasn")
        if siasn is None or in_capitals(s.values) != in_capitals(siasn.values):
            continue
        losers = {c.loser_event_id for c in resolve(s.nip, about[s.nip], rules).conflicts}
        assert s.event_id not in losers, t.note
        in_capitals_only += s.values != siasn.values
        same += s.values == siasn.values
    assert in_capitals_only >= 10
    assert same >= 100


def test_an_old_scale_score_loses_to_ekinerjas_predicate_on_the_same_row(
    told: list[Told], about: dict[str, list[Statement]], rules: RuleSet
) -> None:
    scores = story(told, "loses to ekinerja on the same row")
    assert len(scores) >= 50
    for t in scores:
        s = t.statement
        resolution = resolve(s.nip, about[s.nip], rules)
        record = resolution.keyed().get(s.key)
        assert record is None or record.source == "ekinerja"
        pairs = {(c.key[:2], c.winner_source, c.loser_event_id) for c in resolution.conflicts}
        assert (s.key, "ekinerja", s.event_id) in pairs


def test_a_regional_statement_about_a_transferred_employee_does_not_count(
    told: list[Told], about: dict[str, list[Statement]], rules: RuleSet
) -> None:
    moved = {t.statement.nip for t in story(told, "moved to agency 3201")}
    assert len(moved) == 2
    for nip in moved:
        found = about[nip]
        from_luwu = [s for s in found if s.source == LUWU]
        assert {s.kind for s in from_luwu} == {"profile", "position", "training"}
        resolution = resolve(nip, found, rules)
        assert resolution.profile is not None
        assert resolution.profile.values["agency_code"] == "3201"
        assert all(r.source != LUWU for r in resolution.keyed().values())
        without = [s for s in found if s.source != LUWU]
        assert index_of(nip, found, rules) == index_of(nip, without, rules)
        assert index_of(nip, found, rules).agency_code == "3201"


def test_a_correction_arriving_before_what_it_corrects_still_wins(
    told: list[Told], about: dict[str, list[Statement]], rules: RuleSet
) -> None:
    for t in story(told, "correction of the TMT"):
        s = t.statement
        (original,) = same_record(told, t)
        assert t.arrived < original.arrived
        assert s.time > original.statement.time
        position = resolve(s.nip, about[s.nip], rules).position
        assert position is not None
        assert (position.event_id, position.values) == (s.event_id, s.values)


def test_a_correction_with_the_same_time_and_a_higher_sequence_wins_in_its_source(
    told: list[Told], about: dict[str, list[Statement]], rules: RuleSet
) -> None:
    only_regional = 0
    for t in story(told, "with the same time and a higher sequence"):
        s = t.statement
        (first,) = [o.statement for o in same_record(told, t)]
        assert first.time == s.time
        assert first.sequence is not None
        assert s.sequence is not None
        assert first.sequence < s.sequence
        assert first.values is not None
        assert s.values is not None
        assert first.values["hours"] != s.values["hours"]
        assert latest(about[s.nip], s)[BOGOR] == s
        if "siasn" not in latest(about[s.nip], s):  # the SIMPEG's own row: the record is it
            record = resolve(s.nip, about[s.nip], rules).keyed()[s.key]
            assert record.values["hours"] == s.values["hours"]
            only_regional += 1
    assert only_regional >= 1


def test_a_revised_appraisal_replaces_the_predicate(
    told: list[Told], about: dict[str, list[Statement]], rules: RuleSet
) -> None:
    for t in story(told, "after an objection"):
        s = t.statement
        found = re.search(r"correction (\w+) -> (\w+)", t.note)
        assert found is not None
        assert s.values is not None
        assert s.values["predicate"] == found[2] != found[1]
        record = resolve(s.nip, about[s.nip], rules).keyed()[s.key]
        assert (record.source, record.event_id) == ("ekinerja", s.event_id)
        assert record.values["year"] == YEAR - 1


def test_a_move_to_another_unit_changes_the_profile(
    told: list[Told], about: dict[str, list[Statement]], rules: RuleSet
) -> None:
    for t in story(told, "moved to another unit of the same agency"):
        s = t.statement
        (before,) = same_record(told, t)
        assert before.statement.values is not None
        assert s.values is not None
        assert before.statement.values["unit_code"] != s.values["unit_code"]
        profile = resolve(s.nip, about[s.nip], rules).profile
        assert profile is not None
        assert profile.event_id == s.event_id
        assert profile.values["unit_code"] == s.values["unit_code"]
        assert profile.values["unit_code"].startswith(profile.values["agency_code"] + ".")


@pytest.mark.parametrize("words", ["removes the row entered twice", "position vacated"])
def test_a_delete_arriving_before_the_upsert_it_deletes_leaves_the_record_absent(
    told: list[Told], about: dict[str, list[Statement]], rules: RuleSet, words: str
) -> None:
    for t in story(told, words):
        s = t.statement
        (upsert,) = same_record(told, t)
        assert s.values is None
        assert upsert.statement.values is not None
        assert t.arrived < upsert.arrived
        assert s.time > upsert.statement.time
        assert s.key not in resolve(s.nip, about[s.nip], rules).keyed()


def test_an_annulled_punishment_does_not_lower_the_index(
    told: list[Told], about: dict[str, list[Statement]], rules: RuleSet
) -> None:
    for t in story(told, "punishment annulled on appeal"):
        s, found = t.statement, about[t.statement.nip]
        assert s.values is None
        assert s.kind == "discipline"
        never_punished = [o for o in found if o.key != s.key]
        not_annulled = [o for o in found if o != s]
        index = index_of(s.nip, found, rules)
        assert index == index_of(s.nip, never_punished, rules)
        assert index.dimensions is not None
        punished = index_of(s.nip, not_annulled, rules).dimensions
        assert punished is not None
        assert punished.discipline < index.dimensions.discipline


def test_a_withdrawn_appraisal_is_absent_though_siasn_scored_the_same_row(
    told: list[Told], about: dict[str, list[Statement]], rules: RuleSet
) -> None:
    for t in story(told, "appraisal withdrawn"):
        s = t.statement
        assert (s.source, s.values) == ("ekinerja", None)
        siasn = latest(about[s.nip], s)["siasn"]
        assert siasn.values is not None
        assert "score" in siasn.values
        resolution = resolve(s.nip, about[s.nip], rules)
        assert s.key not in resolution.keyed()
        assert all(r.values["year"] != YEAR - 1 for r in resolution.history["performance"])


@pytest.mark.parametrize("words", ["profile entered under a wrong NIP", "position vacated"])
def test_an_employee_whose_profile_or_position_was_deleted_has_no_index(
    told: list[Told], about: dict[str, list[Statement]], rules: RuleSet, words: str
) -> None:
    for t in story(told, words):
        s = t.statement
        resolution: Resolution = resolve(s.nip, about[s.nip], rules)
        assert resolution.keyed().get(s.key) is None
        assert not index_of(s.nip, about[s.nip], rules).has_index


def test_a_promotion_known_only_regionally_loses_to_siasns_position(
    told: list[Told], about: dict[str, list[Statement]], rules: RuleSet
) -> None:
    conflicts = 0
    for t in story(told, "promotion known regionally only"):
        s = t.statement
        resolution = resolve(s.nip, about[s.nip], rules)
        assert resolution.position is not None
        assert resolution.position.source == "siasn"
        assert s.values is not None
        assert s.values["position_type"] != resolution.position.values["position_type"]
        if latest(about[s.nip], s)[s.source] == s:  # not yet superseded by the SIMPEG itself
            losers = {(c.winner_source, c.loser_event_id) for c in resolution.conflicts}
            assert ("siasn", s.event_id) in losers
            conflicts += 1
    assert conflicts >= 3
