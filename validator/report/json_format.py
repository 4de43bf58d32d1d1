"""The JSON report (SPEC section 8); its schema ships as `schemas/report.schema.json`."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from ..model import Finding, Mention, Origin, Reference, Report
from . import RenderOptions

SCHEMA_VERSION = "1"


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def origin(value: Origin | None) -> dict[str, Any] | None:
    if value is None:
        return None
    out: dict[str, Any] = {"file": value.file, "line": value.line, "chain": list(value.chain)}
    if value.steps:
        out["steps"] = [{"file": s.file, "line": s.line} for s in value.steps]
    return out


def finding(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule_id": f.rule_id,
        "severity": f.severity,
        "message": f.message,
        "file": f.span.file,
        "line": f.span.line,
        "column": f.span.column,
        "resource": f.resource,
        "attribute": f.attribute,
        "model_id": f.model_id,
        "raw": f.raw,
        "usage": f.usage,
        "region": f.region,
        "lifecycle": f.lifecycle,
        "legacy_date": _date(f.legacy_date),
        "extended_access_date": _date(f.extended_access_date),
        "eol_date": _date(f.eol_date),
        "replacement": f.replacement,
        "origin": origin(f.origin),
        "suppressed": f.suppressed,
        "suppression_reason": f.suppression_reason,
        "fingerprint": f.fingerprint,
        "instances": [i.resource for i in f.every_instance if i.resource is not None],
        "attribute_line": f.attribute_line,
        "construct_path": f.construct_path,
    }
    if f.fix is not None:
        out["fix"] = {"file": f.fix.file, "line": f.fix.line, "column": f.fix.column, "old": f.fix.old,
                      "new": f.fix.new}
    return out


def reference(r: Reference, lifecycle: str | None) -> dict[str, Any]:
    return {
        "file": r.span.file,
        "line": r.span.line,
        "column": r.span.column,
        "resource": r.resource,
        "attribute": r.attribute,
        "raw": r.raw,
        "model_id": r.model_id,
        "usage": r.usage,
        "region": r.region,
        "lifecycle": lifecycle or "unknown",
        "origin": origin(r.origin),
        "attribute_line": r.attribute_line,
        "construct_path": r.construct_path,
    }


def mention(m: Mention) -> dict[str, Any]:
    return {"file": m.span.file, "line": m.span.line, "column": m.span.column, "raw": m.raw, "reason": m.reason}


def document(report: Report) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "iac-check", "version": report.tool_version},
        "catalog": {
            "updated": report.catalog_updated.isoformat(),
            "entries": report.catalog_entries,
            "overrides": list(report.catalog_overrides),
        },
        "as_of": report.as_of.isoformat(),
        "summary": {
            "files_scanned": report.files_scanned,
            "references": len(report.references),
            "mentions": len(report.mentions),
            "errors": report.count("error"),
            "warnings": report.count("warning"),
            "notes": report.count("note"),
            "suppressed": report.suppressed,
            "baseline_matched": report.baseline_matched,
        },
        "findings": [finding(f) for f in report.findings],
        "references": [reference(r, report.lifecycles.get(r)) for r in report.references],
        "mentions": [mention(m) for m in report.mentions],
    }


def render(report: Report, options: RenderOptions) -> str:
    return json.dumps(document(report), indent=2) + "\n"
