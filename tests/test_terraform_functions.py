"""Terraform's built-in functions (validator/terraform/functions.py) and what is left when one fails."""

from __future__ import annotations

import pytest
from conftest import by_rule, scan_json

from validator.terraform import functions as fn
from validator.terraform.evaluate import MAX_CANDIDATES, Evaluator, Val, combos, unknown
from validator.terraform.parse import parse_hcl


def _refs(report: dict) -> list[tuple[str, int, str | None]]:
    return [(r["file"], r["line"], r["model_id"]) for r in report["references"]]


def test_every_function_pattern_resolves_to_its_model_at_the_attribute_line(tf_fixture):
    _, report = scan_json(tf_fixture("functions"), "--as-of", "2026-12-01")
    assert _refs(report) == [
        ("main.tf", 28, "anthropic.claude-v2:1"),
        ("main.tf", 34, "anthropic.claude-3-haiku-20240307-v1:0"),
        ("main.tf", 34, "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ("main.tf", 34, "anthropic.claude-instant-v1"),
        ("main.tf", 40, "meta.llama3-8b-instruct-v1:0"),
        ("main.tf", 46, None),
        ("main.tf", 46, "anthropic.claude-v2"),
        ("main.tf", 52, None),
        ("main.tf", 53, "anthropic.claude-3-haiku-20240307-v1:0"),
        ("main.tf", 61, "ai21.jamba-1-5-large-v1:0"),
        ("main.tf", 67, "mistral.mistral-large-2402-v1:0"),
        ("main.tf", 73, "amazon.titan-text-premier-v1:0"),
        ("main.tf", 79, "cohere.command-r-v1:0"),
        ("main.tf", 85, "anthropic.claude-3-sonnet-20240229-v1:0"),
    ]


def test_a_failed_evaluation_says_what_was_missing(tf_fixture):
    _, report = scan_json(tf_fixture("functions"), "--as-of", "2026-12-01")
    notes = {f["line"]: f["message"] for f in by_rule(report, "BDR005")}
    assert sorted(notes) == [46, 52]
    assert "variable `model_override` has no default" in notes[46]
    assert "function provider::corp::pick_model() is not supported" in notes[52]


def test_a_lookup_by_an_unknown_key_yields_every_value_and_the_default(tf_fixture):
    _, report = scan_json(tf_fixture("functions"), "--as-of", "2026-12-01")
    stage = [r for r in report["references"] if r["resource"] == "aws_bedrockagent_agent.by_stage"]
    # Each map entry is traced to its own line.
    assert [(r["origin"] or {}).get("line") for r in stage] == [17, 18, None]


def _eval(source: str) -> list[Val]:
    expr = parse_hcl(f"x = {source}\n", "main.tf").attributes[0].expr
    return Evaluator(lambda ref: [unknown(f"{ref.text} has no value")]).eval(expr)


@pytest.mark.parametrize(("source", "value"), [
    ('format("%s:%d", "amazon.titan-embed-text-v2", 0)', "amazon.titan-embed-text-v2:0"),
    ('format("%-5s|%05d|%.2f|%q|%t", "ab", 42, 1.5, "x", true)', 'ab   |00042|1.50|"x"|true'),
    ('format("%[2]s.%[1]s", "claude-v2", "anthropic")', "anthropic.claude-v2"),
    ('formatlist("arn:aws:bedrock:%s::foundation-model/%s", ["us-east-1", "us-west-2"], "meta.llama3-8b")',
     ["arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-8b",
      "arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-8b"]),
    ('title("hello world")', "Hello World"),
    ('trim("--x--", "-")', "x"),
    ('trimprefix("us.anthropic.claude-v2", "us.")', "anthropic.claude-v2"),
    ('trimsuffix("anthropic.claude-v2:1", ":1")', "anthropic.claude-v2"),
    ('chomp("x\\n\\n")', "x"),
    ('indent(2, "a\\nb")', "a\n  b"),
    ('substr("anthropic.claude-v2", 0, 9)', "anthropic"),
    ('substr("anthropic.claude-v2", -9, -1)', "claude-v2"),
    ('regex("^([a-z]+)\\\\.", "meta.llama3")', ["meta"]),
    ('regexall("[0-9]+", "a1b22")', ["1", "22"]),
    ('strcontains("anthropic.claude", "claude")', True),
    ('startswith("us.x", "us.")', True),
    ('endswith("x:0", ":0")', True),
    ('concat(["a"], ["b", "c"])', ["a", "b", "c"]),
    ('flatten([["a", ["b"]], "c"])', ["a", "b", "c"]),
    ('distinct(["a", "b", "a"])', ["a", "b"]),
    ('index(["a", "b"], "b")', 1),
    ('keys({b = 1, a = 2})', ["a", "b"]),
    ('values({b = "y", a = "x"})', ["x", "y"]),
    ('merge({a = "x"}, {a = "y", b = "z"})', {"a": "y", "b": "z"}),
    ('zipmap(["chat", "embed"], ["m1", "m2"])', {"chat": "m1", "embed": "m2"}),
    ('setproduct(["a", "b"], ["x"])', [["a", "x"], ["b", "x"]]),
    ('slice(["a", "b", "c"], 1, 3)', ["b", "c"]),
    ('contains(["a"], "a")', True),
    ('length("abc")', 3),
    ('coalescelist([], ["m"])', ["m"]),
    ('compact(["", "m", null])', ["m"]),
    ('one(["m"])', "m"),
    ('range(3)', [0, 1, 2]),
    ('tostring(1)', "1"),
    ('tonumber("2")', 2),
    ('tobool("true")', True),
    ('toset(["a", "a"])', ["a"]),
    ('tomap({a = "b"})', {"a": "b"}),
    ('jsonencode({Resource = "x"})', '{"Resource":"x"}'),
    ('jsondecode("{\\"m\\": \\"x\\"}").m', "x"),
    ('yamldecode("m: x\\n").m', "x"),
    ('yamlencode({m = "x"})', "m: x\n"),
    ('base64decode(base64encode("anthropic.claude-v2"))', "anthropic.claude-v2"),
    ('csvdecode("name,model\\nchat,meta.llama3\\n")', [{"name": "chat", "model": "meta.llama3"}]),
    ('urlencode("a b/c")', "a%20b%2Fc"),
    ('try(jsondecode("{").m, "fallback")', "fallback"),
    ('provider::aws::arn_build("aws", "bedrock", "us-east-1", "", "foundation-model/x")',
     "arn:aws:bedrock:us-east-1::foundation-model/x"),
    ('1 + 2 * 3', 7),
    ('"a" == "a" && !false', True),
    ('[for m in ["a", "b"] : upper(m) if m != "b"]', ["A"]),
])
def test_builtin_functions(source, value):
    assert [v.value for v in _eval(source)] == [value]


def test_bounds_refuse_what_a_hostile_configuration_could_build():
    assert not _eval("range(100000000)")[0].known
    assert not _eval("setproduct(range(1000), range(1000))")[0].known
    assert not _eval('regex("(a+)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!")')[0].known
    assert "too large" in (_eval('yamldecode("a: &a [1,1,1,1,1,1,1,1,1,1]\\n'
                                 + "".join(f'{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\\n'
                                           for p, c in zip("abcdef", "bcdefg", strict=True)) + '")')[0].reason or "")


def test_an_unknown_argument_keeps_the_model_literals_beside_it():
    vals = _eval('coalesce(var.model, "anthropic.claude-v2")')
    assert [(v.known, v.value) for v in vals] == [(False, None), (True, "anthropic.claude-v2")]
    assert vals[0].reason == "var.model has no value"


def test_an_unknown_collection_in_a_for_expression_keeps_the_text_of_its_body():
    vals = _eval('[for m in var.models : "arn:aws:bedrock:us-east-1::foundation-model/${m}"]')
    assert [v.value for v in vals] == [None, "arn:aws:bedrock:us-east-1::foundation-model/${?}"]


def test_combinations_keep_every_choice_of_every_position_when_the_product_is_too_large():
    options = [[f"{i}-{j}" for j in range(3)] for i in range(10)]
    chosen = combos(options)
    assert len(chosen) <= MAX_CANDIDATES
    assert {c[i] for c in chosen for i in range(10)} == {x for o in options for x in o}


def test_keys_and_values_follow_terraform_order():
    assert fn.FUNCTIONS["keys"]({"b": 1, "a": 2}) == ["a", "b"]


def test_an_unknown_piece_put_into_a_string_keeps_the_text_around_it():
    # A module that rewrites the region of a default ARN: the model is still known.
    vals = _eval('replace("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0", '
                 '"us-east-1", var.region)')
    assert [(v.value, v.reason) for v in vals] == [
        ("arn:aws:bedrock:${?}::foundation-model/amazon.titan-embed-text-v2:0", "var.region has no value")]
    assert [v.value for v in _eval('format("%s.%s", var.provider, "claude-v2")')] == ["${?}.claude-v2"]
    assert [v.value for v in _eval('join(var.sep, ["a", "b"])')] == ["a${?}b"]
    # The text itself unknown is not a piece: the result is unknown.
    assert [v.known for v in _eval('replace(var.arn, "us-east-1", "eu-west-1")')] == [False]


def test_file_and_fileexists_read_inside_the_tree(tmp_path):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "agent.json").write_text('{"model": "amazon.nova-pro-v1:0"}\n')
    (tmp_path / "main.tf").write_text(
        'locals {\n  path   = "${path.module}/prompts/agent.json"\n'
        '  config = fileexists(local.path) ? jsondecode(file(local.path)) : { model = "amazon.nova-lite-v1:0" }\n'
        '  absent = fileexists("${path.module}/prompts/none.json")\n}\n\n'
        'resource "aws_bedrockagent_agent" "a" {\n  agent_name       = "a"\n'
        '  foundation_model = local.absent ? "anthropic.claude-v2" : local.config.model\n}\n')
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    assert [(r["line"], r["model_id"]) for r in report["references"]] == [
        (9, "anthropic.claude-v2"), (9, "amazon.nova-pro-v1:0"), (9, "amazon.nova-lite-v1:0")]
