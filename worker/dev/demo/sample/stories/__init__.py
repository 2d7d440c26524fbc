"""The stories the sample tells about a few random employees, each a function named for it.

Each story takes an employee and returns whether it could be told about them (a correction of
the appraisal needs an appraisal from ekinerja, say); ``tell_stories`` tells each to as many
employees as the plan asks, never two stories to one employee and none to an anchor.
"""

from __future__ import annotations

from collections.abc import Callable

from worker.dev.demo.sample.stories.corrections import (
    hours_corrected_same_time,
    position_corrected_out_of_order,
    revised_appraisal,
    unit_changed,
)
from worker.dev.demo.sample.stories.deletions import (
    appraisal_withdrawn,
    duplicate_row_deleted_early,
    position_deleted_early,
    profile_deleted,
    punishment_annulled,
)
from worker.dev.demo.sample.stories.regional import (
    promotion_not_yet_national,
    transferred_from_luwu,
)
from worker.dev.demo.sample.stream import Employee, Stream

Story = Callable[[Stream, Employee], bool]


def plan(count: int) -> tuple[tuple[Story, int], ...]:
    """Each story and how many employees it is told about, for count employees. The order is
    part of the sample: each story draws on the stream's random.Random."""
    n = max(1, round(count / 60))
    return (
        (revised_appraisal, n),
        (hours_corrected_same_time, n),
        (position_corrected_out_of_order, n),
        (unit_changed, n),
        (duplicate_row_deleted_early, n),
        (punishment_annulled, n),
        (position_deleted_early, max(1, n // 2)),
        (appraisal_withdrawn, max(1, n // 2)),
        (profile_deleted, 1),
        (promotion_not_yet_national, n),
        (transferred_from_luwu, 2),
    )


def tell_stories(stream: Stream, count: int) -> None:
    used: set[str] = set()
    for story, wanted in plan(count):
        pool = [e for e in stream.employees if not e.anchor and e.nip not in used]
        stream.rng.shuffle(pool)
        done = 0
        for emp in pool:
            if done == wanted:
                break
            if story(stream, emp):
                used.add(emp.nip)
                done += 1
