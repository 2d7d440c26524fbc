"""decode() as the decoding tests call it: one event dict, the message key its NIP."""

from __future__ import annotations

from typing import Any

from consumers.changes import decode
from schemas.dead_letter import Rejection
from tests.factories import BKN_8_2019, NIP, encoded
from worker.domain.model import Statement

KEY = NIP.encode()


def decoded(event: dict[str, Any]) -> Statement | Rejection:
    return decode(KEY, encoded(event), BKN_8_2019)


def accepted(event: dict[str, Any]) -> Statement:
    result = decoded(event)
    assert isinstance(result, Statement), result
    return result


def reason(event: dict[str, Any]) -> str | None:
    result = decoded(event)
    return result.reason if isinstance(result, Rejection) else None
