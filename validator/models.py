"""`iac-check models`: the catalog as of a date, or one model ID or ARN explained."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from .catalog import Catalog, Entry, Phase, Row
from .model import Reference, Span
from .modelid import parse_model
from .report.safe import clean
from .rules import evaluate
from .rules.base import Context

STATES = ("active", "legacy", "extended-access", "eol")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _row(entry: Entry, phase: Phase, replacement: str | None, user: bool) -> dict[str, Any]:
    return {
        "id": entry.id,
        "name": entry.name,
        "provider": entry.provider,
        "state": phase.state,
        "legacy_date": _day(phase.legacy_date),
        "extended_access_date": _day(phase.extended_access_date),
        "eol_date": _day(phase.eol_date),
        "regions": list(phase.regions) if phase.regions else None,
        "eol_not_before": _day(entry.eol_not_before),
        "replacement": replacement,
        "user_catalog": user,
    }


def _dates(row: Row) -> dict[str, Any]:
    """A lifecycle row's facts as written: regions, dates, confidence and source URLs."""
    return {
        "regions": list(row.regions) if row.regions else "all",
        "legacy_date": _day(row.legacy),
        "extended_access_date": _day(row.extended_access),
        "eol_date": _day(row.eol),
        "eol_by_usage": {usage: day.isoformat() for usage, day in row.eol_by_usage},
        "confidence": row.confidence,
        "published_by": _day(row.changed_on()),
        "catalogued": _day(row.catalogued),
        "sources": [source.url for source in row.sources],
    }


def rows(catalog: Catalog, day: date, region: str | None, *, query: str | None = None,
         state: str | None = None, provider: str | None = None) -> list[dict[str, Any]]:
    """One row per catalog entry that passes the filters, as of `day`."""
    out = []
    for entry in catalog.entries:
        if entry.id.startswith("unmapped:") and query is None and state is None:
            continue
        phase = entry.phase("on-demand", region, day)
        if state and phase.state != state:
            continue
        if provider and provider.lower() not in entry.provider.lower():
            continue
        if query and query.lower() not in f"{entry.id} {entry.name} {' '.join(entry.aliases)}".lower():
            continue
        out.append(_row(entry, phase, catalog.replacement(entry.id, day, region),
                        entry.id in catalog.overrides))
    return out


def explain(catalog: Catalog, text: str, day: date, region: str | None) -> dict[str, Any] | None:
    """Normalisation and lifecycle of one ID or ARN, and the findings a scan would report for it
    used on demand (the rules run on it, so the two always agree); None when `text` names no
    model. The region is the ARN's, else `region`, as in a scan."""
    parsed = parse_model(text)
    if parsed is None or parsed.model_id is None:
        return None
    entry = catalog.find(parsed.model_id)
    ref = Reference(span=Span(text, 1), resource="", resource_type="", attribute="", raw=text,
                    model_id=parsed.model_id, usage="on-demand", region=parsed.region or region)
    ctx = Context(catalog, day)
    result: dict[str, Any] = {
        "input": text,
        "model_id": parsed.model_id,
        "kind": parsed.kind,
        "region": ref.region,
        "profile": f"{parsed.geo}." if parsed.geo else None,
        "custom_model_base": parsed.custom,
        "known": entry is not None,
        "findings": [{"rule_id": f.rule_id, "severity": f.severity, "lifecycle": f.lifecycle,
                      "eol_date": _day(f.eol_date), "replacement": f.replacement, "message": f.message}
                     for f in evaluate([ref], ctx)],
    }
    if entry is None:
        return result
    phase = ctx.phase(ref)
    result["entry"] = _row(entry, phase or entry.phase("on-demand", ref.region, day), ctx.replacement(ref),
                           entry.id in catalog.overrides)
    result["rows"] = [{"state": row.state("on-demand", day), **_dates(row)} for row in entry.lifecycle]
    return result


def changes(catalog: Catalog, since: date) -> dict[str, Any]:
    """Entries with a lifecycle row published on or after `since` (see `Row.changed_on`), or
    that the catalog took in since then (`catalogued`), and the entries with a row no dated
    source places in time, so the answer never hides them."""
    changed, undated = [], []
    for entry in catalog.entries:
        taken_in = entry.catalogued is not None and entry.catalogued >= since
        recent = [(day, row) for row in entry.lifecycle
                  if (day := _newest(row.changed_on(), row.catalogued)) is not None and day >= since]
        if recent or taken_in:
            days = [day for day, _ in recent] + ([entry.catalogued] if taken_in else [])
            changed.append({
                "id": entry.id,
                "name": entry.name,
                "date": max(day for day in days if day is not None).isoformat(),
                "catalogued": _day(entry.catalogued) if taken_in else None,
                "state": None if entry.lifecycle else "Active, no lifecycle dates",
                "eol_not_before": _day(entry.eol_not_before),
                "aliases": list(entry.aliases),
                "user_catalog": entry.id in catalog.overrides,
                "rows": [_dates(row) for row in ([row for _, row in recent] or entry.lifecycle)],
            })
        if any(row.changed_on() is None for row in entry.lifecycle):
            undated.append(entry.id)
    changed.sort(key=lambda change: (change["date"], change["id"]))
    return {"since": since.isoformat(), "changes": changed, "undated": undated}


