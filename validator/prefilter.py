"""Decide cheaply which Terraform module trees can hold a model reference at all.

Parsing HCL costs milliseconds per file; reading and lower-casing it costs microseconds.
A reference needs either a Bedrock resource type or a model ID/ARN written as text
somewhere its value can come from: the module's own files, the modules it calls, the
files it reads with file()/templatefile(), or values given on the command line. A root
module whose whole tree has none of that text cannot produce a finding and is not parsed
(nor is a syntax error in it reported: it cannot hide a model).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from .discover import classify, decode
from .modelid import PROVIDERS
from .terraform.load import read_manifest

# `bedrock` covers every Bedrock resource type and ARN; the provider prefixes cover model
# IDs written anywhere; Lex and Wisdom resources hold models under other names.
NEEDLES = (b"bedrock", b"lex_bot", b"wisdom_", *(p.encode() + b"." for p in PROVIDERS))
_MODULE_SOURCE = re.compile(rb'"?source"?\s*[=:]\s*"(\.{1,2}/[^"]*)"')
_READ_FILE = re.compile(rb'(?:templatefile|file)\(\s*"(?:\$\{path\.module\}/)?([^"$]+)"')
MAX_READ = 10 * 1024 * 1024


def mentions_model(data: bytes) -> bool:
    low = data.lower()
    return any(needle in low for needle in NEEDLES)


def _read(path: Path) -> bytes | None:
    """A file's bytes for the needle test (UTF-16/32 re-encoded); None when it cannot be read,
    which counts as a hit: the parser then reports the file instead of it being skipped."""
    try:
        if not path.is_file():  # a FIFO named in file() would block the scan for ever
            return b""
        with path.open("rb") as handle:
            data = handle.read(MAX_READ)
    except OSError:
        return None
    if data[:1] in (b"\xff", b"\xfe", b"\x00"):
        text, _ = decode(data, path.name)
        return text.encode() if text is not None else data
    return data


def _inside(directory: Path, name: bytes) -> Path | None:
    """A file() argument as a path inside the module's directory, else None (loops included)."""
    try:
        target = (directory / name.decode(errors="replace")).resolve()
        return target if target.is_relative_to(directory.resolve()) else None
    except (OSError, RuntimeError):
        return None


class ModuleGraph:
    """Which directories call which, and which hold model-related text, read without parsing."""

    def __init__(self) -> None:
        self.calls: dict[Path, list[Path]] = {}
        self.hits: dict[Path, bool] = {}

    def visit(self, directory: Path) -> None:
        pending = [Path(os.path.normpath(directory))]
        while pending:
            current = pending.pop()
            if current in self.calls:
                continue
            children, hit = self._scan(current)
            self.calls[current], self.hits[current] = children, hit
            pending.extend(children)

    def _scan(self, directory: Path) -> tuple[list[Path], bool]:
        try:
            files = [p for p in directory.iterdir() if p.is_file()]
        except OSError:
            return [], False
        read = [_read(p) for p in files if classify(p.name) in ("terraform", "tfjson", "tfvars")]
        texts = [t for t in read if t is not None]
        # The `in` tests are much cheaper than the regexes, and most files call no module.
        children = [Path(os.path.normpath(directory / m.decode(errors="replace")))
                    for t in texts if b"source" in t for m in _MODULE_SOURCE.findall(t)]
        targets = [_inside(directory, m) for t in texts if b"file(" in t for m in _READ_FILE.findall(t)]
        read += [_read(target) for target in targets if target is not None]
        return children, any(t is None or mentions_model(t) for t in read)

    def closure(self, root: Path) -> set[Path]:
        # Modules `terraform init` downloaded hold code the root runs.
        seen, pending = set(), [root, *read_manifest(root).values()]
        while pending:
            current = Path(os.path.normpath(pending.pop()))
            if current not in seen:
                seen.add(current)
                self.visit(current)
                pending.extend(self.calls.get(current, []))
        return seen


def relevant_roots(directories: Iterable[Path], always: bool) -> tuple[list[Path], set[Path]]:
    """The root modules worth resolving, and every directory their trees span."""
    graph = ModuleGraph()
    ordered = [Path(os.path.normpath(d)) for d in directories]
    for d in ordered:
        graph.visit(d)
    # A module calling itself is no caller; modules that only call each other (Terraform
    # refuses both) are still scanned, from the first of them.
    called = {c for d, children in graph.calls.items() for c in children if c != d}
    candidates = [d for d in ordered if d not in called] + [d for d in ordered if d in called]
    roots, spanned, covered = [], set(), set()
    for root in candidates:
        if root in covered:
            continue
        tree = graph.closure(root)
        covered |= tree
        if always or any(graph.hits.get(d) for d in tree):
            roots.append(root)
            spanned |= tree
    return roots, spanned
