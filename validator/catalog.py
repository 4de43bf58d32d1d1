"""The Bedrock model lifecycle catalog: load it, check it, and answer phase questions.

`Catalog.phase` is the one place that compares lifecycle dates with as-of (SPEC 1), so rules,
reports and commands all agree on what Legacy, extended access and EOL mean.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from pathlib import Path
from typing import Any, Literal

from validator.model import LifecycleState, Usage
from validator.modelid import EVERY_REGION, in_geography
from validator.policydata import PolicyDataError, bundled, load_yaml, validate

Confidence = Literal["confirmed", "observed"]

BUNDLED = "bedrock-lifecycle.yaml"
SCHEMA = "catalog.schema.json"
UNMAPPED = "unmapped:"
"""Prefix of a documented version whose model ID is unknown: listed, but never matched."""

_RANK: dict[str, int] = {"active": 0, "legacy": 1, "extended-access": 2, "eol": 3}
# A usage without its own EOL date borrows these, in order, before the row's EOL (SPEC 1):
# a customization job runs on the on-demand base model; custom PT is PT on that base.
_EOL_KEYS: dict[str, tuple[str, ...]] = {
    "on-demand": ("on-demand",),
    "customization": ("on-demand",),
    "provisioned": ("provisioned",),
    "provisioned-custom": ("provisioned-custom", "provisioned"),
}


class CatalogError(Exception):
    """A catalog file that cannot be used; the message names the file (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where a row's dates come from; `published` is the source's `date` when known."""

    url: str
    published: date | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """The lifecycle dates of a version in some regions (`regions` None: every region)."""

    regions: tuple[str, ...] | None
    legacy: date | None
    extended_access: date | None
    eol: date | None
    eol_by_usage: tuple[tuple[str, date], ...]
    confidence: Confidence
    note: str | None
    sources: tuple[Source, ...]
    changed: date | None = None
    catalogued: date | None = None

    def changed_on(self) -> date | None:
        """The day by which these dates were published: the written `changed` date, else the
        earliest dated source; None when no source is dated, since guessing would mislead."""
        published = (source.published for source in self.sources if source.published is not None)
        return self.changed or min(published, default=None)

    def eol_for(self, usage: Usage) -> date | None:
        """The EOL date for a usage: its own date, a borrowed one, else the row's."""
        by_usage = dict(self.eol_by_usage)
        return next((by_usage[key] for key in _EOL_KEYS[usage] if key in by_usage), self.eol)

    def state(self, usage: Usage, as_of: date) -> LifecycleState:
        """The phase on as-of; an unknown date never moves a version on (SPEC 1)."""
        eol = self.eol_for(usage)
        if eol is not None and eol <= as_of:
            return "eol"
        if self.extended_access is not None and self.extended_access <= as_of:
            return "extended-access"
        if self.legacy is not None and self.legacy <= as_of:
            return "legacy"
        return "active"


@dataclass(frozen=True, slots=True)
class Phase:
    """Where a version stands for one usage, region and as-of date; rules phrase this.

    `regions` are those of the row applied (None: every region); `region_known` is False when
    the region was not given and the version's rows differ by region, so a finding must say
    which regions it is about. `scheduled_legacy` is a legacy date still ahead (BDR006).
    `reach` is set when the reference can run in more than one region (a geo profile without a
    region of its geography, a `global.` profile or a `*` ARN: modelid.EVERY_REGION); then the
    strictest row within that reach applies and `regions` are its regions there. `elsewhere` is
    the strictest phase of rows for other regions when none applies here (BDR012).
    """

    state: LifecycleState
    entry: Entry | None = field(default=None, repr=False)
    legacy_date: date | None = None
    extended_access_date: date | None = None
    eol_date: date | None = None
    regions: tuple[str, ...] | None = None
    region_known: bool = True
    confidence: Confidence | None = None
    scheduled_legacy: date | None = None
    eol_not_before: date | None = None
    reach: str | None = None
    elsewhere: Phase | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One model version: its ids, recommended replacement and lifecycle rows."""

    id: str
    name: str
    provider: str
    aliases: tuple[str, ...] = ()
    replacement: str | None = None
    eol_not_before: date | None = None
    lifecycle: tuple[Row, ...] = ()
    catalogued: date | None = None
    sources: tuple[Source, ...] = ()
    profiles: tuple[str, ...] = ()
    """Geo prefixes of the cross-region inference profiles that serve this version (`us`, `eu`, ...)."""

    def phase(self, usage: Usage, region: str | None, as_of: date, reach: str | None = None) -> Phase:
        """The phase of this version in `region`, or within `reach` (see Phase) when the
        reference can run in more than the one region. Where no row applies it is Active, and
        `elsewhere` says what rows for other regions announce."""
        if reach is not None and (reach == EVERY_REGION or region is None or not in_geography(reach, region)):
            within = [(row, _within(row, reach)) for row in self.lifecycle]
            found = _strictest([(row, regions) for row, regions in within if regions != ()], usage, as_of)
            return self._phase(found, usage, as_of, region_known=False, reach=reach)
        if region is None:
            found = _strictest([(row, row.regions) for row in self.lifecycle], usage, as_of)
            return self._phase(found, usage, as_of,
                               region_known=all(row.regions is None for row in self.lifecycle))
        listed = (row for row in self.lifecycle if row.regions and region in row.regions)
        everywhere = (row for row in self.lifecycle if row.regions is None)
        row = next(chain(listed, everywhere), None)
        return self._phase(None if row is None else (row, row.regions), usage, as_of, region_known=True)

    def _phase(self, found: tuple[Row, tuple[str, ...] | None] | None, usage: Usage, as_of: date, *,
               region_known: bool, reach: str | None = None) -> Phase:
        if found is None:
            others = _strictest([(row, row.regions) for row in self.lifecycle], usage, as_of)
            elsewhere = None if others is None else self._phase(others, usage, as_of, region_known=False)
            return Phase("active", self, region_known=region_known, eol_not_before=self.eol_not_before,
                         reach=reach, elsewhere=elsewhere)
        row, regions = found
        scheduled = row.legacy if row.legacy is not None and row.legacy > as_of else None
        return Phase(
            state=row.state(usage, as_of),
            entry=self,
            legacy_date=row.legacy,
            extended_access_date=row.extended_access,
            eol_date=row.eol_for(usage),
            regions=regions,
            region_known=region_known,
            confidence=row.confidence,
            scheduled_legacy=scheduled,
            eol_not_before=self.eol_not_before,
            reach=reach,
        )


def _within(row: Row, reach: str) -> tuple[str, ...] | None:
    """The row's regions inside a reach (None: every region; empty: none of them)."""
    if row.regions is None or reach == EVERY_REGION:
        return row.regions
    return tuple(region for region in row.regions if in_geography(reach, region))


def _strictest(rows: Sequence[tuple[Row, tuple[str, ...] | None]], usage: Usage,
               as_of: date) -> tuple[Row, tuple[str, ...] | None] | None:
    """The row furthest along (ties: earliest EOL): the one that may break the code first."""
    return min(rows, default=None, key=lambda found: (
        -_RANK[found[0].state(usage, as_of)], found[0].eol_for(usage) or date.max))


@dataclass(frozen=True, slots=True)
class Catalog:
    """The merged catalog; building one checks ids, replacements and cycles (ValueError)."""

    updated: date
    overrides: tuple[str, ...]
    entries: tuple[Entry, ...]
    _index: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = _index_of(self.entries)
        matchable = {key: entry for key, entry in index.items() if not key.startswith(UNMAPPED)}
        object.__setattr__(self, "_index", matchable)
        for entry in self.entries:
            _check_chain(entry, matchable)

    def find(self, model_id: str) -> Entry | None:
        """The entry for a canonical id or alias, tolerating a missing or extra ':0'."""
        tries: tuple[str, ...]
        if model_id.endswith(":0"):
            tries = (model_id, model_id[:-2])
        elif ":" not in model_id:
            tries = (model_id, f"{model_id}:0")
        else:
            tries = (model_id,)
        return next((self._index[key] for key in tries if key in self._index), None)

    def ids(self) -> tuple[str, ...]:
        """Every id a reference can match (canonical and aliases), for "did you mean"."""
        return tuple(sorted(self._index))

    def phase(self, model_id: str, usage: Usage, region: str | None, as_of: date,
              reach: str | None = None) -> Phase:
        """The phase of a model id; 'unknown' only when the catalog does not know it."""
        entry = self.find(model_id)
        return Phase("unknown") if entry is None else entry.phase(usage, region, as_of, reach)

    def replacement_chain(self, model_id: str) -> tuple[str, ...]:
        """The recommended replacements in order, each one's own replacement next."""
        entry, found = self.find(model_id), []
        while entry is not None and entry.replacement is not None:
            entry = self._index[entry.replacement]
            found.append(entry.id)
        return tuple(found)

    def replacement(self, model_id: str, as_of: date, region: str | None = None,
                    reach: str | None = None) -> str | None:
        """The first version down the replacement chain that is Active where the reference
        runs, else None: recommending a Legacy or EOL version would only postpone the work."""
        for candidate in self.replacement_chain(model_id):
            if self._index[candidate].phase("on-demand", region, as_of, reach).state == "active":
                return candidate
        return None


def load_catalog(extra: Sequence[str | Path] = ()) -> Catalog:
    """The bundled catalog, then each user catalog adding or overriding entries by id."""
    catalog = _load(bundled(BUNDLED), None)
    for path in extra:
        catalog = _load(Path(path), catalog)
    return catalog


def merge_document(document: Any, base: Catalog, name: str) -> Catalog:
    """Check a catalog built in memory (e.g. by `catalog sync`) as a file would be checked,
    and merge it over `base`, so what is written is known to load."""
    try:
        return _merge(validate(document, SCHEMA, name), base, name)
    except PolicyDataError as exc:
        raise CatalogError(_one_line(exc)) from None


def _load(path: Path, base: Catalog | None) -> Catalog:
    """Read one catalog file and merge it over `base`; every failure names the file."""
    try:
        document = load_yaml(path, SCHEMA)
    except PolicyDataError as exc:
        raise CatalogError(_one_line(exc)) from None
    except ValueError as exc:  # an impossible date such as 2026-02-30, which YAML refuses
        raise CatalogError(f"{path}: {_one_line(exc)}") from None
    return _merge(document, base, str(path))


def _merge(document: dict[str, Any], base: Catalog | None, name: str) -> Catalog:
    """Build the entries of a schema-checked document and put them over `base`'s."""
    try:
        added = [_entry(model) for model in document["models"]]
        _index_of(added)
        if base is None:
            return Catalog(date.fromisoformat(document["updated"]), (), tuple(added))
        merged = {entry.id: entry for entry in (*base.entries, *added)}
        overrides = tuple(dict.fromkeys((*base.overrides, *(entry.id for entry in added))))
        return Catalog(base.updated, overrides, tuple(merged.values()))
    except ValueError as exc:
        raise CatalogError(f"{name}: {_one_line(exc)}") from None


def _entry(model: dict[str, Any]) -> Entry:
    """Build an entry; a region in two of its rows would leave its dates ambiguous."""
    entry = Entry(
        id=model["id"],
        name=model["name"],
        provider=model["provider"],
        aliases=tuple(model.get("aliases", ())),
        replacement=model.get("replacement"),
        eol_not_before=_day(model.get("eol_not_before")),
        lifecycle=tuple(_row(row, model["id"]) for row in model.get("lifecycle", ())),
        catalogued=_day(model.get("catalogued")),
        sources=_sources(model.get("sources", ())),
        profiles=tuple(model.get("profiles", ())),
    )
    regions = Counter(region for row in entry.lifecycle for region in row.regions or ("all",))
    twice = sorted(region for region, count in regions.items() if count > 1)
    if twice:
        raise ValueError(f"{entry.id}: more than one lifecycle row for {', '.join(twice)}")
    return entry


def _row(row: dict[str, Any], model_id: str) -> Row:
    """Build a row; a legacy date after a later phase's date is a typo, not a fact."""
    built = Row(
        regions=None if row["regions"] == "all" else tuple(row["regions"]),
        legacy=_day(row.get("legacy")),
        extended_access=_day(row.get("extended_access")),
        eol=_day(row.get("eol")),
        eol_by_usage=tuple(
            (usage, date.fromisoformat(day)) for usage, day in row.get("eol_by_usage", {}).items()
        ),
        confidence=row["confidence"],
        note=row.get("note"),
        sources=_sources(row["sources"]),
        changed=_day(row.get("changed")),
        catalogued=_day(row.get("catalogued")),
    )
    later = [built.extended_access, built.eol, *(day for _, day in built.eol_by_usage)]
    if built.legacy is not None and any(day < built.legacy for day in later if day is not None):
        raise ValueError(f"{model_id}: legacy date {built.legacy} is after a later phase's date")
    return built


def _sources(sources: Iterable[dict[str, Any]]) -> tuple[Source, ...]:
    return tuple(Source(source["url"], _day(source.get("date")), source.get("note")) for source in sources)


def _index_of(entries: Iterable[Entry]) -> dict[str, Entry]:
    """Canonical ids and aliases -> entry; an id naming two entries would be ambiguous."""
    index: dict[str, Entry] = {}
    for entry in entries:
        for model_id in (entry.id, *entry.aliases):
            if model_id in index:
                raise ValueError(f"{model_id} names more than one catalog entry")
            index[model_id] = entry
    return index


def _check_chain(entry: Entry, index: dict[str, Entry]) -> None:
    """Every replacement must be in the catalog, and following them must end."""
    chain_ids = [entry.id]
    while entry.replacement is not None:
        if entry.replacement not in index:
            raise ValueError(f"{entry.id}: replacement {entry.replacement} is not in the catalog")
        entry = index[entry.replacement]
        if entry.id in chain_ids:
            raise ValueError(f"replacement cycle: {' -> '.join([*chain_ids, entry.id])}")
        chain_ids.append(entry.id)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())
