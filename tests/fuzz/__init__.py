"""Hostile input for decode() and the worker: generated messages, each with its expected outcome.

messages() mixes valid events made unusual (opaque ids with ``:``, ``/``, spaces and non-ASCII,
unknown attributes and data fields holding any JSON, UTC offsets from -23:59 to +23:59, numbers
written as 1E3 or 2.50, every JSON layout) with invalid messages of every shape, each wrong in
one way so that its dead-letter reason is the contract's answer (contracts §1). The unit test
runs the strategies on decode(); the end-to-end test publishes a seeded stream of them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from hypothesis import strategies as st

from tests.fuzz.cases import (
    Case,
    valid,
    valid_with_a_big_ignored_value,
    valid_with_a_repeated_attribute,
)
from tests.fuzz.invalid import (
    bad_nip,
    big_value,
    inconsistent,
    lone_surrogate,
    missing_field,
    not_an_object,
    unauthorised,
    unknown_type,
    wrong_key,
    wrong_type,
    wrong_value,
)
from tests.fuzz.not_json import (
    empty,
    huge_integer,
    invalid_utf8,
    nan,
    nesting_bomb,
    random_bytes,
    raw_control_character,
    syntax_error,
    truncated,
)

__all__ = ["Case", "invalid_messages", "messages", "valid_messages"]

# Weights, in messages per hundred. Hundreds of KB are rare: the end-to-end stream stays small.
Mix = list[tuple[st.SearchStrategy[Case], float]]


def _valid(serials: Iterator[int] | None = None) -> Mix:
    return [
        (valid(serials), 37),
        (valid_with_a_repeated_attribute(serials), 3),
        (valid_with_a_big_ignored_value(serials), 0.5),
    ]


VALID = _valid()
INVALID = [
    (random_bytes(), 2),
    (empty(), 1),
    (truncated(), 3),
    (syntax_error(), 2),
    (nesting_bomb(), 2),
    (huge_integer(), 1.5),
    (nan(), 2),
    (raw_control_character(), 2),
    (invalid_utf8(), 2),
    (not_an_object(), 1.5),
    (lone_surrogate(), 2.5),
    (missing_field(), 5),
    (wrong_type(), 6),
    (wrong_value(), 12),
    (big_value(), 0.5),
    (unknown_type(), 2.5),
    (bad_nip(), 4),
    (wrong_key(), 4),
    (unauthorised(), 3),
    (inconsistent(), 3),
]


def _weighted(mix: Mix) -> st.SearchStrategy[Case]:
    slots = [strategy for strategy, weight in mix for _ in range(round(weight * 2))]
    return st.sampled_from(slots).flatmap(lambda strategy: strategy)


def valid_messages() -> st.SearchStrategy[Case]:
    return _weighted(VALID)


def invalid_messages() -> st.SearchStrategy[Case]:
    return _weighted(INVALID)


def messages(unique_ids: bool = False) -> st.SearchStrategy[Case]:
    """Valid and invalid messages mixed; with unique_ids, no two valid ones share an id."""
    return _weighted((_valid(itertools.count()) if unique_ids else VALID) + INVALID)
