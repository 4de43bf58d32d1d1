"""The lifecycle catalog: its facts against the gathered sources, and phase semantics.

Every date is passed explicitly; nothing here reads the wall clock.
"""

from __future__ import annotations

import csv
import json
import re
import textwrap
from datetime import date, datetime
from pathlib import Path

import pytest

from validator.catalog import Catalog, CatalogError, load_catalog
from validator.modelid import parse_model
from validator.policydata import bundled

# Copies of the gathered facts, with their sources: see tests/data/lifecycle/README.md.
FACTS_DIR = Path(__file__).resolve().parent / "data" / "lifecycle"
SEED = FACTS_DIR / "model-lifecycle-2024-table.txt"
FACTS = FACTS_DIR / "bedrock-lifecycle-facts.csv"
OBSERVATIONS = FACTS_DIR / "lifecycle-observations.csv"
FACTS_2026_12 = FACTS_DIR / "lifecycle-facts-2026-12.csv"
KNOWN_IDS = FACTS_DIR / "known-model-ids.tsv"

D = date.fromisoformat


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _user_catalog(tmp_path: Path, *models: str, name: str = "user.yaml") -> Path:
    path = tmp_path / name
    header = "schema_version: 1\nupdated: 2026-01-01\nmodels:\n"
    path.write_text(header + textwrap.indent("".join(models), "  "), encoding="utf-8")
    return path


def _model(model_id: str, *rows: str, **fields: str) -> str:
    lines = [f"- id: {model_id}", f"  name: {model_id}", "  provider: Acme"]
    lines += [f"  {key}: {value}" for key, value in fields.items()]
    if rows:
        lines += ["  lifecycle:", *(textwrap.indent(row, "    ") for row in rows)]
    return "\n".join(lines) + "\n"


def _row(regions: str = "all", **dates: str) -> str:
    lines = [f"- regions: {regions}", "  confidence: confirmed",
             "  sources: [{url: 'https://example.com/notice'}]"]
    return "\n".join(lines + [f"  {key}: {value}" for key, value in dates.items()])


# --------------------------------------------------------------------------- seed facts

# The 2024 seed table, one row per model ID: (id, legacy, eol, regions, replacement).
SEED_FACTS = [
    ("stability.stable-diffusion-xl-v0", "2024-02-02", "2024-04-30", None,
     "stability.stable-diffusion-xl-v1"),
    ("anthropic.claude-v1", "2023-11-28", "2024-02-28", None, "anthropic.claude-v2:1"),
    ("unmapped:titan-embeddings-text-v1.1", "2023-11-07", "2024-02-15", None,
     "amazon.titan-embed-text-v1"),
    ("meta.llama2-13b-chat-v1", "2024-08-12", "2024-08-12", None, "meta.llama3-8b-instruct-v1:0"),
    ("meta.llama2-70b-chat-v1", "2024-08-12", "2024-08-12", None,
     "meta.llama3-70b-instruct-v1:0"),
    ("meta.llama2-13b-v1", "2024-08-12", "2024-08-12", None, "meta.llama3-8b-instruct-v1:0"),
    ("meta.llama2-70b-v1", "2024-08-12", "2024-08-12", None, "meta.llama3-70b-instruct-v1:0"),
    ("ai21.j2-mid-v1", "2024-07-30", "2024-07-30", ("us-west-2",), None),
    ("ai21.j2-ultra-v1", "2024-07-30", "2024-07-30", ("us-west-2",), None),
]


def _entry(catalog: Catalog, model_id: str):
    """Also reaches `unmapped:` entries, which find() deliberately never returns."""
    return next(entry for entry in catalog.entries if entry.id == model_id)


@pytest.mark.parametrize(("model_id", "legacy", "eol", "regions", "replacement"), SEED_FACTS)
def test_seed_facts(catalog, model_id, legacy, eol, regions, replacement):
    entry = _entry(catalog, model_id)
    (row,) = entry.lifecycle
    assert (row.legacy, row.eol, row.regions) == (D(legacy), D(eol), regions)
    assert row.confidence == "confirmed"
    assert entry.replacement == replacement


