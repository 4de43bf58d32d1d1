"""The CI formats (SPEC section 8, issue 5): one scan writes every format, each checked as its consumer would.

SARIF against the OASIS schema, JUnit against the rules of the common Ant JUnit schema,
GitHub workflow commands by pattern, Markdown by content; then the distribution files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import FIXTURES, REPORT_SCHEMA, ROOT, cli

from validator.model import Finding, Span
from validator.report import RenderOptions
from validator.report.github_format import command, escape_data, escape_property
from validator.report.markdown_format import code, escape

SARIF_SCHEMA = ROOT / "tests" / "data" / "reports-sarif-schema-2.1.0.json"  # the OASIS schema, copied
LIFECYCLE_PAGE = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html"
SCAN = ("--as-of", "2026-01-15", "--region", "us-east-1")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One scan of fixtures/ci/repo from fixtures/ci, writing every format."""
    out = tmp_path_factory.mktemp("reports")
    files = {fmt: out / f"report.{fmt}" for fmt in ("sarif", "junit", "github", "markdown", "text")}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(FIXTURES / "ci")
        code_, stdout, _ = cli("scan", "repo", *SCAN, "--format", "json",
                               *(arg for fmt, path in files.items() for arg in ("--output", f"{fmt}={path}")))
    report = json.loads(stdout)
    jsonschema.validate(report, REPORT_SCHEMA)
    return {"code": code_, "json": report, **{fmt: path.read_text(encoding="utf-8") for fmt, path in files.items()}}


def test_one_scan_writes_every_format_and_the_gate_fails(outputs):
    assert outputs["code"] == 1
    assert {f["rule_id"] for f in outputs["json"]["findings"]} == {"BDR001", "BDR002", "BDR006", "BDR007"}
    assert outputs["text"].rstrip().splitlines()[-1].startswith("2 files, 6 model references: 2 errors")


# -- SARIF -------------------------------------------------------------------------------------

def test_sarif_validates_against_the_oasis_schema(outputs):
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(json.loads(outputs["sarif"]))


def test_sarif_describes_every_rule_with_help_and_a_lifecycle_link(outputs):
    driver = json.loads(outputs["sarif"])["runs"][0]["tool"]["driver"]
    assert driver["name"] == "iac-check" and driver["version"]
    assert [r["id"] for r in driver["rules"]] == [f"BDR{n:03d}" for n in range(13)]
    for rule in driver["rules"]:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert LIFECYCLE_PAGE in rule["help"]["text"] and LIFECYCLE_PAGE in rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    extended = next(r for r in driver["rules"] if r["id"] == "BDR007")
    assert "anthropic.claude-sonnet-4-5-20250929-v1:0" in extended["help"]["text"]


def test_sarif_results_locate_fingerprint_and_suppress(outputs):
    run = json.loads(outputs["sarif"])["runs"][0]
    results = run["results"]
    assert len(results) == len(outputs["json"]["findings"])
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].startswith("repo/")  # from the repository root, for GitHub
        assert location["region"]["startLine"] >= 1 and location["region"].get("startColumn", 1) >= 1
        assert re.fullmatch(r"[0-9a-f]{32}", result["partialFingerprints"]["iacCheckFingerprint/v1"])
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    suppressed = {r["ruleId"]: r["suppressions"] for r in results if "suppressions" in r}
    assert suppressed == {
        "BDR002": [{"kind": "inSource", "status": "accepted",
                    "justification": "moving in <b>PLAT-42</b> | [x](http://e.invalid)"}],
        "BDR006": [{"kind": "inSource", "status": "accepted", "justification": "tracked in PLAT-7"}],
    }
    assert run["properties"]["asOf"] == "2026-01-15" and run["properties"]["catalogUpdated"]


# -- JUnit -------------------------------------------------------------------------------------

SUITE_ATTRIBUTES = {"name", "timestamp", "hostname", "tests", "failures", "errors", "time", "package", "id"}


def _check_common_junit_schema(root: ET.Element) -> None:
    """The constraints of the common Ant JUnit XSD that consumers trip over."""
    assert root.tag == "testsuites" and not root.attrib
    for number, suite in enumerate(root):
        assert suite.tag == "testsuite" and SUITE_ATTRIBUTES <= set(suite.attrib) <= SUITE_ATTRIBUTES | {"skipped"}
        assert suite.get("id") == str(number)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", suite.get("timestamp", ""))
        tags = [child.tag for child in suite]
        assert tags[0] == "properties" and tags[-2:] == ["system-out", "system-err"]
        assert set(tags[1:-2]) <= {"testcase"}
        cases = suite.findall("testcase")
        for case in cases:
            assert set(case.attrib) == {"name", "classname", "time"}
            results = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
            assert len(results) <= 1 and [c.tag for c in case] in ([], results, ["system-out"])
            assert all(c.get("type") for c in case if c.tag in ("failure", "error"))
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("skipped", "0")) == sum(1 for c in cases if c.find("skipped") is not None)


