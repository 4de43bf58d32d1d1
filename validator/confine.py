"""The project root: the only place a scan reads from.

A pull request controls every file the scan reads, so a module source, a `file()` call, a
symlink, a `DefinitionUri` or a `modules.json` entry could otherwise make the scan read (and
quote in its reports) any file of the CI runner. Every read of a scanned tree goes through
one `Gate`, made once per scan:

    gate = Gate.for_paths(settings.paths, settings.root)   # UsageError-free: RootError
    reason = gate.refusal(path)        # None when `path` may be read, else why not
    text, problem = gate.read_text(path, display, limit)   # discover.read_text, gated

A refused read is an unknown value for the caller (BDR005 where it held a model); its
message names the path and the reason, never the file's content. The check resolves
symlinks (`os.path.realpath`) and compares text: no git command, one path walk per call,
so callers check a directory once rather than each file in it.

The root is `--root DIR`; else, for each scanned path, the git work tree holding it (the
nearest directory above it with a `.git` directory or file, found without running git);
else the scanned path itself (a scanned file: its directory). Inside the root the gate
still refuses `.git` directories (a CI checkout keeps its token in `.git/config`), Terraform
state and `.terraform` outside its `modules` (backend settings), and the kernel's pseudo-file
systems. FIFOs, sockets and devices are refused by `read_text`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .discover import read_text
from .model import Problem, Span

# Pseudo-file systems: reading them discloses the runner's processes (their environment
# included) or never ends.
_SYSTEM = ("/proc", "/sys", "/dev")
_METADATA = ".git"
_STATE = (".tfstate", ".tfstate.backup")
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`")


class RootError(Exception):
    """A scanned path outside `--root`, or a `--root` that is not a directory (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Gate:
    """Decides whether the scan may read a path: inside one of `roots` (real paths)."""

    roots: tuple[str, ...]
    label: str = "the project root"

    @classmethod
    def for_paths(cls, paths: Sequence[str], root: str | None = None) -> Gate:
        """The gate for a scan of `paths` (missing paths are left to discovery to report)."""
        if root is not None:
            real = os.path.realpath(root)
            if not os.path.isdir(real):
                raise RootError(f"--root {root}: not a directory")
            outside = [p for p in paths if os.path.exists(p) and not _within(os.path.realpath(p), real)]
            if outside:
                raise RootError(f"{outside[0]} is outside --root {root}")
            return cls((real,))
        return cls(tuple(dict.fromkeys(work_tree(p) for p in paths if os.path.exists(p))))

    @classmethod
    def at(cls, directory: str | os.PathLike[str], label: str = "the project root") -> Gate:
        """A gate for one directory tree (a config file's own directory, say)."""
        return cls((os.path.realpath(directory),), label)

    def refusal(self, path: str | os.PathLike[str]) -> str | None:
        """Why `path` may not be read (it is outside the project root, ...), or None."""
        real = os.path.realpath(path)
        if any(_within(real, system) for system in _SYSTEM):
            return "in a system directory (/proc, /sys, /dev)"
        root = next((r for r in self.roots if _within(real, r)), None)
        if root is None:
            return f"outside {self.label} {self.describe()}"
        return _private(real[len(root):].split(os.sep))

    def allows(self, path: str | os.PathLike[str]) -> bool:
        return self.refusal(path) is None

    def read_text(self, path: str | os.PathLike[str], display: str, limit: int) -> tuple[str | None, Problem | None]:
        """A file's text, or the problem that says why it is not read (never its content)."""
        reason = self.refusal(path)
        if reason is not None:
            return None, Problem(Span(display, 1), f"not read: {display} is {reason}")
        return read_text(Path(path), display, limit)

    def describe(self) -> str:
        return ", ".join(self.roots) if self.roots else "(none)"


def work_tree(path: str) -> str:
    """The git work tree holding `path` (a `.git` directory or file, as worktrees and
    submodules have), else the path itself, or a file's directory. A real path.

    A directory given is the operator's choice and is followed; for a file the search
    starts where it is written, not where a symlink points: a file in a list of changed
    files that links out of its repository is then outside the root.
    """
    written = os.path.abspath(path)
    start = os.path.realpath(written) if os.path.isdir(written) else os.path.dirname(written)
    directory = start
    while True:
        if os.path.lexists(os.path.join(directory, _METADATA)):
            return os.path.realpath(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            return os.path.realpath(start)
        directory = parent


def _private(parts: list[str]) -> str | None:
    """Why files inside the project are still not read: they hold credentials, not code."""
    if _METADATA in parts:
        return "inside a .git directory (repository metadata)"
    # `.terraform` keeps the backend's settings and providers beside the downloaded modules.
    terraform = parts.index(".terraform") if ".terraform" in parts else -1
    if terraform >= 0 and parts[terraform + 1:terraform + 2] != ["modules"]:
        return "inside .terraform but not a downloaded module (backend settings, providers)"
    if parts[-1].endswith(_STATE):
        return "Terraform state (it holds secrets in plain text)"
    return None


def _within(real: str, root: str) -> bool:
    return real == root or real.startswith(root if root.endswith(os.sep) else root + os.sep)



def withheld(message: str) -> str:
    """A parser's message about a file that may not be IaC, with every quoted piece of
    the input taken out: errors name the file and line, never its text (a var-file or
    catalog option pointed at a secrets file must not print the secret)."""
    return _QUOTED.sub("(...)", message)
