"""The ipasn-worker commands: one module (or package) each, listed once in worker/cli.py.

A command module has `DESCRIPTION` (what `ipasn-worker NAME --help` says), `arguments(parser)`
(its own flags) and `run(args, settings) -> int` (the exit status). Importing one does no work
and imports nothing heavy: worker/cli.py imports only the module of the command it runs.
"""

from __future__ import annotations

import argparse
from typing import Protocol

from worker.config.settings import Settings


class CommandError(Exception):
    """A command cannot do what was asked (a broker that does not start, say); the message is
    one line, and the command exits with status 2."""


class CommandModule(Protocol):
    DESCRIPTION: str

    def arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace, settings: Settings) -> int: ...
