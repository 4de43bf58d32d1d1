"""Parse HCL (`.tf`, `.tfvars`) into `syntax` objects with exact lines.

python-hcl2's `with_meta` option does nothing in 8.x, but every node of its rule tree
carries lark's position, so this walks the rule tree and keeps `_meta.line`. That is an
internal attribute: the dependency is pinned to the minor version for that reason.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import hcl2
from hcl2.rules import base, containers, expressions, functions, indexing, literal_rules, strings
from lark.exceptions import UnexpectedInput, VisitError

from .syntax import (
    Attribute,
    Block,
    Call,
    Cond,
    ConfigFile,
    Expr,
    Index,
    ListX,
    Lit,
    MapX,
    Opaque,
    Ref,
    Template,
)


class HclSyntaxError(Exception):
    """A file python-hcl2 cannot parse; carries the position when lark gives one.

    `refused` marks a file turned away by a limit (size, nesting), not for its syntax.
    """

    def __init__(self, message: str, line: int = 1, column: int | None = None, refused: bool = False) -> None:
        super().__init__(message)
        self.line, self.column, self.refused = line, column, refused


# python-hcl2 needs about 200 MB and 10 s per MB of HCL (5 MB: a minute and 1.3 GB), so
# larger files are refused with a BDR000 instead of stalling the gate. Real .tf files are
# a few KB; 512 K characters is thousands of resources, parsed in about 5 s and 110 MB.
MAX_HCL_CHARS = 512 * 1024
# Blocks and expressions nested deeper than this are refused with their line. It is far
# above real code, and low enough that walking the tree can never exhaust Python's stack,
# so the outcome does not depend on how deep the caller's stack already is.
MAX_DEPTH = 64
# The parser recurses once per nesting level: it gets this many frames on top of its
# caller's, wherever it is called from (a worker process or a deep test stack).
_PARSER_FRAMES = 1000
# Each `${...}` of a heredoc, .tf.json string or template file is parsed on its own: a
# call costs as much as about this many characters of HCL, besides the expression's own.
_FRAGMENT_COST = 32


@dataclass
class _FileParse:
    """One file's parse: what is left of MAX_HCL_CHARS, and its fragments parsed so far.

    Generated configurations (CDK for Terraform) repeat the same few `${...}` thousands of
    times: each text is parsed once per file, and only new text costs budget.
    """

    left: int = MAX_HCL_CHARS
    fragments: dict[str, Expr | None] = field(default_factory=dict)


_file: ContextVar[_FileParse] = ContextVar("hcl_file")
# Set while a parse runs: nested parses (fragments) share the outermost one's headroom.
_in_headroom: ContextVar[bool] = ContextVar("hcl_headroom", default=False)


def parse_hcl(text: str, path: str) -> ConfigFile:
    """Parse one HCL file; raise HclSyntaxError with a one-line message on bad input."""
    if len(text) > MAX_HCL_CHARS:
        raise HclSyntaxError(
            f"file has {len(text) // 1024} K characters: HCL files over {MAX_HCL_CHARS // 1024} K are not parsed"
            " (the parser needs about 10 s and 200 MB per MB); split the file, or exclude it", refused=True
        )
    text = text.lstrip("\ufeff")
    try:
        with hcl_budget(), _stack_headroom(_PARSER_FRAMES):
            _spend(len(text), 1)
            tree = hcl2.parses(text)
            body = tree.children[0]
            config = ConfigFile(path, _blocks(body), _attributes(body))
    except UnexpectedInput as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
        raise HclSyntaxError(_short(first), exc.line or 1, exc.column or None) from None
    except (RecursionError, VisitError) as exc:
        if not isinstance(getattr(exc, "orig_exc", exc), RecursionError):
            raise HclSyntaxError(f"cannot parse: {_short(str(exc))}") from None
        raise HclSyntaxError("nesting too deep to parse", _deepest_line(text), refused=True) from None
    except HclSyntaxError:
        raise
    except Exception as exc:  # python-hcl2 raises assorted errors on malformed input
        raise HclSyntaxError(f"cannot parse: {type(exc).__name__}: {_short(str(exc))}") from None
    check_depth(config)
    return config


@contextmanager
def hcl_budget() -> Iterator[None]:
    """Give the HCL parser MAX_HCL_CHARS for one file, its `${...}` fragments included."""
    token = _file.set(_FileParse())
    try:
        yield
    finally:
        _file.reset(token)


def _spend(chars: int, line: int) -> None:
    state = _file.get()
    state.left -= chars
    if state.left < 0:
        raise HclSyntaxError(f"template expressions (${{...}}) take the file past the {MAX_HCL_CHARS // 1024} K"
                             " characters the HCL parser is given per file", line, refused=True)


@contextmanager
def _stack_headroom(frames: int) -> Iterator[None]:
    if _in_headroom.get():
        yield
        return
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + frames)
    token = _in_headroom.set(True)
    try:
        yield
    finally:
        _in_headroom.reset(token)
        sys.setrecursionlimit(old)


def _deepest_line(text: str) -> int:
    """Where bracket nesting first passes MAX_DEPTH: a hint for a file too deep to parse."""
    depth = 0
    for match in re.finditer(r"[\[{(]|[\]})]", text):
        depth += 1 if match.group() in "[{(" else -1
        if depth > MAX_DEPTH:
            return text.count("\n", 0, match.start()) + 1
    return 1


Node = Block | Attribute | Expr


def check_depth(config: ConfigFile) -> None:
    """Refuse a configuration nested deeper than MAX_DEPTH, at the line where it does."""
    stack: list[tuple[Node, int]] = [(node, 1) for node in (*config.blocks, *config.attributes)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise HclSyntaxError(f"nesting deeper than {MAX_DEPTH} levels", node.line, refused=True)
        stack.extend((child, depth + 1) for child in _children(node))


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Block):
        return (*node.blocks, *node.attributes)
    if isinstance(node, Attribute):
        return (node.expr,)
    if isinstance(node, Template):
        return tuple(p for p in node.parts if not isinstance(p, str))
    if isinstance(node, ListX):
        return node.items
    if isinstance(node, MapX):
        return tuple(value for _, value in node.items)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Cond):
        return (node.test, node.then, node.other)
    if isinstance(node, Index):
        return (node.target, node.key)
    return ()


def _short(message: str) -> str:
    # lark names tokens by grammar symbol and repeats the position: keep what a user needs.
    message = re.sub(r"Token\('\$END', ''\)", "end of file", message)
    message = re.sub(r"Token\('[A-Z_$]+', '([^']*)'\)", r"'\1'", message)
    message = re.sub(r" at line \d+, column \d+\.?", "", message)
    return message if len(message) <= 160 else message[:157] + "..."


def _line(rule: Any) -> int:
    meta = getattr(rule, "_meta", None)
    return getattr(meta, "line", None) or 1


def _blocks(body: Any) -> tuple[Block, ...]:
    return tuple(_block(c) for c in body.children if isinstance(c, base.BlockRule))


def _attributes(body: Any) -> tuple[Attribute, ...]:
    out = tuple(
        Attribute(c.identifier.serialize(), expr(c.expression), _line(c), c._meta.column)
        for c in body.children
        if isinstance(c, base.AttributeRule)
    )
    first: dict[str, int] = {}
    for attr in out:
        # Terraform refuses the file ("Attribute redefined"); reading on would report a
        # model that is never deployed, or hide the one that is.
        if attr.name in first:
            raise HclSyntaxError(f"duplicate attribute '{attr.name}' (first at line {first[attr.name]})",
                                 attr.line, attr.column)
        first[attr.name] = attr.line
    return out


def _block(rule: Any) -> Block:
    names = [c for c in rule.children if isinstance(c, (literal_rules.IdentifierRule, strings.StringRule))]
    labels = tuple(_label(n) for n in names)
    body = next(c for c in rule.children if isinstance(c, base.BodyRule))
    meta = rule._meta
    # lark's end position is one past the last character: column 1 means the line before.
    end = (meta.end_line - 1 if meta.end_column == 1 else meta.end_line) if meta.end_line else _line(rule)
    return Block(labels[0], labels[1:], _line(rule), end, _attributes(body), _blocks(body))


def _label(rule: Any) -> str:
    text = rule.serialize()
    return text[1:-1] if text.startswith('"') and text.endswith('"') else text


def expr(rule: Any) -> Expr:
    """Turn one expression rule into a syntax tree; anything unmodelled becomes Opaque."""
    while isinstance(rule, expressions.ExprTermRule) and _inner(rule) is not None:
        rule = _inner(rule)
    line = _line(rule)
    handler = _HANDLERS.get(type(rule))
    if handler is not None:
        return handler(rule, line)
    return Opaque(_text(rule), line)


def _inner(rule: Any) -> Any:
    kids = [c for c in rule.children if isinstance(c, base.LarkRule) and not _is_trivia(c)]
    return kids[0] if len(kids) == 1 else None


def _is_trivia(rule: Any) -> bool:
    return type(rule).__name__ == "NewLineOrCommentRule"


def _text(rule: Any) -> str:
    try:
        text = str(rule.serialize())
    except Exception:
        return "<expression>"
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text


def _literal(rule: Any, line: int) -> Expr:
    text = rule.serialize()
    return Lit({"true": True, "false": False, "null": None}.get(text, text), line)


def _number(rule: Any, line: int) -> Expr:
    value = rule.serialize()
    try:
        return Lit(int(value) if isinstance(rule, literal_rules.IntLitRule) else float(value), line)
    except (TypeError, ValueError):
        return Opaque(str(value), line)


def _identifier(rule: Any, line: int) -> Expr:
    return Ref((rule.serialize(),), line)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    text = text.replace("$${", "${").replace("%%{", "%{")
    return re.sub(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", _escape, text)


def _escape(m: re.Match[str]) -> str:
    # Terraform decodes `\u002d` too: a model ID spelled with escapes is still that model.
    code = m.group(1)
    if len(code) == 1:
        return _ESCAPES.get(code, m.group(0))
    point = int(code[1:], 16)
    return "\ufffd" if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF else chr(point)


def _string(rule: Any, line: int) -> Expr:
    parts: list[str | Expr] = []
    for part in rule.children:
        if not isinstance(part, strings.StringPartRule):
            continue
        for piece in part.children:
            if isinstance(piece, strings.InterpolationRule):
                parts.append(expr(piece.children[1]))
            elif isinstance(piece, base.LarkRule):
                parts.append(Opaque(_text(piece), line))
            else:
                parts.append(_unescape(str(piece.value)))
    return _template(parts, line, line)


def _template(parts: list[str | Expr], line: int, body_line: int) -> Expr:
    merged: list[str | Expr] = []
    for p in parts:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        else:
            merged.append(p)
    if all(isinstance(p, str) for p in merged):
        # A heredoc's text starts on the line after its marker: matches inside it count from there.
        return Lit("".join(merged), body_line)  # type: ignore[arg-type]
    return Template(tuple(merged), line, body_line)


# CRLF too: a Windows checkout (core.autocrlf) must not turn every heredoc opaque.
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\r?\n(.*?)\r?\n?[ \t]*\2\s*$", re.S)


def _heredoc(rule: Any, line: int) -> Expr:
    raw = str(rule.children[0].value)
    m = _HEREDOC.match(raw)
    if not m:
        return Opaque(raw, line)
    body = m.group(3).replace("\r\n", "\n")
    if m.group(1):
        lines = body.split("\n")
        indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
        body = "\n".join(x[indent:] for x in lines)
    return _template(_split_interpolations(body, line + 1), line, line + 1)


def template_expr(text: str, line: int) -> Expr:
    """A template file's text (`templatefile()`), with `${...}` parsed as in a heredoc."""
    try:
        with hcl_budget():
            return _template(_split_interpolations(text, line), line, line)
    except HclSyntaxError as exc:
        return Opaque(f"template file: {exc}", line)