def test_unmapped_titan_row_matches_no_id(catalog):
    assert catalog.find("unmapped:titan-embeddings-text-v1.1") is None
    assert not any(model_id.startswith("unmapped:") for model_id in catalog.ids())
    # The ID once assumed for it is a model of its own, still listed in 2026.
    g1 = catalog.find("amazon.titan-embed-g1-text-02")
    assert g1 is not None and g1.lifecycle == () and g1.id == "amazon.titan-embed-g1-text-02"


# Seed "Model version" cell -> catalog ids; "Recommended model ID" names -> ids.
SEED_MODELS = {
    "Stable Diffusion XL 0.8": ("stability.stable-diffusion-xl-v0",),
    "Claude v1.3": ("anthropic.claude-v1",),
    "Titan Embeddings - Text v1.1": ("unmapped:titan-embeddings-text-v1.1",),
    "Meta Llama 2 13b-chat-v1, Meta Llama 2 70b-chat-v1, Meta Llama 2-13b, Meta Llama 2-70b": (
        "meta.llama2-13b-chat-v1", "meta.llama2-70b-chat-v1", "meta.llama2-13b-v1",
        "meta.llama2-70b-v1"),
    "Ai21 J2 Mid-v1 and Ai21 J2 Ultra-v1": ("ai21.j2-mid-v1", "ai21.j2-ultra-v1"),
}
SEED_REPLACEMENT_NAMES = {
    "Meta Llama 3-8b-instruct-v1": "meta.llama3-8b-instruct-v1:0",
    "Meta Llama 3-70b-instruct-v1": "meta.llama3-70b-instruct-v1:0",
}
_SEED_DATE = r"[A-Z][a-z]+ \d{1,2}, \d{4}"
_SEED_ROW = re.compile(
    rf"^(?P<model>.+?) (?P<legacy>{_SEED_DATE})(?: \(only in (?P<region>[a-z0-9-]+)\))? "
    rf"(?P<eol>{_SEED_DATE})(?: \(only in [a-z0-9-]+\))? (?P<rest>.+)$"
)


def _seed_rows() -> list[re.Match[str]]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    return [match for line in lines if (match := _SEED_ROW.match(line.strip()))]


def _seed_replacements(rest: str) -> set[str | None]:
    if rest.strip() == "N/A N/A":
        return {None}
    named = {model_id for name, model_id in SEED_REPLACEMENT_NAMES.items() if name in rest}
    return named or {rest.split()[-1]}


def test_catalog_agrees_with_seed_file(catalog):
    rows = _seed_rows()
    assert {row["model"] for row in rows} == set(SEED_MODELS)
    for row in rows:
        legacy, eol = (datetime.strptime(row[key], "%B %d, %Y").date() for key in ("legacy", "eol"))
        regions = (row["region"],) if row["region"] else None
        for model_id in SEED_MODELS[row["model"]]:
            entry = _entry(catalog, model_id)
            (lifecycle,) = entry.lifecycle
            assert (lifecycle.legacy, lifecycle.eol, lifecycle.regions) == (legacy, eol, regions)
            assert entry.replacement in _seed_replacements(row["rest"]), model_id


# --------------------------------------------------------------------------- facts CSV

# Rows marked UNCONFIRMED: the date fields whose values are confirmed (or, for the Llama 2
# legacy date, shipped as the seed prints it). Every other date of such a row must not appear
# in a confirmed catalog row.
CONFIRMED_PARTS = {
    "stability.stable-diffusion-xl-v0;stability.stable-diffusion-xl": {"legacy", "eol"},
    "meta.llama2-13b-chat-v1": {"legacy", "eol"},
    "meta.llama2-70b-chat-v1": {"legacy", "eol"},
    "meta.llama2-13b-v1": {"legacy", "eol"},
    "meta.llama2-70b-v1": {"legacy", "eol"},
    "anthropic.claude-v2": {"legacy", "eol"},
    "stability.stable-diffusion-xl-v1": {"eol"},
    "anthropic.claude-3-7-sonnet-20250219-v1:0": {"extended_access", "eol"},
}
FIELDS = {"legacy": "legacy_date", "extended_access": "extended_access_date", "eol": "eol_date"}


