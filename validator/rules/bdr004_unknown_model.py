"""A value looks like a Bedrock model ID or ARN, but the catalog does not know the model.

Often a typo, a version that never existed, or a model newer than the bundled catalog.
When a known ID is a small edit away, the finding is a warning that suggests it; otherwise
it is a note (add the model to a `--catalog` file if it is real).
"""

from __future__ import annotations

from collections.abc import Iterator
from difflib import get_close_matches

from ..model import Finding, Reference
from .base import Context, finding

ID = "BDR004"
NAME = "unknown-model"
SEVERITY = "note"


def check(ref: Reference, ctx: Context) -> Iterator[Finding]:
    phase = ctx.phase(ref)
    if phase is None or phase.state != "unknown":
        return
    close = get_close_matches(ref.model_id or "", ctx.catalog.ids(), n=1, cutoff=0.9)
    if close:
        yield finding(ctx, ID, "warning", ref, f"{ref.model_id} is not a known Bedrock model: did you mean {close[0]}?")
    else:
        yield finding(ctx, ID, SEVERITY, ref, f"{ref.model_id} is not in the lifecycle catalog.")