def _split_interpolations(body: str, first_line: int) -> list[str | Expr]:
    """Heredoc bodies come back as raw text: find `${...}` and parse each expression."""
    parts: list[str | Expr] = []
    pos = 0
    for start in (m.start() for m in re.finditer(r"(?<!\$)\$\{", body)):
        if start < pos:
            continue
        end = _closing_brace(body, start + 2)
        if end < 0:
            break
        parts.append(body[pos:start])
        parts.append(_parse_fragment(body[start + 2 : end], first_line + body.count("\n", 0, start)))
        pos = end + 1
    parts.append(body[pos:])
    return [p.replace("$${", "${") if isinstance(p, str) else p for p in parts]


def _closing_brace(text: str, pos: int) -> int:
    depth, quoted = 1, False
    for i in range(pos, len(text)):
        ch = text[i]
        if ch == '"' and text[i - 1] != "\\":
            quoted = not quoted
        elif not quoted and ch == "{":
            depth += 1
        elif not quoted and ch == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def string_expr(text: str, line: int) -> Expr:
    """A string from Terraform's JSON syntax: a template whose `${...}` are HCL expressions.

    The JSON string is already decoded, so it is read as a heredoc's text is: quotes inside
    `${var.a ? "x" : "y"}` stay quotes.
    """
    if "${" not in text:
        return Lit(text, line)
    parts = _split_interpolations(text, line)
    if len(parts) == 3 and parts[0] == parts[2] == "" and not isinstance(parts[1], str):
        return parts[1]  # "${x}" alone is x's own value (a list stays a list), as in HCL
    return _template(parts, line, line)