def test_junit_has_a_suite_per_file_and_a_case_per_reference(outputs):
    root = ET.fromstring(outputs["junit"])
    _check_common_junit_schema(root)
    suites = {s.get("name"): s for s in root}
    assert list(suites) == ["repo/infra/main.tf", "repo/templates/agent.yaml"]
    references = outputs["json"]["references"]
    assert sum(len(s.findall("testcase")) for s in root) == len(references)
    failed = [c.get("name") for s in root for c in s if c.find("failure") is not None]
    assert failed == ["aws_bedrockagent_agent.retired.foundation_model anthropic.claude-v2 (line 14)",
                      "Assistant.FoundationModel anthropic.claude-v2:1 (line 7)"]
    assert suites["repo/infra/main.tf"].find("testcase/failure").get("type") == "BDR001"


def test_junit_failures_follow_fail_on(tmp_path: Path):
    target = tmp_path / "junit.xml"
    cli("scan", str(FIXTURES / "ci" / "repo"), *SCAN, "--fail-on", "warning", "--output", f"junit={target}")
    root = ET.fromstring(target.read_text(encoding="utf-8"))
    _check_common_junit_schema(root)
    types = sorted(c.find("failure").get("type") for s in root for c in s if c.find("failure") is not None)
    assert types == ["BDR001", "BDR001", "BDR007"]


def test_junit_gives_findings_about_no_reference_their_own_case(tf_fixture, tmp_path: Path):
    target = tmp_path / "junit.xml"
    cli("scan", tf_fixture("broken"), "--as-of", "2024-01-15", "--output", f"junit={target}")
    root = ET.fromstring(target.read_text(encoding="utf-8"))
    _check_common_junit_schema(root)
    bad = next(s for s in root if s.get("name").endswith("bad.tf"))
    assert [c.get("name") for c in bad.findall("testcase")] == ["BDR000 parse-error (line 7)"]
    assert bad.find("testcase/failure").get("type") == "BDR000"


# -- GitHub workflow commands -----------------------------------------------------------------

COMMAND = re.compile(r"^::(error|warning|notice) file=[^,:]+,line=\d+(,col=\d+)?,title=[^,:]+::[^\r\n]+$")


def test_github_commands_annotate_each_unsuppressed_finding(outputs):
    lines = outputs["github"].rstrip("\n").split("\n")
    commands, summary = lines[:-1], lines[-1]
    assert all(COMMAND.match(line) for line in commands), commands
    unsuppressed = [f for f in outputs["json"]["findings"] if not f["suppressed"]]
    assert len(commands) == len(unsuppressed)
    # The most severe first, and among errors the longest retired first.
    assert commands[0].startswith("::error file=repo/infra/main.tf,line=14,col=30,title=BDR001 model-end-of-life ")
    assert "title=BDR007 model-extended-access anthropic.claude-3-5-sonnet-20240620-v1%3A0::" in commands[2]
    assert [line.split(" ")[0] for line in commands] == ["::error", "::error", "::warning", "::notice"]
    assert not summary.startswith("::") and "2 errors" in summary


def test_github_escaping_follows_the_runner_rules():
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    finding = Finding("BDR001", "error", "bad %0A model\n::error::injected", Span("dir,x/a:b.tf", 3, 2),
                      model_id="m:1")
    line = command(finding, RenderOptions())
    assert line == ("::error file=dir%2Cx/a%3Ab.tf,line=3,col=2,title=BDR001 model-end-of-life m%3A1"
                    "::bad %250A model ::error::injected")
    assert "\n" not in line


# -- Markdown ----------------------------------------------------------------------------------

def test_markdown_has_summary_findings_by_file_and_a_gantt(outputs):
    md = outputs["markdown"]
    assert md.startswith("## iac-check: failed — 2 finding(s) at or above `error`")
    assert "| 2 | 1 | 1 | 2 | 0 | 6 | 2 |" in md
    assert "#### `repo/infra/main.tf`" in md and "#### `repo/templates/agent.yaml`" in md
    row = "| 14 | **error** | BDR001 | `aws_bedrockagent_agent.retired.foundation_model` | `anthropic.claude-v2` |"
    assert row in md
    assert LIFECYCLE_PAGE in md
    chart = md.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert chart.startswith("gantt\n") and "dateFormat YYYY-MM-DD" in chart
    assert "section anthropic.claude-3-5-sonnet-20240620-v1\u22360 (on-demand in us-east-1)" in chart
    assert "Extended access since 2025-12-01 :active, 2026-01-15, 2026-03-01" in chart
    assert "End of life :crit, 2026-03-01, 2026-07-14" in chart
    for line in chart.splitlines()[1:]:  # a label never holds the characters that end it
        label = line.strip().split(" :", 1)[0]
        assert not re.search(r"[:;#]", label.removeprefix("title").removeprefix("section")), line


