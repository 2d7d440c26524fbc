"""The fuzz tests' scalars: texts, codes, NIPs, dates, times and numbers that the contract allows,
the unusual ones often, each with the value decode() keeps where that differs from the JSON.

Generation speed matters (10,000 messages a run): a text over one alphabet is one hypothesis
choice, a date one integer, and helpers pick from tuples instead of building strategies per draw.
"""

from __future__ import annotations

import math
import random
import string
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")


def pick(draw: st.DrawFn, choices: Sequence[T]) -> T:
    """One of the choices. st.integers is cached; a new st.sampled_from on each draw would be
    validated anew, which made generation several times slower."""
    return choices[draw(st.integers(0, len(choices) - 1))]


def picks(draw: st.DrawFn, *choices: Sequence[Any]) -> tuple[Any, ...]:
    """One of each of the choices, from one hypothesis choice (each costs about 25 µs)."""
    n = draw(st.integers(0, math.prod(len(c) for c in choices) - 1))
    chosen = []
    for options in choices:
        n, i = divmod(n, len(options))
        chosen.append(options[i])
    return tuple(chosen)


# Opaque texts (contracts §1): anything but control characters; lone surrogates are not text.
OPAQUE_CHARACTERS = st.characters(exclude_categories=("Cc", "Cs"))
# What upstream ids hold and parsers trip on: separators, spaces (also no-break), quotes and
# backslashes, letters outside ASCII, a combining mark, emoji (a UTF-16 pair in JSON escapes),
# zero-width and line separators, a byte order mark and noncharacters.
TRICKY = (
    ":/ \u00a0-#\"\\'\u00e9\u00df\u4e2d\u0131\u0301\U0001f600\u200b\ufeff\u2028\ufffd\uffff"
    "\U0010fffdK7"
)
REAL_IDS = (
    "simpeg:7318-pend-2802-0",
    "12/KP/2021",
    "A8ACA7B1-62D4-4F0C",
    "  spaces  around and  inside ",
    " ",
    "Universitas Sam Ratulangi \u2013 Manado",
    "\u0627\u0644\u0631\u0642\u0645 7",
    "NaN",
    "-Infinity",
    "null",
    "\\ud800",
    '{"record_id": 1}',
    "\\N",  # COPY's text format reads \N as null, and \. as the end of the data
    "\\.",
    "NULL",
    "'; DROP TABLE statements; --",
)
OPAQUE = st.one_of(
    st.text(OPAQUE_CHARACTERS, min_size=1, max_size=30),
    st.text(TRICKY, min_size=1, max_size=30),
    st.sampled_from(REAL_IDS),
    st.sampled_from(TRICKY).map(lambda c: c * 200),  # the longest allowed: up to 800 UTF-8 bytes
)
"""1 to 200 characters without control characters, as upstream systems write them."""

ALNUM = string.ascii_letters + string.digits
AGENCY_CODES = st.sampled_from(("3201", "7317", "7318")) | st.text(ALNUM, min_size=1, max_size=40)


_SEEDED = random.Random(20250120)  # the pools are the same on every run


def _pool(
    make: Callable[[random.Random], T], edges: Sequence[T], size: int = 4000
) -> tuple[T, ...]:
    return (*edges, *(make(_SEEDED) for _ in range(size)))


def _drawn_from(pool: tuple[T, ...]) -> st.SearchStrategy[T]:
    """Values spread evenly over their range. Hypothesis draws wide integer ranges towards their
    low end, so a pool picked by index gives the edges (first) often and the rest of the range
    still, where st.dates or st.integers would give mostly the low end of the range."""
    return st.integers(0, len(pool) - 1).map(pool.__getitem__)


def _date(rnd: random.Random) -> str:
    if rnd.random() < 0.7:  # mostly dates as they are, the rest anywhere in 0001-9999
        return (date(1950, 1, 1) + timedelta(days=rnd.randrange(30_000))).isoformat()
    return (date.min + timedelta(days=rnd.randrange((date.max - date.min).days + 1))).isoformat()


DATE_EDGES = ("0001-01-01", "9999-12-31", "2000-02-29", "2024-02-29", "1900-02-28", "2025-12-31")
DATES = _drawn_from(_pool(_date, DATE_EDGES))
"""Any real calendar day in the YYYY-MM-DD form, year 0001 to 9999."""

