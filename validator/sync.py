"""`iac-check catalog sync`: the lifecycle dates Bedrock reports, as a catalog overlay.

`ListFoundationModels` answers per region with each model's `modelLifecycle` (status and the
legacy, public-extended-access and EOL times). The overlay keeps the bundled entry's curated
facts (name, aliases, replacement, rows for regions not synced) and replaces what the synced
regions say, because a `--catalog` entry replaces the bundled entry with its id as a whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import yaml

from .catalog import UNMAPPED, Catalog, Entry, Row, merge_document
from .modelid import normalise_id

API_URL = "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_ListFoundationModels.html"
INSTALL = "pip install 'iac-check[aws]'"
LIFECYCLE_FIELD = "legacyTime"  # added to botocore's Bedrock model in the version the extra pins

Dates = tuple[date | None, date | None, date | None]
"""Legacy, public extended access and EOL, the three dates a row and the API both carry."""
PHASES = ("legacy", "extended access", "EOL")
ROW_KEYS = ("legacy", "extended_access", "eol")


class SyncError(Exception):
    """Bedrock cannot be asked, or its answer cannot be used; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class Listing:
    """One model as `ListFoundationModels` reports it in one region.

    `legacy_by` is set when Bedrock says LEGACY without a `legacyTime`: the version was Legacy
    by the sync date (or by its next printed date), an observed fact, not a published one.
    """

    model_id: str
    name: str
    provider: str
    region: str
    status: str
    dates: Dates
    legacy_by: date | None = None

    @property
    def row_dates(self) -> Dates:
        legacy, extended_access, eol = self.dates
        return (legacy or self.legacy_by, extended_access, eol)


# A sync that hangs on a dead network would hold a CI job until its own limit: each call
# gives up after these, and a throttled or failed call is tried again with backoff.
CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 30
MAX_ATTEMPTS = 4


def client_config() -> Any:
    """botocore's settings for every Bedrock client of a sync: timeouts and retries."""
    from botocore.config import Config  # type: ignore[import-untyped, import-not-found, unused-ignore]

    # "standard" retries back off exponentially with jitter, on throttling and transient errors.
    return Config(connect_timeout=CONNECT_TIMEOUT_SECONDS, read_timeout=READ_TIMEOUT_SECONDS,
                  retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS})


def bedrock_clients(regions: Sequence[str]) -> dict[str, Any]:
    """A Bedrock client per region (default: the AWS configuration's region)."""
    try:
        import boto3  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        raise SyncError(f"catalog sync needs boto3: {INSTALL}") from None
    session = boto3.session.Session()
    regions = list(regions) or ([session.region_name] if session.region_name else [])
    if not regions:
        raise SyncError("catalog sync: no region: pass --region R (repeatable) or set AWS_REGION")
    clients = {region: session.client("bedrock", region_name=region, config=client_config()) for region in regions}
    lifecycle = next(iter(clients.values())).meta.service_model.shape_for("FoundationModelLifecycle")
    if LIFECYCLE_FIELD not in lifecycle.members:
        # An older botocore drops the field silently: every model would look Active.
        raise SyncError(f"catalog sync needs botocore>=1.42.58 for the lifecycle dates: {INSTALL}")
    return clients


def list_models(clients: Mapping[str, Any], as_of: date) -> list[Listing]:
    """Ask each region for its foundation models; any failure is one SyncError line."""
    from botocore.exceptions import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
        BotoCoreError,
        ClientError,
        NoCredentialsError,
    )

    listings = []
    for region, client in clients.items():
        try:
            summaries = client.list_foundation_models()["modelSummaries"]
        except NoCredentialsError:
            raise SyncError("catalog sync: no AWS credentials: run `aws configure` or set AWS_PROFILE "
                            "(the identity needs bedrock:ListFoundationModels)") from None
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise SyncError(f"catalog sync: {region}: {error.get('Code')}: {error.get('Message')}") from None
        except BotoCoreError as exc:
            raise SyncError(f"catalog sync: {region}: {exc}") from None
        listings += _listings(summaries, region, as_of)
    return listings


def _listings(summaries: Iterable[Mapping[str, Any]], region: str, as_of: date) -> list[Listing]:
    """One listing per model version: context-window variants (`:200k`) share their version's
    lifecycle, so the version's own summary wins and a variant only stands in for it."""
    found: dict[str, Listing] = {}
    for summary in sorted(summaries, key=lambda s: normalise_id(s["modelId"]) != s["modelId"]):
        model_id = normalise_id(summary["modelId"])
        if model_id not in found:
            found[model_id] = _listing(summary, model_id, region, as_of)
    return list(found.values())