def test_markdown_escapes_text_from_scanned_files(outputs):
    md = outputs["markdown"]
    assert "<b>" not in md
    assert "moving in \\<b\\>PLAT-42\\</b\\> \\| \\[x\\]\\(http://e.invalid\\)" in md
    assert escape("*a* <i>&amp; `x` | $y$") == "\\*a\\* \\<i\\>\\&amp; \\`x\\` \\| \\$y\\$"
    assert code("a`b|c") == "``a`b\\|c``"
    assert code("`x`") == "`` `x` ``"
    assert code("\x1b[31mred\u202e") == "`red`"


def test_output_file_without_a_format_is_the_format_report(tmp_path: Path):
    plain, sarif = tmp_path / "report.json", tmp_path / "report.sarif"
    code_, out, _ = cli("scan", str(FIXTURES / "ci" / "repo"), *SCAN, "-f", "json",
                        "--output", str(plain), "--output", f"sarif={sarif}")
    assert code_ == 1 and out == ""
    assert json.loads(plain.read_text())["as_of"] == "2026-01-15"
    assert json.loads(sarif.read_text())["version"] == "2.1.0"


def test_output_with_an_unknown_format_is_a_usage_error(tmp_path: Path):
    code_, _, err = cli("scan", str(FIXTURES / "ci" / "repo"), *SCAN, "--output", f"xml={tmp_path / 'r.xml'}")
    assert code_ == 2 and "FORMAT=FILE" in err and not (tmp_path / "r.xml").exists()


def test_control_characters_from_files_reach_no_format(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'resource "aws_bedrockagent_agent" "a" {\n'
        '  foundation_model = "anthropic.claude-v1" # iac-check:ignore BDR002 reason="\x1b[2J\u202eevil"\n}\n',
        encoding="utf-8",
    )
    for fmt in ("text", "json", "sarif", "junit", "github", "markdown"):
        _, out, _ = cli("scan", str(tmp_path), "--as-of", "2024-01-15", "-f", fmt, "--no-color")
        assert "\x1b" not in out and "\u202e" not in out, fmt
        if fmt in ("sarif", "junit", "markdown"):  # the formats that show suppression reasons
            assert "evil" in out and "\\u202e" not in out, fmt


# -- distribution: the pre-commit hook (the GitHub Action: test_action.py) -------------------

def test_pre_commit_hook_is_declared_as_documented():
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert (hook["id"], hook["entry"], hook["language"]) == ("iac-check", "iac-check scan", "python")
    pattern = re.compile(hook["files"])
    for name in ("main.tf", "main.tf.json", "prod.tfvars", "t.yaml", "t.yml", "t.json", "app.template"):
        assert pattern.search(name), name
    assert not pattern.search("main.py")


def _pre_commit() -> str | None:
    return shutil.which("pre-commit")


@pytest.mark.skipif(_pre_commit() is None, reason="pre-commit is not installed (pip install pre-commit)")
@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                    reason="try-repo needs git and this checkout's git history")
def test_pre_commit_try_repo_runs_the_hook(tmp_path: Path):
    repo = tmp_path / "infra"
    repo.mkdir()
    (repo / "main.tf").write_text(
        'resource "aws_bedrockagent_agent" "a" {\n  foundation_model = "anthropic.claude-v1"\n}\n', encoding="utf-8"
    )
    # The hook takes no --as-of: the config file pins the date, so the test never reads the clock.
    (repo / ".iac-check.yaml").write_text("as-of: 2024-03-01\n", encoding="utf-8")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "infra"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    # The committed hook: with uncommitted work try-repo copies edited files but not new
    # ones, so a tree with someone's work in progress may not even import.
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    result = subprocess.run([_pre_commit(), "try-repo", str(ROOT), "iac-check", "--ref", head, "--all-files"],
                            cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    if "Could not find a version" in output or "Failed to establish a new connection" in output:
        pytest.skip("pre-commit needs the package index to build the hook's environment")
    assert result.returncode == 1, output
    assert "iac-check" in output and "Failed" in output
    assert "main.tf:2:23 ERROR BDR001" in output and "anthropic.claude-v1" in output
