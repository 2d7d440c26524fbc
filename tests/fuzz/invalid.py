"""JSON messages that are not valid change events, each wrong in one way, with its reason.

The reason is the contract's for that one fault (contracts §1): invalid_event, unknown_type,
bad_nip, key_mismatch or not_authorised.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.bad_values import BAD_ENUMERATIONS, BAD_TEXT, OUT_OF_RANGE
from tests.fuzz.cases import BIG, Case, case, opaque_fields, put, shape_of, value_fields
from tests.fuzz.draft import encode
from tests.fuzz.events import DRAFTS, REGIONAL, drafts
from tests.fuzz.extras import big_string
from tests.fuzz.scalars import AGENCY_CODES, DATES, NIPS, pick
from worker.domain.model import KINDS
from worker.domain.rules import regional_agency

SMALL_TEXT = st.text(max_size=8)
NOT_TEXT = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(SMALL_TEXT, max_size=2),
    st.dictionaries(SMALL_TEXT, SMALL_TEXT, max_size=2),
)
NOT_NUMBER = st.one_of(
    st.sampled_from(["10", "10.5", "1e3", "NaN", ""]),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(SMALL_TEXT, st.integers(), max_size=2),
)
NOT_INTEGER = st.one_of(
    st.integers(1950, 2100).map(float),  # 2024.0 is a float in JSON terms
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["2024", "1", ""]),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)
NOT_OBJECT = st.one_of(st.integers(), st.booleans(), SMALL_TEXT, st.lists(SMALL_TEXT, max_size=2))
_WRONG = {"text": NOT_TEXT, "hours": NOT_NUMBER, "score": NOT_NUMBER, "year": NOT_INTEGER}
_WRONG |= {"sequence": NOT_INTEGER, "data": NOT_OBJECT}
# By whether the field may be null; where it may not, null is one more wrong type.
WRONG_TYPES: dict[bool, dict[str, st.SearchStrategy[Any]]] = {
    True: _WRONG,
    False: {name: s | st.none() for name, s in _WRONG.items()},
}
SURROGATES = st.integers(0xD800, 0xDFFF)


@st.composite
def not_an_object(draw: st.DrawFn) -> Case:
    draft = draw(DRAFTS)
    event = encode(draw, draft)
    value = pick(draw, (b"[" + event + b"]", b"null", b"42", b'"event"', b"true", b"[]"))
    return Case("not_an_object", draft.key, value, "invalid_event", draft.nip)


@st.composite
def missing_field(draw: st.DrawFn) -> Case:
    draft = draw(DRAFTS)
    path = pick(draw, draft.required)
    target = draft.event if len(path) == 1 else draft.event["data"]
    del target[path[-1]]
    return case(draw, "missing_field", draft, "invalid_event")


@st.composite
def wrong_type(draw: st.DrawFn) -> Case:
    """A value of another JSON type; null only where a value is required."""
    draft = draw(DRAFTS)
    path = pick(draw, [*value_fields(draft), ("type",), ("subject",), ("data",)])
    nullable = path not in draft.required
    put(draft, path, draw(WRONG_TYPES[nullable].get(path[-1], WRONG_TYPES[nullable]["text"])))
    return case(draw, "wrong_type", draft, "invalid_event")


@st.composite
def wrong_value(draw: st.DrawFn) -> Case:
    """A value of the right JSON type the contract refuses: a bad date, code, length, range…"""
    draft = draw(DRAFTS)
    fields = value_fields(draft)
    in_data = [path for path in fields if path[0] == "data"]  # as often as the attributes
    from_data = draw(st.booleans())
    path = pick(draw, in_data if in_data and from_data else fields)
    shape = shape_of(path[-1])
    if shape in OUT_OF_RANGE:
        put(draft, path, draft.raw_json(pick(draw, OUT_OF_RANGE[shape]).encode()))
    elif shape == "enumeration":
        discipline = draft.kind == "discipline" and path == ("data", "level")
        put(draft, path, draw(BAD_ENUMERATIONS["discipline_level" if discipline else path[-1]]))
    else:
        put(draft, path, draw(BAD_TEXT[shape]))
    return case(draw, f"bad_{shape}", draft, "invalid_event")


@st.composite
def big_value(draw: st.DrawFn) -> Case:
    """Hundreds of KB in an identifier or text field, whose limit is 200 characters."""
    draft = draw(DRAFTS)
    put(draft, pick(draw, opaque_fields(draft)), draft.raw_json(big_string(draw(BIG))))
    return case(draw, "big_value", draft, "invalid_event")


@st.composite
def lone_surrogate(draw: st.DrawFn) -> Case:
    """A \\uD800-\\uDFFF escape alone: JSON text, but no Unicode string; in any string."""
    draft = draw(DRAFTS)
    escape = f"\\u{draw(SURROGATES):04x}"
    where = pick(draw, ("field", "ignored value", "ignored name"))
    if where == "ignored name":
        value = encode(draw, draft)
        brace = value.index(b"{") + 1
        value = value[:brace] + f'"{escape}": 1,'.encode() + value[brace:]
        return Case("lone_surrogate", draft.key, value, "invalid_event", draft.nip)
    path = pick(draw, opaque_fields(draft))
    if where == "ignored value":
        path = (*path[:-1], "x-note")
    before, after = json.dumps(draw(SMALL_TEXT)), json.dumps(draw(SMALL_TEXT))
    put(draft, path, draft.raw_json(f"{before[:-1]}{escape}{after[1:]}".encode()))
    return case(draw, "lone_surrogate", draft, "invalid_event")


@st.composite
def unknown_type(draw: st.DrawFn) -> Case:
    draft = draw(DRAFTS)
    draft.event["type"] = draw(BAD_TEXT["type"])
    return case(draw, "unknown_type", draft, "unknown_type")


@st.composite
def bad_nip(draw: st.DrawFn) -> Case:
    """The subject is not a NIP; the key is the same text, so only the NIP is wrong."""
    draft = draw(DRAFTS)
    nip = draw(BAD_NIPS)
    draft.event["subject"] = nip
    draft.key = nip.encode()
    return case(draw, "bad_nip", draft, "bad_nip")


@st.composite
def wrong_key(draw: st.DrawFn) -> Case:
    draft = draw(DRAFTS)
    nip = draft.event["subject"]
    other = draw(NIPS)
    keys = [None, b"", f" {nip}".encode(), f"{nip}\n".encode(), nip[:-1].encode()]
    keys += [nip.encode("utf-16-le"), other.encode(), draw(st.binary(max_size=24))]
    key = pick(draw, keys)
    if key is not None and key.decode("utf-8", "replace") == nip:
        key = None  # 18 random bytes that are the NIP: never, but then no key at all
    draft.key = key
    return case(draw, "wrong_key", draft, "key_mismatch")


EKINERJA = drafts(kinds=tuple(k for k in KINDS if k != "performance"), sources=st.just("ekinerja"))
REGIONAL_PROFILES = drafts(kinds=("profile",), ops=("upserted",), sources=REGIONAL)


@st.composite
def unauthorised(draw: st.DrawFn) -> Case:
    """e-Kinerja about anything but performance, or a regional profile of another agency."""
    if draw(st.booleans()):
        draft = draw(EKINERJA)
    else:
        draft = draw(REGIONAL_PROFILES)
        own = regional_agency(draft.statement.source)
        code = draw(AGENCY_CODES)
        draft.event["data"]["agency_code"] = code if code != own else f"{code}0"
    return case(draw, "not_authorised", draft, "not_authorised")


UPSERTS_WITH_RULES = drafts(kinds=("position", "training", "performance"), ops=("upserted",))
TWO_DATES = st.lists(DATES, min_size=2, max_size=2, unique=True).map(sorted)


@st.composite
def inconsistent(draw: st.DrawFn) -> Case:
    """Fields that contradict one another within one record."""
    draft = draw(UPSERTS_WITH_RULES)
    data = draft.event["data"]
    if draft.kind == "position":
        struktural = data["position_type"] == "struktural"
        data["echelon"] = None if struktural else pick(draw, ("I", "II.a", "IV"))
    elif draft.kind == "performance":
        data["predicate"] = data["score"] = None
    elif draw(st.booleans()):
        leadership = data["category"] == "leadership"
        data["leadership_tier"] = None if leadership else pick(draw, ("PIM_IV", "PKA"))
    else:
        earlier, later = draw(TWO_DATES)
        data["start_date"], data["end_date"] = later, earlier
    return case(draw, "inconsistent", draft, "invalid_event")


NIP_FAULTS = ("length", "character", "birth date", "TMT month", "TMT before birth", "gender")
# Superscript two, Arabic-Indic three and fullwidth three are digits to str.isdigit().
NOT_DIGITS = ("a", " ", "-", "+", "\u00b2", "\u0663", "\uff13", "\u00e9")
DIGITS = st.text("0123456789", min_size=1, max_size=4)


@st.composite
def _bad_nips(draw: st.DrawFn) -> str:
    nip, fault = draw(NIPS), pick(draw, NIP_FAULTS)
    if fault == "length":
        return pick(draw, (nip[: draw(st.integers(0, 17))], nip + draw(DIGITS)))
    if fault == "character":
        at = draw(st.integers(0, 17))
        return nip[:at] + pick(draw, NOT_DIGITS) + nip[at + 1 :]
    if fault == "birth date":
        month_day = pick(draw, ("1301", "0230", "0000", "0132", "0431", "0001", "0100"))
        return pick(draw, (nip[:4] + month_day, "0000" + nip[4:8])) + nip[8:]
    if fault == "TMT month":
        return nip[:12] + pick(draw, ("00", "13", "20", "99")) + nip[14:]
    if fault == "TMT before birth":
        return nip[:8] + nip[:6] + nip[14:]  # the birth month itself is not after it
    return nip[:14] + pick(draw, "03456789") + nip[15:]


BAD_NIPS = _bad_nips()
"""A NIP with one part wrong (contracts §1: 18 digits, birth date, later TMT, gender)."""
