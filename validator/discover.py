"""Walk the paths given on the command line and classify every file by what it may hold."""

from __future__ import annotations

import codecs
import errno
import fnmatch
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

from .model import Problem, Span

if TYPE_CHECKING:
    from .confine import Gate

Kind = Literal["terraform", "tfvars", "tfjson", "structured"]

# Directories that hold tools' state or dependencies, never the code under review.
SKIP_DIRS = {".git", ".hg", ".svn", ".terraform", "node_modules", ".venv", "venv", "__pycache__",
             ".tox", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
STRUCTURED = (".json", ".yaml", ".yml", ".template")


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file to scan: where it is, how reports name it, and what kind of file it may be."""

    path: Path
    display: str
    kind: Kind


# YAML and JSON files that tools write beside templates and that are never templates: CDK's
# cloud-assembly, asset and construct-tree manifests, package manifests and lock files.
_NOT_TEMPLATES = frozenset({"manifest.json", "tree.json", "cdk.json", "cdk.context.json", "package.json",
                            "package-lock.json", "npm-shrinkwrap.json", "tsconfig.json", "composer.json"})


def not_a_template(name: str) -> bool:
    """A file name that tools give to other YAML or JSON (see _NOT_TEMPLATES, `*.assets.json`)."""
    lower = name.lower()
    return lower in _NOT_TEMPLATES or lower.endswith(".assets.json")


def classify(name: str) -> Kind | None:
    lower = name.lower()
    if lower.endswith(".tf"):
        return "terraform"
    if lower.endswith(".tf.json"):
        return "tfjson"
    if lower.endswith((".tfvars", ".tfvars.json")):
        return "tfvars"
    if lower.endswith(STRUCTURED):
        return "structured"
    return None


SkipHandler = Callable[[str, str], None]
"""Told `(display, reason)` for each file with an IaC name, or symlinked directory, not scanned."""


def discover(paths: Sequence[str], exclude: Sequence[str] = (),
             on_skip: SkipHandler | None = None, gate: Gate | None = None) -> Iterator[SourceFile]:
    """Every candidate file under `paths`, in a stable order; missing paths raise FileNotFoundError.

    Symlinked directories are not entered (no loops); a symlinked file, or a path given
    that is a symlink, is scanned only when the gate (default: the project root of
    `paths`) allows its target.
    """
    from .confine import Gate

    gate = gate or Gate.for_paths(paths)
    skip = on_skip or (lambda _display, _reason: None)
    seen: set[str] = set()
    for arg in paths:
        root = Path(arg)
        if not root.exists():
            raise FileNotFoundError(arg)
        refused = gate.refusal(root)
        if not root.is_dir():
            kind = classify(root.name)
            reason = (_unscannable(root) or refused) if kind else None
            if kind and reason:
                skip(arg, reason)
            elif kind and not _excluded(arg, exclude):
                yield SourceFile(root, arg, kind)
            continue
        if refused:
            skip(arg, refused)
            continue
        found = list(_walk(root, exclude, skip, gate))
        # A file reached as itself and through symlinks is reported under its own name:
        # that is the one a reviewer opens (an annotation on a symlink shows nothing).
        named: dict[str, SourceFile] = {}
        for entry, real, _ in sorted(found, key=lambda item: item[2]):
            named.setdefault(real, entry)
        for entry, real, _ in found:
            if named[real] is not entry:
                skip(entry.display, f"the same file as {named[real].display}")
            elif real not in seen:  # else given twice on the command line
                seen.add(real)
                yield entry


def _walk(root: Path, exclude: Sequence[str], skip: SkipHandler,
          gate: Gate) -> Iterator[tuple[SourceFile, str, bool]]:
    """Files under `root` with their real paths and whether they are symlinks, in a stable
    order: a directory's files, then its subdirectories', each by name.

    os.scandir's entries know from the directory listing whether a name is a regular file,
    a directory or a symlink: only symlinks and odd files cost a stat of their own.
    """
    real_root = root.resolve()
    pending = [(str(root), "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:
            continue
        subdirectories = []
        for entry in filter(_is_dir, entries):
            display = prefix + entry.name
            if entry.name in SKIP_DIRS or _excluded(display, exclude):
                continue
            if entry.is_symlink():
                skip(display, "symlinked directory: not followed")
            else:
                subdirectories.append((entry.path, display + "/"))
        for entry in entries:
            kind = None if _is_dir(entry) else classify(entry.name)
            display = prefix + entry.name
            if not kind or _excluded(display, exclude):
                continue
            path, link = Path(entry.path), entry.is_symlink()
            odd = link or not entry.is_file(follow_symlinks=False)
            reason = (_unscannable(path) or _escapes(path, gate)) if odd else None
            if reason:
                skip(display, reason)
            else:
                real = str(path.resolve()) if link else os.path.join(real_root, display)
                yield SourceFile(path, display, kind), real, link
        pending.extend(reversed(subdirectories))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _unscannable(path: Path) -> str | None:
    """Why a path cannot be read as a file, or None when it can."""
    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop"
        return "broken symlink" if path.is_symlink() else exc.strerror or str(exc)
    if stat.S_ISDIR(info.st_mode):
        return "a directory"
    if not stat.S_ISREG(info.st_mode):
        # Reading a FIFO waits for a writer forever; a device can stream without end.
        return "not a regular file (FIFO, socket or device)"
    return None


def _escapes(path: Path, gate: Gate) -> str | None:
    # A symlink out of the tree would let a pull request make the scan read, and quote in
    # its error messages, any file on the CI runner.
    refused = gate.refusal(path) if path.is_symlink() else None
    return f"symlink to a file {refused}: not followed" if refused else None


def _excluded(display: str, patterns: Sequence[str]) -> bool:
    parts = display.split("/")
    return any(fnmatch.fnmatch(display, p) or any(fnmatch.fnmatch(part, p) for part in parts) for p in patterns)


def read_text(path: Path, display: str, limit: int) -> tuple[str | None, Problem | None]:
    """A file's text, or the reason it cannot be read as text (a BDR000 problem)."""
    try:
        with _open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            # One byte past the limit: a file that grows after fstat is refused all the same.
            data = handle.read(limit + 1) if size <= limit else b""
    except (OSError, _Refused) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return None, Problem(Span(display, 1), f"cannot read file: {reason}")
    if max(size, len(data)) > limit:
        return None, Problem(Span(display, 1), f"file is {_size(max(size, len(data)))}, over the {_size(limit)} limit")
    return decode(data, display)


class _Refused(Exception):
    """A path that is there but is not read as a file."""


def _open_regular(path: Path) -> BinaryIO:
    reason = _unscannable(path)
    if reason:
        raise _Refused(reason)
    # O_NONBLOCK: should the path turn into a FIFO after the check, opening it does not hang.
    handle = os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb")
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise _Refused("not a regular file (FIFO, socket or device)")
    return handle


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.0f} KB"


# Byte-order marks of the encodings Windows editors and PowerShell's `>` write, with the codec
# that reads what follows the mark (`fix` writes the file back with the same mark and codec).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def split_bom(data: bytes) -> tuple[bytes, str]:
    """The byte-order mark `data` starts with (or b"") and the codec of the text after it."""
    return next(((bom, codec) for bom, codec in _BOMS if data.startswith(bom)), (b"", "utf-8"))


def decode(data: bytes, display: str) -> tuple[str | None, Problem | None]:
    """Text from bytes: UTF-8, or UTF-16/32 when a byte-order mark says so (models in them count)."""
    bom, encoding = split_bom(data)
    try:
        return data[len(bom):].decode(encoding), None
    except UnicodeDecodeError as exc:
        offset = len(bom) + exc.start  # in the file, as a hex dump shows it
        line = data.count(b"\n", 0, offset) + 1
        label = encoding.upper().rsplit("-", 1)[0] if bom and encoding != "utf-8" else "UTF-8"
        return None, Problem(Span(display, line), f"not {label} text (byte {offset})")
