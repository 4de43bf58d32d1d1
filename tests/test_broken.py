"""Hostile and broken input (issue 6): never crash, never hang, never lose a finding.

Every file in `fixtures/broken/` has its expected outcome in CORPUS: a BDR000 at a file and
line, the findings of a clean file (an oddity the scan reads through), or no finding with
the reason. Each file is scanned alone, and the whole directory at once, so a broken file
is seen not to hide the findings of the good ones beside it. Inputs that cannot live in
git (50 MB files, symlink loops, FIFOs, unreadable files) are made here, in tmp_path.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from validator import discover as discover_module
from validator.catalog import Catalog, load_catalog
from validator.cloudformation import TemplateOptions, parse_template
from validator.config import Settings
from validator.discover import decode, discover, read_text
from validator.model import Report
from validator.scan import UsageError, run_scan
from validator.terraform.parse import MAX_DEPTH, HclSyntaxError, parse_hcl

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "broken"
AS_OF = date(2026, 6, 1)
AGENT_TF = '''resource "aws_bedrockagent_agent" "support" {
  agent_name       = "support"
  foundation_model = "anthropic.claude-v1"
}
'''
AGENT_YAML = '''AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Agent:
    Type: AWS::Bedrock::Agent
    Properties:
      FoundationModel: anthropic.claude-v1
'''


@dataclass(frozen=True)
class Error:
    """One BDR000 at `line` (and `column` when the parser knows it), its message saying `says`;
    `also` the (rule, line) findings of a file read on past its error (a duplicate key)."""

    line: int
    column: int | None
    says: str
    also: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Finds:
    """Read through the oddity: these (rule, line) findings, as for the clean file."""

    found: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Nothing:
    """No finding, and rightly: `why` (not a template, or nothing that can name a model)."""

    why: str


CLAUDE_V1_EOL = "BDR001"
CORPUS: dict[str, Error | Finds | Nothing] = {
    # Terraform
    "truncated.tf": Error(4, 23, "Unexpected token end of file"),
    "unbalanced-braces.tf": Error(5, 1, "Unexpected token '}'"),
    "unclosed-brace.tf": Error(4, 1, "Unexpected token end of file"),
    "unterminated-heredoc.tf": Error(2, 12, "Unexpected token '<<EOT"),
    "invalid-utf8.tf": Error(5, None, "not UTF-8 text (byte 132)"),
    "binary.tf": Error(1, None, "not UTF-8 text (byte 0)"),
    "utf8-bom.tf": Finds(((CLAUDE_V1_EOL, 3),)),
    "utf16-bom.tf": Finds(((CLAUDE_V1_EOL, 3),)),  # PowerShell's `>` writes UTF-16
    "crlf.tf": Finds(((CLAUDE_V1_EOL, 3),)),
    "crlf-heredoc.tf": Finds(((CLAUDE_V1_EOL, 4),)),
    "escaped-model.tf": Finds(((CLAUDE_V1_EOL, 3),)),  # "anthropic.claude\u002dv1" is that model
    "empty.tf": Nothing("an empty configuration is valid and names no model"),
    "duplicate-attribute.tf": Error(4, 3, "duplicate attribute 'foundation_model' (first at line 3)"),
    # Terraform refuses both; reading on would report a model from a file that never applies.
    "unclosed-directive.tf": Error(4, None, "%{ if } directive is never closed"),
    "mismatched-directive.tf": Error(9, None, "%{ endif } without its opening directive"),
    "deep-nesting.tf": Error(2, None, f"nesting deeper than {MAX_DEPTH} levels"),
    "truncated.tf.json": Error(3, 17, "JSON syntax error: unterminated string"),
    "duplicate-key.tf.json": Error(3, 3, "duplicate key 'foundation_model' (first at line 2)"),
    # A JSON string is a template as it stands: quotes inside ${...} are quotes, not an error.
    "quoted-interpolation.tf.json": Finds(((CLAUDE_V1_EOL, 5),)),
    "truncated-plan.json": Error(3, 88, "JSON syntax error: expected ',' or '}'"),
    "x.tf": Finds(((CLAUDE_V1_EOL, 3),)),  # a directory named like a file is walked into
    # CloudFormation
    "truncated.yaml": Error(7, 37, "found unexpected end of stream"),
    "tabs.yaml": Error(5, 1, "tab character"),
    "crlf.yaml": Finds(((CLAUDE_V1_EOL, 7),)),
    "utf16-bom.yaml": Finds(((CLAUDE_V1_EOL, 7),)),
    "invalid-utf8.yaml": Error(8, None, "not UTF-8 text (byte 195)"),
    "binary.json": Nothing("not UTF-8 and nothing in it says CloudFormation"),
    "empty.yaml": Nothing("not a template"),
    "not-a-template.yaml": Nothing("a Kubernetes manifest, not a template"),
    # CloudFormation deploys the last value of a repeated key: it is read on, the first is a mention.
    "duplicate-key.yaml": Error(8, 7, "duplicate key 'FoundationModel' (first at line 7)", (("BDR001", 8),)),
    "duplicate-key.json": Error(4, 3, "duplicate key 'FoundationModel' (first at line 3)", (("BDR001", 4),)),
    "lone-surrogate.json": Finds(((CLAUDE_V1_EOL, 2),)),  # "\ud800" decodes to U+FFFD, not a crash
    "multi-document.yaml": Error(8, 1, "expected a single document"),
    "unknown-tag.yaml": Error(7, 24, "unknown tag !Eval"),
    "recursive-alias.yaml": Error(2, 12, "recursive YAML alias"),
    "alias-bomb.yaml": Error(3, 6, "YAML aliases expand to more than 100000 values"),
    "alias-text-bomb.yaml": Error(3, 9, "YAML aliases repeat more than 1024 KB of text"),
    "sub-bomb.yaml": Error(6, 460, "refused as a substitution bomb"),
    "deep-nesting.json": Error(2, 222, "nesting deeper than 200 levels"),
    "deep-nesting.yaml": Error(6, 210, "nesting deeper than 200 levels"),
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def scan(catalog: Catalog, *paths: Path, **settings: object) -> Report:
    # One process: the outcome must not depend on --jobs (tests/test_properties.py checks that).
    return run_scan(Settings(as_of=AS_OF, paths=tuple(map(str, paths)), jobs=1, **settings), catalog,  # type: ignore[arg-type]
                    env={})


def outcome(report: Report, file: str) -> Error | Finds | Nothing:
    """The report's verdict on one file, in the shape of the CORPUS table."""
    mine = [f for f in report.findings if f.span.file == file or f.span.file.startswith(file + "/")]
    errors = [f for f in mine if f.rule_id == "BDR000"]
    if errors:
        assert len(errors) == 1, [(f.rule_id, f.message) for f in mine]
        others = tuple((f.rule_id, f.span.line) for f in mine if f.rule_id != "BDR000")
        return errors[0], others  # type: ignore[return-value]  # compared by `matches`
    if mine:
        return Finds(tuple((f.rule_id, f.span.line) for f in mine))
    return Nothing("")


