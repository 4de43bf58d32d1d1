"""An inline or Metadata suppression has expired or is malformed.

A suppression's `until` date bounds how long a known finding may be ignored. Once the
date has passed (or when it cannot be read) the suppression stops working: the finding it
covered fails the gate again, and this note says which suppression to renew or remove.
"""

from __future__ import annotations

from ..model import Finding, Suppression
from .base import fingerprint

ID = "BDR009"
NAME = "suppression-expired"
SEVERITY = "note"


def from_suppression(sup: Suppression, problem: str) -> Finding:
    rules = ",".join(sup.rules) or "?"
    return Finding(
        rule_id=ID,
        severity=SEVERITY,
        message=f"suppression of {rules} no longer applies: {problem}.",
        span=sup.span,
        resource=sup.resource,
        fingerprint=fingerprint(sup.span.file, sup.resource, None, ID, rules),
    )