def render_changes(found: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(found, indent=2)
    lines = [f"{'CHANGED':<10}  {'MODEL ID':<44} WHAT"]
    for change in found["changes"]:
        what = "; ".join([*_entry_what(change), *(_what(row) for row in change["rows"])])
        user = " (user catalog)" if change["user_catalog"] else ""
        lines.append(f"{change['date']:<10}  {change['id']:<44} {what}{user}")
    lines.append(f"changed since {found['since']}: {len(found['changes'])}; not placed in time "
                 f"(a lifecycle row with no dated source): {len(found['undated'])}")
    return "\n".join(lines)


def _newest(*days: date | None) -> date | None:
    return max((day for day in days if day is not None), default=None)


def _entry_what(change: dict[str, Any]) -> list[str]:
    """What an entry the catalog took in says beyond its rows."""
    if change["catalogued"] is None:
        return []
    facts = [change["state"]] if change["state"] else []
    facts += [f"EOL no sooner than {change['eol_not_before']}"] if change["eol_not_before"] else []
    facts += [f"also {', '.join(change['aliases'])}"] if change["aliases"] else []
    return [f"catalogued {change['catalogued']}" + (f": {', '.join(facts)}" if facts else "")]


def _what(row: dict[str, Any]) -> str:
    """One row's new facts in words: where, then each phase date it sets."""
    regions = row["regions"]
    where = "all regions" if regions == "all" else (
        ", ".join(regions) if len(regions) <= 4 else f"{len(regions)} regions")
    named = [("legacy", row["legacy_date"]), ("extended access", row["extended_access_date"]),
             ("EOL", row["eol_date"]), *((f"EOL {usage}", day) for usage, day in row["eol_by_usage"].items())]
    dates = ", ".join(f"{name} {day}" for name, day in named if day)
    return f"{where}: {dates or 'no dates'} ({row['confidence']})"


def render_rows(table: list[dict[str, Any]], fmt: str, day: date) -> str:
    if fmt == "json":
        return json.dumps({"as_of": day.isoformat(), "models": table}, indent=2)
    lines = [f"{'MODEL ID':<48} {'STATE':<16} {'LEGACY':<10} {'EOL':<10} REPLACEMENT"]
    for r in table:
        listed = r["regions"] or []
        regions = f"  [{', '.join(listed)}]" if len(listed) <= 4 else f"  [{len(listed)} regions]"
        regions = regions if listed else ""
        user = "  (user catalog)" if r["user_catalog"] else ""
        floor = f"  (EOL no sooner than {r['eol_not_before']})" if r["eol_not_before"] else ""
        lines.append(f"{r['id']:<48} {r['state']:<16} {r['legacy_date'] or '-':<10} {r['eol_date'] or '-':<10} "
                     f"{r['replacement'] or '-'}{regions}{floor}{user}")
    users = sum(r["user_catalog"] for r in table)
    lines.append(f"{len(table)} model{'' if len(table) == 1 else 's'} as of {day}"
                 + (f", {users} from user catalogs" if users else ""))
    return "\n".join(lines)


def render_explain(info: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(info, indent=2)
    lines = [f"{clean(info['input'])}", f"  model ID:  {info['model_id']} ({info['kind']}"
             + (", base of a custom model" if info["custom_model_base"] else "") + ")"]
    if info["region"]:
        lines.append(f"  region:    {info['region']}")
    if info["profile"]:
        lines.append(f"  profile:   {info['profile']} (cross-region inference profile)")
    if not info["known"]:
        lines.append("  not in the lifecycle catalog")
        return "\n".join([*lines, *_findings(info)])
    e = info["entry"]
    lines.append(f"  name:      {e['name']} ({e['provider']})"
                 + (", from a user catalog" if e["user_catalog"] else ""))
    lines.append(f"  state:     {e['state']}" + (f", replacement {e['replacement']}" if e["replacement"] else ""))
    if e["eol_not_before"]:
        lines.append(f"  EOL no sooner than {e['eol_not_before']} (the model card's floor, not an EOL date)")
    for row in info["rows"]:
        regions = row["regions"] if row["regions"] == "all" else ", ".join(row["regions"])
        published = row["published_by"] or "an undated source"
        lines.append(f"  - {regions}: legacy {row['legacy_date'] or '-'}, extended access "
                     f"{row['extended_access_date'] or '-'}, EOL {row['eol_date'] or '-'} "
                     f"({row['state']}, {row['confidence']}, published by {published})")
    return "\n".join([*lines, *_findings(info)])


def _findings(info: dict[str, Any]) -> list[str]:
    """What a scan would report for the model used on demand, one line per finding."""
    if not info["findings"]:
        return ["  a scan reports nothing for it (on demand)"]
    return ["  a scan reports (on demand):"] + [f"    {f['severity'].upper()} {f['rule_id']}: {clean(f['message'])}"
                                                for f in info["findings"]]