def matches(expected: Error | Finds | Nothing, actual: object) -> bool:
    if isinstance(expected, Error):
        if not isinstance(actual, tuple):
            return False
        error, others = actual
        return ((error.span.line, error.span.column) == (expected.line, expected.column) and others == expected.also
                and expected.says in error.message and "\n" not in error.message)
    if isinstance(expected, Nothing):
        return isinstance(actual, Nothing)
    return actual == expected


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_broken_input_alone_has_its_outcome(name, tmp_path, catalog):
    source = BROKEN / name
    (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    actual = outcome(scan(catalog, tmp_path, allow_empty=True), name)
    assert matches(CORPUS[name], actual), actual


# Alone in a tree, these are no Terraform or CloudFormation at all: a wrong path, not a clean scan.
NOT_IAC = ["binary.json", "empty.yaml", "not-a-template.yaml"]
# ...while these are, however empty or broken (a plan cut short, a template in UTF-16).
STILL_IAC = ["empty.tf", "binary.tf", "truncated-plan.json", "utf16-bom.yaml", "deep-nesting.json"]


@pytest.mark.parametrize("name", NOT_IAC + STILL_IAC)
def test_alone_only_files_that_are_not_iac_are_nothing_to_scan(name, tmp_path, catalog):
    shutil.copy(BROKEN / name, tmp_path / name)
    if name in STILL_IAC:
        scan(catalog, tmp_path)
        return
    with pytest.raises(UsageError, match=f"^no Terraform or CloudFormation files under {tmp_path} "):
        scan(catalog, tmp_path)


def test_the_whole_corpus_at_once_hides_no_finding(catalog):
    # Broken and good Terraform files share one module directory here: the good ones'
    # findings must come through, and every broken one must still say where it breaks.
    report = scan(catalog, BROKEN)
    wrong = {name: actual for name, expected in CORPUS.items()
             if not matches(expected, actual := outcome(report, name))}
    assert not wrong
    assert report.files_scanned == len(list(discover([str(BROKEN)])))


def test_every_corpus_file_has_an_expected_outcome():
    assert sorted(p.name for p in BROKEN.iterdir()) == sorted(CORPUS)


# -- limits ------------------------------------------------------------------------------


def sparse(path: Path, head: str, size: int) -> Path:
    """A file of `size` bytes that costs no disk: `head`, then a hole."""
    with path.open("wb") as handle:
        handle.write(head.encode())
        handle.truncate(size)
    return path


@pytest.mark.parametrize("name, head", [("huge.yaml", AGENT_YAML), ("huge.tf", AGENT_TF)])
def test_a_50_mb_file_is_too_large(name, head, tmp_path, catalog):
    sparse(tmp_path / name, head, 50 * 1024 * 1024)
    assert matches(Error(1, None, "file is 50.0 MB, over the 10.0 MB limit"),
                   outcome(scan(catalog, tmp_path), name))


def test_the_size_limit_is_a_setting(tmp_path, catalog):
    (tmp_path / "main.tf").write_text(AGENT_TF)
    report = scan(catalog, tmp_path, max_file_bytes=64)
    expected = Error(1, None, f"file is {len(AGENT_TF)} bytes, over the 64 bytes limit")
    assert matches(expected, outcome(report, "main.tf"))


def test_hcl_over_the_parser_budget_is_refused_not_parsed(tmp_path, catalog):
    # python-hcl2 needs minutes and gigabytes for a few MB: see MAX_HCL_CHARS.
    padding = "".join(f'# {i:0>70}\n' for i in range(8000))
    (tmp_path / "main.tf").write_text(AGENT_TF + padding)
    assert matches(Error(1, None, "HCL files over 512 K are not parsed"), outcome(scan(catalog, tmp_path), "main.tf"))


def test_template_expressions_share_the_hcl_budget(tmp_path, catalog):
    # Each ${...} of a heredoc is parsed on its own: 45,000 distinct ones would take a minute.
    heredoc = "".join(f"${{a{i}}}\n" for i in range(45_000))
    (tmp_path / "main.tf").write_text(AGENT_TF + f'locals {{\n  text = <<EOT\n{heredoc}EOT\n}}\n')
    (error,) = scan(catalog, tmp_path).findings
    assert error.rule_id == "BDR000" and error.span.line > 7  # at the fragment that ran out
    assert "template expressions (${...}) take the file past the 512 K characters" in error.message


def test_repeated_template_expressions_cost_nothing_more(tmp_path, catalog):
    # Generated JSON (CDK for Terraform) repeats the same references thousands of times.
    tags = {f"t{i}": f"${{var.region}}-{i}" for i in range(15_000)}  # one parse each would pass the budget
    resource = {"a": {"foundation_model": "anthropic.claude-v1", "tags": tags}}
    (tmp_path / "main.tf.json").write_text(json.dumps({"resource": {"aws_bedrockagent_agent": resource}}, indent=1))
    assert matches(Finds(((CLAUDE_V1_EOL, 5),)), outcome(scan(catalog, tmp_path), "main.tf.json"))


def test_terraform_json_over_its_limit_is_refused(tmp_path, catalog):
    resource = {"a": {"foundation_model": "anthropic.claude-v1", "description": "x" * (2 * 1024 * 1024)}}
    (tmp_path / "main.tf.json").write_text(json.dumps({"resource": {"aws_bedrockagent_agent": resource}}))
    assert matches(Error(1, None, "Terraform JSON files over 2048 K are not read"),
                   outcome(scan(catalog, tmp_path), "main.tf.json"))


def test_a_template_over_cloudformations_limit_is_refused(tmp_path, catalog):
    description = "x" * (1024 * 1024)
    (tmp_path / "t.yaml").write_text(AGENT_YAML + f"      Description: {description}\n")
    assert matches(Error(1, None, "over CloudFormation's 1 MB limit"), outcome(scan(catalog, tmp_path), "t.yaml"))


def test_nesting_limit_does_not_depend_on_the_callers_stack():
    # The same file parses, or fails, alike in a worker process and under a deep stack.
    text = 'x = ' + "{a = " * (MAX_DEPTH - 2) + '"anthropic.claude-v1"' + "}" * (MAX_DEPTH - 2) + "\n"

    def at_depth(frames: int) -> object:
        return parse_hcl(text, "main.tf") if frames == 0 else at_depth(frames - 1)

    assert at_depth(0) == at_depth(600)
    with pytest.raises(HclSyntaxError, match="nesting deeper"):
        parse_hcl(text.replace("{a = ", "{a = {a = ", 1).replace("}", "}}", 1), "main.tf")


def test_long_operator_chains_parse_and_the_model_is_still_found(catalog, tmp_path):
    # `1 + 1 + ...` nests 2,000 deep without brackets: valid HCL, read without recursion
    # (the arithmetic is not evaluated), so the agent's model is reported as usual.
    (tmp_path / "main.tf").write_text(AGENT_TF + "locals {\n  n = " + " + ".join(["1"] * 2000) + "\n}\n")
    assert matches(Finds(((CLAUDE_V1_EOL, 3),)), outcome(scan(catalog, tmp_path), "main.tf"))


# -- the file system -----------------------------------------------------------------------


@contextmanager
def no_hang(seconds: int = 20) -> Iterator[None]:
    """Fail instead of hanging CI should a read block (a FIFO opened for reading does)."""

    def fail(_signum: int, _frame: object) -> None:
        raise TimeoutError("the scan blocked")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def skipped(*paths: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    list(discover([str(p) for p in paths], on_skip=lambda display, reason: found.setdefault(display, reason)))
    return found


def test_symlink_loops_are_skipped_with_a_reason(tmp_path, catalog):
    (tmp_path / "main.tf").write_text(AGENT_TF)
    (tmp_path / "self.tf").symlink_to("self.tf")
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..")
    assert skipped(tmp_path) == {"a.yaml": "symlink loop", "b.yaml": "symlink loop", "self.tf": "symlink loop",
                                 "sub/up": "symlinked directory: not followed"}
    assert matches(Finds(((CLAUDE_V1_EOL, 3),)), outcome(scan(catalog, tmp_path), "main.tf"))


def test_symlinks_out_of_the_scanned_tree_are_not_followed(tmp_path, catalog):
    outside, root = tmp_path / "outside", tmp_path / "repo"
    outside.mkdir()
    root.mkdir()
    (outside / "secret.yaml").write_text(AGENT_YAML)
    (root / "t.yaml").symlink_to(outside / "secret.yaml")
    (root / "inside.yaml").write_text(AGENT_YAML)
    (root / "again.yaml").symlink_to("inside.yaml")
    assert skipped(root) == {"t.yaml": f"symlink to a file outside the project root {root}: not followed",
                             "again.yaml": "the same file as inside.yaml"}
    assert {f.span.file for f in scan(catalog, root).findings} == {"inside.yaml"}


def test_terraform_symlinks_out_of_the_scanned_tree_are_not_followed(tmp_path, catalog):
    outside, root = tmp_path / "outside", tmp_path / "repo"
    outside.mkdir()
    root.mkdir()
    (outside / "secret.tf").write_text(AGENT_TF)
    (root / "main.tf").write_text(AGENT_TF.replace("support", "kept"))
    (root / "leak.tf").symlink_to(outside / "secret.tf")
    assert {f.span.file for f in scan(catalog, root).findings} == {"main.tf"}


def test_a_symlink_loop_read_by_file_is_not_a_crash(tmp_path, catalog):
    (tmp_path / "loop.txt").symlink_to("loop.txt")
    reads_loop = AGENT_TF.replace('"support"\n', '"support"\n  instruction = file("loop.txt")\n', 1)
    (tmp_path / "main.tf").write_text(reads_loop)
    assert matches(Finds(((CLAUDE_V1_EOL, 4),)), outcome(scan(catalog, tmp_path), "main.tf"))


def test_a_definition_uri_symlink_loop_does_not_hide_the_template(tmp_path):
    (tmp_path / "loop.json").symlink_to("loop.json")
    text = AGENT_YAML + ("  Machine:\n    Type: AWS::Serverless::StateMachine\n"
                         "    Properties:\n      DefinitionUri: loop.json\n")
    parsed = parse_template(text, "t.yaml", TemplateOptions(base_dir=tmp_path))
    assert parsed is not None and [r.address for r in parsed.resources] == ["Agent", "Machine"]
    assert [(p.span.line, p.message) for p in parsed.problems] == [
        (10, "cannot read DefinitionUri loop.json: symlink loop")]


@pytest.mark.parametrize("name", ["pipe.tf", "pipe.yaml"])
def test_a_fifo_is_skipped_not_read(name, tmp_path, catalog):
    os.mkfifo(tmp_path / name)
    (tmp_path / "main.tf").write_text(AGENT_TF)
    assert skipped(tmp_path) == {name: "not a regular file (FIFO, socket or device)"}
    with no_hang():
        report = scan(catalog, tmp_path)
        text, problem = read_text(tmp_path / name, name, 1024)
    assert matches(Finds(((CLAUDE_V1_EOL, 3),)), outcome(report, "main.tf"))
    assert text is None and problem is not None and "not a regular file" in problem.message


def test_a_device_is_never_read():
    # /dev/zero never ends: reading it whole would fill memory.
    text, problem = read_text(Path("/dev/zero"), "zero.tf", 1024)
    assert text is None and problem is not None
    assert problem.message == "cannot read file: not a regular file (FIFO, socket or device)"


def unreadable(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """CI runs as root, which reads any file: make opening this one fail as EACCES would."""
    real_open, real_path_open = os.open, Path.open

    def refuse(target: object) -> None:
        if Path(str(target)).resolve() == path.resolve():
            raise PermissionError(13, "Permission denied", str(target))

    def os_open(target: object, *args: object, **kwargs: object) -> int:
        refuse(target)
        return real_open(target, *args, **kwargs)  # type: ignore[arg-type]

    def path_open(self: Path, *args: object, **kwargs: object) -> object:
        refuse(self)
        return real_path_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(discover_module.os, "open", os_open)
    monkeypatch.setattr(Path, "open", path_open)


def test_an_unreadable_template_is_a_parse_error(tmp_path, catalog, monkeypatch):
    (tmp_path / "t.yaml").write_text(AGENT_YAML)
    unreadable(monkeypatch, tmp_path / "t.yaml")
    assert matches(Error(1, None, "cannot read file: Permission denied"), outcome(scan(catalog, tmp_path), "t.yaml"))


def test_an_unreadable_terraform_file_is_a_parse_error(tmp_path, catalog, monkeypatch):
    (tmp_path / "main.tf").write_text(AGENT_TF)
    unreadable(monkeypatch, tmp_path / "main.tf")
    assert matches(Error(1, None, "cannot read file: Permission denied"), outcome(scan(catalog, tmp_path), "main.tf"))


def test_a_module_that_calls_itself_hides_no_finding(tmp_path, catalog):
    (tmp_path / "main.tf").write_text('module "again" {\n  source = "./"\n}\n' + AGENT_TF)
    assert any(f.span.file == "main.tf" for f in scan(catalog, tmp_path).findings)


# -- encodings -----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_text_with_a_byte_order_mark_is_decoded(encoding):
    bom = {"utf-16-be": "\ufeff"}.get(encoding, "")
    assert decode((bom + AGENT_YAML).encode(encoding), "t.yaml") == (AGENT_YAML, None)


def test_broken_utf16_names_its_encoding():
    text, problem = decode("a\nb".encode("utf-16") + b"\x00\xd8", "t.yaml")
    assert text is None and problem is not None and problem.message.startswith("not UTF-16 text")


def test_a_duplicate_resource_hides_no_finding(tmp_path, catalog):
    (tmp_path / "a.tf").write_text(AGENT_TF)
    (tmp_path / "b.tf").write_text(AGENT_TF.replace("anthropic.claude-v1", "anthropic.claude-3-haiku-20240307-v1:0"))
    assert {f.span.file for f in scan(catalog, tmp_path).findings} == {"a.tf", "b.tf"}


class _Planted:
    """Unpickling this creates a directory: proof that a pickle from the tree ran."""

    def __init__(self, proof: Path) -> None:
        self.proof = proof

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.makedirs, (str(self.proof),)


def test_nothing_found_in_the_scanned_tree_is_executed(tmp_path, catalog):
    import pickle

    from validator.scan import UsageError
    from validator.terraform.load import _cache_file

    (tmp_path / "main.tf").write_text(AGENT_TF)
    planted = _cache_file(str(tmp_path / ".cache"), "hcl", AGENT_TF)
    planted.parent.mkdir(parents=True)
    planted.write_bytes(pickle.dumps(_Planted(tmp_path / "ran")))
    with pytest.raises(UsageError, match="inside the project root"):
        scan(catalog, tmp_path, cache_dir=str(tmp_path / ".cache"))
    outside = tmp_path.parent / f"{tmp_path.name}-cache"
    planted = _cache_file(str(outside), "hcl", AGENT_TF)
    planted.parent.mkdir(parents=True)
    planted.write_bytes(pickle.dumps(_Planted(tmp_path / "ran")))
    assert {f.rule_id for f in scan(catalog, tmp_path, cache_dir=str(outside)).findings} == {"BDR001"}
    assert not (tmp_path / "ran").exists()


def test_a_bad_byte_after_a_byte_order_mark_is_named_by_its_offset_in_the_file():
    # The offset is what `xxd`/`od` show a reader: counted from the file's first byte, the mark included.
    _, problem = decode(b"\xef\xbb\xbfa = 1\n\xff\n", "t.tf")
    assert problem is not None and problem.message == "not UTF-8 text (byte 9)" and problem.span.line == 2
