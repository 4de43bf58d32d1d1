"""New provisioned throughput or a new customization job on a Legacy version.

Since 2026 Bedrock refuses to create provisioned throughput and fine-tuning jobs on a
Legacy base version (existing ones keep working until the end of life). In a Terraform
plan that creates the resource this is an error, since the apply will fail; in source code,
where iac-check cannot tell new from existing, it is a warning.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Finding, Reference
from .base import Context, finding

ID = "BDR008"
NAME = "provisioning-on-legacy"
SEVERITY = "warning"
PROVISIONING = {"provisioned": "provisioned throughput", "provisioned-custom": "provisioned throughput",
                "customization": "customization job"}


def check(ref: Reference, ctx: Context) -> Iterator[Finding]:
    phase = ctx.phase(ref)
    if phase is None or phase.state not in ("legacy", "extended-access") or ref.usage not in PROVISIONING:
        return
    if ref.action not in (None, "create") or not ref.direct:
        return
    severity = "error" if ref.action == "create" else SEVERITY
    yield finding(ctx, ID, severity, ref,
                  f"new {PROVISIONING[ref.usage]} on {ref.model_id}, Legacy since {phase.legacy_date}: "
                  "Bedrock refuses to create it.")
