"""Flags and argument types that several commands share, each defined once."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

from schemas.wire import AGENCY_CODE, SOURCE_FILTER, SYSTEM_SOURCE


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def year(text: str) -> int:
    """A calendar year the index is measured for (2000 to 2100)."""
    value = int(text)
    if not 2000 <= value <= 2100:
        raise argparse.ArgumentTypeError(f"{value} is not a year from 2000 to 2100")
    return value


def agency(text: str) -> str:
    if not re.fullmatch(AGENCY_CODE, text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an agency code (1 to 40 letters, digits)"
        )
    return text


def source(text: str) -> str:
    """A source name, or `simpeg`: any regional system."""
    if not re.fullmatch(SOURCE_FILTER, text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not siasn, ekinerja, steward, simpeg or simpeg:<agency_code>"
        )
    return text


def system_source(text: str) -> str:
    """An upstream system that sends change events: siasn, ekinerja or simpeg:<agency_code>."""
    if not re.fullmatch(SYSTEM_SOURCE, text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not siasn, ekinerja or simpeg:<agency_code> (e.g. simpeg:7317)"
        )
    return text


def kafka_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--bootstrap-servers",
        dest="kafka_bootstrap_servers",
        help="Kafka bootstrap servers (IPASN_KAFKA_BOOTSTRAP_SERVERS)",
    )


def database_url_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--database-url", help="SQLAlchemy URL (IPASN_DATABASE_URL)")


def database_flags(p: argparse.ArgumentParser) -> None:
    """The database, and what the index is computed under."""
    database_url_flag(p)
    p.add_argument("--measurement-year", type=int, help="IPASN_MEASUREMENT_YEAR")
    p.add_argument("--rules-file", help="a rules file replacing bkn-8-2019 (IPASN_RULES_FILE)")


def parse_as(
    arguments: Callable[[argparse.ArgumentParser], None], argv: list[str]
) -> argparse.Namespace:
    """A command's arguments parsed from `argv` by its own definitions, every default included:
    how another command (the demo) runs it without building a namespace that could drift."""
    parser = argparse.ArgumentParser(exit_on_error=False)
    arguments(parser)
    return parser.parse_args(argv)
