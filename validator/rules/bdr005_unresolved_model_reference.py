"""A model attribute's value cannot be resolved statically.

The value comes from somewhere iac-check cannot follow: a variable with no default and no
value given, a dynamic reference resolved at deploy time, an attribute known only after
apply. The reference is reported rather than dropped, with what was missing, so a gate
never passes a model it did not see. Give the value with `--var`/`--parameter` to check it.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Finding, Reference
from .base import Context, finding

ID = "BDR005"
NAME = "unresolved-model-reference"
SEVERITY = "note"


def check(ref: Reference, ctx: Context) -> Iterator[Finding]:
    if ref.unresolved is None:
        return
    yield finding(ctx, ID, SEVERITY, ref, f"model in {ref.attribute} cannot be resolved: {ref.unresolved}.")
