"""The worker process of the Procfile: `python -m workers`, the same as `liaison
worker`. It runs the background loops of liaison/background.py (push, email,
reminders, digests, activity notices, scheduled posts, absence checks,
housekeeping) and serves nothing.

`workers/` imports `liaison`, never the reverse (tests/unit/test_layout.py): the
process is set up as every `liaison` command is (settings, logging, SIGTERM), by
liaison/cli.py.
"""

from __future__ import annotations

import sys

from liaison import cli


def main(argv: list[str] | None = None) -> None:
    cli.main(["worker", *(sys.argv[1:] if argv is None else argv)])
