"""Run independent per-file or per-directory work across processes (`--jobs`).

One pool serves a whole scan: the prefilter's directory reads and the Terraform parse go
to the same workers, and the scan's own process does other work (CloudFormation) while
they run. Results always come back in input order, so the output never depends on timing.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Any

from .deadline import Deadline

# Below this many items a pool costs more to start than it saves.
PARALLEL_THRESHOLD = 24
# How often a worker looks whether the scan that started it is still there.
_PARENT_POLL_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1


class Workers:
    """`map` over the pool when there are enough items and jobs > 1, else in this process."""

    def __init__(self, jobs: int, deadline: Deadline | None = None) -> None:
        self._jobs, self._deadline = jobs, deadline
        self._pool: ProcessPoolExecutor | None = None

    def map(self, fn: Callable[..., Any], *columns: Sequence[Any]) -> Iterator[Any]:
        """fn over the rows of `columns`: submitted now, results read (in order) when iterated.

        `fn` must be a top-level function and its arguments and results plain data: they
        cross process boundaries. Past the deadline, reading a result raises TimeoutError.
        """
        count = len(columns[0]) if columns else 0
        if self._jobs <= 1 or count < PARALLEL_THRESHOLD:
            return map(fn, *columns)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self._jobs, initializer=die_with_parent,
                                             initargs=(os.getpid(),))
        # A few chunks per worker: big enough to pay for the transfer, small enough to balance.
        chunk = max(1, count // (self._jobs * 8))
        timeout = self._deadline.remaining() if self._deadline is not None else None
        return self._pool.map(fn, *columns, chunksize=chunk, timeout=timeout)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def die_with_parent(parent: int) -> None:
    """Run in each worker as it starts: it ends when the scan's process does.

    A killed scan (a CI job cancelled, a timeout) must not leave workers parsing for
    minutes. Linux sends the signal itself (PR_SET_PDEATHSIG); elsewhere, and in case the
    parent was gone before that took effect, a thread sees the worker orphaned.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # the thread below still ends the worker
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    threading.Thread(target=_watch_parent, args=(parent,), name="iac-check-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)