BIRTH_DAYS = (date(2009, 12, 31) - date(1900, 1, 1)).days + 1
LATEST_TMT = 2099 * 12 + 11


def _nip(rnd: random.Random) -> str:
    born = date(1900, 1, 1) + timedelta(days=rnd.randrange(BIRTH_DAYS))
    tmt = min(born.year * 12 + born.month - 1 + rnd.randint(1, 1200), LATEST_TMT)
    return (
        f"{born:%Y%m%d}{tmt // 12:04d}{tmt % 12 + 1:02d}{rnd.choice('12')}{rnd.randrange(1000):03d}"
    )


NIP_EDGES = ("190001011900021000", "200912312099122999", "200002292000031001")
NIPS = _drawn_from(_pool(_nip, NIP_EDGES))
"""Birth date 1900 to 2009, a TMT CPNS month after it, gender 1 or 2, any 3-digit serial."""

MINUTES = 23 * 60 + 59
FIRST_EVENT = datetime(1900, 1, 1)  # noqa: DTZ001 - the time as written, before its offset
EVENT_SECONDS = int((datetime(2201, 1, 1) - FIRST_EVENT).total_seconds())  # noqa: DTZ001


def _event_time(rnd: random.Random) -> tuple[str, datetime]:
    local = FIRST_EVENT + timedelta(seconds=rnd.randrange(EVENT_SECONDS))
    form = rnd.random()
    if form < 0.4:  # how UTC is written: "Z", "z", "+00:00" or "-00:00"
        minutes, written = 0, rnd.choice(("Z", "z", "+00:00", "-00:00"))
    else:
        minutes = rnd.choice((420, 480, 540)) if form < 0.6 else rnd.randint(-MINUTES, MINUTES)
        sign = "-" if minutes < 0 else "+"
        written = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    digits = "".join(rnd.choices(string.digits, k=rnd.choice((0, 0, 1, 3, 6, 9, 12))))
    return _written_time(local, rnd.choice("TTt"), digits, written, minutes)


def _written_time(
    local: datetime, separator: str, digits: str, zone: str, minutes: int
) -> tuple[str, datetime]:
    fraction = f".{digits}" if digits else ""
    text = f"{local:%Y-%m-%d}{separator}{local:%H:%M:%S}{fraction}{zone}"
    # Microseconds are kept; finer digits are cut off, never rounded.
    micro = int(digits[:6].ljust(6, "0")) if digits else 0
    return text, local.replace(microsecond=micro, tzinfo=timezone(timedelta(minutes=minutes)))


TIME_EDGES = (
    # The year range applies to the time as written, in whatever offset.
    _written_time(FIRST_EVENT, "T", "", "+23:59", MINUTES),
    _written_time(datetime(2200, 12, 31, 23, 59, 59), "T", "999999999", "-23:59", -MINUTES),  # noqa: DTZ001
    _written_time(datetime(2000, 2, 29, 12, 0), "t", "5", "z", 0),  # noqa: DTZ001
    _written_time(datetime(2025, 1, 20, 16, 0), "T", "5", "+07:00", 420),  # noqa: DTZ001
)
EVENT_TIMES = _drawn_from(_pool(_event_time, TIME_EDGES))
"""An RFC 3339 time between 1900 and 2200 in any UTC offset, and the datetime it means."""

Number = tuple[str, str]
"""A JSON number as written, and the decimal string decode() keeps for it."""

WRITTEN_NUMBERS: list[Number] = [
    ("10.0", "10"),  # 10 and 10.0 from two sources are the same value
    ("1E3", "1000"),
    ("1e1", "10"),
    ("2.50", "2.5"),
    ("0.1", "0.1"),
    ("1e-2", "0.01"),
    ("-0", "0"),
    ("-0.0", "0"),
    ("99.99", "99.99"),
]


def _numbers(highest: int) -> st.SearchStrategy[Number]:
    return st.one_of(
        st.integers(0, highest).map(lambda n: (str(n), str(n))),
        st.integers(0, highest * 4).map(lambda q: (repr(q / 4), str(Decimal(q) / 4))),
        st.sampled_from([n for n in WRITTEN_NUMBERS if Decimal(n[1]) <= highest]),
    )


# JSON numbers: integers, quarters, and forms such as 1E3 and 2.50.
HOURS = _numbers(10000)
SCORES = _numbers(100)
