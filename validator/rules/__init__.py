"""The rules: one module each, whose docstring is the rule's documentation.

A rule module defines `ID`, `NAME`, `SEVERITY` and `check(ref, ctx)`, which yields
findings for one model reference. Rules never parse and never compare dates themselves:
they ask the catalog for the reference's phase and phrase the answer.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from types import ModuleType

from ..model import Finding, Reference
from . import (
    bdr000_parse_error,
    bdr001_model_end_of_life,
    bdr002_model_legacy,
    bdr003_commitment_outlives_model,
    bdr004_unknown_model,
    bdr005_unresolved_model_reference,
    bdr006_legacy_scheduled,
    bdr007_model_extended_access,
    bdr008_provisioning_on_legacy,
    bdr009_suppression_expired,
    bdr010_denied_model,
)
from .base import Context

RULES: tuple[ModuleType, ...] = (
    bdr000_parse_error,
    bdr001_model_end_of_life,
    bdr002_model_legacy,
    bdr003_commitment_outlives_model,
    bdr004_unknown_model,
    bdr005_unresolved_model_reference,
    bdr006_legacy_scheduled,
    bdr007_model_extended_access,
    bdr008_provisioning_on_legacy,
    bdr009_suppression_expired,
    bdr010_denied_model,
)
BY_ID = {r.ID: r for r in RULES}


def explanation(rule: ModuleType) -> str:
    """The rule's documentation: its module docstring."""
    return inspect.cleandoc(rule.__doc__ or "")


def evaluate(refs: list[Reference], ctx: Context, enabled: set[str] | None = None) -> Iterator[Finding]:
    """Run every reference rule over every reference."""
    for ref in refs:
        for rule in RULES:
            if enabled is not None and rule.ID not in enabled:
                continue
            check = getattr(rule, "check", None)
            if check is not None:
                yield from check(ref, ctx)
