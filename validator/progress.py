"""A progress bar on stderr for long scans, shown only where a person is watching."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

DELAY_SECONDS = 1.0


def wanted(quiet: bool) -> bool:
    """Only on a terminal, never in CI or with --quiet: logs must not fill with redraws."""
    return not quiet and sys.stderr.isatty() and not os.environ.get("CI")


class DelayedProgress:
    """Call with (done, total); the bar appears once a scan has run for more than a second."""

    def __init__(self) -> None:
        self._start = time.monotonic()
        self._bar: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if time.monotonic() - self._start < DELAY_SECONDS:
                return
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(console=Console(stderr=True), transient=True)
            self._task = self._bar.add_task("scanning", total=total)
            self._bar.start()
        self._bar.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