def _parse_fragment(source: str, line: int) -> Expr:
    source = source.strip()
    fragments = _file.get().fragments
    if source not in fragments:
        _spend(len(source) + _FRAGMENT_COST, line)
        fragments[source] = _fragment(source)
    parsed = fragments[source]
    if parsed is None:
        return Opaque(source, line)
    with _stack_headroom(_PARSER_FRAMES):
        return _shifted(parsed, line - 1)


def _fragment(source: str) -> Expr | None:
    """One `${...}` expression parsed on its own, at line 1; None when it does not parse."""
    try:
        with _stack_headroom(_PARSER_FRAMES):
            return expr(hcl2.parses(f"x = {source}\n").children[0].children[0].expression)
    except Exception:
        return None


def _shifted(node: Expr, by: int) -> Expr:
    """`node` and everything inside it `by` lines further down the file."""
    fields = {name: _shifted_value(getattr(node, name), by) for name in node.__slots__}  # type: ignore[union-attr]
    fields["line"] = node.line + by
    if isinstance(node, Template):
        fields["body_line"] = node.body_line + by
    return type(node)(**fields)


def _shifted_value(value: object, by: int) -> object:
    if isinstance(value, tuple):
        return tuple(_shifted_value(item, by) for item in value)
    if isinstance(value, Expr):  # type: ignore[arg-type]
        return _shifted(value, by)
    return value


