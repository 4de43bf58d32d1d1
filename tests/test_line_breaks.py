"""Every parser and the suppression reader count lines the same way (SPEC 8), so a
suppression can never move onto another reference, whatever characters a file holds.

The rule is each format's own: HCL and JSON end a line at `\\n` only (`\\r\\n` is a `\\r`
before a `\\n`); YAML, as PyYAML reads it, also at a lone `\\r`, NEL and the Unicode line and
paragraph separators, and refuses the other control characters.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import by_rule, scan_json

CHARACTERS = {"CR": "\r", "LS": "\u2028", "PS": "\u2029", "FF": "\f", "VT": "\v", "NEL": "\x85", "FS": "\x1c"}

LAMBDA_TF = '''resource "aws_lambda_function" "f" {{
  function_name = "chat" # owner: platform{char}team
  role          = "arn:aws:iam::123456789012:role/chat"
  environment {{
    variables = {{
      CHAT  = "anthropic.claude-v1" # iac-check:ignore BDR001 reason="retired with PLAT-1"
      EMBED = "anthropic.claude-instant-v1"
    }}
  }}
}}
'''

LAMBDA_YAML = '''AWSTemplateFormatVersion: "2010-09-09"
# owner: platform{char}# team
Resources:
  Chat:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: chat
      Environment:
        Variables:
          CHAT: anthropic.claude-v1 # iac-check:ignore BDR001 reason="retired with PLAT-1"
          EMBED: anthropic.claude-instant-v1
'''


def _findings(tmp_path: Path, name: str, text: str) -> dict[str, list[tuple[int, bool]]]:
    (tmp_path / name).write_bytes(text.encode("utf-8"))
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    lines = {r["raw"]: r["line"] for r in report["references"]}
    return {"lines": lines, "bdr001": [(f["raw"], f["line"], f["suppressed"]) for f in by_rule(report, "BDR001")],
            "bdr000": by_rule(report, "BDR000")}


@pytest.mark.parametrize("char", CHARACTERS.values(), ids=CHARACTERS.keys())
def test_hcl_suppression_stays_on_its_reference(tmp_path: Path, char: str):
    found = _findings(tmp_path, "main.tf", LAMBDA_TF.format(char=char))
    # HCL: only \n ends a line, so the references keep their lines whatever the comment holds.
    assert found["lines"] == {"anthropic.claude-v1": 6, "anthropic.claude-instant-v1": 7}
    assert sorted(found["bdr001"]) == [("anthropic.claude-instant-v1", 7, False), ("anthropic.claude-v1", 6, True)]


@pytest.mark.parametrize("char", CHARACTERS.values(), ids=CHARACTERS.keys())
def test_yaml_suppression_stays_on_its_reference(tmp_path: Path, char: str):
    found = _findings(tmp_path, "template.yaml", LAMBDA_YAML.format(char=char))
    if found["bdr000"]:
        # PyYAML refuses control characters that are not line breaks: the file is BDR000 whole.
        assert char in "\f\v\x1c" and found["bdr001"] == []
        return
    # A YAML line break in the comment moves everything after it one line down, for the
    # references and the suppression alike.
    shift = 1 if char in "\r\u2028\u2029\x85" else 0
    assert found["lines"] == {"anthropic.claude-v1": 10 + shift, "anthropic.claude-instant-v1": 11 + shift}
    assert sorted(found["bdr001"]) == [("anthropic.claude-instant-v1", 11 + shift, False),
                                       ("anthropic.claude-v1", 10 + shift, True)]


@pytest.mark.parametrize(("name", "template", "lines"), [("main.tf", LAMBDA_TF, (6, 7)),
                                                         ("template.yaml", LAMBDA_YAML, (10, 11))])
def test_crlf_files_count_one_line_per_crlf(tmp_path: Path, name: str, template: str, lines: tuple[int, int]):
    found = _findings(tmp_path, name, template.format(char="").replace("\n", "\r\n"))
    assert sorted(found["bdr001"]) == [("anthropic.claude-instant-v1", lines[1], False),
                                       ("anthropic.claude-v1", lines[0], True)]


AGENTS_YAML = '''AWSTemplateFormatVersion: "2010-09-09"
Description: "support agents{char}second line"
Parameters:
  HelperModel:
    Type: String
    Default: anthropic.claude-v2:1
Resources:
  Support:
    Type: AWS::Bedrock::Agent
    Properties:
      AgentName: support
      FoundationModel: anthropic.claude-v2
      Description: "Answers on anthropic.claude-v2"
  Helper:
    Type: AWS::Bedrock::Agent
    Properties:
      AgentName: helper
      FoundationModel: !Ref HelperModel
'''


@pytest.mark.parametrize("char", ["\r", "\x85", "\u2028", "\u2029"], ids=["CR", "NEL", "LS", "PS"])
def test_yaml_accounting_counts_lines_as_pyyaml(tmp_path: Path, char: str):
    # A YAML line break inside a quoted description moves everything below it one line
    # down, for the references, their origins and the mentions alike: none is lost.
    (tmp_path / "template.yaml").write_bytes(AGENTS_YAML.format(char=char).encode("utf-8"))
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    refs = sorted((r["raw"], r["line"], r["origin"]["line"] if r["origin"] else None) for r in report["references"])
    assert refs == [("anthropic.claude-v2", 13, None), ("anthropic.claude-v2:1", 19, 7)]
    assert [(m["line"], m["raw"]) for m in report["mentions"]] == [(14, "anthropic.claude-v2")]
    # The invariant: every line holding model text is a reference, an origin step or a mention.
    settled = {line for _, *lines in refs for line in lines} | {m["line"] for m in report["mentions"]}
    assert settled - {None} == {7, 13, 14, 19}


ALIAS_YAML = '''AWSTemplateFormatVersion: "2010-09-09"
Metadata:
  Chat: &chat anthropic.claude-v2
Description: "support agent{char}second line"
Resources:
  Support:
    Type: AWS::Bedrock::Agent
    Properties:
      AgentName: support
      FoundationModel: *chat
'''


@pytest.mark.parametrize("char", ["\r", "\x85", "\u2028", "\u2029"], ids=["CR", "NEL", "LS", "PS"])
def test_yaml_alias_is_placed_on_pyyaml_lines(tmp_path: Path, char: str):
    (tmp_path / "template.yaml").write_bytes(ALIAS_YAML.format(char=char).encode("utf-8"))
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    assert [(r["line"], r["column"]) for r in report["references"]] == [(11, 24)]
    assert [m["line"] for m in report["mentions"]] == [3]


BLOCK_YAML = '''AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Support:
    Type: AWS::Bedrock::Agent
    Properties:
      AgentName: support
      FoundationModel: anthropic.claude-v2
      Instruction: |
        Answer support questions.{char}        Escalate to anthropic.claude-v2:1 when unsure.
'''


@pytest.mark.parametrize("char", ["\r", "\x85", "\u2028", "\u2029"], ids=["CR", "NEL", "LS", "PS"])
def test_yaml_block_text_lines_are_pyyaml_lines(tmp_path: Path, char: str):
    # PyYAML keeps U+2028/U+2029 in a `|` block's text, where they still end a line.
    (tmp_path / "template.yaml").write_bytes(BLOCK_YAML.format(char=char).encode("utf-8"))
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    refs = sorted((r["raw"], r["line"], r["column"], r["origin"]) for r in report["references"])
    assert refs == [("anthropic.claude-v2", 7, 24, None), ("anthropic.claude-v2:1", 10, 21, None)]
    assert report["mentions"] == []