def _listing(summary: Mapping[str, Any], model_id: str, region: str, as_of: date) -> Listing:
    lifecycle = summary.get("modelLifecycle", {})
    dates: Dates = (_day(lifecycle.get("legacyTime")), _day(lifecycle.get("publicExtendedAccessTime")),
                    _day(lifecycle.get("endOfLifeTime")))
    status = lifecycle.get("status", "ACTIVE")
    later = [day for day in (as_of, *dates[1:]) if day is not None]
    legacy_by = min(later) if status == "LEGACY" and dates[0] is None else None
    name = summary.get("modelName") or model_id
    provider = summary.get("providerName") or model_id.split(".")[0]
    return Listing(model_id, name, provider, region, status, dates, legacy_by)


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.astimezone(timezone.utc).date()


# --------------------------------------------------------------------------- the overlay


def overlay(listings: Sequence[Listing], bundled: Catalog, as_of: date) -> dict[str, Any]:
    """The catalog document for the listed models; it is checked as `--catalog` would check it."""
    by_model: dict[str, list[Listing]] = defaultdict(list)
    for listing in listings:
        by_model[_canonical(listing.model_id, bundled)].append(listing)
    models = [_model(model_id, found, bundled.find(model_id), as_of)
              for model_id, found in sorted(by_model.items())]
    document = {"schema_version": 1, "updated": as_of.isoformat(), "models": models}
    merge_document(document, bundled, "catalog sync overlay")
    return document


def _canonical(model_id: str, bundled: Catalog) -> str:
    """The bundled entry's id when the API's id is one of its names, so the overlay replaces it."""
    entry = bundled.find(model_id)
    return entry.id if entry is not None else model_id


def _model(model_id: str, found: list[Listing], entry: Entry | None, as_of: date) -> dict[str, Any]:
    first = found[0]
    model: dict[str, Any] = {"id": model_id, "name": entry.name if entry else first.name,
                             "provider": entry.provider if entry else first.provider}
    if entry is not None:
        model.update(_curated(entry))
    rows = [*_api_rows(found, entry, as_of), *_kept_rows(entry, {listing.region for listing in found})]
    if rows:
        model["lifecycle"] = rows
    return model


def _curated(entry: Entry) -> dict[str, Any]:
    """What only the bundled catalog knows about an entry; the API has no such facts."""
    curated: dict[str, Any] = {}
    if entry.aliases:
        curated["aliases"] = list(entry.aliases)
    if entry.replacement:
        curated["replacement"] = entry.replacement
    if entry.eol_not_before:
        curated["eol_not_before"] = entry.eol_not_before.isoformat()
    return curated


def _api_rows(found: list[Listing], entry: Entry | None, as_of: date) -> list[dict[str, Any]]:
    """One row per group of regions with the same dates. A region with no dates gets a row only
    where the bundled catalog has dates for it: there Bedrock's "Active, nothing scheduled" is news."""
    groups: dict[tuple[Dates, bool], list[str]] = defaultdict(list)
    for listing in found:
        dated = any(listing.row_dates)
        if dated or (entry is not None and any(_bundled_dates(entry, listing.region, as_of))):
            groups[(listing.row_dates, listing.legacy_by is not None)].append(listing.region)
    return [_api_row(sorted(regions), dates, observed, as_of)
            for (dates, observed), regions in sorted(groups.items(), key=lambda item: sorted(item[1]))]


def _api_row(regions: list[str], dates: Dates, observed: bool, as_of: date) -> dict[str, Any]:
    row: dict[str, Any] = {"regions": regions}
    row.update({key: day.isoformat() for key, day in zip(ROW_KEYS, dates, strict=True) if day})
    row["confidence"] = "observed" if observed else "confirmed"
    if observed:
        row["note"] = "Legacy by: Bedrock reported status LEGACY without a legacyTime"
    row["sources"] = [{"url": API_URL, "date": as_of.isoformat()}]
    return row


def _kept_rows(entry: Entry | None, listed: set[str]) -> list[dict[str, Any]]:
    """The bundled rows, less the regions that listed the model. A region that did not list it
    keeps its row: absence says nothing (past EOL, or never offered there). An every-region row
    stays too, since the listed regions' own rows take precedence over it."""
    kept = []
    for row in entry.lifecycle if entry else ():
        regions = None if row.regions is None else [r for r in row.regions if r not in listed]
        if regions != []:
            kept.append(_row_document(row, regions))
    return kept


