"""What every rule shares: the context it may consult and the way it phrases a finding."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from ..catalog import Catalog, Phase
from ..model import Finding, Reference, Severity, Span
from ..modelid import EVERY_REGION, ModelRef, reach_of

RETIRING = ("legacy", "extended-access", "eol")


class Policy(Protocol):
    def denies(self, model_id: str) -> bool: ...


@dataclass
class Context:
    """What rules may consult: the catalog, the as-of date and the run's policy settings."""

    catalog: Catalog
    as_of: date
    fail_within: int = 0
    policy: Policy | None = None
    _phases: dict[tuple[str, str, str | None, str | None], Phase] = field(default_factory=dict)
    _scopes: dict[str, ModelRef | None] = field(default_factory=dict)

    def scope(self, ref: Reference) -> ModelRef | None:
        """The reference's text parsed for its geo prefix and a `*` ARN region."""
        if ref.raw is None:
            return None
        if ref.raw not in self._scopes:
            self._scopes[ref.raw] = reach_of(ref.raw)
        return self._scopes[ref.raw]

    def where_runs(self, ref: Reference) -> tuple[str | None, str | None]:
        """The region and reach the catalog is asked about: a `*` ARN region is no one region,
        and a profile's geography bounds the rows that apply (SPEC 5, Region)."""
        scope = self.scope(ref)
        if scope is None:
            return ref.region, None
        return (None if scope.any_region else ref.region), scope.reach

    def phase(self, ref: Reference) -> Phase | None:
        """The reference's lifecycle phase as of as-of; None when it names no model."""
        if ref.model_id is None:
            return None
        region, reach = self.where_runs(ref)
        key = (ref.model_id, ref.usage, region, reach)
        if key not in self._phases:
            self._phases[key] = self.catalog.phase(ref.model_id, ref.usage, region, self.as_of, reach)
        return self._phases[key]

    def replacement(self, ref: Reference) -> str | None:
        """The first version down the reference's replacement chain Active where it runs."""
        if ref.model_id is None:
            return None
        region, reach = self.where_runs(ref)
        return self.catalog.replacement(ref.model_id, self.as_of, region, reach)

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
    if phase.reach == EVERY_REGION:
        return f" in {regions_text(phase.regions)} (it can run in every region: the strictest row applies)"
    if phase.reach is not None:
        return f" in {regions_text(phase.regions)} (the regions of its {phase.reach}. profile)"
    if region is not None:
        return f" in {region}"
    return f" in {regions_text(phase.regions)} (the code sets no region: pass --region)"


def regions_text(regions: tuple[str, ...]) -> str:
    return ", ".join(regions[:6]) + (f" and {len(regions) - 6} more" if len(regions) > 6 else "")


def running_in(phase: Phase | None, region: str | None) -> str:
    """Where a reference runs, in words: its region, its profile's geography, or anywhere."""
    if phase is not None and phase.reach == EVERY_REGION:
        return "every region"
    if phase is not None and phase.reach is not None:
        return f"the {phase.reach}. geography"
    return region or "any region"


def finding(ctx: Context, rule_id: str, severity: Severity, ref: Reference, message: str,
            span: Span | None = None, advise: bool = True) -> Finding:
    """A finding about `ref`, with the lifecycle fields and the replacement filled in; the
    message names the replacement unless `advise` is False (a finding about something else)."""
    phase = ctx.phase(ref)
    replacement = ctx.replacement(ref)
    if advise and replacement is not None:
        message += f" Replace with {replacement}."
    elif advise and phase is not None and phase.state in RETIRING and ref.model_id is not None:
        message += _no_replacement(ctx, ref, phase)
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
        replacement=replacement,
        origin=ref.origin,
        attribute_line=ref.attribute_line,
        construct_path=ref.construct_path,
        fingerprint=fingerprint((span or ref.span).file, ref.resource, ref.attribute, rule_id, ref.model_id or ref.raw),
    )


def _no_replacement(ctx: Context, ref: Reference, phase: Phase) -> str:
    """Say plainly that there is nothing Active to move to, rather than name a retired model."""
    chain = ctx.catalog.replacement_chain(ref.model_id or "")
    if not chain:
        return " The catalog names no replacement for it."
    return (f" No version down its replacement chain ({' -> '.join(chain)}) is Active in "
            f"{running_in(phase, ctx.where_runs(ref)[0])} as of {ctx.as_of}.")
