"""`ipasn-worker dlq ACTION`: the dead-letter topic's tools (one so far: `replay`)."""

from __future__ import annotations

import argparse

from rich.console import Console

from worker.commands.dlq import replay
from worker.commands.shutdown import Shutdown
from worker.config.settings import Settings

DESCRIPTION = "dead letters: replay them after a fix"


def arguments(p: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    replay.arguments(
        actions.add_parser(
            "replay",
            help="send dead letters back to their input topic",
            description=replay.DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    Shutdown()  # a signal stops the replay at once; the cursors keep what was acknowledged
    return replay.replay_dead_letters(args, settings, Console())
