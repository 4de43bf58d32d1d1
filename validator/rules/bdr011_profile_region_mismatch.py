"""A geographic inference profile is called from a region outside its geography.

A cross-region inference profile such as `eu.anthropic...` can only be called from a region of
its geography (`us.` from the US regions, `eu.` from the EU regions, `apac.`, `jp.`, `au.`,
`ca.`, `in.`, `us-gov.` likewise); Bedrock refuses the call from anywhere else, so the code
fails as soon as it runs. The region is the one the ARN names, else the provider's, else
`--region`. `global.` profiles and ARNs whose region is `*` can be called from any region.
Use the profile of the caller's geography, or call from a region of the profile's.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Finding, Reference
from ..modelid import GEOGRAPHY, in_geography
from .base import Context, finding

ID = "BDR011"
NAME = "profile-region-mismatch"
SEVERITY = "error"


def check(ref: Reference, ctx: Context) -> Iterator[Finding]:
    scope = ctx.scope(ref)
    if scope is None or scope.geo is None or scope.geo == "global" or scope.any_region or ref.region is None:
        return
    if ref.model_id is None or in_geography(scope.geo, ref.region):
        return
    fitting = [f"{geo}." for geo in GEOGRAPHY if in_geography(geo, ref.region)]
    instead = f"use the {' or '.join(fitting)} profile there" if fitting else "no geographic profile serves that region"
    yield finding(ctx, ID, SEVERITY, ref,
                  f"the {scope.geo}. inference profile of {ref.model_id} is called from {ref.region}, outside its "
                  f"geography: Bedrock refuses the call ({instead}, or call it from a region of its own).",
                  advise=False)
