"""`iac-check timeline` (SPEC section 2): the phase changes of the referenced models, soonest first."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from conftest import FIXTURES, cli

from validator.catalog import load_catalog
from validator.model import Reference, Span
from validator.timeline import build

REPO = str(FIXTURES / "ci" / "repo")
SCAN = ("--as-of", "2026-01-15", "--region", "us-east-1")


def test_text_lists_changes_soonest_first_then_the_quiet_models():
    code, out, _ = cli("timeline", REPO, *SCAN)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Model phase changes from 2026-01-15 to 2026-07-14 (180 days)"
    rows = [line.split()[:4] for line in lines[3:8]]
    assert rows == [
        ["2026-02-19", "35d", "cohere.command-r-v1:0", "Legacy"],
        ["2026-03-01", "45d", "anthropic.claude-3-5-sonnet-20240620-v1:0", "end"],
        ["2026-04-07", "82d", "meta.llama3-2-11b-instruct-v1:0", "extended"],
        ["2026-05-19", "124d", "cohere.command-r-v1:0", "extended"],
        ["2026-07-07", "173d", "meta.llama3-2-11b-instruct-v1:0", "end"],
    ]
    assert "infra/main.tf:26, templates/agent.yaml:23" in lines[3]
    assert "No change in the window:" in out and "anthropic.claude-v2 (on-demand, us-east-1): eol" in out


def test_days_narrows_the_window():
    _, out, _ = cli("timeline", REPO, *SCAN, "--days", "40", "--format", "json")
    data = json.loads(out)
    assert (data["days"], data["until"]) == (40, "2026-02-24")
    assert [(c["date"], c["model_id"], c["phase"]) for c in data["changes"]] == [
        ("2026-02-19", "cohere.command-r-v1:0", "legacy")]


def test_json_lists_every_referenced_model_with_its_dates_and_places():
    _, out, _ = cli("timeline", REPO, *SCAN, "-f", "json")
    data = json.loads(out)
    models = {m["model_id"]: m for m in data["models"]}
    assert set(models) == {"cohere.command-r-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0",
                           "meta.llama3-2-11b-instruct-v1:0", "anthropic.claude-v2", "anthropic.claude-v2:1"}
    sonnet = models["anthropic.claude-3-5-sonnet-20240620-v1:0"]
    assert (sonnet["state"], sonnet["legacy_date"], sonnet["extended_access_date"], sonnet["eol_date"]) == (
        "extended-access", "2025-08-25", "2025-12-01", "2026-03-01")
    assert sonnet["replacement"] == "anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert models["cohere.command-r-v1:0"]["references"] == [
        {"file": "infra/main.tf", "line": 26}, {"file": "templates/agent.yaml", "line": 23}]
    assert [c["days_left"] for c in data["changes"]] == [35, 45, 82, 124, 173]


def test_markdown_is_the_same_timeline_as_a_gantt_chart():
    _, out, _ = cli("timeline", REPO, *SCAN, "-f", "markdown")
    assert out.startswith("### Model lifecycle timeline (2026-01-15 to 2026-07-14)")
    chart = out.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert chart.startswith("gantt\n")
    assert "section meta.llama3-2-11b-instruct-v1\u22360 (on-demand in us-east-1)" in chart
    assert "Legacy since 2026-01-07 :active, 2026-01-15, 2026-04-07" in chart
    row = "| 2026-07-07 | 173 days | `meta.llama3-2-11b-instruct-v1:0` | end of life | on-demand | `us-east-1` |"
    assert row in out


def test_the_same_model_differs_by_region_and_usage():
    refs = [Reference(Span("a.tf", 1), "r", "t", "m", "x", "anthropic.claude-3-5-sonnet-20240620-v1:0",
                      "on-demand", region) for region in ("us-east-1", "eu-central-2")]
    timeline = build(refs, load_catalog(), date(2026, 1, 15), 180)
    assert [(m.region, [c.day.isoformat() for c in m.changes]) for m in timeline.models] == [
        ("us-east-1", ["2026-03-01"]), ("eu-central-2", ["2026-06-01"])]


def test_a_tree_without_changes_says_so_and_unknown_models_are_listed(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'resource "aws_bedrockagent_agent" "a" {\n  foundation_model = "anthropic.claude-v1"\n}\n'
        'resource "aws_bedrockagent_agent" "b" {\n  foundation_model = "anthropic.claude-v9"\n}\n')
    code, out, _ = cli("timeline", str(tmp_path), "--as-of", "2025-01-01")
    assert code == 0 and "No model the code references changes phase in this window." in out
    assert "anthropic.claude-v1 (on-demand, any region): eol, end of life 2024-02-28" in out
    assert "anthropic.claude-v9 (on-demand, any region): unknown" in out
    _, md, _ = cli("timeline", str(tmp_path), "--as-of", "2025-01-01", "--days", "10", "-f", "markdown")
    assert "section anthropic.claude-v1 (on-demand in any region)" in md  # already past EOL: still charted
    assert "End of life since 2024-02-28 :crit, active, 2025-01-01, 2025-01-11" in md


def test_days_from_the_config_and_usage_errors(tmp_path: Path):
    config = tmp_path / "iac-check.yaml"
    config.write_text("days: 40\n", encoding="utf-8")
    _, out, _ = cli("timeline", REPO, *SCAN, "--config", str(config), "-f", "json")
    assert json.loads(out)["days"] == 40
    assert cli("timeline", REPO, *SCAN, "-f", "sarif")[0] == 2
    assert cli("timeline", REPO, *SCAN, "--days", "-1")[0] == 2
    assert cli("timeline", str(tmp_path / "missing"), *SCAN)[0] == 2


def test_profiles_are_timed_by_their_geography(tmp_path):
    """An eu. profile with no region is timed by EU rows only: Claude 3.5 Sonnet v2 has APAC and
    us-east-1 rows, so nothing is announced for it in the EU (a scan notes that, BDR012)."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_bedrockagent_agent" "eu" {\n  agent_name       = "eu"\n'
        '  foundation_model = "eu.anthropic.claude-3-5-sonnet-20241022-v2:0"\n}\n', encoding="utf-8")
    code, out, _ = cli("timeline", str(tmp_path), "--as-of", "2025-12-01", "--days", "365", "--format", "json")
    assert code == 0
    assert json.loads(out)["changes"] == []
    (tmp_path / "main.tf").write_text(
        'resource "aws_bedrockagent_agent" "apac" {\n  agent_name       = "apac"\n'
        '  foundation_model = "apac.anthropic.claude-3-5-sonnet-20241022-v2:0"\n}\n', encoding="utf-8")
    _, out, _ = cli("timeline", str(tmp_path), "--as-of", "2025-12-01", "--days", "365", "--format", "json")
    assert [(c["date"], c["phase"]) for c in json.loads(out)["changes"]] == [
        ("2026-01-30", "legacy"), ("2026-04-30", "extended-access"), ("2026-07-30", "eol")]
