"""One finding per place (issue 16): the same verdict on the same code in several module
instances is one finding listing them; instances that differ stay apart; a baseline
written before findings were merged still matches; summaries and annotations count places.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

from conftest import FIXTURES, ROOT, cli, scan_json

from validator.model import Finding, Instance, Report, Span
from validator.report import RenderOptions, instance_names, render

INSTANCES = str(FIXTURES / "terraform" / "instances")
AS_OF = ("--as-of", "2026-12-01")
BEFORE = ROOT / "tests" / "data" / "reports-baseline-before-merge.json"
"""Written by `scan fixtures/terraform/instances --as-of 2026-12-01 --write-baseline` before the merge."""
OPUS = "anthropic.claude-opus-4-1-20250805-v1:0"


def test_a_module_called_from_several_roots_is_one_finding_per_region():
    _, report = scan_json(INSTANCES, *AS_OF)
    places = [(f["rule_id"], f["file"], f["line"], f["region"], f["instances"]) for f in report["findings"]]
    assert places == [
        ("BDR007", "modules/agent/main.tf", 19, "us-east-1",
         [f"module.{name}.aws_bedrockagent_agent.this" for name in ("billing", "orders", "returns", "support")]),
        ("BDR007", "modules/agent/main.tf", 19, "us-west-2", ["module.returns_oregon.aws_bedrockagent_agent.this"]),
    ]
    east = report["findings"][0]
    assert east["resource"] == east["instances"][0] and report["summary"]["warnings"] == 2
    # References stay one per instance: they are what the code deploys.
    assert sum(1 for r in report["references"] if r["model_id"] == OPUS) == 5


def test_text_names_the_instances_once_per_place():
    _, out, _ = cli("scan", INSTANCES, *AS_OF, "--no-color")
    lines = out.splitlines()
    assert lines[0].startswith(
        f"modules/agent/main.tf:19:3 WARNING BDR007 aws_bedrockagent_agent.this.foundation_model {OPUS} — ")
    assert lines[0].endswith("(in 4 module instances: module.billing, module.orders, module.returns, module.support)")
    assert "module.returns_oregon.aws_bedrockagent_agent.this.foundation_model" in lines[1]
    assert "instances" not in lines[1]
    assert lines[-1].startswith("3 files, 10 model references: 0 errors, 2 warnings, 0 notes")


def test_sarif_lists_the_instances_as_related_locations(tmp_path: Path):
    target = tmp_path / "report.sarif"
    cli("scan", INSTANCES, *AS_OF, "--output", f"sarif={target}")
    first, second = json.loads(target.read_text(encoding="utf-8"))["runs"][0]["results"]
    related = first["relatedLocations"]
    assert [r["message"]["text"] for r in related] == ["module.billing", "module.orders", "module.returns",
                                                       "module.support"]
    assert related[1]["logicalLocations"][0]["fullyQualifiedName"] == "module.orders.aws_bedrockagent_agent.this"
    assert all(r["physicalLocation"] == first["locations"][0]["physicalLocation"] for r in related)
    assert first["message"]["text"].endswith("(Applies in 4 module instances: module.billing, module.orders, "
                                             "module.returns, module.support.)")
    assert len(first["properties"]["instances"]) == 4
    assert "relatedLocations" not in second and "instances" not in second["properties"]


def test_a_baseline_written_before_the_merge_still_matches(tmp_path: Path):
    code, report = scan_json(INSTANCES, *AS_OF, "--baseline", str(BEFORE), "--fail-on", "warning")
    assert code == 0 and report["findings"] == [] and report["summary"]["baseline_matched"] == 2
    # And one written now is the same file: one entry per instance, same fingerprints.
    again = tmp_path / "baseline.json"
    cli("scan", INSTANCES, *AS_OF, "--write-baseline", str(again))
    assert json.loads(again.read_text(encoding="utf-8")) == json.loads(BEFORE.read_text(encoding="utf-8"))


def test_an_instance_the_baseline_does_not_list_is_still_new(tmp_path: Path):
    data = json.loads(BEFORE.read_text(encoding="utf-8"))
    data["findings"] = [e for e in data["findings"] if e["resource"] != "module.orders.aws_bedrockagent_agent.this"]
    partial = tmp_path / "baseline.json"
    partial.write_text(json.dumps(data), encoding="utf-8")
    code, report = scan_json(INSTANCES, *AS_OF, "--baseline", str(partial), "--fail-on", "warning")
    assert code == 1
    assert [f["instances"] for f in report["findings"]] == [["module.orders.aws_bedrockagent_agent.this"]]
    assert report["findings"][0]["resource"] == "module.orders.aws_bedrockagent_agent.this"
    assert report["summary"]["baseline_matched"] == 1


def test_the_same_module_from_two_roots_under_one_name_is_one_instance(tmp_path: Path):
    tree = tmp_path / "tree"
    shutil.copytree(INSTANCES, tree)
    # A second root calling the module by a name the first one uses: same address, one instance.
    (tree / "examples" / "again").mkdir()
    (tree / "examples" / "again" / "main.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n}\n\nmodule "support" {\n'
        '  source = "../../modules/agent"\n  name   = "support-again"\n}\n', encoding="utf-8")
    _, report = scan_json(str(tree), *AS_OF)
    assert [len(f["instances"]) for f in report["findings"]] == [4, 1]


def test_instances_that_differ_in_usage_or_suppression_stay_apart():
    span = Span("modules/agent/main.tf", 19, 3)
    base = Finding("BDR007", "warning", "m", span, resource="module.a.aws_x.this", model_id="m", usage="on-demand",
                   fingerprint="a" * 32)
    from validator.scan import _merged

    merged = _merged([base, Finding(**{**_fields(base), "resource": "module.b.aws_x.this", "fingerprint": "b" * 32}),
                      Finding(**{**_fields(base), "resource": "module.c.aws_x.this", "usage": "provisioned"}),
                      Finding(**{**_fields(base), "resource": "module.d.aws_x.this", "suppressed": True})])
    assert [(f.resource, len(f.every_instance)) for f in merged] == [
        ("module.a.aws_x.this", 2), ("module.c.aws_x.this", 1), ("module.d.aws_x.this", 1)]


def _fields(f: Finding) -> dict[str, object]:
    return {name: getattr(f, name) for name in Finding.__slots__}


def test_instance_names_cut_the_shared_address():
    def names(*resources: str) -> list[str]:
        f = Finding("BDR001", "error", "m", Span("a.tf", 1), resource=resources[0],
                    instances=tuple(Instance(r, "0" * 32) for r in resources))
        return instance_names(f)

    assert names("module.a.aws_x.this", "module.b.module.c.aws_x.this") == ["module.a", "module.b.module.c"]
    assert names("aws_x.this", "module.bedrock.aws_x.this") == ["root module", "module.bedrock"]
    assert names("module.a.aws_x.this") == []


# -- summaries and notes (issue 16 item 3) ------------------------------------------------------

def _notes_report() -> Report:
    def note(line: int, rule: str = "BDR005") -> Finding:
        return Finding(rule, "note", "cannot be resolved", Span("main.tf", line), resource=f"aws_x.n{line}")

    findings = (Finding("BDR001", "error", "gone", Span("main.tf", 1), resource="aws_x.e"),
                *(note(n) for n in range(2, 14)), note(20, "BDR010"))
    return Report(date(2026, 12, 1), "0", date(2026, 11, 28), 1, 3, (), findings)


def test_text_hides_notes_by_default_and_says_so():
    out = render(_notes_report(), "text", RenderOptions())
    assert "NOTE" not in out and "ERROR BDR001" in out
    assert "1 error, 0 warnings, 13 notes not shown (BDR005: 12 places, BDR010: 1 place; --verbose lists them)" in out


def test_text_lists_notes_with_verbose_or_fail_on_note():
    for options in (RenderOptions(verbose=True), RenderOptions(fail_on="note")):
        out = render(_notes_report(), "text", options)
        assert out.count(" NOTE ") == 13
        assert "13 notes (BDR005: 12 places, BDR010: 1 place)" in out and "not shown" not in out


def test_cli_verbose_shows_notes(tmp_path: Path):
    (tmp_path / "main.tf").write_text('resource "aws_bedrockagent_agent" "a" {\n  foundation_model = var.model\n}\n',
                                      encoding="utf-8")
    _, quiet, _ = cli("scan", str(tmp_path), *AS_OF, "--no-color")
    _, loud, _ = cli("scan", str(tmp_path), *AS_OF, "--no-color", "--verbose")
    assert "NOTE" not in quiet and "1 note not shown (BDR005: 1 place; --verbose lists them)" in quiet
    assert "NOTE BDR005" in loud


def test_instances_given_the_model_from_different_roots_are_one_place(tmp_path: Path):
    module = ('variable "model" {\n  type = string\n}\n\n'
              'resource "aws_bedrockagent_agent" "this" {\n  agent_name       = "a"\n'
              '  foundation_model = var.model\n}\n\n'
              'data "aws_iam_policy_document" "invoke" {\n  statement {\n    actions   = ["bedrock:InvokeModel"]\n'
              '    resources = ["arn:aws:bedrock:us-east-1::foundation-model/${var.model}", '
              '"arn:aws:bedrock:*::foundation-model/${var.model}"]\n  }\n}\n')
    root = ('provider "aws" {\n  region = "us-east-1"\n}\n\nmodule "NAME" {\n  source = "../../modules/agent"\n'
            '  model  = "anthropic.claude-v2"\n}\n')
    (tmp_path / "modules" / "agent").mkdir(parents=True)
    (tmp_path / "modules" / "agent" / "main.tf").write_text(module, encoding="utf-8")
    for name in ("chat", "search"):
        (tmp_path / "examples" / name).mkdir(parents=True)
        (tmp_path / "examples" / name / "main.tf").write_text(root.replace("NAME", name), encoding="utf-8")
    _, report = scan_json(str(tmp_path), *AS_OF)
    places = [(f["line"], f["attribute"], [i.split(".")[1] for i in f["instances"]]) for f in report["findings"]]
    # Each root writes the model in its own file; the module's places are still one each
    # (the two ARNs of one IAM list are two places of line 13: each at its `${var.model}`).
    assert places == [(7, "foundation_model", ["chat", "search"]), (13, "statement.resources", ["chat", "search"]),
                      (13, "statement.resources", ["chat", "search"])]
    assert [f["column"] for f in report["findings"]] == [3, 63, 115]
    assert report["findings"][0]["origin"]["file"] == "examples/chat/main.tf"
    assert sum(1 for r in report["references"] if r["model_id"] == "anthropic.claude-v2") == 6
