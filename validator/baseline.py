"""Baselines: accept today's findings once, fail only on new ones (SPEC section 7).

A baseline file lists findings by `Finding.fingerprint` (file, resource, attribute, rule,
model), never by line, so editing around a known finding does not bring it back. It keeps
a count per fingerprint: a second reference with the same fingerprint is still new.
Suppressed findings are not recorded: when their suppression ends, they fail again.
A finding that applies to several module instances is recorded once per instance, each
with its own fingerprint, so a baseline is the same whether or not the report merges
instances into one finding per place, and a new instance of accepted code is still new.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from .discover import read_text
from .files import write_atomic
from .model import Finding, Instance, Report

FORMAT_VERSION = 1
MAX_BASELINE_BYTES = 50 * 1024 * 1024
_FINGERPRINT = re.compile(r"^[0-9a-f]{32}$")


class BaselineError(Exception):
    """A baseline file that cannot be read or written (exit code 2); the message names it."""


def document(report: Report) -> dict[str, Any]:
    """The baseline for a report: its unsuppressed findings, in a stable order for small diffs."""
    entries = sorted((_entry(f, i) for f in report.findings if not f.suppressed for i in f.every_instance),
                     key=lambda e: (e["file"], e["rule_id"], e["resource"] or "", e["fingerprint"]))
    return {"iac-check-baseline": FORMAT_VERSION, "as_of": report.as_of.isoformat(), "findings": entries}


def _entry(f: Finding, instance: Instance) -> dict[str, Any]:
    # Only the fingerprint matters; the rest lets a reviewer see what the baseline accepts.
    return {"fingerprint": instance.fingerprint, "rule_id": f.rule_id, "file": f.span.file,
            "resource": instance.resource, "attribute": f.attribute, "model_id": f.model_id or f.raw}


def write(report: Report, path: str) -> None:
    try:
        write_atomic(path, (json.dumps(document(report), indent=2) + "\n").encode("utf-8"))
    except OSError as exc:
        raise BaselineError(f"--write-baseline {path}: {exc.strerror or exc}") from None


def load(path: str) -> Counter[str]:
    """How many findings of each fingerprint the baseline accepts."""
    # read_text: a FIFO or device named here must not stall the run.
    text, problem = read_text(Path(path), path, MAX_BASELINE_BYTES)
    if text is None:
        raise BaselineError(f"--baseline {path}: {problem.message if problem else 'cannot read'}")
    try:
        data = json.loads(text)
    except ValueError as exc:  # json's messages give the place, never the text
        raise BaselineError(f"--baseline {path}: not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("iac-check-baseline") != FORMAT_VERSION:
        raise BaselineError(f"--baseline {path}: not an iac-check baseline (version {FORMAT_VERSION})")
    entries = data.get("findings")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) and _FINGERPRINT.match(e["fingerprint"])
        for e in entries
    ):
        raise BaselineError(f"--baseline {path}: findings must be a list of objects with a 32-hex fingerprint")
    return Counter(e["fingerprint"] for e in entries)


def apply(report: Report, accepted: Counter[str]) -> Report:
    """The report without the findings the baseline accepts, which it counts instead.

    A finding stays, with only the instances the baseline does not list, while any of
    its instances is new.
    """
    left = Counter(accepted)
    kept: list[Finding] = []
    for f in report.findings:
        new = [i for i in f.every_instance if f.suppressed or not _take(left, i.fingerprint)]
        if len(new) == len(f.every_instance):
            kept.append(f)
        elif new:
            kept.append(replace(f, resource=new[0].resource, fingerprint=new[0].fingerprint,
                                instances=tuple(new) if len(new) > 1 else ()))
    return replace(report, findings=tuple(kept), baseline_matched=len(report.findings) - len(kept))


def _take(left: Counter[str], fingerprint: str) -> bool:
    """Whether the baseline still accepts one finding of this fingerprint (and count it)."""
    if left[fingerprint] <= 0:
        return False
    left[fingerprint] -= 1
    return True