def _facts() -> list[dict[str, str]]:
    with FACTS.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["model_ids"]]


def _csv_regions(notes: str) -> tuple[str, ...] | None:
    """Regions of a facts row: named at the start of its notes (else anywhere), else all."""
    head = re.split(r"[;(]", notes, maxsplit=1)[0]
    if "all regions" in head.lower():
        return None
    region = r"\b[a-z]{2}(?:-gov)?-[a-z]+-\d\b"
    return tuple(re.findall(region, head) or re.findall(region, notes.lower())) or None


def _csv_dates(row: dict[str, str]) -> dict[str, date | None]:
    return {field: D(row[column]) if row[column] else None for field, column in FIELDS.items()}


def test_catalog_agrees_with_confirmed_facts(catalog):
    checked = 0
    for row in _facts():
        unconfirmed = "UNCONFIRMED" in row["eol_notes"]
        fields = CONFIRMED_PARTS.get(row["model_ids"], set()) if unconfirmed else set(FIELDS)
        regions = _csv_regions(row["eol_notes"])
        expected = _csv_dates(row)
        for model_id in row["model_ids"].split(";"):
            if row["replacement_model_id"]:
                replacements = set(row["replacement_model_id"].split(";"))
                assert catalog.find(model_id).replacement in replacements, model_id
            for region in (regions or (None, "us-east-1")) if fields else ():
                phase = catalog.phase(model_id, "on-demand", region, D("2020-01-01"))
                assert phase.confidence == "confirmed", (model_id, region)
                assert phase.regions == regions or region in phase.regions, (model_id, region)
                for field in fields:
                    assert getattr(phase, FIELDS[field]) == expected[field], (model_id, field)
                checked += 1
    assert checked > 100


def test_unconfirmed_dates_are_not_shipped_as_confirmed(catalog):
    for row in _facts():
        if "UNCONFIRMED" not in row["eol_notes"]:
            continue
        unconfirmed = set(FIELDS) - CONFIRMED_PARTS.get(row["model_ids"], set())
        for model_id in row["model_ids"].split(";"):
            entry = catalog.find(model_id)
            rows = entry.lifecycle if entry else ()
            confirmed = [r for r in rows if r.confidence == "confirmed"]
            for field, value in _csv_dates(row).items():
                if field in unconfirmed and value is not None:
                    assert all(getattr(r, field) != value for r in confirmed), (model_id, field)


def test_observed_rows_use_only_observed_dates(catalog):
    """An observed date must be one that lifecycle-observations.csv (or the facts) states."""
    text = "".join(path.read_text(encoding="utf-8") for path in (OBSERVATIONS, FACTS, FACTS_2026_12))
    observed = [(entry, row) for entry in catalog.entries for row in entry.lifecycle
                if row.confidence == "observed"]
    assert observed
    for entry, row in observed:
        assert row.note, entry.id
        for day in (row.legacy, row.extended_access, row.eol):
            assert day is None or day.isoformat() in text, (entry.id, day)


def test_known_model_ids_are_known(catalog):
    lines = KNOWN_IDS.read_text(encoding="utf-8").splitlines()
    ids = [line.split("\t")[0] for line in lines if line and not line.startswith(("#", "model_id"))]
    assert len(ids) > 25
    for model_id in ids:
        assert catalog.find(model_id) is not None, model_id


MODEL_IDS = Path(__file__).parent / "data" / "model-ids"


def _table(name: str) -> list[list[str]]:
    lines = (MODEL_IDS / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines[1:] if line and not line.startswith("#")][1:]


@pytest.mark.parametrize("model_id", [row[0] for row in _table("shared-model-ids.tsv")])
def test_every_gathered_id_is_known(catalog, model_id):
    """No ID of the gathered facts is BDR004: its base version, after the profile prefix and
    variant are stripped, is a catalog entry or alias."""
    ref = parse_model(model_id)
    assert ref is not None and ref.model_id is not None
    assert catalog.find(ref.model_id) is not None, model_id


