"""A Terraform or CloudFormation file could not be read or parsed.

The file is infrastructure code by its extension or its content, but it cannot be parsed,
so any model it references is invisible to every other rule. The message names the file,
line and column where reading stopped. The rest of the scan goes on.
"""

from __future__ import annotations

from ..model import Finding, Problem
from .base import fingerprint

ID = "BDR000"
NAME = "parse-error"
SEVERITY = "error"


def from_problem(problem: Problem) -> Finding:
    return Finding(
        rule_id=ID,
        severity=SEVERITY,
        message=problem.message,
        span=problem.span,
        fingerprint=fingerprint(problem.span.file, None, None, ID, problem.message),
    )
