"""Writing files whole or not at all.

A CI step reads the report the scan wrote (a SARIF upload, a baseline): a disk that fills
up or a process killed halfway must never leave a truncated file that reads as fewer
findings. Each file is written beside its target under a temporary name, flushed to disk,
then renamed over the target, which the file system does in one step.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace `path` with `data`; on any error the old file (or none) stays, and OSError is raised.

    A target that exists and is not a regular file (`/dev/stdout`, a FIFO) is written
    directly: renaming over it would replace the device or pipe, not feed it.
    """
    target = Path(path)
    with contextlib.suppress(OSError):
        if not stat.S_ISREG(os.stat(target).st_mode):
            target.write_bytes(data)
            return
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):  # mkstemp makes it private; a report is as readable as any new file
                os.fchmod(handle.fileno(), 0o666 & ~_umask())
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