@pytest.mark.parametrize(("model_id", "day"), _table("eol-not-before.tsv"))
def test_eol_not_before_from_model_cards(catalog, model_id, day):
    entry = catalog.find(model_id)
    assert entry is not None and entry.eol_not_before == D(day)
    # A floor is not a date: the version stays Active with no EOL.
    phase = catalog.phase(model_id, "on-demand", "us-east-1", D("2028-01-01"))
    assert (phase.state, phase.eol_date, phase.eol_not_before) == ("active", None, D(day))


def test_every_catalogued_entry_and_row_cites_a_source(catalog):
    for entry in catalog.entries:
        if entry.catalogued is not None and not entry.lifecycle and entry.eol_not_before is None \
                and not entry.aliases:
            assert entry.sources, entry.id
        for row in entry.lifecycle:
            assert row.sources, entry.id


@pytest.mark.parametrize("model_id", [
    "google.gemma-3-4b-it", "google.gemma-3-12b-it", "google.gemma-3-27b-it",
    "mistral.mistral-7b-instruct-v0:2", "qwen.qwen3-coder-480b-a35b-v1:0", "deepseek.r1-v1:0",
])
def test_third_party_eol_claims_are_not_shipped(catalog, model_id):
    """Only an undated third-party page gives these an EOL (2027-03-30): they stay Active."""
    entry = catalog.find(model_id)
    assert entry is not None and entry.lifecycle == ()


@pytest.mark.parametrize(("model_id", "region", "as_of", "state", "eol"), [
    # Absent from us-east-1's listing of 2026-08-19: EOL there by that day (observed).
    ("amazon.titan-text-lite-v1", "us-east-1", "2026-08-19", "eol", "2026-08-19"),
    ("amazon.titan-tg1-large", "us-east-1", "2026-12-01", "eol", "2026-08-19"),
    ("amazon.titan-image-generator-v1:0", "us-east-1", "2026-12-01", "eol", "2026-08-19"),
    ("ai21.jamba-instruct-v1:0", "us-east-1", "2026-12-01", "eol", "2026-08-19"),
    ("anthropic.claude-3-5-sonnet-20241022-v2:0", "us-east-1", "2026-12-01", "eol", "2026-08-19"),
    # Claude 3.7 Sonnet: every commercial profile retired; GovCloud keeps its own later date.
    ("anthropic.claude-3-7-sonnet-20250219-v1:0", "eu-west-1", "2026-04-28", "eol", "2026-04-28"),
    ("anthropic.claude-3-7-sonnet-20250219-v1:0", "us-gov-west-1", "2026-05-01", "extended-access", "2026-07-30"),
    # Llama 3.3 70B: the card's EOL, Legacy by the end of its 6-month Legacy period.
    ("meta.llama3-3-70b-instruct-v1:0", "us-east-2", "2026-12-01", "legacy", "2027-03-30"),
    # PT variants are their base version.
    ("cohere.command-text-v14:7", "us-east-1", "2026-12-01", "eol", "2025-08-12"),
    ("anthropic.claude-instant-v1:2", "us-east-1", "2026-12-01", "eol", "2025-09-12"),
])
def test_facts_of_2026_12(catalog, model_id, region, as_of, state, eol):
    phase = catalog.phase(model_id, "on-demand", region, D(as_of))
    assert (phase.state, phase.eol_date) == (state, D(eol))


def test_replacements_are_catalog_entries(catalog):
    for entry in catalog.entries:
        if entry.replacement is not None:
            assert catalog.find(entry.replacement) is not None


# --------------------------------------------------------------------------- phase semantics


def test_schema_is_a_valid_2020_12_schema():
    from jsonschema import Draft202012Validator

    schema = json.loads(bundled("schemas/catalog.schema.json")
                        .read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)


def test_updated_date_is_that_of_the_newest_fact(catalog):
    """Not the day of the edit: a catalog edited today from old facts is still that old."""
    sources = [source for entry in catalog.entries
               for source in (*entry.sources, *(s for row in entry.lifecycle for s in row.sources))]
    changed = [row.changed for entry in catalog.entries for row in entry.lifecycle if row.changed]
    newest = max([*(source.published for source in sources if source.published), *changed])
    assert catalog.updated == newest == D("2026-10-07")
    assert catalog.overrides == ()


