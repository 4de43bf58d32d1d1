"""What every rule shares: the context it may consult and the way it phrases a finding."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from ..catalog import Catalog, Phase
from ..model import Finding, Reference, Severity, Span


class Policy(Protocol):
    def denies(self, model_id: str) -> bool: ...


@dataclass
class Context:
    """What rules may consult: the catalog, the as-of date and the run's policy settings."""

    catalog: Catalog
    as_of: date
    fail_within: int = 0
    policy: Policy | None = None
    _phases: dict[tuple[str, str, str | None], Phase] = field(default_factory=dict)

    def phase(self, ref: Reference) -> Phase | None:
        """The reference's lifecycle phase as of as-of; None when it names no model."""
        if ref.model_id is None:
            return None
        key = (ref.model_id, ref.usage, ref.region)
        if key not in self._phases:
            self._phases[key] = self.catalog.phase(ref.model_id, ref.usage, ref.region, self.as_of)
        return self._phases[key]

    def days_left(self, phase: Phase) -> int | None:
        return None if phase.eol_date is None else (phase.eol_date - self.as_of).days

    def eol_phrase(self, phase: Phase) -> str:
        """"end of life DATE (N days left)", or that no date is published yet."""
        days = self.days_left(phase)
        if days is None:
            return "no EOL date is published yet"
        return f"end of life {phase.eol_date} ({days} days left)"

    def escalated(self, phase: Phase, severity: Severity) -> Severity:
        """`--fail-within`: a version at most that many days from its EOL is an error."""
        days = self.days_left(phase)
        return "error" if days is not None and days <= self.fail_within else severity


def fingerprint(file: str, resource: str | None, attribute: str | None, rule_id: str, model: str | None) -> str:
    """Stable across line moves, distinct across files (SPEC section 7)."""
    key = "\x1f".join([file, resource or "", attribute or "", rule_id, model or ""])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def where(phase: Phase, region: str | None) -> str:
    """How a region-scoped lifecycle row is qualified in a message."""
    if phase.regions is None:
        return ""
    if region is not None:
        return f" in {region}"
    shown = ", ".join(phase.regions[:6]) + (f" and {len(phase.regions) - 6} more" if len(phase.regions) > 6 else "")
    return f" in {shown} (the code sets no region: pass --region)"


def finding(ctx: Context, rule_id: str, severity: Severity, ref: Reference, message: str,
            span: Span | None = None) -> Finding:
    """A finding about `ref`, with the lifecycle fields and the replacement filled in."""
    phase = ctx.phase(ref)
    replacement = ctx.catalog.replacement(ref.model_id, ctx.as_of, ref.region) if ref.model_id else None
    if replacement and replacement != ref.model_id:
        state = ctx.catalog.phase(replacement, ref.usage, ref.region, ctx.as_of).state
        # The chain ends at a version that is not Active either: say so rather than send
        # a team to another retired model.
        message += f" Replace with {replacement}." if state == "active" else \
            f" Its recommended replacement {replacement} is not Active either ({state})."
    return Finding(
        rule_id=rule_id,
        severity=severity,
        message=message,
        span=span or ref.span,
        resource=ref.resource,
        attribute=ref.attribute,
        model_id=ref.model_id,
        raw=ref.raw,
        usage=ref.usage,
        region=ref.region,
        lifecycle=phase.state if phase else None,
        legacy_date=phase.legacy_date if phase else None,
        extended_access_date=phase.extended_access_date if phase else None,
        eol_date=phase.eol_date if phase else None,
        replacement=replacement if replacement != ref.model_id else None,
        origin=ref.origin,
        attribute_line=ref.attribute_line,
        construct_path=ref.construct_path,
        fingerprint=fingerprint((span or ref.span).file, ref.resource, ref.attribute, rule_id, ref.model_id or ref.raw),
    )
