"""`iac-check catalog validate`, `models` (filters, explain, changes since a date, user catalogs)
and the region-scoped lifecycle end to end. Every date is passed; nothing reads the clock."""

from __future__ import annotations

import json
import sys
from datetime import date

import pytest
from conftest import FIXTURES, by_rule, cli, scan_json
from typer.testing import CliRunner

from validator.catalog import load_catalog
from validator.catalog_commands import catalog_app, changes_since

CATALOGS = FIXTURES / "catalog"
USER = str(CATALOGS / "user-catalog.yaml")
D = date.fromisoformat


def catalog_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(catalog_app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def models_json(*args: str) -> dict:
    code, out, _ = cli("models", "--format", "json", *args)
    assert code == 0
    return json.loads(out)


# --------------------------------------------------------------------------- catalog validate


def test_validate_ok_counts_the_files_entries():
    assert catalog_cli("validate", USER) == (0, f"{USER}: ok (2 entries)\n", "")


def test_validate_one_entry(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text("schema_version: 1\nupdated: 2026-11-01\nmodels:\n"
                    "  - {id: acme.model-v1, name: Acme model, provider: Acme}\n", encoding="utf-8")
    assert catalog_cli("validate", str(path))[:2] == (0, f"{path}: ok (1 entry)\n")


def test_validate_checks_the_overlay_against_the_bundled_catalog():
    """The replacement must be an entry of the merged catalog: a loader check, not a schema one."""
    broken = str(CATALOGS / "broken-replacement.yaml")
    code, out, err = catalog_cli("validate", USER, broken)
    assert (code, out) == (2, f"{USER}: ok (2 entries)\n")
    assert err == (f"iac-check: error: invalid catalog: {broken}: acme.support-bot-v1: replacement "
                   "acme.support-bot-v2 is not in the catalog\n")


@pytest.mark.parametrize(("text", "reason"), [
    ("schema_version: 2\nupdated: 2026-11-01\nmodels: []\n", "schema_version: 1 was expected"),
    ("schema_version: 1\nupdated: 2026-11-01\nmodels: [{id: acme.a-v1, name: A, provider: Acme,\n",
     ":4: not valid YAML"),
])
def test_validate_reason_is_one_line(tmp_path, text, reason):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = catalog_cli("validate", str(path))
    assert (code, out) == (2, "")
    assert err.startswith(f"iac-check: error: invalid catalog: {path}") and reason in err
    assert err.count("\n") == 1


def test_validate_missing_file(tmp_path):
    code, _, err = catalog_cli("validate", str(tmp_path / "absent.yaml"))
    assert code == 2 and "absent.yaml: cannot read" in err


def test_sync_without_the_aws_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)  # `import boto3` now fails
    code, out, err = catalog_cli("sync", "--region", "us-east-1", "--as-of", "2026-11-28")
    assert (code, out, err) == (2, "", "iac-check: error: catalog sync needs boto3: pip install 'iac-check[aws]'\n")


def test_sync_bad_as_of():
    code, _, err = catalog_cli("sync", "--as-of", "2026-13-01")
    assert (code, err) == (2, "iac-check: error: --as-of '2026-13-01' is not a YYYY-MM-DD date\n")


# --------------------------------------------------------------------------- changes since a date


def test_changes_since_lists_rows_published_since():
    lines = changes_since(load_catalog(), D("2025-11-01"), "text").splitlines()
    assert lines[0] == "CHANGED     MODEL ID                                     WHAT"
    assert ("2025-12-29  amazon.titan-text-express-v1                 all regions: legacy 2025-02-11, "
            "EOL 2025-12-29 (observed)") in lines
    assert "2026-07-09  anthropic.claude-3-opus-20240229-v1:0        all regions: EOL 2026-07-09 (observed)" in lines
    # A row catalogued later than its source is listed on the day the catalog took it in.
    assert ("2026-12-01  anthropic.claude-3-7-sonnet-20250219-v1:0    us-east-1, us-east-2, us-west-2, "
            "ap-northeast-1: extended access 2026-01-27, EOL 2026-04-28 (confirmed); all regions: "
            "EOL 2026-04-28 (observed)") in lines
    assert lines[-1].endswith("not placed in time (a lifecycle row with no dated source): 33")


def test_changes_since_lists_every_entry_the_catalog_took_in():
    """Entries without rows (Active models), aliases, "EOL no sooner than" dates and rows
    catalogued on a day are all listed from that day, whatever their sources' dates."""
    catalog = load_catalog()
    found = json.loads(changes_since(catalog, D("2026-11-01"), "json"))
    taken_in = {entry.id for entry in catalog.entries if entry.catalogued == D("2026-12-01")}
    taken_in |= {entry.id for entry in catalog.entries if any(row.catalogued for row in entry.lifecycle)}
    assert {change["id"] for change in found["changes"]} == taken_in
    assert len(taken_in) > 100
    text = changes_since(catalog, D("2026-11-01"), "text").splitlines()
    assert ("2026-12-01  amazon.nova-2-sonic-v1:0                     catalogued 2026-12-01: Active, "
            "no lifecycle dates") in text
    assert ("2026-12-01  anthropic.claude-sonnet-4-6                  catalogued 2026-12-01: Active, "
            "no lifecycle dates, EOL no sooner than 2027-02-17") in text
    assert ("2026-12-01  cohere.command-text-v14                      catalogued 2026-12-01: also "
            "cohere.command-text-v14:7; all regions: legacy 2024-10-04, EOL 2025-08-12 (confirmed)") in text
    assert ("2026-12-01  meta.llama3-3-70b-instruct-v1:0              catalogued 2026-12-01: EOL no sooner "
            "than 2025-12-06; all regions: legacy 2026-09-30, EOL 2027-03-30 (observed)") in text


def test_changes_since_uses_the_written_changed_date():
    """Claude v2.1 was seen Legacy on 2025-01-22 but its EOL only on 2025-09-12: the row as it
    stands was published by the later day, which `changed` records."""
    found = json.loads(changes_since(load_catalog(), D("2025-09-01"), "json"))
    by_id = {change["id"]: change for change in found["changes"]}
    assert by_id["anthropic.claude-v2:1"]["date"] == "2025-09-12"
    (row,) = by_id["anthropic.claude-v2:1"]["rows"]
    assert (row["regions"], row["legacy_date"], row["eol_date"], row["published_by"]) == (
        "all", "2025-01-22", "2025-09-12", "2025-09-12")
    # The 2026 page's rows have no dated source: listed as not placed, never given a date.
    assert "anthropic.claude-sonnet-4-20250514-v1:0" in found["undated"]
    assert "anthropic.claude-sonnet-4-20250514-v1:0" not in by_id
    assert [change["date"] for change in found["changes"]] == sorted(change["date"] for change in found["changes"])


def test_changes_since_is_inclusive_and_can_be_empty():
    catalog = load_catalog()
    on_the_day = json.loads(changes_since(catalog, D("2026-12-01"), "json"))
    assert "amazon.nova-2-sonic-v1:0" in [change["id"] for change in on_the_day["changes"]]
    after = json.loads(changes_since(catalog, D("2026-12-02"), "json"))
    assert (after["since"], after["changes"]) == ("2026-12-02", [])


def test_changes_since_marks_user_catalog_entries():
    text = changes_since(load_catalog([USER]), D("2026-08-01"), "text")
    assert ("2026-08-01  anthropic.claude-3-haiku-20240307-v1:0       all regions: legacy 2026-03-10, "
            "EOL 2026-12-31 (confirmed) (user catalog)") in text
    # The written `changed` date wins over the older dated source.
    assert "2026-11-20  acme.support-bot-v1" in text


# --------------------------------------------------------------------------- models: filters


def test_models_state_filter_json():
    listed = models_json("--state", "eol", "--as-of", "2026-11-28")
    assert listed["as_of"] == "2026-11-28"
    assert listed["models"] and all(model["state"] == "eol" for model in listed["models"])
    assert "anthropic.claude-3-haiku-20240307-v1:0" in {model["id"] for model in listed["models"]}
    assert "anthropic.claude-sonnet-4-5-20250929-v1:0" not in {model["id"] for model in listed["models"]}


def test_models_state_and_provider_filters_text():
    code, out, _ = cli("models", "--state", "legacy", "--provider", "anthropic", "--as-of", "2026-11-28",
                       "--region", "us-east-1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["MODEL", "ID", "STATE", "LEGACY", "EOL", "REPLACEMENT"]
    assert lines[1].split()[:4] == ["anthropic.claude-sonnet-4-5-20250929-v1:0", "legacy", "2026-10-08", "2027-04-08"]
    assert lines[-1] == "1 model as of 2026-11-28"


def test_models_region_filter_changes_the_state():
    """AI21 J2 Mid was retired only in us-west-2 (2024 seed table)."""
    west = models_json("ai21", "--region", "us-west-2", "--as-of", "2024-08-01")
    east = models_json("ai21", "--region", "us-east-1", "--as-of", "2024-08-01")
    state = {model["id"]: model["state"] for model in west["models"]}
    assert state["ai21.j2-mid-v1"] == "eol"
    assert {model["id"]: model["state"] for model in east["models"]}["ai21.j2-mid-v1"] == "active"


def test_models_as_of_moves_the_phase():
    model = "anthropic.claude-3-5-haiku-20241022-v1:0"
    states = [models_json(model, "--as-of", day)["entry"]["state"]
              for day in ("2025-12-18", "2025-12-19", "2026-03-19", "2026-06-19")]
    assert states == ["active", "legacy", "extended-access", "eol"]


def test_models_marks_user_catalog_entries():
    listed = models_json("--catalog", USER, "--provider", "acme", "--as-of", "2026-11-28")
    assert [(model["id"], model["user_catalog"]) for model in listed["models"]] == [("acme.support-bot-v1", True)]
    code, out, _ = cli("models", "haiku", "--catalog", USER, "--as-of", "2026-11-28")
    assert code == 0
    lines = out.splitlines()
    assert any(line.startswith("anthropic.claude-3-haiku-20240307-v1:0") and line.endswith("(user catalog)")
               for line in lines)
    assert not any(line.startswith("anthropic.claude-haiku-4-5") and "(user catalog)" in line for line in lines)
    assert lines[-1].endswith(", 1 from user catalogs")


# --------------------------------------------------------------------------- models: explain


def test_explain_arn_uses_its_region():
    code, out, _ = cli("models", "arn:aws:bedrock:us-west-2::foundation-model/ai21.j2-mid-v1", "--as-of", "2024-08-01")
    assert code == 0
    assert out.splitlines() == [
        "arn:aws:bedrock:us-west-2::foundation-model/ai21.j2-mid-v1",
        "  model ID:  ai21.j2-mid-v1 (foundation-model)",
        "  region:    us-west-2",
        "  name:      Jurassic-2 Mid (AI21 Labs)",
        "  state:     eol",
        "  - us-west-2: legacy 2024-07-30, extended access -, EOL 2024-07-30 (eol, confirmed, "
        "published by an undated source)",
        "  a scan reports (on demand):",
        "    ERROR BDR001: ai21.j2-mid-v1 reached end of life on 2024-07-30 in us-west-2: on-demand requests to it "
        "fail. The catalog names no replacement for it.",
    ]


def test_explain_normalises_profile_prefix_and_context_suffix():
    info = models_json("us.anthropic.claude-3-haiku-20240307-v1:0:200k", "--as-of", "2026-04-01",
                       "--region", "ap-south-1")
    assert (info["input"], info["model_id"], info["region"], info["profile"], info["known"]) == (
        "us.anthropic.claude-3-haiku-20240307-v1:0:200k", "anthropic.claude-3-haiku-20240307-v1:0", "ap-south-1",
        "us.", True)
    # A us. profile runs in the US regions, whatever the caller: their row applies, and Bedrock
    # refuses the call from ap-south-1.
    assert (info["entry"]["state"], info["entry"]["eol_date"]) == ("legacy", "2026-09-10")
    assert [f["rule_id"] for f in info["findings"]] == ["BDR002", "BDR011"]
    # The plain ID there: no row lists ap-south-1, so Active, with a note on where it is Legacy.
    plain = models_json("anthropic.claude-3-haiku-20240307-v1:0:200k", "--as-of", "2026-04-01",
                        "--region", "ap-south-1")
    assert (plain["entry"]["state"], plain["entry"]["eol_date"]) == ("active", None)
    assert [f["rule_id"] for f in plain["findings"]] == ["BDR012"]
    assert [(row["state"], row["eol_date"], "us-east-1" in row["regions"]) for row in info["rows"]] == [
        ("legacy", "2026-09-10", True), ("legacy", "2026-09-10", False)]


def test_explain_state_by_region():
    model = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    text = cli("models", model, "--as-of", "2026-03-01")[1]
    assert "  - eu-central-2: legacy 2025-08-25, extended access 2025-12-01, EOL 2026-06-01 (extended-access, " \
           "confirmed, published by an undated source)" in text
    assert "EOL 2026-03-01 (eol, confirmed, published by 2025-09-08)" in text
    assert models_json(model, "--as-of", "2026-03-01", "--region", "ap-northeast-1")["entry"]["state"] == "legacy"


def test_explain_unknown_and_custom_model():
    code, out, _ = cli("models", "anthropic.claude-9-v1:0", "--as-of", "2026-11-28")
    assert code == 0 and "  not in the lifecycle catalog" in out.splitlines()
    assert out.splitlines()[-1].startswith("    NOTE BDR004: anthropic.claude-9-v1:0 is not in the lifecycle catalog")
    custom = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-pro-v1:0/abcd1234efgh"
    info = models_json(custom, "--as-of", "2026-11-28")
    assert (info["model_id"], info["custom_model_base"], info["region"]) == ("amazon.nova-pro-v1:0", True, "us-east-1")


# --------------------------------------------------------------------------- regions end to end


def test_legacy_in_one_region_active_in_another():
    """Claude 3 Haiku's row lists us-east-1, not ap-south-1: the Virginia agent is Legacy, the
    Mumbai one Active with a note that nothing is announced there (never silently Active)."""
    code, report = scan_json(str(CATALOGS / "two-regions"), "--as-of", "2026-04-01")
    assert code == 0
    assert [(f["rule_id"], f["resource"], f["region"]) for f in report["findings"]] == [
        ("BDR002", "aws_bedrockagent_agent.virginia", "us-east-1"),
        ("BDR012", "aws_bedrockagent_agent.mumbai", "ap-south-1")]
    (note,) = by_rule(report, "BDR012")
    assert note["severity"] == "note" and "is Legacy since 2026-03-10 (end of life 2026-09-10) in ap-northeast-1" \
        in note["message"] and "nothing is announced for ap-south-1" in note["message"]
    (finding,) = by_rule(report, "BDR002")
    assert (finding["legacy_date"], finding["eol_date"]) == ("2026-03-10", "2026-09-10")
    lifecycle = {ref["resource"]: (ref["region"], ref["lifecycle"]) for ref in report["references"]}
    assert lifecycle == {"aws_bedrockagent_agent.virginia": ("us-east-1", "legacy"),
                         "aws_bedrockagent_agent.mumbai": ("ap-south-1", "active")}


def test_two_regions_after_eol():
    code, report = scan_json(str(CATALOGS / "two-regions"), "--as-of", "2026-09-10")
    assert code == 1
    assert [(f["rule_id"], f["resource"]) for f in report["findings"]] == [
        ("BDR001", "aws_bedrockagent_agent.virginia"), ("BDR012", "aws_bedrockagent_agent.mumbai")]
