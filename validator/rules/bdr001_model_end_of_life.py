"""The referenced model version has reached its end of life.

Past the EOL date every request to the version fails: the agent, knowledge base or
application that uses it stops working. The date is the one for this usage (on-demand,
provisioned throughput, customized model) and region; a row AWS publishes for some regions
applies only there. Move to the replacement the message names.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Finding, Reference
from .base import Context, finding, where

ID = "BDR001"
NAME = "model-end-of-life"
SEVERITY = "error"


def check(ref: Reference, ctx: Context) -> Iterator[Finding]:
    phase = ctx.phase(ref)
    if phase is None or phase.state != "eol":
        return
    observed = " (observed: AWS listed it as end of life by then)" if phase.confidence == "observed" else ""
    yield finding(ctx, ID, SEVERITY, ref,
                  f"{ref.model_id} reached end of life on {phase.eol_date}{where(phase, ref.region)}{observed}: "
                  f"{ref.usage} requests to it fail.")
