"""One benchmarked process: `python -m worker.dev.bench.child worker` (settings from IPASN_*) or
`python -m worker.dev.bench.child quix BOOTSTRAP TOPIC TOTAL STATE_DIR`. It prints one JSON line:
messages processed, the time.monotonic() of the first message received and of the last one
done, and (the worker) why it ended with work left, or null."""

from __future__ import annotations

import json
import sys
import threading
import uuid
import warnings

IDLE_S = 2.0


def _worker() -> None:
    from worker.bootstrap.worker import run_worker  # imports only what the child runs
    from worker.config.settings import load_settings

    totals = run_worker(load_settings(), IDLE_S, threading.Event())
    first, last = totals.first_batch_at, totals.last_batch_done_at
    done = {"messages": totals.messages, "first": first, "last": last}
    print(json.dumps({**done, "unfinished": totals.unfinished}))


def _quix(bootstrap: str, topic: str, total: str, state_dir: str) -> None:
    with warnings.catch_warnings():  # its dependencies' own deprecation notices, on import
        warnings.simplefilter("ignore")
        from worker.dev.bench.quix_job import run_quix  # an optional extra

    output = f"quix-out-{uuid.uuid4().hex[:8]}"
    messages, first, last = run_quix(bootstrap, topic, int(total), output, state_dir)
    print(json.dumps({"messages": messages, "first": first, "last": last}))


if __name__ == "__main__":
    if sys.argv[1] == "worker":
        _worker()
    else:
        _quix(*sys.argv[2:6])
