"""The version is retiring in other regions, and nothing is announced where it runs.

AWS lists Legacy and EOL dates per region, and a version can stay Active in regions a row does
not name; or it was retired there without a row the catalog knows. When the version has rows
for other regions only, the reference is not silently Active: this note says where the version
is retired or retiring and that nothing is announced for the reference's region (or its
profile's geography). Check the region with `iac-check catalog sync --region R`, which reads
Bedrock's own lifecycle answer there.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog import Phase
from ..model import Finding, Reference
from .base import Context, finding, regions_text, running_in

ID = "BDR012"
NAME = "lifecycle-not-announced-here"
SEVERITY = "note"


def check(ref: Reference, ctx: Context) -> Iterator[Finding]:
    phase = ctx.phase(ref)
    if phase is None or phase.state != "active" or phase.elsewhere is None:
        return
    elsewhere = phase.elsewhere
    where = regions_text(elsewhere.regions) if elsewhere.regions else "other regions"
    region = running_in(phase, ctx.where_runs(ref)[0])
    yield finding(ctx, ID, SEVERITY, ref,
                  f"{ref.model_id} {_announced(elsewhere)} in {where}; nothing is announced for {region}: "
                  f"it may still be offered there or be retired without a published date "
                  f"(check with `iac-check catalog sync`).")


def _announced(phase: Phase) -> str:
    """What rows elsewhere say, in the words of the phase they put the version in."""
    eol = f"end of life {phase.eol_date}" if phase.eol_date else "no EOL date published"
    if phase.state == "eol":
        return f"reached end of life on {phase.eol_date}"
    if phase.state == "extended-access":
        return f"is in public extended access since {phase.extended_access_date} ({eol})"
    if phase.state == "legacy":
        return f"is Legacy since {phase.legacy_date} ({eol})"
    if phase.scheduled_legacy is not None:
        return f"becomes Legacy on {phase.scheduled_legacy} ({eol})"
    return f"reaches {eol}"
