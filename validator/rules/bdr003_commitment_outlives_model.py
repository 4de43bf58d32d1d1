"""A provisioned-throughput commitment would run past the model's end of life.

Bedrock sells a one-month or six-month commitment for a model version only if the term
ends before the version's EOL date for provisioned throughput (for a customized model: its
base model's date). The commitment is taken to start on the as-of date; the finding sits
on the `commitment_duration` line. A provisioned throughput without a commitment is not
affected.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date

from ..model import Finding, Reference
from .base import Context, finding

ID = "BDR003"
NAME = "commitment-outlives-model"
SEVERITY = "error"
TERMS = {"OneMonth": 1, "SixMonths": 6}


def add_months(start: date, months: int) -> date:
    """Calendar months: a term from 31 January ends on the last day of February."""
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def check(ref: Reference, ctx: Context) -> Iterator[Finding]:
    phase = ctx.phase(ref)
    if phase is None or phase.eol_date is None or ref.commitment not in TERMS:
        return
    end = add_months(ctx.as_of, TERMS[ref.commitment])
    if end <= phase.eol_date:
        return
    yield finding(ctx, ID, SEVERITY, ref,
                  f"a {ref.commitment} commitment on {ref.model_id} from {ctx.as_of} ends {end}, "
                  f"after its {ref.usage} end of life {phase.eol_date}: Bedrock will not sell it.",
                  span=ref.commitment_span)
