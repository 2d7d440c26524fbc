"""Fuzzing decode() with 10,000 generated messages a run (tests/fuzz): every valid event, made
unusual, decodes to exactly the Statement it states, and every invalid message, of every shape,
to a Rejection with the contract's reason (contracts §1). decode() never raises.

Messages are drawn ten to an example: hypothesis spends about half a millisecond on each example
besides drawing it, and ten messages share that.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from consumers.changes import decode
from schemas.dead_letter import Rejection
from schemas.wire import SOURCE as SOURCE_PATTERN
from tests.factories import BKN_8_2019, NIP, cloud_event, encoded, profile_data
from tests.fuzz import Case, invalid_messages, valid_messages
from tests.fuzz.extras import nested
from worker.domain.model import KINDS, Statement

SOURCE = re.compile(SOURCE_PATTERN)
VALID = encoded(cloud_event("profile", profile_data("3201")))
PER_EXAMPLE = 10
VALID_EXAMPLES = 400  # 4,000 valid messages
INVALID_EXAMPLES = 600  # 6,000 invalid ones
FUZZ = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def _described(case: Case) -> str:
    value = case.value if case.value is None or len(case.value) < 2000 else case.value[:2000]
    return f"{case.shape}: key {case.key!r}, value {value!r}"


@settings(FUZZ, max_examples=VALID_EXAMPLES)
@given(st.lists(valid_messages(), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE))
def test_a_valid_event_made_unusual_decodes_to_the_statement_it_states(cases: list[Case]) -> None:
    for case in cases:
        event(case.shape)
        decoded = decode(case.key, case.value, BKN_8_2019)
        assert decoded == case.expected, _described(case)
        assert isinstance(decoded, Statement)
        assert isinstance(case.expected, Statement)
        # Equal datetimes are the same instant; the offset the source wrote is kept as well.
        assert decoded.time.utcoffset() == case.expected.time.utcoffset(), _described(case)


@settings(FUZZ, max_examples=INVALID_EXAMPLES)
@given(st.lists(invalid_messages(), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE))
def test_an_invalid_message_is_rejected_with_the_contracts_reason(cases: list[Case]) -> None:
    for case in cases:
        event(case.shape)
        decoded = decode(case.key, case.value, BKN_8_2019)
        assert isinstance(decoded, Rejection), _described(case)
        assert decoded.reason == case.expected, f"{decoded.detail}; {_described(case)}"
        _check_labels_and_detail(decoded, case)


def _check_labels_and_detail(rejection: Rejection, case: Case) -> None:
    # The detail becomes a Kafka header: one UTF-8 line, without personal data such as the NIP.
    rejection.detail.encode("utf-8")
    assert "\n" not in rejection.detail
    assert len(rejection.detail) < 500
    assert len(case.nip) < 8 or case.nip not in rejection.detail, rejection.detail
    # Source and kind become metric labels: a well-formed source or None, a kind or None.
    assert rejection.source is None or SOURCE.fullmatch(rejection.source), rejection.source
    assert rejection.kind is None or rejection.kind in KINDS, rejection.kind


@pytest.mark.parametrize(("depth", "decoded"), [(200, Statement), (201, Rejection)])
def test_json_nesting_is_read_to_201_levels_and_no_deeper(depth: int, decoded: type) -> None:
    # README: "nesting deeper than 201 levels" is not_json; the event itself is level 1.
    value = VALID[:-1] + b', "x": ' + nested(depth) + b"}"
    result = decode(NIP.encode(), value, BKN_8_2019)
    assert isinstance(result, decoded)
    assert isinstance(result, Statement) or result.reason == "not_json"
