"""Values of the right JSON type that the contract refuses, by the shape of their field."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from schemas.steward import STEWARD_EVENT_TYPES
from schemas.wire import SOURCE as SOURCE_PATTERN
from tests.fuzz.records import ENUMERATIONS
from tests.fuzz.scalars import OPAQUE, OPAQUE_CHARACTERS, pick

CONTROL_CHARACTERS = st.integers(0x00, 0x1F) | st.integers(0x7F, 0x9F)

FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x0660 + d) for d in range(10)))

BAD_DATES = [
    "2025-02-30", "2023-02-29", "2100-02-29", "2025-04-31", "2025-13-01", "2025-00-10",
    "2025-01-00", "2025-01-32", "0000-01-01", "2025-1-1", "20250101", "2025/01/01",
    "01-02-2025", "2025-01-01T00:00:00Z", " 2025-01-01", "2025-01-01 ", "+2025-01-01",
    "2025-W01-1", "2025-001", "2025-01-01".translate(FULLWIDTH),
    "2025-01-01".translate(ARABIC_INDIC), "", "yesterday", "2025-01-01\n",
]  # fmt: skip
BAD_TIMES = [
    "2025-02-30T00:00:00Z", "2025-01-01T24:00:00Z", "2025-01-01T23:60:00Z",
    "2016-12-31T23:59:60Z", "2025-01-01T00:00:00+24:00", "2025-01-01T00:00:00+23:60",
    "2025-01-01T00:00:00-99:99", "1899-12-31T23:59:59Z", "1899-12-31T23:59:59-01:00",
    "2201-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
    "2025-01-01 00:00:00Z", "2025-01-01T00:00Z", "2025-01-01T00:00:00",
    "2025-01-01T00:00:00+0700", "2025-01-01T00:00:00+07", "2025-01-01", "1735689600",
    "2025-01-01T00:00:00.Z", "2025-01-01T00:00:00,5Z", "2025-01-01T00:00:00 Z",
    "2025-01-01T00:00:00ZZ", "2025-01-01T00:00:00UTC", "2025-01-01T00:00:00Z ",
    "2025-01-01T00:00:00Z".translate(FULLWIDTH), "2025-01-01T00:00:00Z".translate(ARABIC_INDIC),
    "", "now",
]  # fmt: skip
BAD_SOURCES = [
    "SIASN", "Siasn", "siasn ", " siasn", "siasn\n", "hris", "bkn", "simpeg", "simpeg:",
    "simpeg: 3201", "simpeg:32 01", "simpeg:3201-a", "simpeg::3201", "simpeg:" + "1" * 41,
    "SIMPEG:3201", "ekinerja:3201", "simpeg:3201".translate(ARABIC_INDIC),
    "simpeg:3201".translate(FULLWIDTH), "simpeg:\u00e9", "", "ipasn-worker",
]  # fmt: skip
BAD_AGENCY_CODES = [
    "", "32 01", "32-01", "3201 ", " 3201", "x" * 41, "3201".translate(ARABIC_INDIC),
    "3201".translate(FULLWIDTH), "\u00e9", "32/01", "simpeg:3201", "3201\n",
]  # fmt: skip
BAD_TYPES = [
    "asn.salary.upserted", "asn.profile.updated", "asn.profile.release", "ASN.profile.upserted",
    "asn.Profile.upserted", "asn.profile.upserted ", "asn.ipasn.recalculated",
    "asn.personnel.reconciled", "", "profile", "asn..upserted", "asn.profile", "asn.profile.",
    "com.example.event", "asn.profile.upserted.v2",
]  # fmt: skip
BAD_ECHELONS = ["V", "II.c", "ii", "II.", "II a", " II", "I.a.b", "IIII", "2", "", "Ⅱ"]
BAD_SPECVERSIONS = ["1.1", "1", "1.0 ", "", "v1.0", "1.00", "0.3", "1.0\n"]
# Numbers as written: out of range, or not a finite double (1e400).
OUT_OF_RANGE: dict[str, list[str]] = {
    "hours": ["-1", "-0.25", "10000.25", "10001", "1e400", "-1e400", "1e5", "1" + "0" * 30],
    "score": ["-1", "-0.01", "100.01", "101", "1e400", "1e3"],
    "year": ["1949", "2101", "-2024", "0", "99999999999999999999"],
    # 4300 digits is still a JSON integer to the parser (4301 are not): far over the maximum.
    "sequence": ["-1", str(2**63), "1" + "0" * 30, "7" * 4300],
}
ECHELON = re.compile(r"(I|II|III|IV)(\.[abAB])?")
AGENCY_CODE = re.compile(r"[0-9A-Za-z]{1,40}")
SOURCE = re.compile(SOURCE_PATTERN)


def _bad_enumeration(allowed: tuple[str, ...]) -> st.SearchStrategy[str]:
    near = [v for a in allowed for v in (a.lower(), a.upper(), f" {a}", f"{a} ", a[:-1])]
    return (st.sampled_from(near) | st.text(max_size=12)).filter(lambda v: v not in allowed)


BAD_ENUMERATIONS = {name: _bad_enumeration(allowed) for name, allowed in ENUMERATIONS.items()}


@st.composite
def _bad_opaque(draw: st.DrawFn) -> str:
    """Empty, over 200 characters, or with a control character (escaped or raw in JSON)."""
    text = draw(OPAQUE)
    fault = pick(draw, ("empty", "too long", "control character"))
    if fault == "empty":
        return ""
    if fault == "too long":
        return draw(OPAQUE_CHARACTERS) * draw(st.integers(201, 400))
    at = draw(st.integers(0, len(text)))
    return text[:at] + chr(draw(CONTROL_CHARACTERS)) + text[at:]


BAD_TEXT: dict[str, st.SearchStrategy[str]] = {
    "opaque": _bad_opaque(),
    "date": st.sampled_from(BAD_DATES),
    "time": st.sampled_from(BAD_TIMES),
    "source": (st.sampled_from(BAD_SOURCES) | st.text(max_size=12)).filter(
        lambda s: not SOURCE.fullmatch(s)
    ),
    "agency": st.sampled_from(BAD_AGENCY_CODES)
    | st.text().filter(lambda s: not AGENCY_CODE.fullmatch(s)),
    "echelon": st.sampled_from(BAD_ECHELONS)
    | st.text(max_size=6).filter(lambda s: not ECHELON.fullmatch(s)),
    "specversion": st.sampled_from(BAD_SPECVERSIONS),
    "type": (st.sampled_from(BAD_TYPES) | st.text(max_size=30)).filter(
        lambda t: t not in STEWARD_EVENT_TYPES  # a release from another source: not_authorised
    ),
}
"""Strings the contract refuses, by the shape of the field."""