def _row_document(row: Row, regions: list[str] | None) -> dict[str, Any]:
    """A bundled row written back in the catalog's own terms."""
    document: dict[str, Any] = {"regions": "all" if regions is None else regions}
    for key, day in zip(ROW_KEYS, (row.legacy, row.extended_access, row.eol), strict=True):
        if day is not None:
            document[key] = day.isoformat()
    if row.eol_by_usage:
        document["eol_by_usage"] = {usage: day.isoformat() for usage, day in row.eol_by_usage}
    if row.changed is not None:
        document["changed"] = row.changed.isoformat()
    document["confidence"] = row.confidence
    if row.note:
        document["note"] = row.note
    document["sources"] = [
        {key: value for key, value in (("url", source.url), ("date", source.published and
                                        source.published.isoformat()), ("note", source.note)) if value}
        for source in row.sources
    ]
    return document


def _bundled_dates(entry: Entry, region: str, as_of: date) -> Dates:
    phase = entry.phase("on-demand", region, as_of)
    return (phase.legacy_date, phase.extended_access_date, phase.eol_date)


def dump(document: dict[str, Any], regions: Sequence[str]) -> str:
    """The overlay as YAML, with a header saying where it came from and how to use it."""
    header = (f"# Written by `iac-check catalog sync` on {document['updated']} from Bedrock "
              f"ListFoundationModels in {', '.join(regions)}.\n"
              "# Use it with `iac-check scan --catalog FILE`: each entry here replaces the bundled one.\n")
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120,
                                   default_flow_style=None)


# --------------------------------------------------------------------------- differences


def differences(listings: Sequence[Listing], bundled: Catalog, as_of: date) -> list[str]:
    """What Bedrock says that the bundled catalog does not, one line per model and change,
    with the regions it applies to, then per region the catalog-Active models it does not list;
    the last line counts models, new ones and changed ones."""
    new: dict[str, list[Listing]] = defaultdict(list)
    changed: dict[tuple[str, str], list[str]] = defaultdict(list)
    for listing in listings:
        entry = bundled.find(listing.model_id)
        if entry is None:
            new[listing.model_id].append(listing)
            continue
        change = _change(_bundled_dates(entry, listing.region, as_of), listing)
        if change:
            changed[(entry.id, change)].append(listing.region)
    lines = [f"new model {model_id} ({found[0].name}, {found[0].provider}) in {_lifecycles(found)}"
             for model_id, found in sorted(new.items())]
    lines += [f"changed {model_id} in {', '.join(sorted(regions))}: {change}"
              for (model_id, change), regions in sorted(changed.items())]
    unlisted = _unlisted(listings, bundled, as_of)
    lines += [f"not listed in {region}: {_count(len(ids), 'model')} the catalog has Active there "
              f"(retired there, or never offered): {', '.join(ids)}" for region, ids in unlisted.items()]
    models = {_canonical(listing.model_id, bundled) for listing in listings}
    regions = {listing.region for listing in listings}
    lines.append(f"{_count(len(models), 'model')} listed in {_count(len(regions), 'region')}: {len(new)} new, "
                 f"{len({model_id for model_id, _ in changed})} with changed dates")
    return lines


def _unlisted(listings: Sequence[Listing], bundled: Catalog, as_of: date) -> dict[str, list[str]]:
    """Per region, the catalog entries Active there that the region did not list: the API has
    no EOL status, so a version retired in a region simply disappears from its answer."""
    listed: dict[str, set[str]] = defaultdict(set)
    for listing in listings:
        listed[listing.region].add(_canonical(listing.model_id, bundled))
    unlisted = {}
    for region, ids in sorted(listed.items()):
        missing = [entry.id for entry in bundled.entries if entry.id not in ids and not entry.id.startswith(UNMAPPED)
                   and entry.phase("on-demand", region, as_of).state == "active"]
        if missing:
            unlisted[region] = sorted(missing)
    return unlisted


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _change(known: Dates, listing: Listing) -> str:
    """The dates that differ, as `name old -> new`; a Legacy-by stand-in agrees with any
    catalog legacy date on or before it."""
    parts = []
    for name, old, new in zip(PHASES, known, listing.row_dates, strict=True):
        stand_in = name == "legacy" and listing.legacy_by is not None
        if old != new and not (stand_in and old is not None and new is not None and old <= new):
            parts.append(f"{name} {_text(old)} -> {_text(new)}")
    return ", ".join(parts)


def _lifecycles(found: list[Listing]) -> str:
    """A new model's regions, grouped by what Bedrock reported there."""
    groups: dict[str, list[str]] = defaultdict(list)
    for listing in found:
        printed = [f"{name} {day}" for name, day in zip(PHASES, listing.row_dates, strict=True) if day]
        groups[", ".join([listing.status, *printed])].append(listing.region)
    return "; ".join(f"{', '.join(sorted(regions))}: {what}" for what, regions in sorted(groups.items()))


def _text(day: date | None) -> str:
    return day.isoformat() if day else "none"
