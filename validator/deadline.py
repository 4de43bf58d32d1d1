"""The whole scan's time budget (`--timeout`): a scan that runs out never passes silently.

The scan looks at its deadline between files and root modules, and its parses stop at it
(`terraform.parse.time_limits`), so it normally ends with `ScanTimeout` (exit 2, naming
what was unfinished). A stage that never reaches a check still cannot stall the gate: a
watchdog ends the process with the same message a little after the deadline.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# The scan's own checks come first; the watchdog allows this long for them to be reached.
WATCHDOG_GRACE = 10.0
DEFAULT_SECONDS = 600.0
# CPU seconds for one file's parse, its `${...}` fragments included (`--parse-timeout`).
# Typical HCL parses at about 100 K characters a second, so the largest file parsed (512 K
# characters) fits; text of nothing but short tokens is several times slower, and a pull
# request could ship fifty such files.
PARSE_SECONDS = 5.0
MAX_SECONDS = 24 * 3600
"""The longest `timeout` or `parse-timeout` a run accepts: a bound is only a bound when finite."""


class ScanTimeout(Exception):
    """The scan ran past `--timeout`; the message names what was unfinished."""


class Deadline:
    """`seconds` from now; `check(unfinished)` raises ScanTimeout once that has passed."""

    def __init__(self, seconds: float) -> None:
        if not 0 < seconds <= MAX_SECONDS:  # inf or NaN would leave the scan without a watchdog
            raise ValueError(f"a scan's time limit is more than 0 and at most {MAX_SECONDS:g} s, not {seconds!r}")
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self._unfinished = "finding the files to scan"

    def check(self, unfinished: str) -> None:
        """Say what is still to do (for the message), and stop when the time is up."""
        self._unfinished = unfinished
        if time.monotonic() > self.at:
            raise ScanTimeout(self.message())

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def message(self) -> str:
        return (f"the scan did not finish within {self.seconds:g} s (--timeout); unfinished: {self._unfinished}."
                " No report was written: the result is unknown, not clean")

    @contextmanager
    def watchdog(self) -> Iterator[None]:
        """End the process (exit 2) when the scan is still running WATCHDOG_GRACE after the deadline."""
        timer = threading.Timer(self.seconds + WATCHDOG_GRACE, self._abort)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def _abort(self) -> None:
        sys.stderr.write(f"iac-check: error: {self.message()}\n")
        sys.stderr.flush()
        os._exit(2)
