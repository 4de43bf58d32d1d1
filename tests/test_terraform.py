"""The Terraform stage: exact lines from the HCL parse tree and static evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

from validator.terraform.parse import HclSyntaxError, parse_hcl
from validator.terraform.resolve import Loader, ModuleFiles, TerraformOptions, resolve_root
from validator.terraform.syntax import Call, ForX, Index, Lit, Op, Opaque, Ref, Splat, Template

SOURCE = '''\
variable "use_haiku" {
  default = true
}

locals {
  base   = "anthropic.claude-3-haiku-20240307-v1:0"
  chosen = var.use_haiku ? local.base : "anthropic.claude-v2"
  loop   = local.loop
}

resource "awscc_bedrock_knowledge_base" "kb" {
  name = "kb"
  knowledge_base_configuration = {
    type = "VECTOR"
    vector_knowledge_base_configuration = {
      embedding_model_arn = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"
    }
  }
}

resource "aws_bedrockagent_agent" "a" {
  foundation_model = local.chosen
  instruction      = <<-EOT
    Answer briefly.
    Escalate to meta.llama3-70b-instruct-v1:0 when unsure.
  EOT
  description      = format("%s agent on %s", "support", upper("x"))
  tags             = { self = local.loop }
  prompt_override_configuration {
    prompt_configurations {
      prompt_type = "ORCHESTRATION"
    }
  }
}
'''


def leaves_of(resources, address):
    [resource] = [r for r in resources if r.address == address]
    return {leaf.path: leaf for leaf in resource.leaves}


@pytest.fixture
def resources():
    module = ModuleFiles(Path("."), (parse_hcl(SOURCE, "main.tf"),))
    return resolve_root(module, Loader(lambda _: None, lambda _root, _key: None), TerraformOptions())


def test_blocks_and_attributes_keep_their_lines():
    config = parse_hcl(SOURCE, "main.tf")
    blocks = {(b.type, *b.labels): b for b in config.blocks}
    agent = blocks[("resource", "aws_bedrockagent_agent", "a")]
    assert (agent.line, agent.end_line) == (21, 34)
    assert agent.attribute("foundation_model").line == 22
    assert agent.blocks[0].blocks[0].attribute("prompt_type").line == 31


def test_operators_for_expressions_and_splats_are_parsed_across_comments_and_lines():
    config = parse_hcl('locals {\n  a = var.x + 1 # why\n  b = [ # first\n    for m in var.ms : upper(m)\n  ]\n'
                       '  c = var.long\n    + var.more\n  d = !var.on\n  e = var.l[*].model\n'
                       '  f = {for k, v in var.m : k => v.id... if v.on}\n  g = aws_x.y.*.arn[0]\n}\n', "main.tf")
    attrs = {a.name: a.expr for a in config.blocks[0].attributes}
    assert attrs["a"] == Op("+", (Ref(("var", "x"), 2), Lit(1, 2)), 2)
    assert attrs["b"] == ForX(None, "m", Ref(("var", "ms"), 4), None, Call("upper", (Ref(("m",), 4),), 4), None,
                              False, 3)
    assert attrs["c"] == Op("+", (Ref(("var", "long"), 6), Ref(("var", "more"), 7)), 6)
    assert attrs["d"] == Op("!", (Ref(("var", "on"), 8),), 8)
    assert attrs["e"] == Splat(Ref(("var", "l"), 9), ("model",), 9)
    assert attrs["f"] == ForX("k", "v", Ref(("var", "m"), 10), Ref(("k",), 10), Ref(("v", "id"), 10),
                              Ref(("v", "on"), 10), True, 10)
    # `.*` takes attribute steps only: the index applies to the list it makes.
    assert attrs["g"] == Index(Splat(Ref(("aws_x", "y"), 11), ("arn",), 11), Lit(0, 11), 11)


def test_attribute_access_on_a_computed_value_is_an_index():
    config = parse_hcl('x = [\n  1,\n]\ny = jsondecode(var.doc).models[0].id\nz = 1e5000\n', "main.tf")
    attrs = {a.name: a.expr for a in config.attributes}
    call = Call("jsondecode", (Ref(("var", "doc"), 4),), 4)
    assert attrs["y"] == Index(Index(Index(call, Lit("models", 4), 4), Lit(0, 4), 4), Lit("id", 4), 4)
    assert attrs["z"] == Opaque("1e5000", 5, ())  # not a number JSON can carry


def test_provider_functions_keep_their_whole_name():
    config = parse_hcl('x = provider::aws::arn_parse(var.arn)\n', "main.tf")
    assert config.attributes[0].expr == Call("provider::aws::arn_parse", (Ref(("var", "arn"), 1),), 1)


def test_a_template_directive_is_one_unevaluated_part():
    # Both branches' text is not one string: reading them joined would invent a model ID.
    text = 'x = "%{ if var.new }anthropic.claude-3-5-sonnet%{ else }anthropic.claude-v2%{ endif }:0"\n'
    expr = parse_hcl(text, "main.tf").attributes[0].expr
    inner = (Ref(("var", "new"), 1), Lit("anthropic.claude-3-5-sonnet", 1), Lit("anthropic.claude-v2", 1))
    assert expr == Template((Opaque(text[5:-4], 1, inner), Lit(":0", 1)), 1, 1)
    assert [p.marks[0].column for p in (*expr.parts[0].parts[1:], expr.parts[1])] == [21, 57, 86]


def test_object_keys_are_names_strings_or_source():
    expr = parse_hcl('x = { in = 1, "a b" = 2, (var.k) = 3, "${var.p}-x" = 4 }\n', "main.tf").attributes[0].expr
    assert [k for k, _ in expr.items] == ["in", "a b", "(var.k)", "${var.p}-x"]


def test_nested_object_attributes_keep_element_lines(resources):
    leaves = leaves_of(resources, "awscc_bedrock_knowledge_base.kb")
    arn = leaves[("knowledge_base_configuration", "vector_knowledge_base_configuration", "embedding_model_arn")]
    assert arn.span.line == 16


def test_conditional_yields_every_branch(resources):
    leaf = leaves_of(resources, "aws_bedrockagent_agent.a")[("foundation_model",)]
    assert [c.text for c in leaf.candidates] == ["anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-v2"]
    assert leaf.candidates[0].origin.chain == ("local.base", "local.chosen")
    assert leaf.candidates[1].origin.line == 7


def test_heredoc_text_starts_on_the_line_after_its_marker(resources):
    leaf = leaves_of(resources, "aws_bedrockagent_agent.a")[("instruction",)]
    [cand] = leaf.candidates
    assert leaf.span.line == 23
    assert cand.text == "Answer briefly.\nEscalate to meta.llama3-70b-instruct-v1:0 when unsure."
    # `<<-` strips the indentation: the text's columns are the file's, after it.
    assert cand.position(0) == (24, 5)
    assert cand.position(cand.text.index("meta.")) == (25, 17)


def test_functions_are_evaluated(resources):
    [cand] = leaves_of(resources, "aws_bedrockagent_agent.a")[("description",)].candidates
    assert cand.text == "support agent on X"


def test_self_reference_is_unknown_not_a_crash(resources):
    [cand] = leaves_of(resources, "aws_bedrockagent_agent.a")[("tags", "self")].candidates
    assert cand.text is None and "refers to itself" in cand.reason


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('resource "a" "b" {\n  x = \n}\n', 2),
        ('resource "a" "b" {\n  x = "1"\n', 3),
        ('variable "x" {\n  default = "unterminated\n}\n', 2),
    ],
)
def test_syntax_errors_carry_the_line(text, line):
    with pytest.raises(HclSyntaxError) as err:
        parse_hcl(text, "bad.tf")
    assert err.value.line == line and "\n" not in str(err.value)


def test_byte_order_mark_is_accepted():
    config = parse_hcl('\ufeffresource "aws_bedrockagent_agent" "a" {\n  foundation_model = "x.y"\n}\n', "bom.tf")
    assert config.blocks[0].attribute("foundation_model").line == 2


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(HclSyntaxError):
        parse_hcl("x = " + "[" * 3000 + "]" * 3000 + "\n", "deep.tf")


def test_the_parser_comes_from_shipped_data_and_never_from_a_pickle(tmp_path, monkeypatch):
    import pickle

    from validator.terraform import parse

    def refuse(*_args, **_kwargs):
        raise AssertionError("a pickle was loaded")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    parse._parser.cache_clear()
    try:
        assert parse_hcl("a = 1\n", "main.tf").attributes[0].name == "a"
    finally:
        parse._parser.cache_clear()
    assert list(tmp_path.iterdir()) == []
    assert not list(Path(parse.__file__).parent.glob("*.cache"))


def test_the_shipped_parser_tables_parse_as_the_grammar_does():
    from validator.terraform import tables

    shipped, built = tables.load(), tables.build()
    assert shipped is not None, "rebuild them: python -m validator.terraform.tables"
    for path in sorted(p for p in FIXTURES.rglob("*.tf") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace") + "\n"
        assert _outcome(shipped, text) == _outcome(built, text), path


def _outcome(parser, text: str) -> object:
    try:
        return parser.parse(text)
    except Exception as exc:  # the same error at the same place (lark lists what it expected in any order)
        return type(exc).__name__, getattr(exc, "line", None), getattr(exc, "column", None)


@pytest.mark.parametrize("content", [b"", b"not gzip", b"\x1f\x8b\x08\x00garbage"])
def test_damaged_or_foreign_parser_tables_are_built_again(tmp_path, content):
    import gzip

    from validator.terraform import tables

    damaged = tmp_path / "tables.json.gz"
    damaged.write_bytes(content)
    assert tables.load(path=damaged) is None
    damaged.write_bytes(gzip.compress(b'{"key": "lark 0.0", "data": {}, "memo": {}}'))
    assert tables.load(path=damaged) is None
