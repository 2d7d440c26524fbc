"""The demo sample: a realistic, deterministic stream of personnel change events.

The generator is in ``stream``, for now; see its docstring for what the sample holds.
"""

from worker.dev.demo.sample.stream import (
    SampleMessage,
    expected_reason,
    sample_events,
    write_jsonl,
)

__all__ = ["SampleMessage", "expected_reason", "sample_events", "write_jsonl"]
