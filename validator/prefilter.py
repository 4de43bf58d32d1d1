"""Decide cheaply which Terraform module trees can hold a model reference at all.

Parsing HCL costs milliseconds per file; reading and lower-casing it costs microseconds.
A reference needs either a Bedrock resource type or a model ID/ARN written as text
somewhere its value can come from: the module's own files, the modules it calls, the
files it reads with file()/templatefile(), or values given on the command line. A root
module whose whole tree has none of that text cannot produce a finding and is not parsed
(nor is a syntax error in it reported: it cannot hide a model).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from .confine import Gate
from .discover import classify, decode
from .modelid import PROVIDERS
from .terraform.load import read_manifest
from .workers import Workers

# `bedrock` covers every Bedrock resource type and ARN; the provider prefixes cover model
# IDs written anywhere; Lex and Wisdom resources hold models under other names.
NEEDLES = (b"bedrock", b"lex_bot", b"wisdom_", *(p.encode() + b"." for p in PROVIDERS))
# A model ID built from pieces never has `anthropic.` in the text: the provider is a
# variable's default, a list item for join(), a `!Join` or `!Sub` piece, or written with an
# escape. So a provider name standing alone as a word counts too (`"anthropic"`,
# `[amazon, ...]`, `meta}`), but not inside another word (`amazonaws`, `metadata`).
_PROVIDER_WORD = re.compile(rb"(?<![a-z0-9_-])(?:" + b"|".join(p.encode() for p in PROVIDERS) + rb")(?![a-z0-9_-])")
# An escape (`\u002e`, `\x2e`, `%2E`) can spell any character of a model ID, the dot included.
_ESCAPE = re.compile(rb"\\[uUx][0-9a-fA-F]{2}|%2e", re.I)
_MODULE_SOURCE = re.compile(rb'"?source"?\s*[=:]\s*"(\.{1,2}/[^"]*)"')
# Every function that reads a file or its name (file, filebase64, fileexists, fileset,
# filemd5, ..., templatefile), with its argument when that is a plain literal path.
_FILE_CALL = re.compile(rb'\b(?:templatefile|file[a-z0-9]*)\(\s*(?:"(?:\$\{path\.module\}/)?([^"$]+)"\s*[,)])?')
MAX_READ = 10 * 1024 * 1024


def mentions_model(data: bytes) -> bool:
    """Whether the text could hold a model reference, however it is spelled or assembled."""
    low = data.lower()
    return (any(needle in low for needle in NEEDLES) or _PROVIDER_WORD.search(low) is not None
            or _ESCAPE.search(data) is not None)


def _read(path: str | Path) -> bytes | None:
    """A file's bytes for the needle test (UTF-16/32 re-encoded); None when it cannot be read,
    which counts as a hit: the parser then reports the file instead of it being skipped."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO named in file() would block the scan
            return b""
        with open(path, "rb") as handle:
            data = handle.read(MAX_READ)
    except OSError as exc:
        # Missing is nothing to read; denied is a file the parser must report.
        return b"" if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP) else None
    if data[:1] in (b"\xff", b"\xfe", b"\x00"):
        text, _ = decode(data, os.path.basename(path))
        return text.encode() if text is not None else data
    return data


def _inside(directory: Path, name: bytes) -> Path | None:
    """A file() argument as a path inside the module's directory, else None (loops and
    paths leaving the directory included)."""
    try:
        target = (directory / name.decode(errors="replace")).resolve()
        return target if target.is_relative_to(directory.resolve()) else None
    except (OSError, RuntimeError):
        return None


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:  # a symlink loop, or a target we may not stat
        return False


def scan_directory(directory: Path) -> tuple[list[Path], bool]:
    """The local module directories `directory` calls, and whether its files (or the files
    they read with file()/templatefile()) hold model-related text. Reads, never parses."""
    try:
        with os.scandir(directory) as listing:
            names = [e.path for e in listing if classify(e.name) in ("terraform", "tfjson", "tfvars") and _is_file(e)]
    except OSError:
        return [], False
    read = [_read(name) for name in names]
    texts = [t for t in read if t is not None]
    # The `in` tests are much cheaper than the regexes, and most files call no local module.
    children = [Path(os.path.normpath(directory / m.decode(errors="replace")))
                for t in texts if b'".' in t and b"source" in t for m in _MODULE_SOURCE.findall(t)]
    # The parse may read any file in the project root, through `..` or an interpolated
    # path: a call whose target is not a literal file inside this directory counts as a hit.
    targets = [_inside(directory, m) if m else None for t in texts if b"file" in t for m in _FILE_CALL.findall(t)]
    read += [_read(target) if target is not None else None for target in targets]
    return children, any(t is None or mentions_model(t) for t in read)


class ModuleGraph:
    """Which directories call which, and which hold model-related text, read without parsing."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.calls: dict[Path, list[Path]] = {}
        self.hits: dict[Path, bool] = {}
        self._visited: set[Path] = set()

    def scan(self, directories: Sequence[Path], workers: Workers) -> None:
        """Read many directories at once (across processes when there are enough)."""
        todo = [d for d in directories if d not in self.calls]
        for directory, (children, hit) in zip(todo, workers.map(scan_directory, todo), strict=True):
            self.calls[directory], self.hits[directory] = children, hit

    def visit(self, directory: Path) -> None:
        pending = [Path(os.path.normpath(directory))]
        while pending:
            current = pending.pop()
            if current in self._visited:
                continue
            self._visited.add(current)
            if current not in self.calls and not self.gate.allows(current):
                # Outside the project root: not read, and its content unknown: the
                # resolver reports the call (BDR005).
                self.calls[current], self.hits[current] = [], True
            elif current not in self.calls:
                self.calls[current], self.hits[current] = scan_directory(current)
            pending.extend(self.calls[current])

    def closure(self, root: Path) -> set[Path]:
        # Modules `terraform init` downloaded hold code the root runs.
        seen, pending = set(), [root, *read_manifest(root, self.gate).values()]
        while pending:
            current = Path(os.path.normpath(pending.pop()))
            if current not in seen:
                seen.add(current)
                self.visit(current)
                pending.extend(self.calls.get(current, []))
        return seen


def relevant_roots(directories: Iterable[Path], always: bool, workers: Workers | None = None,
                   gate: Gate | None = None) -> tuple[list[Path], list[Path]]:
    """The root modules worth resolving, and every directory their trees span, in the order
    resolving the roots one after another will need them. Directories the gate (default:
    the project root of `directories`) refuses are not read."""
    ordered = [Path(os.path.normpath(d)) for d in directories]
    graph = ModuleGraph(gate or Gate.for_paths([str(d) for d in ordered]))
    graph.scan(ordered, workers or Workers(1))
    for d in ordered:
        graph.visit(d)
    # A module calling itself is no caller; modules that only call each other (Terraform
    # refuses both) are still scanned, from the first of them.
    called = {c for d, children in graph.calls.items() for c in children if c != d}
    candidates = [d for d in ordered if d not in called] + [d for d in ordered if d in called]
    roots, spanned, covered = [], {}, set()
    for root in candidates:
        if root in covered:
            continue
        tree = graph.closure(root)
        covered |= tree
        if always or any(graph.hits.get(d) for d in tree):
            roots.append(root)
            spanned.update(dict.fromkeys(sorted(tree)))
    return roots, list(spanned)
