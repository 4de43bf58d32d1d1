"""`iac-check timeline`: when each model the code references changes phase (SPEC section 2).

For every model version the code uses (per usage and region, since the dates differ by
both), the catalog's legacy, extended-access and EOL dates that fall within the next N
days of as-of, soonest first. The markdown report draws the same data as a gantt chart.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .catalog import Catalog
from .model import LifecycleState, Reference, Span, Usage
from .report.safe import clean, no_workflow_commands
from .rules.base import Context

PHASE_NAMES: dict[str, str] = {"legacy": "Legacy", "extended-access": "extended access", "eol": "end of life"}


@dataclass(frozen=True)
class Change:
    """The day a version enters a phase."""

    day: date
    phase: LifecycleState


@dataclass(frozen=True)
class ModelTimeline:
    """One model version as one usage in one region uses it, with where the code references it."""

    model_id: str
    name: str | None
    usage: Usage
    region: str | None
    regions: tuple[str, ...] | None
    state: LifecycleState
    legacy_date: date | None
    extended_access_date: date | None
    eol_date: date | None
    replacement: str | None
    places: tuple[Span, ...]
    changes: tuple[Change, ...]
    eol_not_before: date | None = None

    @property
    def next_change(self) -> date:
        return self.changes[0].day if self.changes else date.max


@dataclass(frozen=True)
class Timeline:
    as_of: date
    days: int
    models: tuple[ModelTimeline, ...]

    @property
    def until(self) -> date:
        return self.as_of + timedelta(days=self.days)

    def events(self) -> list[tuple[Change, ModelTimeline]]:
        """Every phase change in the window, soonest first."""
        pairs = [(c, m) for m in self.models for c in m.changes]
        return sorted(pairs, key=lambda p: (p[0].day, p[1].model_id, p[1].usage, p[1].region or ""))


def build(references: Iterable[Reference], catalog: Catalog, as_of: date, days: int) -> Timeline:
    """The timeline of every resolved model reference; models changing soonest come first."""
    groups: dict[tuple[str, Usage, str | None, str | None], list[Span]] = defaultdict(list)
    reads = Context(catalog, as_of)  # where a reference runs, read as the rules read it
    for ref in references:
        if ref.model_id is not None:
            groups[(ref.model_id, ref.usage, *reads.where_runs(ref))].append(ref.span)
    end = as_of + timedelta(days=days)
    models = [_model(catalog, key, spans, as_of, end) for key, spans in groups.items()]
    models.sort(key=lambda m: (m.next_change, m.model_id, m.usage, m.region or ""))
    return Timeline(as_of, days, tuple(models))


def _model(catalog: Catalog, key: tuple[str, Usage, str | None, str | None], spans: list[Span],
           as_of: date, end: date) -> ModelTimeline:
    model_id, usage, region, reach = key
    phase = catalog.phase(model_id, usage, region, as_of, reach)
    dated: tuple[tuple[LifecycleState, date | None], ...] = (
        ("legacy", phase.legacy_date), ("extended-access", phase.extended_access_date), ("eol", phase.eol_date))
    changes = sorted((Change(day, name) for name, day in dated if day is not None and as_of <= day <= end),
                     key=lambda c: c.day)
    return ModelTimeline(
        model_id=model_id,
        name=phase.entry.name if phase.entry else None,
        usage=usage,
        region=region,
        regions=phase.regions if region is None else None,
        state=phase.state,
        legacy_date=phase.legacy_date,
        extended_access_date=phase.extended_access_date,
        eol_date=phase.eol_date,
        replacement=catalog.replacement(model_id, as_of, region, reach),
        places=tuple(sorted(set(spans), key=lambda s: (s.file, s.line))),
        changes=tuple(changes),
        eol_not_before=phase.eol_not_before,
    )


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def document(timeline: Timeline) -> dict[str, Any]:
    """The `--format json` shape: the window, the changes in order, and every model."""
    return {
        "as_of": timeline.as_of.isoformat(),
        "days": timeline.days,
        "until": timeline.until.isoformat(),
        "changes": [
            {"date": c.day.isoformat(), "days_left": (c.day - timeline.as_of).days, "phase": c.phase,
             "model_id": m.model_id, "usage": m.usage, "region": m.region}
            for c, m in timeline.events()
        ],
        "models": [
            {"model_id": m.model_id, "name": m.name, "usage": m.usage, "region": m.region,
             "regions": list(m.regions) if m.regions else None, "state": m.state,
             "legacy_date": _day(m.legacy_date), "extended_access_date": _day(m.extended_access_date),
             "eol_date": _day(m.eol_date), "eol_not_before": _day(m.eol_not_before), "replacement": m.replacement,
             "references": [{"file": s.file, "line": s.line} for s in m.places]}
            for m in timeline.models
        ],
    }


def render_json(timeline: Timeline) -> str:
    return json.dumps(document(timeline), indent=2) + "\n"


def render_text(timeline: Timeline) -> str:
    """A terminal table of the changes in the window, then the models that do not change in it."""
    head = f"Model phase changes from {timeline.as_of} to {timeline.until} ({timeline.days} days)"
    rows: list[tuple[str, ...]] = [("DATE", "IN", "MODEL", "BECOMES", "USAGE", "REGION", "REFERENCED AT")]
    rows += [(c.day.isoformat(), f"{(c.day - timeline.as_of).days}d", clean(m.model_id), PHASE_NAMES[c.phase],
              m.usage, clean(m.region) or "any", _places(m)) for c, m in timeline.events()]
    lines = [head, ""]
    lines += _table(rows) if len(rows) > 1 else ["No model the code references changes phase in this window."]
    quiet = [m for m in timeline.models if not m.changes]
    if quiet:
        lines += ["", "No change in the window:"]
        lines += [f"  {clean(m.model_id)} ({m.usage}, {clean(m.region) or 'any region'}): {m.state}"
                  f"{_eol_note(m)} — {_places(m)}" for m in quiet]
    return no_workflow_commands("\n".join(lines) + "\n")


def _eol_note(m: ModelTimeline) -> str:
    if m.eol_date:
        return f", end of life {m.eol_date}"
    return f", EOL no sooner than {m.eol_not_before}" if m.eol_not_before else ""


def _places(m: ModelTimeline) -> str:
    shown = ", ".join(f"{clean(s.file)}:{s.line}" for s in m.places[:3])
    return shown + (f" and {len(m.places) - 3} more" if len(m.places) > 3 else "")


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)) + "  " + r[-1] for r in rows]