@pytest.mark.parametrize(("as_of", "state"), [
    ("2025-08-24", "active"),
    ("2025-08-25", "legacy"),
    ("2025-11-30", "legacy"),
    ("2025-12-01", "extended-access"),
    ("2026-02-28", "extended-access"),
    ("2026-03-01", "eol"),
])
def test_phase_boundaries(catalog, as_of, state):
    phase = catalog.phase("anthropic.claude-3-5-sonnet-20240620-v1:0", "on-demand", "us-east-1",
                          D(as_of))
    assert phase.state == state
    assert (phase.legacy_date, phase.extended_access_date, phase.eol_date) == (
        D("2025-08-25"), D("2025-12-01"), D("2026-03-01"))


def test_region_scoped_eol_ai21(catalog):
    as_of = D("2024-08-01")
    west = catalog.phase("ai21.j2-mid-v1", "on-demand", "us-west-2", as_of)
    assert (west.state, west.eol_date, west.region_known) == ("eol", D("2024-07-30"), True)
    east = catalog.phase("ai21.j2-mid-v1", "on-demand", "us-east-1", as_of)
    assert (east.state, east.eol_date, east.legacy_date) == ("active", None, None)
    anywhere = catalog.phase("ai21.j2-ultra-v1", "on-demand", None, as_of)
    assert (anywhere.state, anywhere.regions, anywhere.region_known) == (
        "eol", ("us-west-2",), False)


def test_region_scoped_dates_claude_35_sonnet(catalog):
    model, as_of = "anthropic.claude-3-5-sonnet-20240620-v1:0", D("2026-03-01")
    zurich = catalog.phase(model, "on-demand", "eu-central-2", as_of)
    assert (zurich.state, zurich.eol_date, zurich.regions) == (
        "extended-access", D("2026-06-01"), ("eu-central-2",))
    assert catalog.phase(model, "on-demand", "us-east-1", as_of).state == "eol"
    tokyo = catalog.phase(model, "on-demand", "ap-northeast-1", as_of)
    assert (tokyo.state, tokyo.eol_date) == ("legacy", D("2026-07-30"))
    assert catalog.phase(model, "on-demand", "sa-east-1", as_of).state == "active"


def test_unknown_region_picks_most_advanced_row(catalog):
    model = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    phase = catalog.phase(model, "on-demand", None, D("2026-03-01"))
    assert (phase.state, phase.eol_date, phase.region_known) == ("eol", D("2026-03-01"), False)
    assert "us-east-1" in phase.regions
    # Two rows in extended access: the one with the earliest EOL wins the tie.
    tie = catalog.phase(model, "on-demand", None, D("2026-02-01"))
    assert (tie.state, tie.eol_date) == ("extended-access", D("2026-03-01"))
    later = catalog.phase(model, "on-demand", None, D("2026-06-15"))
    assert (later.state, later.eol_date) == ("eol", D("2026-03-01"))


def test_scheduled_legacy_and_eol_only_rows(catalog):
    future = catalog.phase("anthropic.claude-sonnet-4-5-20250929-v1:0", "on-demand", "us-east-1",
                           D("2026-09-01"))
    assert (future.state, future.scheduled_legacy) == ("active", D("2026-10-08"))
    now = catalog.phase("anthropic.claude-sonnet-4-5-20250929-v1:0", "on-demand", "us-east-1",
                        D("2026-11-28"))
    assert (now.state, now.scheduled_legacy) == ("legacy", None)
    # SDXL 1.0 has an EOL date but no published legacy date: Active until EOL, never invented.
    before = catalog.phase("stability.stable-diffusion-xl-v1", "on-demand", "us-east-1",
                           D("2025-05-19"))
    assert (before.state, before.legacy_date, before.eol_date) == ("active", None, D("2025-05-20"))
    assert catalog.phase("stability.stable-diffusion-xl-v1", "on-demand", "us-east-1",
                         D("2025-05-20")).state == "eol"


