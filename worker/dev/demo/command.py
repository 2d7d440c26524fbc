"""`ipasn-worker demo`: the whole loop on this machine, no setup: a local broker, SQLite, a
realistic sample, the worker, the results and metrics on screen."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from worker.config.settings import Settings
from worker.dev.demo.run import run_demo

DESCRIPTION = __doc__ or ""


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--employees", type=int, default=300)
    p.add_argument(
        "--database", type=Path, default=Path("ipasn-demo.db"), help="the SQLite file to (re)create"
    )
    p.add_argument(
        "--metrics-port",
        type=int,
        default=0,
        help="also serve /metrics while the demo runs (0: no)",
    )
    p.add_argument("--measurement-year", type=int)


def run(args: argparse.Namespace, settings: Settings) -> int:
    # The demo makes settings of its own: its local broker, its SQLite file.
    return run_demo(args, Console())
