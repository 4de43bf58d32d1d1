"""The referenced model version is Legacy: it has an end-of-life date.

A Legacy version still works, but AWS has set the date on which it stops, new customers
cannot use it, and accounts that stop using it for a while may lose access. Plan the
migration before the EOL date. With `--fail-within DAYS` the finding becomes an error once
the EOL date is at most that many days away, so the gate closes before the outage.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Finding, Reference
from .base import Context, finding, where

ID = "BDR002"
NAME = "model-legacy"
SEVERITY = "warning"


def check(ref: Reference, ctx: Context) -> Iterator[Finding]:
    phase = ctx.phase(ref)
    if phase is None or phase.state != "legacy":
        return
    yield finding(ctx, ID, ctx.escalated(phase, SEVERITY), ref,
                  f"{ref.model_id} is Legacy since {phase.legacy_date}{where(phase, ref.region)}; "
                  f"{ctx.eol_phrase(phase)}.")
