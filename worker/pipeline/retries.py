"""How far the loop retries a transient failure: attempts, growing waits, the batch's deadline."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    sleep_using_event,
    stop_after_attempt,
    stop_when_event_set,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from worker.pipeline.ports import TransientError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Retries:
    """At most `attempts` of each step of a batch, and none after a wait that would end
    `within_s` seconds after the batch was polled. The composition root fits `within_s` inside
    the consumer's max_poll_interval, less the longest a single attempt of each step can take
    (one may have begun just before the deadline)."""

    attempts: int = 8
    within_s: float = 115.0


class _StopAtDeadline(stop_base):
    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        return time.monotonic() + retry_state.upcoming_sleep >= self.deadline


def retrying(
    retries: Retries,
    deadline: float,
    stopping: threading.Event,
    retried: Callable[[BaseException | None], object] = lambda error: None,
) -> Retrying:
    """Each wait longer than the last (0.5 s, 1 s, 2 s, … 10 s, plus up to 1 s of jitter) until
    the attempts or the batch's time run out, or a stop is requested; the last error then
    propagates, and the process exits without committing offsets. `retried` is called with
    the error before each wait (a metric counts them). The log says what failed: a
    TransientError's message is written for the operator (a topic's name, never a record)."""

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        retried(error)
        log.warning(
            "transient failure, retrying (attempt %d): %s",
            state.attempt_number,
            f"{type(error).__name__}: {error}" if error else "?",
        )

    return Retrying(
        retry=retry_if_exception_type(TransientError),
        wait=wait_exponential_jitter(multiplier=0.5, max=10),
        stop=stop_after_attempt(retries.attempts)
        | _StopAtDeadline(deadline)
        | stop_when_event_set(stopping),
        # A stop request ends the wait between attempts at once, not after it.
        sleep=sleep_using_event(stopping),
        reraise=True,
        before_sleep=before_sleep,
    )