def _function(rule: Any, line: int) -> Expr:
    name = rule.children[0].serialize()
    args = next((c for c in rule.children if isinstance(c, functions.ArgumentsRule)), None)
    items = () if args is None else tuple(
        expr(a) for a in args.children if isinstance(a, expressions.ExpressionRule)
    )
    return Call(name, items, line)


def _conditional(rule: Any, line: int) -> Expr:
    parts = [c for c in rule.children if isinstance(c, expressions.ExpressionRule)]
    if len(parts) != 3:
        return Opaque(_text(rule), line)
    return Cond(expr(parts[0]), expr(parts[1]), expr(parts[2]), line)


def _tuple(rule: Any, line: int) -> Expr:
    return ListX(tuple(expr(c) for c in rule.children if isinstance(c, expressions.ExpressionRule)), line)


def _object(rule: Any, line: int) -> Expr:
    items: list[tuple[str, Expr]] = []
    for elem in rule.children:
        if not isinstance(elem, containers.ObjectElemRule):
            continue
        key_rule, value_rule = elem.children[0], elem.children[-1]
        key = str(key_rule.serialize())
        items.append((key[1:-1] if key.startswith('"') else key, expr(value_rule)))
    return MapX(tuple(items), line)


def _get_attr(rule: Any, line: int) -> Expr:
    target = expr(rule.children[0])
    name = rule.children[1].children[-1].serialize()
    if isinstance(target, Ref):
        return Ref((*target.parts, name), line)
    return Opaque(_text(rule), line)


def _index(rule: Any, line: int) -> Expr:
    target = expr(rule.children[0])
    index = rule.children[1]
    key_rule = next((c for c in index.children if isinstance(c, expressions.ExpressionRule)), None)
    if key_rule is None:  # `.0` short index
        key: Expr = Lit(int(str(index.serialize()).lstrip(".") or 0), line)
    else:
        key = expr(key_rule)
    if isinstance(target, Ref) and isinstance(key, Lit) and isinstance(key.value, (str, int)):
        return Ref((*target.parts, key.value), line)
    return Index(target, key, line)


_HANDLERS: dict[type, Any] = {
    literal_rules.LiteralValueRule: _literal,
    literal_rules.IntLitRule: _number,
    literal_rules.FloatLitRule: _number,
    literal_rules.IdentifierRule: _identifier,
    strings.StringRule: _string,
    strings.HeredocTemplateRule: _heredoc,
    strings.HeredocTrimTemplateRule: _heredoc,
    functions.FunctionCallRule: _function,
    expressions.ConditionalRule: _conditional,
    containers.TupleRule: _tuple,
    containers.ObjectRule: _object,
    indexing.GetAttrExprTermRule: _get_attr,
    indexing.IndexExprTermRule: _index,
}
