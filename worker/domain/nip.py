"""NIP: the 18-digit civil servant number, and how it may appear in logs.

Layout (Perka BKN 22/2007): birth date YYYYMMDD, TMT CPNS YYYYMM, gender digit (1 male,
2 female), 3-digit serial. Error messages never repeat the NIP itself.
"""

from __future__ import annotations

from datetime import date


class InvalidNip(ValueError):
    pass


def validate_nip(nip: str) -> str:
    if len(nip) != 18 or not nip.isascii() or not nip.isdigit():
        raise InvalidNip("a NIP is 18 digits")
    try:
        born = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        raise InvalidNip("a NIP starts with a valid birth date YYYYMMDD") from None
    tmt_year, tmt_month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= tmt_month <= 12:
        raise InvalidNip("a NIP's TMT CPNS month (digits 13-14) is 01-12")
    if (tmt_year, tmt_month) <= (born.year, born.month):
        raise InvalidNip("a NIP's TMT CPNS (digits 9-14) comes after the birth date")
    if nip[14] not in "12":
        raise InvalidNip("a NIP's gender digit (15th) is 1 or 2")
    return nip


def mask_nip(nip: str) -> str:
    """Enough for an operator to tell records apart, not to identify the person."""
    if len(nip) < 8:
        return "*" * len(nip)
    return f"{nip[:4]}{'*' * (len(nip) - 7)}{nip[-3:]}"
