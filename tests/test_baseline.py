"""Baselines (SPEC section 7): today's findings are accepted once; anything new still fails."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

from conftest import FIXTURES, cli, scan_json

from validator import baseline
from validator.model import Finding, Report, Span

SCAN = ("--as-of", "2026-01-15", "--region", "us-east-1")
AGENT = 'resource "aws_bedrockagent_agent" "{name}" {{\n  foundation_model = "{model}"\n}}\n'


def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "ci" / "repo", root)
    return root


def test_a_baseline_written_today_silences_todays_findings(tmp_path: Path):
    root, baseline = tree(tmp_path), tmp_path / "baseline.json"
    code, _, _ = cli("scan", str(root), *SCAN, "--write-baseline", str(baseline))
    assert code == 0  # what was just accepted does not fail
    code, report = scan_json(str(root), *SCAN, "--baseline", str(baseline), "--fail-on", "note")
    assert code == 0
    assert [f["rule_id"] for f in report["findings"] if not f["suppressed"]] == []
    assert report["summary"]["baseline_matched"] == 4 and report["summary"]["suppressed"] == 2
    _, text, _ = cli("scan", str(root), *SCAN, "--baseline", str(baseline), "--no-color")
    assert "4 in baseline" in text


def test_the_baseline_file_is_reviewable_and_leaves_suppressed_findings_out(tmp_path: Path):
    root, baseline = tree(tmp_path), tmp_path / "baseline.json"
    cli("scan", str(root), *SCAN, "--write-baseline", str(baseline))
    data = json.loads(baseline.read_text(encoding="utf-8"))
    assert data["iac-check-baseline"] == 1 and data["as_of"] == "2026-01-15"
    assert [(e["file"], e["rule_id"], e["resource"]) for e in data["findings"]] == [
        ("infra/main.tf", "BDR001", "aws_bedrockagent_agent.retired"),
        ("infra/main.tf", "BDR006", "aws_bedrockagent_agent.next"),
        ("infra/main.tf", "BDR007", "aws_bedrockagent_agent.support"),
        ("templates/agent.yaml", "BDR001", "Assistant"),
    ]
    assert all("line" not in e for e in data["findings"])


def test_line_moves_keep_matching_and_a_new_reference_still_fails(tmp_path: Path):
    root, baseline = tree(tmp_path), tmp_path / "baseline.json"
    cli("scan", str(root), *SCAN, "--write-baseline", str(baseline))
    main = root / "infra" / "main.tf"
    main.write_text("# moved down\n\n\n" + main.read_text(encoding="utf-8")
                    + AGENT.format(name="added", model="anthropic.claude-v2"), encoding="utf-8")
    code, report = scan_json(str(root), *SCAN, "--baseline", str(baseline))
    new = [(f["rule_id"], f["resource"], f["line"]) for f in report["findings"] if not f["suppressed"]]
    assert new == [("BDR001", "aws_bedrockagent_agent.added", 32)]
    assert report["summary"]["baseline_matched"] == 4 and code == 1


def test_a_second_copy_of_a_known_finding_is_new():
    def finding(line: int, suppressed: bool = False) -> Finding:
        return Finding("BDR001", "error", "m", Span("main.tf", line), suppressed=suppressed, fingerprint="a" * 32)

    report = Report(date(2024, 3, 1), "0", date(2024, 1, 1), 1, 1, (), (finding(3), finding(9), finding(12, True)))
    kept = baseline.apply(report, Counter({"a" * 32: 1}))
    assert [(f.span.line, f.suppressed) for f in kept.findings] == [(9, False), (12, True)]
    assert kept.baseline_matched == 1 and kept.failed("error")


def test_the_same_finding_in_another_file_is_new(tmp_path: Path):
    root, baseline = tree(tmp_path), tmp_path / "baseline.json"
    cli("scan", str(root), *SCAN, "--write-baseline", str(baseline))
    shutil.copy(root / "templates" / "agent.yaml", root / "templates" / "copy.yaml")
    code, report = scan_json(str(root), *SCAN, "--baseline", str(baseline))
    assert [(f["file"], f["rule_id"]) for f in report["findings"] if not f["suppressed"]] == [
        ("templates/copy.yaml", "BDR001")]
    assert code == 1


def test_a_baselined_warning_fails_again_when_the_model_reaches_eol(tmp_path: Path):
    root, baseline = tree(tmp_path), tmp_path / "baseline.json"
    cli("scan", str(root), *SCAN, "--write-baseline", str(baseline))
    code, report = scan_json(str(root), "--as-of", "2026-03-01", "--region", "us-east-1", "--baseline", str(baseline))
    assert ("BDR001", "aws_bedrockagent_agent.support") in {(f["rule_id"], f["resource"]) for f in report["findings"]}
    assert code == 1


def test_baseline_and_config(tmp_path: Path):
    root = tree(tmp_path)
    baseline = root / "baseline.json"
    (root / ".iac-check.yaml").write_text("baseline: baseline.json\nregion: us-east-1\n", encoding="utf-8")
    cli("scan", str(root), "--as-of", "2026-01-15", "--write-baseline", str(baseline))
    code, report = scan_json(str(root), "--as-of", "2026-01-15")
    assert report["summary"]["baseline_matched"] == 4 and code == 0


def test_a_bad_baseline_is_a_usage_error(tmp_path: Path):
    root = tree(tmp_path)
    (tmp_path / "bad.json").write_text('{"findings": []}', encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "short.json").write_text('{"iac-check-baseline": 1, "findings": [{"fingerprint": "ab"}]}')
    for name, reason in (("missing.json", "No such file"), ("bad.json", "not an iac-check baseline"),
                         ("broken.json", "not JSON"), ("short.json", "32-hex fingerprint")):
        code, _, err = cli("scan", str(root), *SCAN, "--baseline", str(tmp_path / name))
        assert code == 2 and name in err and reason in err, err
    code, _, err = cli("scan", str(root), *SCAN, "--write-baseline", str(tmp_path / "no" / "dir.json"))
    assert code == 2 and "--write-baseline" in err
