"""A reference names the line and column of the text that holds the model (SPEC 8):
the `Fn::Join` element, the alias use site, the line inside a block scalar; escapes in a
one-line string move no line. A suppression on one of those lines covers that reference only."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, by_rule, scan_json

POSITIONS = FIXTURES / "cloudformation" / "positions"


def _refs(report: dict) -> list[tuple[str, int, int | None, int | None, str | None]]:
    return [(r["file"].rsplit("/", 1)[-1], r["line"], r["column"], r["attribute_line"], r["model_id"])
            for r in report["references"]]


def _written_at(file: str, line: int, column: int, model: str) -> bool:
    text = (POSITIONS / file).read_text(encoding="utf-8").splitlines()[line - 1]
    return text[column - 1:].startswith(model)


def test_cdk_join_and_escaped_strings_point_at_the_model():
    _, report = scan_json(str(POSITIONS / "cdk-policy.template.json"), "--as-of", "2026-12-01")
    name = "cdk-policy.template.json"
    assert _refs(report) == [
        (name, 23, 31, 11, "anthropic.claude-v2"),  # the last Fn::Join element, not `Resource`
        (name, 42, 69, 42, "anthropic.claude-instant-v1"),  # after \n, \" and \u2028: same line
        (name, 42, 107, 42, "ai21.j2-mid-v1"),
    ]
    for file, line, column, _, model in _refs(report):
        assert _written_at(file, line, column, model)


def test_yaml_alias_is_reported_where_it_is_used_and_the_anchor_suppression_stays_there():
    _, report = scan_json(str(POSITIONS / "alias.yaml"), "--as-of", "2026-12-01")
    assert _refs(report) == [
        ("alias.yaml", 11, 33, 11, "anthropic.claude-v2"),
        ("alias.yaml", 19, 21, 19, "anthropic.claude-v2"),  # `*chat_model`, not the anchor
        ("alias.yaml", 20, 34, 20, "anthropic.claude-instant-v1"),  # a double-quoted escape
        ("alias.yaml", 27, 51, 22, "ai21.j2-ultra-v1"),  # inside ZipFile: |
    ]
    suppressed = {(f["resource"], f["line"]): f["suppressed"] for f in report["findings"]}
    assert suppressed == {("Summarizer", 11): True, ("Translator", 19): False,
                          ("Translator", 20): False, ("Translator", 27): False}
    for file, line, column, _, model in _refs(report)[2:]:
        assert _written_at(file, line, column, model)


def test_cdk_state_machine_definition_and_policy_point_at_the_join_elements():
    _, report = scan_json(str(POSITIONS / "cdk-state-machine.template.json"), "--as-of", "2026-12-01")
    found = [(r["line"], r["column"], r["attribute_line"], r["construct_path"]) for r in report["references"]]
    assert found == [
        (20, 42, 12, "PromptChainStack/SummaryMachine/Role/DefaultPolicy/Resource"),
        (40, 32, 24, "PromptChainStack/SummaryMachine/Role/DefaultPolicy/Resource"),
        # inside a JSON definition that is itself a string of escaped JSON, built by Fn::Join
        (79, 28, 59, "PromptChainStack/SummaryMachine/Resource"),
    ]


def test_jsonencode_and_heredoc_models_are_at_their_own_lines_and_suppressions_do_not_leak(tf_fixture):
    _, report = scan_json(tf_fixture("positions"), "--as-of", "2026-12-01")
    found = [(r["line"], r["attribute_line"], r["model_id"]) for r in report["references"]]
    assert found == [
        (13, 7, "anthropic.claude-v2"),
        (15, 7, "anthropic.claude-v2:1"),
        (29, 23, "anthropic.claude-instant-v1"),  # the line inside the heredoc
    ]
    # The comment above line 15 covers that element only, not its neighbour in the same policy.
    assert [(f["line"], f["suppressed"]) for f in report["findings"] if f["rule_id"] == "BDR001"] == [
        (13, False), (15, True), (29, False)]


def test_escaped_newlines_in_terraform_strings_move_no_line():
    # A policy kept as one quoted HCL string or one .tf.json string: its `\n` are escapes, so
    # the model is on the string's line; a heredoc's newlines are the file's.
    _, report = scan_json(str(FIXTURES / "terraform" / "escapes"), "--as-of", "2026-12-01")
    assert sorted((r["file"], r["line"], r["attribute_line"]) for r in report["references"]) == [
        ("main.tf", 8, 8), ("main.tf", 14, 14), ("main.tf", 24, 20), ("policy.tf.json", 6, 6),
    ]
    assert report["mentions"] == []


def test_folded_and_multi_line_yaml_text_points_at_each_model():
    # A `>` block, plain and quoted scalars over several lines: folding turned their line
    # breaks into spaces, yet each model is reported where it is written.
    _, report = scan_json(str(POSITIONS / "folded.yaml"), "--as-of", "2026-12-01")
    name = "folded.yaml"
    assert _refs(report) == [
        (name, 19, 42, 14, "anthropic.claude-v2"),  # after a folded paragraph and a blank line
        (name, 20, 37, 20, "anthropic.claude-instant-v1"),  # after escaped quotes
        (name, 21, 30, 20, "meta.llama2-13b-chat-v1"),  # the second line of a double-quoted string
        (name, 22, 29, 22, "amazon.titan-text-lite-v1"),
        (name, 23, 13, 22, "amazon.titan-text-express-v1"),  # the second line of a plain scalar
        (name, 25, 21, 24, "cohere.command-text-v14"),  # after `''` on the single-quoted string's second line
        (name, 32, 82, 31, "amazon.titan-text-express-v1"),  # `!Sub` on the line above its text
        (name, 34, 21, 33, "ai21.j2-ultra-v1"),  # after an escaped line break (`\` at the line's end)
        (name, 35, 63, 35, "meta.llama2-70b-chat-v1"),
        (name, 48, 102, 42, "anthropic.claude-v2:1"),  # a Step Functions definition in a `>` block
    ]
    for file, line, column, _, model in _refs(report):
        assert _written_at(file, line, column, model.removesuffix(":1"))
    findings = [(f["line"], f["column"], f["model_id"], f["suppressed"]) for f in by_rule(report, "BDR001")]
    assert [(line, column) for line, column, _, _ in findings] == [(r[1], r[2]) for r in _refs(report)]
    # The comment on line 23 covers the model written on line 23 only, not its neighbour on
    # the attribute's line 22.
    assert [(line, model) for line, _, model, suppressed in findings if suppressed] == [
        (23, "amazon.titan-text-express-v1")]


def _written_in(root: Path, ref: dict) -> bool:
    text = (root / ref["file"]).read_text(encoding="utf-8").splitlines()[ref["line"] - 1]
    return text[ref["column"] - 1:].startswith(ref["model_id"])


def test_terraform_references_name_the_models_own_column(tf_fixture):
    # An interpolated region, escapes before the model, `$${`, a heredoc without `-`,
    # .tf.json: the column is the model's; a value set elsewhere is at its key.
    root = Path(tf_fixture("columns"))
    _, report = scan_json(str(root), "--as-of", "2026-12-01")
    found = [(r["file"], r["line"], r["column"], r["attribute_line"], r["model_id"], bool(r["origin"]))
             for r in report["references"]]
    assert found == [
        ("kb.tf.json", 6, 139, 6, "amazon.titan-embed-text-v1", False),
        ("main.tf", 23, 68, 18, "anthropic.claude-v2", False),
        ("main.tf", 31, 30, 31, "anthropic.claude-instant-v1", False),
        ("main.tf", 32, 68, 32, "ai21.j2-ultra-v1", False),
        ("main.tf", 44, 7, 44, "anthropic.claude-3-haiku-20240307-v1:0", True),
        ("main.tf", 45, 23, 45, "meta.llama2-13b-chat-v1", False),
        ("main.tf", 46, 67, 46, "cohere.command-text-v14", False),
        ("main.tf", 57, 66, 53, "amazon.titan-text-express-v1", False),
    ]
    for ref in report["references"]:
        assert ref["origin"] or _written_in(root, ref)


def test_jsonencode_and_heredoc_columns_are_the_models(tf_fixture):
    root = Path(tf_fixture("positions"))
    _, report = scan_json(str(root), "--as-of", "2026-12-01")
    assert [(r["line"], r["column"]) for r in report["references"]] == [(13, 54), (15, 54), (29, 66)]
    assert all(_written_in(root, ref) for ref in report["references"])


def test_escaped_terraform_strings_keep_the_models_column():
    root = FIXTURES / "terraform" / "escapes"
    _, report = scan_json(str(root), "--as-of", "2026-12-01")
    assert all(_written_in(root, ref) for ref in report["references"])


def test_a_model_written_beside_an_interpolated_region_has_no_origin_and_is_fixed_there(tmp_path: Path):
    # The region comes from a variable; the model is written in the ARN itself, so that
    # is where `fix` edits (it used to name the region's default as the model's origin).
    (tmp_path / "main.tf").write_text(
        'variable "region" {\n  default = "us-east-1"\n}\n\n'
        'resource "aws_iam_policy" "invoke" {\n  name   = "invoke"\n'
        '  policy = jsonencode({ Statement = [{ Action = "bedrock:InvokeModel",\n'
        '    Resource = "arn:aws:bedrock:${var.region}::foundation-model/meta.llama2-13b-chat-v1" }] })\n}\n')
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    [ref] = report["references"]
    assert (ref["line"], ref["column"], ref["origin"]) == (8, 65, None)
    [finding] = by_rule(report, "BDR001")
    assert finding["fix"]["line"] == 8


def test_substituted_values_are_at_their_placeholder():
    # A value put into a definition by DefinitionSubstitutions is reported at its `${Name}`
    # (not as many columns right as the model is deep in the value, past the line's end);
    # a model written beside a `${ModelRegion}` parameter is where it is written, without
    # the parameter as its origin, so `fix` edits it there.
    root = POSITIONS / "substituted"
    _, report = scan_json(str(root), "--as-of", "2026-12-01")
    found = [(r["file"], r["line"], r["column"], (r["origin"] or {}).get("line")) for r in report["references"]]
    assert found == [
        ("statemachine/triage.asl.json", 9, 21, 16),
        ("template.yaml", 31, 17, 36),
        ("template.yaml", 46, 77, None),
    ]
    assert [(m["line"], m["column"]) for m in report["mentions"]] == [(17, 28)]  # a substitution not used
    lines = {f: (root / f).read_text(encoding="utf-8").splitlines() for f in ("template.yaml",
                                                                                "statemachine/triage.asl.json")}
    assert lines["statemachine/triage.asl.json"][8][20:].startswith("${TriageModel}")
    assert lines["template.yaml"][30][16:].startswith("${SummaryModel}")
    assert lines["template.yaml"][45][76:].startswith("meta.llama2-13b-chat-v1")
    [fix] = [f["fix"] for f in by_rule(report, "BDR001") if f["line"] == 46]
    assert (fix["file"], fix["line"]) == ("template.yaml", 46)


def test_an_unfollowed_arn_is_reported_at_its_model(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'locals {\n  unused = "arn:aws:bedrock:${var.region}::foundation-model/meta.llama2-13b-chat-v1"\n}\n')
    _, report = scan_json(str(tmp_path), "--as-of", "2026-12-01")
    [ref] = report["references"]
    assert (ref["line"], ref["column"], ref["attribute"]) == (2, 61, "unused")


def test_parameters_are_placed_at_their_ref_inside_join_and_split():
    # `!Ref ChatModel` as the last element of a multi-line `!Join`, `!Ref Models` split and
    # selected inside a `!Sub`: each model is reported at the `!Ref` that puts it there,
    # not at the attribute, with the parameter default as its origin.
    _, report = scan_json(str(POSITIONS / "placed.yaml"), "--as-of", "2026-12-01", "--region", "us-east-1")
    assert [(r["line"], r["column"], r["attribute_line"], r["model_id"], r["origin"]["line"])
            for r in report["references"]] == [
        (24, 21, 19, "anthropic.claude-v2", 5),
        (27, 52, 25, "meta.llama2-13b-chat-v1", 8),
    ]
    # The default is used: its other entry is one `!Select` did not pick, not an unused default.
    assert [(m["line"], m["reason"]) for m in report["mentions"]] == [
        (8, "another entry of the same value is the one used (a map key, list index or mapping not selected)")]
