"""A value looks like a Bedrock model ID or ARN, but the catalog does not know the model.

Often a typo, a version that never existed, or a model newer than the bundled catalog. When
the ID is a near-typo of a model that is Active where the reference runs (a letter or
punctuation slip, the same version numbers), the finding is a warning that suggests it. Any
other unknown ID is a note naming the catalog's date: a model newer than that is checked by
refreshing the dates with `iac-check catalog sync` (or adding it in a `--catalog` file). A
version that is not Active is never suggested, and a different version number is never taken
for a typo.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import Finding, Reference
from .base import Context, finding

ID = "BDR004"
NAME = "unknown-model"
SEVERITY = "note"
MAX_EDITS = 2
_NUMBERS = re.compile(r"\d+")


def check(ref: Reference, ctx: Context) -> Iterator[Finding]:
    phase = ctx.phase(ref)
    if phase is None or phase.state != "unknown" or ref.model_id is None:
        return
    typo = near_typo(ref.model_id, _active_ids(ref, ctx))
    if typo is not None:
        yield finding(ctx, ID, "warning", ref, f"{ref.model_id} is not a known Bedrock model: did you mean {typo}?")
        return
    yield finding(ctx, ID, SEVERITY, ref,
                  f"{ref.model_id} is not in the lifecycle catalog of {ctx.catalog.updated}: if it is newer, "
                  "`iac-check catalog sync` reads its lifecycle from Bedrock (or add it in a --catalog file).")


def _active_ids(ref: Reference, ctx: Context) -> list[str]:
    region, reach = ctx.where_runs(ref)
    return [model_id for model_id in ctx.catalog.ids()
            if ctx.catalog.phase(model_id, ref.usage, region, ctx.as_of, reach).state == "active"]


def near_typo(model_id: str, candidates: list[str]) -> str | None:
    """The one candidate at most MAX_EDITS edits away with the same version numbers (a changed
    digit is another version, not a slip), or None when there is none or more than one."""
    numbers = _NUMBERS.findall(model_id)
    close = {candidate for candidate in candidates
             if _NUMBERS.findall(candidate) == numbers and _edits(model_id, candidate) <= MAX_EDITS}
    return close.pop() if len(close) == 1 else None


def _edits(a: str, b: str) -> int:
    """Edit distance with adjacent transpositions, giving up past MAX_EDITS."""
    if abs(len(a) - len(b)) > MAX_EDITS:
        return MAX_EDITS + 1
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            cost = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        before, row = row, current
    return row[-1]