def test_extended_access_without_public_extended_access(catalog):
    model = "anthropic.claude-3-sonnet-20240229-v1:0"
    as_of = D("2026-05-01")
    assert catalog.phase(model, "on-demand", "us-east-1", as_of).state == "legacy"
    assert catalog.phase(model, "on-demand", "ap-southeast-2", as_of).state == "extended-access"


def test_active_and_unknown_models(catalog):
    active = catalog.phase("amazon.nova-pro-v1:0", "on-demand", "us-east-1", D("2026-11-28"))
    assert (active.state, active.eol_date, active.confidence) == ("active", None, None)
    unknown = catalog.phase("anthropic.claude-9", "on-demand", "us-east-1", D("2026-11-28"))
    assert (unknown.state, unknown.entry) == ("unknown", None)


def test_observed_rows(catalog):
    phase = catalog.phase("anthropic.claude-v2:1", "on-demand", "us-east-1", D("2025-10-01"))
    assert (phase.state, phase.confidence, phase.eol_date) == ("eol", "observed", D("2025-09-12"))


@pytest.mark.parametrize(("model_id", "expected"), [
    ("anthropic.claude-opus-4-6-v1:0", "anthropic.claude-opus-4-6-v1"),
    ("stability.stable-image-core-v1", "stability.stable-image-core-v1:0"),
    ("stability.stable-diffusion-xl", "stability.stable-diffusion-xl-v0"),
    ("anthropic.claude-v2:1", "anthropic.claude-v2:1"),
    ("anthropic.claude-v2:2", None),
])
def test_find_is_tolerant_of_zero_versions(catalog, model_id, expected):
    found = catalog.find(model_id)
    assert (found.id if found else None) == expected


def test_ids_include_aliases(catalog):
    assert "stability.stable-diffusion-xl" in catalog.ids()
    assert "anthropic.claude-v1" in catalog.ids()


# --------------------------------------------------------------------------- user catalogs

PER_USAGE = _row(legacy="2026-01-01", eol="2026-12-01",
                 eol_by_usage="{on-demand: 2026-09-01, provisioned: 2026-06-01}")


@pytest.mark.parametrize(("usage", "eol"), [
    ("on-demand", "2026-09-01"),
    ("customization", "2026-09-01"),
    ("provisioned", "2026-06-01"),
    ("provisioned-custom", "2026-06-01"),
])
def test_per_usage_eol(tmp_path, usage, eol):
    catalog = load_catalog([_user_catalog(tmp_path, _model("acme.model-v1", PER_USAGE))])
    phase = catalog.phase("acme.model-v1", usage, "us-east-1", D("2026-07-01"))
    assert phase.eol_date == D(eol)
    assert phase.state == ("eol" if D(eol) <= D("2026-07-01") else "legacy")


def test_custom_pt_has_its_own_eol_when_given(tmp_path):
    row = _row(eol="2026-12-01", eol_by_usage="{provisioned-custom: 2026-08-01}")
    catalog = load_catalog([_user_catalog(tmp_path, _model("acme.model-v1", row))])
    as_of = D("2026-01-01")
    assert catalog.phase("acme.model-v1", "provisioned-custom", None, as_of).eol_date == \
        D("2026-08-01")
    assert catalog.phase("acme.model-v1", "provisioned", None, as_of).eol_date == D("2026-12-01")


def test_replacement_chain(tmp_path):
    user = _user_catalog(
        tmp_path,
        _model("acme.a-v1", replacement="acme.b-v1"),
        _model("acme.b-v1", _row(legacy="2026-01-01", eol="2026-06-01"), replacement="acme.c-v1"),
        _model("acme.c-v1", _row("[us-east-1]", legacy="2026-03-01", eol="2026-09-01")),
    )
    catalog = load_catalog([user])
    assert catalog.replacement("acme.a-v1", D("2025-12-01")) == "acme.b-v1"
    assert catalog.replacement("acme.a-v1", D("2026-02-01")) == "acme.c-v1"
    # Nothing Active down the chain: nothing is recommended (never a Legacy or EOL version).
    assert catalog.replacement("acme.a-v1", D("2026-04-01"), "us-east-1") is None
    assert catalog.replacement_chain("acme.a-v1") == ("acme.b-v1", "acme.c-v1")
    # acme.c-v1 is Legacy only in us-east-1: elsewhere it is Active.
    assert catalog.replacement("acme.a-v1", D("2026-04-01"), "eu-west-1") == "acme.c-v1"
    assert catalog.replacement("acme.a-v1", D("2026-04-01")) is None  # some region: the strictest row
    assert catalog.replacement("acme.c-v1", D("2026-04-01")) is None
    assert catalog.replacement("acme.unknown-v1", D("2026-04-01")) is None


