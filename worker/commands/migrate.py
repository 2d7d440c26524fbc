"""`ipasn-worker migrate`: create or upgrade the database schema."""

from __future__ import annotations

import argparse

from worker.bootstrap import bootstrap
from worker.commands.arguments import database_flags
from worker.config.settings import Settings
from worker.db.engine import database_name

DESCRIPTION = __doc__ or ""


def arguments(p: argparse.ArgumentParser) -> None:
    database_flags(p)


def run(args: argparse.Namespace, settings: Settings) -> int:
    with bootstrap(settings, database="create"):
        pass
    print(f"schema is current in {database_name(settings.database_url.get_secret_value())}")
    return 0
