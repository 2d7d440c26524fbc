"""Protocols between the loop and its adapters, so that kafka-python stays at the edges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


class MessageSource(Protocol):
    def poll(self, timeout_s: float) -> list[Message]: ...

    def commit(self, messages: Sequence[Message]) -> None: ...

    def assigned(self) -> bool: ...

    def assigned_count(self) -> int: ...

    def lag(self) -> dict[tuple[str, int], int]: ...

    def close(self) -> None: ...


class Publisher(Protocol):
    def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        """Queue a message; flush() waits for every queued one and raises on failure."""

    def flush(self) -> None: ...

    def close(self) -> None: ...
