"""The catalog announces a future Legacy date for the referenced version.

The version is Active today, but AWS has announced when it becomes Legacy (and usually
its end of life). Nothing breaks yet; the note gives teams the time to plan.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Finding, Reference
from .base import Context, finding, where

ID = "BDR006"
NAME = "legacy-scheduled"
SEVERITY = "note"


def check(ref: Reference, ctx: Context) -> Iterator[Finding]:
    phase = ctx.phase(ref)
    if phase is None or phase.state != "active" or phase.scheduled_legacy is None:
        return
    eol = f", end of life {phase.eol_date}" if phase.eol_date else ""
    yield finding(ctx, ID, SEVERITY, ref,
                  f"{ref.model_id} becomes Legacy on {phase.scheduled_legacy}{where(phase, ref.region)}{eol}.")
