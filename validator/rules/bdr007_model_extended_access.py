"""The referenced model version is in public extended access.

Extended access is the last part of the Legacy period: the version still answers, but
the provider may raise its price, and the end-of-life date follows. With
`--fail-within DAYS` the finding becomes an error once the EOL date is at most that many
days away.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Finding, Reference
from .base import Context, finding, where

ID = "BDR007"
NAME = "model-extended-access"
SEVERITY = "warning"


def check(ref: Reference, ctx: Context) -> Iterator[Finding]:
    phase = ctx.phase(ref)
    if phase is None or phase.state != "extended-access":
        return
    yield finding(ctx, ID, ctx.escalated(phase, SEVERITY), ref,
                  f"{ref.model_id} is in public extended access since {phase.extended_access_date}"
                  f"{where(phase, ref.region)}: prices may rise; {ctx.eol_phrase(phase)}.")
