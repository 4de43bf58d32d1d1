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
    days = ctx.days_left(phase)
    severity = "error" if days is not None and days <= ctx.fail_within else SEVERITY
    yield finding(ctx, ID, severity, ref,
                  f"{ref.model_id} is in public extended access since {phase.extended_access_date}{where(phase)}: "
                  f"prices may rise; end of life {phase.eol_date} ({days} days left).")
