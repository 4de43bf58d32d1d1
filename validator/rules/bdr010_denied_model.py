"""The organisation's policy does not allow the referenced model.

The config's `deny:` list (model IDs or globs) forbids a model, or its
`allow:` list is set and does not include it. Teams use it to keep retired,
unapproved or too expensive models out of every account, whatever their lifecycle.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Finding, Reference
from .base import Context, finding

ID = "BDR010"
NAME = "denied-model"
SEVERITY = "error"


def check(ref: Reference, ctx: Context) -> Iterator[Finding]:
    if ctx.policy is None or ref.model_id is None or not ctx.policy.denies(ref.model_id):
        return
    yield finding(ctx, ID, SEVERITY, ref, f"{ref.model_id} is not allowed by the organisation's model policy.")