def test_bundled_replacement_chain(catalog):
    model = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert catalog.replacement(model, D("2026-03-01")) == \
        "anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert catalog.replacement("meta.llama2-13b-v1", D("2026-03-01")) == \
        "meta.llama3-8b-instruct-v1:0"


def test_override_and_addition_are_reported(tmp_path):
    first = _user_catalog(tmp_path, _model("anthropic.claude-v2", _row(eol="2025-06-01")),
                          name="first.yaml")
    second = _user_catalog(tmp_path, _model("acme.model-v1"), _model("anthropic.claude-v2"),
                           name="second.yaml")
    catalog = load_catalog([first, second])
    assert catalog.overrides == ("anthropic.claude-v2", "acme.model-v1")
    assert catalog.find("anthropic.claude-v2").lifecycle == ()
    assert catalog.find("acme.model-v1") is not None
    assert catalog.updated == load_catalog().updated


def test_user_override_changes_dates(tmp_path):
    user = _user_catalog(tmp_path, _model("anthropic.claude-v2", _row(eol="2025-06-01")))
    phase = load_catalog([user]).phase("anthropic.claude-v2", "on-demand", None, D("2025-06-01"))
    assert (phase.state, phase.legacy_date) == ("eol", None)


@pytest.mark.parametrize(("models", "problem"), [
    (_model("acme.a-v1", replacement="acme.b-v1") + _model("acme.b-v1", replacement="acme.a-v1"),
     "replacement cycle: acme.a-v1 -> acme.b-v1 -> acme.a-v1"),
    (_model("acme.a-v1", replacement="acme.a-v1"), "replacement cycle"),
    (_model("acme.a-v1", replacement="acme.missing-v1"),
     "replacement acme.missing-v1 is not in the catalog"),
    (_model("acme.a-v1") + _model("acme.a-v1"), "acme.a-v1 names more than one catalog entry"),
    (_model("acme.a-v1", aliases="[anthropic.claude-v1]"),
     "anthropic.claude-v1 names more than one catalog entry"),
    (_model("acme.a-v1", _row(legacy="2026-05-01", eol="2026-04-01")),
     "legacy date 2026-05-01 is after"),
    (_model("acme.a-v1", _row(eol_by_usage="{batch: 2026-04-01}")), "unknown key 'batch' (allowed: "),
    (_model("acme.a-v1", _row(eol="2026-02-30")), "day is out of range for month"),
    (_model("acme.a-v1", _row(eol="'2026-02-30'")), "day is out of range for month"),
    (_model("acme.a-v1", _row("[us-east-1]", eol="2026-02-01"),
            _row("[us-east-1, us-west-2]", eol="2026-03-01")),
     "more than one lifecycle row for us-east-1"),
    ("- {id: acme.a-v1, name: A}\n", "missing required key provider"),
    ("- {id: acme.a-v1, name: A, provider: Acme\n", ":5: not valid YAML"),
])
def test_broken_user_catalog_names_file_and_problem(tmp_path, models, problem):
    path = _user_catalog(tmp_path, models, name="broken.yaml")
    with pytest.raises(CatalogError) as raised:
        load_catalog([path])
    message = str(raised.value)
    assert message.startswith(str(path)), message
    assert problem in message
    assert "\n" not in message


def test_missing_user_catalog(tmp_path):
    with pytest.raises(CatalogError, match=r"absent\.yaml: cannot read"):
        load_catalog([tmp_path / "absent.yaml"])
