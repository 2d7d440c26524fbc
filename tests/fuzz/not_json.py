"""Messages whose value is not JSON, or not JSON the worker reads: reason not_json.

Each starts from a valid event and breaks one thing about its bytes, or is not an event at all.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

from tests.fuzz.cases import Case, case, opaque_fields, put_anywhere
from tests.fuzz.draft import Draft, encode
from tests.fuzz.events import DRAFTS
from tests.fuzz.extras import NESTING_LIMIT, nested
from tests.fuzz.scalars import pick

BAD_UTF8 = [
    b"\xff",
    b"\xfe",
    b"\x80",
    b"\xc0\xaf",
    b"\xe4\xb8",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
]
# One syntax error each, at the start, the end or between attributes.
SYNTAX_ERRORS = [
    lambda v: b"\xef\xbb\xbf" + v,  # a UTF-8 byte order mark
    lambda v: b"/* event */" + v,
    lambda v: v + b" {}",
    lambda v: v + b"x",
    lambda v: v + b"\x00",
    lambda v: v[: v.rindex(b"}")] + b",}",  # a trailing comma
    lambda v: v.replace(b'"specversion"', b"'specversion'", 1),
    lambda v: v.replace(b'"specversion"', b"specversion", 1),
    lambda v: v.replace(b'"1.0"', b'"1.0" "x"', 1),
    lambda v: v[: v.rindex(b"}")],  # no closing brace
]


def _parses(value: bytes) -> bool:
    try:
        json.loads(value.decode("utf-8"))
    except (ValueError, RecursionError):
        return False
    return True


NOT_JSON = st.binary(min_size=1, max_size=400).filter(lambda v: not _parses(v))
KEYS = st.none() | st.binary(max_size=20)


@st.composite
def random_bytes(draw: st.DrawFn) -> Case:
    value = draw(NOT_JSON)
    key = draw(KEYS)
    return Case("random_bytes", key, value, "not_json")


@st.composite
def empty(draw: st.DrawFn) -> Case:
    draft = draw(DRAFTS)
    return Case("empty", draft.key, pick(draw, (None, b"")), "not_json", draft.nip)


@st.composite
def truncated(draw: st.DrawFn) -> Case:
    draft = draw(DRAFTS)
    value = encode(draw, draft)
    cut = draw(st.integers(0, value.rindex(b"}") - 1))  # the object never closes
    return Case("truncated", draft.key, value[:cut], "not_json", draft.nip)


@st.composite
def syntax_error(draw: st.DrawFn) -> Case:
    draft = draw(DRAFTS)
    value = pick(draw, SYNTAX_ERRORS)(encode(draw, draft))
    return Case("syntax_error", draft.key, value, "not_json", draft.nip)


@st.composite
def nesting_bomb(draw: st.DrawFn) -> Case:
    draft = draw(DRAFTS)
    depth = draw(st.integers(NESTING_LIMIT, 100_000))
    put_anywhere(draw, draft, nested(depth, pick(draw, (b"[]", b"{}"))))
    return case(draw, "nesting_bomb", draft, "not_json")


@st.composite
def huge_integer(draw: st.DrawFn) -> Case:
    """Over 4300 digits: Python's own limit on reading integers, which the parser keeps."""
    draft = draw(DRAFTS)
    digits = draw(st.integers(4301, 20_000))
    put_anywhere(draw, draft, pick(draw, (b"", b"-")) + b"7" * digits)
    return case(draw, "huge_integer", draft, "not_json")


@st.composite
def nan(draw: st.DrawFn) -> Case:
    draft = draw(DRAFTS)
    put_anywhere(draw, draft, pick(draw, (b"NaN", b"Infinity", b"-Infinity", b"[1, NaN]", b"-NaN")))
    return case(draw, "nan", draft, "not_json")


@st.composite
def raw_control_character(draw: st.DrawFn) -> Case:
    """A raw C0 byte inside a string, which JSON allows only escaped."""
    draft = draw(DRAFTS)
    _inside_a_string(draw, draft, bytes([draw(st.integers(0x00, 0x1F))]))
    return case(draw, "raw_control_character", draft, "not_json")


@st.composite
def invalid_utf8(draw: st.DrawFn) -> Case:
    """Bytes that are not UTF-8: stray, overlong, truncated, a surrogate, beyond U+10FFFF."""
    draft = draw(DRAFTS)
    _inside_a_string(draw, draft, pick(draw, BAD_UTF8))
    return case(draw, "invalid_utf8", draft, "not_json")


def _inside_a_string(draw: st.DrawFn, draft: Draft, junk: bytes) -> None:
    path = pick(draw, opaque_fields(draft))
    target = draft.event if len(path) == 1 else draft.event["data"]
    text = json.dumps(target[path[-1]], ensure_ascii=False).encode()
    at = draw(st.integers(1, len(text) - 1))
    while text[at] & 0xC0 == 0x80:  # not inside a character's UTF-8 bytes
        at -= 1
    target[path[-1]] = draft.raw_json(text[:at] + junk + text[at:])
