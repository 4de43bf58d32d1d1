"""The rules: one module each, whose docstring is the rule's documentation.

A rule module defines `ID`, `NAME`, `SEVERITY` and `check(ref, ctx)`, which yields
findings for one model reference. Rules never parse and never compare dates themselves:
they ask the catalog for the reference's phase and phrase the answer.
"""

from __future__ import annotations

import inspect
import pkgutil
from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

from ..model import Finding, Reference
from .base import Context

# Every module named bdrNNN_* is a rule; adding a rule is adding a file.
RULES: tuple[ModuleType, ...] = tuple(
    import_module(f".{m.name}", __name__)
    for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
    if m.name.startswith("bdr")
)
BY_ID = {r.ID: r for r in RULES}


def explanation(rule: ModuleType) -> str:
    """The rule's documentation: its module docstring."""
    return inspect.cleandoc(rule.__doc__ or "")


def evaluate(refs: list[Reference], ctx: Context) -> Iterator[Finding]:
    """Run every reference rule over every reference."""
    for ref in refs:
        for rule in RULES:
            check = getattr(rule, "check", None)
            if check is not None:
                yield from check(ref, ctx)
