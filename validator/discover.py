"""Walk the paths given on the command line and classify every file by what it may hold."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .model import Problem, Span

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


def discover(paths: Sequence[str], exclude: Sequence[str] = ()) -> Iterator[SourceFile]:
    """Every candidate file under `paths`, in a stable order; missing paths raise FileNotFoundError."""
    seen: set[Path] = set()
    for arg in paths:
        root = Path(arg)
        if not root.exists():
            raise FileNotFoundError(arg)
        if root.is_file():
            kind = classify(root.name)
            if kind and not _excluded(arg, exclude):
                yield SourceFile(root, arg, kind)
            continue
        for found in _walk(root, exclude):
            real = found.path.resolve()
            if real not in seen:
                seen.add(real)
                yield found


def _walk(root: Path, exclude: Sequence[str]) -> Iterator[SourceFile]:
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIP_DIRS and not (base / d).is_symlink()
            and not _excluded(_display(root, base / d), exclude)
        )
        for name in sorted(filenames):
            kind = classify(name)
            path = base / name
            display = _display(root, path)
            if kind and not _excluded(display, exclude) and path.is_file():
                yield SourceFile(path, display, kind)


def _display(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _excluded(display: str, patterns: Sequence[str]) -> bool:
    parts = display.split("/")
    return any(fnmatch.fnmatch(display, p) or any(fnmatch.fnmatch(part, p) for part in parts) for p in patterns)


def read_text(path: Path, display: str, limit: int) -> tuple[str | None, Problem | None]:
    """A file's text, or the reason it cannot be read as text (a BDR000 problem)."""
    try:
        size = path.stat().st_size
        if size > limit:
            mb = 1024 * 1024
            message = f"file is {size / mb:.0f} MB, over the {limit / mb:.0f} MB limit"
            return None, Problem(Span(display, 1), message)
        data = path.read_bytes()
    except OSError as exc:
        return None, Problem(Span(display, 1), f"cannot read file: {exc.strerror or exc}")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, Problem(Span(display, line), f"not UTF-8 text (byte {exc.start})")
