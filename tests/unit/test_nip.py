"""The NIP: 18 digits, birth date YYYYMMDD, TMT CPNS YYYYMM, gender digit, 3-digit serial."""

from __future__ import annotations

import pytest

from worker.domain.nip import InvalidNip, mask_nip, validate_nip


@pytest.mark.parametrize(
    "nip",
    [
        "198703142010121001",  # the contract's worked examples
        "199406302019032002",
        "200002292024011999",  # born on a leap day, gender 1, serial 999
        "196512311990012000",  # serial 000
    ],
)
def test_a_well_formed_nip_is_accepted_unchanged(nip: str) -> None:
    assert validate_nip(nip) == nip


@pytest.mark.parametrize(
    ("nip", "why"),
    [
        ("19870314201012100", "17 digits"),
        ("1987031420101210011", "19 digits"),
        ("", "empty"),
        ("19870314201012100a", "a letter"),
        ("1987031420101210 1", "a space"),
        ("١٩٨٧٠٣١٤٢٠١٠١٢١٠٠١", "non-ASCII digits"),
        ("198702302010121001", "30 February"),
        ("198713142010121001", "birth month 13"),
        ("199902292019031001", "29 February in a common year"),
        ("198703142010001001", "TMT month 00"),
        ("198703142010131001", "TMT month 13"),
        ("198703141980121001", "TMT before the birth date"),
        ("198703141987031001", "TMT in the birth month"),
        ("198703142010120001", "gender digit 0"),
        ("198703142010123001", "gender digit 3"),
    ],
)
def test_a_malformed_nip_is_rejected(nip: str, why: str) -> None:
    with pytest.raises(InvalidNip):
        validate_nip(nip)


@pytest.mark.parametrize(
    "nip", ["198702302010121001", "198703142010131001", "198703142010123001", "19870314201012100a"]
)
def test_the_error_message_never_repeats_the_nip(nip: str) -> None:
    with pytest.raises(InvalidNip) as raised:
        validate_nip(nip)
    assert nip not in str(raised.value)
    assert nip[:8] not in str(raised.value)


def test_a_masked_nip_keeps_only_the_first_four_and_last_three_digits() -> None:
    assert mask_nip("198703142010121001") == "1987***********001"


@pytest.mark.parametrize("short", ["", "1", "1234567"])
def test_a_masked_short_value_is_all_stars(short: str) -> None:
    assert mask_nip(short) == "*" * len(short)
