"""Folded YAML text keeps the place of every character (SPEC 8): a `>` block and a plain or
quoted scalar written over several lines lose their line breaks, indentation and escapes on
loading, yet each character of the loaded text is located at the line and column where it is
written. Where that cannot be followed the place is approximate (no column), never wrong."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.cloudformation.folding import folded_marks
from validator.cloudformation.load import load_yaml
from validator.jsonpos import LoadError, Node
from validator.model import Mark, line_breaks, locate

_BLANKS = " \t\n\r\x85\u2028\u2029"


def _scalars(node: Node) -> list[Node]:
    if isinstance(node.value, dict):
        return [s for child in node.value.values() for s in _scalars(child)]
    if isinstance(node.value, list):
        return [s for child in node.value for s in _scalars(child)]
    return [node] if isinstance(node.value, str) else []


def _places(text: str) -> list[tuple[str, int, int | None, str]]:
    """(character, line, column, what the file holds there) for each visible character."""
    lines = line_breaks("yaml").split(text)
    out = []
    for node in _scalars(load_yaml(text)):
        for offset, char in enumerate(node.value):
            if char in _BLANKS:
                continue
            line, column = locate(node.marks, node.value, offset)
            assert line is not None
            written = lines[line - 1][column - 1] if column is not None else ""
            out.append((char, line, column, written))
    return out


def _exact(text: str) -> None:
    for char, line, column, written in _places(text):
        # An escape (`\x41`, `''`) is located at its first character.
        assert column is not None and written in (char, "\\"), (char, line, column, written)


@pytest.mark.parametrize(
    "text",
    [
        # `>-` prose: single breaks fold to spaces, a blank line is a newline
        "k: >-\n  one two\n  three\n\n  four anthropic.claude-v2\n",
        # more-indented lines keep their breaks and their extra spaces; `>+` keeps trailing lines
        "k: >+\n  {\"a\": 1,\n    \"ModelId\": \"ai21.j2-mid-v1\"}\n\n\n",
        # an explicit indentation indicator and a comment on the header
        "k: >2 # note\n    lead\n  x meta.llama2-13b-chat-v1\n",
        # CRLF, lone CR, NEL and U+2028 end lines as PyYAML counts them
        "k: >\r\n  a\r\n  b cohere.command-text-v14\r\n",
        "k: plain\r  text amazon.titan-text-express-v1\n",
        "k: plain\x85  text amazon.titan-text-express-v1\n",
        "k: \"a\u2028  b anthropic.claude-instant-v1\"\n",
        # plain text over lines, in a block and in a flow collection; a tag or anchor before it
        "k: first line\n  second\n\n  after blank anthropic.claude-v2\n",
        "k: [one\n  two anthropic.claude-v2, three]\n",
        "k: !Sub\n  arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/ai21.j2-ultra-v1\n",
        "k: &m first\n  anthropic.claude-v2\n",
        # quoted text: `''`, escapes, an escaped line break that joins two lines without a space
        "k: 'it''s\n   ''anthropic.claude-v2'''\n",
        'k: "\\"a\\" \\x41\\u2028\\t\n  \\"meta.llama2-70b-chat-v1\\"\\\\"\n',
        'k: "arn:aws:bedrock:us-east-1::foundation-model/\\\n    anthropic.claude-v2"\n',
        'k: "  lead \\\n  \\ kept\n\n  \\ttab amazon.titan-text-lite-v1  "\n',
        # a tab after the indentation is content of a `>` block (a more-indented line)
        "k: >\n  a\n  \tb anthropic.claude-v2\n",
    ],
)
def test_every_character_of_folded_text_is_located_where_it_is_written(text: str):
    _exact(text)


def test_a_scalar_the_walk_cannot_follow_keeps_an_approximate_place():
    # Not the text written there (the loader never hands such a pair; the walk must not trust it).
    text = "k: >\n  one\n  two\n"
    assert folded_marks("something else", text, 3, len(text), ">", [0, 5, 11, 17]) is None
    # Matched up to where they part, then a line and no column from there on.
    assert folded_marks("one three", text, 3, len(text), ">", [0, 5, 11, 17]) == (
        Mark(0, 2, 3), Mark(3, 3, None, True))


_WORD = st.text("abcxyz0189.-/", min_size=1, max_size=6).filter(lambda w: not w.startswith(("-", "/")))
_ESCAPES = st.sampled_from(['\\"', "\\\\", "\\x41", "\\u2028", "\\t", "\\n", "\\ ", "\\/", "\\_"])


@st.composite
def _folded_documents(draw: st.DrawFn) -> str:
    style = draw(st.sampled_from([">", ">-", ">+", "plain", "'", '"']))
    token = _WORD
    if style == '"':
        token = st.one_of(_WORD, _ESCAPES)
    elif style == "'":
        token = st.one_of(_WORD, st.just("''"))
    lines = draw(st.lists(st.lists(token, min_size=1, max_size=4), min_size=2, max_size=6))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    written = []
    for number, tokens in enumerate(lines):
        body = draw(st.sampled_from([" ", "  ", "\t"])).join(tokens) if style in ("'", '"') else " ".join(tokens)
        extra = " " * draw(st.integers(0, 2)) if style.startswith(">") and number else ""
        if style == '"' and draw(st.booleans()):
            body += "\\"  # an escaped line break
        written.append("  " + extra + body)
        written.extend([""] * draw(st.integers(0, 1)))
    content = newline.join(written).rstrip("\\").rstrip()
    if style.startswith(">"):
        return f"k: {style}{newline}{content}{newline}next: 1{newline}"
    quote = "" if style == "plain" else style
    return f"k: {quote}{content.lstrip()}{quote}{newline}next: 1{newline}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_folded_documents())
def test_generated_folded_text_is_located_exactly(text: str):
    try:
        load_yaml(text)
    except LoadError:
        return  # not YAML (a generated plain line that YAML reads otherwise): nothing to place
    _exact(text)
