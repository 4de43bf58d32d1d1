"""Parse HCL (`.tf`, `.tfvars`) into `syntax` objects with exact lines.

The grammar is python-hcl2's (its `hcl2.lark` and post-lexer, pinned to the minor version),
run by lark without python-hcl2's rule-tree transform and without lark's position
propagation: together those cost more than the parse itself. Every token keeps its line
and offset, so a node's line is its first token's and an unmodelled expression's text is
the source between its first and last tokens.
"""

from __future__ import annotations

import functools
import math
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import ClassVar

from hcl2.postlexer import PostLexer
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from ..deadline import PARSE_SECONDS
from ..model import Mark, locate
from ..textmarks import joined, placed, sliced, within
from . import tables
from .syntax import (
    Attribute,
    Block,
    Call,
    Cond,
    ConfigFile,
    Expr,
    ForX,
    Index,
    ListX,
    Lit,
    MapX,
    Op,
    Opaque,
    Ref,
    Splat,
    Template,
)


class HclSyntaxError(Exception):
    """A file python-hcl2 cannot parse; carries the position when lark gives one.

    `refused` marks a file turned away by a limit (size, nesting), not for its syntax.
    """

    def __init__(self, message: str, line: int = 1, column: int | None = None, refused: bool = False) -> None:
        super().__init__(message)
        self.line, self.column, self.refused = line, column, refused


class ParseTimeout(HclSyntaxError):
    """A file whose parse ran past its time: it is refused whole, never read in part."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"too complex to parse in {seconds:g} s (--parse-timeout raises the limit)", refused=True)


# The parser needs about 7 s and 120 MB per MB of typical HCL, and up to 30 s per MB of
# text that is nothing but short tokens (`a.b.b.b...`), so larger files are refused with a
# BDR000 instead of stalling the gate. Real .tf files are a few KB; 512 K characters is
# thousands of resources, parsed in about 4 s and 60 MB.
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
# The lexer looks at the clock once per this many tokens: a fraction of a millisecond.
_TOKENS_PER_CHECK = 256


@dataclass
class _FileParse:
    """One file's parse: what is left of MAX_HCL_CHARS and of its time, and its fragments
    parsed so far.

    Generated configurations (CDK for Terraform) repeat the same few `${...}` thousands of
    times: each text is parsed once per file, and only new text costs budget. Its time is
    this process's CPU time, so a busy CI machine does not turn a large file into an error;
    the scan's deadline is wall-clock time.
    """

    seconds: float
    deadline: float
    cpu_start: float
    left: int = MAX_HCL_CHARS
    fragments: dict[str, Expr | None] = field(default_factory=dict)

    def check_time(self) -> None:
        if time.process_time() - self.cpu_start > self.seconds or time.monotonic() > self.deadline:
            raise ParseTimeout(self.seconds)


_file: ContextVar[_FileParse] = ContextVar("hcl_file")
# (seconds per file, the scan's own deadline): set by whoever runs many parses.
_limits: ContextVar[tuple[float, float]] = ContextVar("hcl_limits", default=(PARSE_SECONDS, math.inf))


@contextmanager
def time_limits(seconds: float, deadline: float = math.inf) -> Iterator[None]:
    """Parses inside get `seconds` of CPU time each, and stop at `deadline` (time.monotonic())."""
    token = _limits.set((seconds, deadline))
    try:
        yield
    finally:
        _limits.reset(token)
# Set while a parse runs: nested parses (fragments) share the outermost one's headroom.
_in_headroom: ContextVar[bool] = ContextVar("hcl_headroom", default=False)


def parse_hcl(text: str, path: str) -> ConfigFile:
    """Parse one HCL file; raise HclSyntaxError with a one-line message on bad input."""
    if len(text) > MAX_HCL_CHARS:
        raise HclSyntaxError(
            f"file has {len(text) // 1024} K characters: HCL files over {MAX_HCL_CHARS // 1024} K are not parsed"
            " (the parser needs about 7 s and 120 MB per MB); split the file, or exclude it", refused=True
        )
    text = text.lstrip("\ufeff")
    try:
        with hcl_budget(), _stack_headroom(_PARSER_FRAMES):
            _spend(len(text), 1)
            body = _parse(text).children[0]
            config = _Walker(text).config(path, body)
    except UnexpectedInput as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
        raise HclSyntaxError(_short(first), exc.line or 1, exc.column or None) from None
    except RecursionError:
        raise HclSyntaxError("nesting too deep to parse", _deepest_line(text), refused=True) from None
    except HclSyntaxError:
        raise
    except Exception as exc:  # lark raises assorted errors on malformed input
        raise HclSyntaxError(f"cannot parse: {type(exc).__name__}: {_short(str(exc))}") from None
    check_depth(config)
    return config


@contextmanager
def hcl_budget() -> Iterator[None]:
    """Give the HCL parser MAX_HCL_CHARS and its time for one file, its `${...}` fragments included."""
    seconds, deadline = _limits.get()
    token = _file.set(_FileParse(seconds, deadline, time.process_time()))
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
        return node.parts
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
    if isinstance(node, ForX):
        return tuple(x for x in (node.collection, node.key, node.value, node.cond) if x is not None)
    if isinstance(node, Splat):
        return (node.target,)
    if isinstance(node, (Op, Opaque)):
        return node.operands if isinstance(node, Op) else node.parts
    return ()


def _short(message: str) -> str:
    # lark names tokens by grammar symbol and repeats the position: keep what a user needs.
    message = re.sub(r"Token\('\$END', ''\)", "end of file", message)
    message = re.sub(r"Token\('[A-Z_$]+', '([^']*)'\)", r"'\1'", message)
    message = re.sub(r" at line \d+, column \d+\.?", "", message)
    return message if len(message) <= 160 else message[:157] + "..."


class _TimedPostLexer(PostLexer):
    """python-hcl2's post-lexer, also looking at the file's deadline as the tokens pass."""

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        state = _file.get(None)
        for count, token in enumerate(super().process(stream)):
            if state is not None and count % _TOKENS_PER_CHECK == 0:
                state.check_time()
            yield token


@functools.cache
def _parser() -> Lark:
    # Never lark's own cache: it is a pickle, and unpickling a file runs its code.
    return tables.load(_TimedPostLexer()) or tables.build(_TimedPostLexer())


def _parse(text: str) -> Tree:
    # The grammar has no end-of-file token: its last statement needs a newline.
    return _parser().parse(text + "\n")


def _kids(tree: Tree) -> list[Tree]:
    """The subtrees of `tree` that are not newlines or comments."""
    return [c for c in tree.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _tokens(node: Tree | Token, reverse: bool = False) -> Iterator[Token]:
    """The tokens of a subtree in order (or backwards), leaving out newlines and comments."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Token):
            yield current
        elif current.data != "new_line_or_comment":
            stack.extend(current.children if reverse else reversed(current.children))


def _edge(node: Tree | Token, last: bool = False) -> Token | None:
    return next(_tokens(node, reverse=last), None)


def _line(node: Tree | Token) -> int:
    token = _edge(node)
    return token.line if token is not None and token.line else 1


def _place(node: Tree | Token) -> Mark:
    """Where a subtree's text starts."""
    token = _edge(node)
    return Mark(0, _line(node), token.column if token is not None else None)


def _token_text(tree: Tree) -> str:
    token = _edge(tree)
    return str(token) if token is not None else ""


class _Walker:
    """Builds syntax objects from lark's tree of one text (a file, or one `${...}`)."""

    def __init__(self, text: str) -> None:
        self._text = text

    def config(self, path: str, body: Tree) -> ConfigFile:
        return ConfigFile(path, self._blocks(body), self._attributes(body))

    def _source(self, node: Tree | Token) -> str:
        """The text of a subtree as written, but for its comments: each run of spaces,
        newlines and comments between two tokens becomes one space (messages quote it)."""
        parts: list[str] = []
        end = None
        for token in _tokens(node):
            if token.start_pos is None or token.end_pos is None:
                continue
            if end is not None and token.start_pos > end:
                parts.append(" ")
            # The post-lexer folds a preceding newline into an operator's value, not its position.
            parts.append(self._text[token.start_pos : token.end_pos])
            end = token.end_pos
        return "".join(parts) or "<expression>"

    def _blocks(self, body: Tree) -> tuple[Block, ...]:
        return tuple(self._block(c) for c in _kids(body) if c.data == "block")

    def _attributes(self, body: Tree) -> tuple[Attribute, ...]:
        out = []
        first: dict[str, int] = {}
        for node in _kids(body):
            if node.data != "attribute":
                continue
            name = _edge(node)
            attr = Attribute(str(name), self.expr(node.children[-1]), name.line, name.column)  # type: ignore[union-attr]
            # Terraform refuses the file ("Attribute redefined"); reading on would report a
            # model that is never deployed, or hide the one that is.
            if attr.name in first:
                raise HclSyntaxError(f"duplicate attribute '{attr.name}' (first at line {first[attr.name]})",
                                     attr.line, attr.column)
            first[attr.name] = attr.line
            out.append(attr)
        return tuple(out)

    def _block(self, node: Tree) -> Block:
        labels = tuple(self._label(c) for c in _kids(node) if c.data != "body")
        body = next(c for c in node.children if isinstance(c, Tree) and c.data == "body")
        closing = node.children[-1]
        end = closing.line if isinstance(closing, Token) and closing.line else _line(node)
        return Block(labels[0], labels[1:], _line(node), end, self._attributes(body), self._blocks(body))

    def _label(self, node: Tree) -> str:
        text = self._source(node)
        return text[1:-1] if node.data == "string" and len(text) >= 2 else text

    def expr(self, node: Tree | Token) -> Expr:
        """Turn one expression subtree into a syntax tree; anything unmodelled becomes Opaque."""
        while isinstance(node, Tree) and node.data == "expr_term" and len(inner := _kids(node)) == 1:
            node = inner[0]
        handler = self._handlers.get(node.data) if isinstance(node, Tree) else None
        if handler is not None:
            return handler(self, node)
        return self._opaque(node)

    def _opaque(self, node: Tree | Token) -> Opaque:
        # The expressions inside are kept: a model literal in an unevaluated form is still seen.
        parts = tuple(self.expr(k) for k in _kids(node)) if isinstance(node, Tree) else ()
        return Opaque(self._source(node), _line(node), parts)

    def _literal(self, node: Tree) -> Expr:
        text = _token_text(node)
        return Lit({"true": True, "false": False, "null": None}.get(text, text), _line(node))

    def _number(self, node: Tree) -> Expr:
        text = _token_text(node)
        try:
            value = int(text) if node.data == "int_lit" else float(text)
        except ValueError:  # an integer of thousands of digits
            return Opaque(text, _line(node), ())
        return Lit(value, _line(node)) if math.isfinite(value) else Opaque(text, _line(node), ())

    def _identifier(self, node: Tree) -> Expr:
        return Ref((_token_text(node),), _line(node))

    def _string(self, node: Tree) -> Expr:
        line = _line(node)
        parts: list[Expr] = []
        pieces = [p.children[0] for p in node.children if isinstance(p, Tree) and p.data == "string_part"]
        i = 0
        while i < len(pieces):
            piece = pieces[i]
            if isinstance(piece, Token):
                parts.append(_unescape(piece))
            elif piece.data == "interpolation":
                parts.append(self.expr(piece.children[1]))
            else:
                # `%{ if }`/`%{ for }` up to its matching end is one unevaluated part.
                end = _directive_end(pieces, i)
                inner = tuple(_unescape(p) if isinstance(p, Token) else self.expr(_kids(p)[-1])
                              for p in pieces[i : end + 1] if isinstance(p, Token) or _kids(p))
                parts.append(Opaque(self._text[_edge(piece).start_pos : _edge(pieces[end], last=True).end_pos],
                                    line, inner))  # type: ignore[union-attr]
                i = end
            i += 1
        return _template(parts, line, line)

    def _heredoc(self, node: Tree) -> Expr:
        raw, line = _token_text(node), _line(node)
        m = _HEREDOC.match(raw)
        if not m:
            return Opaque(raw, line, (Lit(raw, line),))
        body = m.group(3).replace("\r\n", "\n")
        indent = 0
        if m.group(1):
            lines = body.split("\n")
            indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
            body = "\n".join(x[indent:] for x in lines)
        return _template(_split_interpolations(body, _line_marks(body, line + 1, indent + 1)), line, line + 1)

    def _function(self, node: Tree) -> Expr:
        # `provider::aws::arn_parse(...)` has three identifiers before the parenthesis.
        name = "::".join(_token_text(c) for c in node.children if isinstance(c, Tree) and c.data == "identifier")
        args = next((c for c in node.children if isinstance(c, Tree) and c.data == "arguments"), None)
        return Call(name, () if args is None else tuple(self.expr(a) for a in _kids(args)), _line(node))

    def _conditional(self, node: Tree) -> Expr:
        parts = [self.expr(p) for p in _kids(node)]
        if len(parts) != 3:
            return Opaque(self._source(node), _line(node), tuple(parts))
        return Cond(parts[0], parts[1], parts[2], parts[0].line)

    def _tuple(self, node: Tree) -> Expr:
        kids = _kids(node)
        return ListX(tuple(self.expr(c) for c in kids), _line(node), tuple(_place(c) for c in kids))

    def _object(self, node: Tree) -> Expr:
        items: list[tuple[str, Expr]] = []
        keys_at: list[Mark] = []
        for elem in _kids(node):
            key, value = elem.children[0], elem.children[-1]
            items.append((self._key(key), self.expr(value)))
            keys_at.append(_place(key))
        return MapX(tuple(items), _line(node), tuple(keys_at))

    def _key(self, node: Tree) -> str:
        key = self.expr(node.children[0])
        if isinstance(key, Lit) and isinstance(key.value, str):
            return key.value
        text = self._source(node)
        return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text

    # A chain `a.b[0].c` nests one level per step: each step takes its line from the step
    # before (never walking down the chain again), so a long chain costs linear time.
    def _get_attr(self, node: Tree) -> Expr:
        target = self.expr(node.children[0])
        name = _token_text(node.children[1].children[-1])
        if isinstance(target, Ref):
            return Ref((*target.parts, name), target.line)
        return Index(target, Lit(name, target.line), target.line)  # `f(x).b` is `f(x)["b"]`

    def _index(self, node: Tree) -> Expr:
        target = self.expr(node.children[0])
        index = node.children[1]
        inner = _kids(index)
        key = self.expr(inner[0]) if inner else Lit(int(str(index.children[-1])), target.line)  # `.0` short index
        if isinstance(target, Ref) and isinstance(key, Lit) and isinstance(key.value, (str, int)):
            return Ref((*target.parts, key.value), target.line)
        return Index(target, key, target.line)

    def _for(self, node: Tree) -> Expr:
        intro = next(c for c in _kids(node) if c.data == "for_intro")
        names = [_token_text(c) for c in _kids(intro) if c.data == "identifier"]
        collection = self.expr(_kids(intro)[-1])
        cond = next((self.expr(_kids(c)[-1]) for c in _kids(node) if c.data == "for_cond"), None)
        body = [self.expr(c) for c in _kids(node) if c.data not in ("for_intro", "for_cond")]
        group = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        key, value = (body[0], body[1]) if len(body) == 2 else (None, body[0])
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        return ForX(key_var, value_var, collection, key, value, cond, group, _line(node))

    def _splat(self, node: Tree) -> Expr:
        target = self.expr(node.children[0])
        steps: list[str | int] = []
        rest: list[Expr] = []
        for step in _kids(node.children[1]):
            key = self._step_key(step, target.line)
            literal = isinstance(key, Lit) and isinstance(key.value, (str, int))
            # An attribute splat (`.*`) takes only attribute steps; an index ends it.
            if rest or not literal or (step.data != "get_attr" and node.data == "attr_splat_expr_term"):
                rest.append(key)
            else:
                steps.append(key.value)  # type: ignore[union-attr,arg-type]
        out: Expr = Splat(target, tuple(steps), target.line)
        for key in rest:
            out = Index(out, key, target.line)
        return out

    def _step_key(self, step: Tree, line: int) -> Expr:
        if step.data == "get_attr":
            return Lit(_token_text(_kids(step)[-1]), line)
        if step.data == "short_index":
            return Lit(int(str(step.children[-1])), line)
        return self.expr(_kids(step)[-1])

    def _binary(self, node: Tree) -> Expr:
        # `a + b + c` nests to the left, one level per operator: walk the chain, not recurse,
        # so a chain of thousands of terms is read (as one unevaluated expression).
        terms: list[Tree] = []
        left: Tree | Token = node
        while isinstance(left, Tree) and left.data == "binary_op":
            terms.append(_kids(left)[1])
            left = left.children[0]
        first = self.expr(left)
        if len(terms) > MAX_DEPTH // 2:
            return Opaque(self._source(node), first.line, (first, *(self.expr(_kids(t)[-1]) for t in terms)))
        out = first
        for term in reversed(terms):
            out = Op(_token_text(term.children[0]).strip(), (out, self.expr(_kids(term)[-1])), first.line)
        return out

    def _unary(self, node: Tree) -> Expr:
        return Op(_token_text(node).strip(), (self.expr(node.children[-1]),), _line(node))

    _handlers: ClassVar[dict[str, Callable[[_Walker, Tree], Expr]]] = {
        "literal_value": _literal,
        "int_lit": _number,
        "float_lit": _number,
        "identifier": _identifier,
        "string": _string,
        "heredoc_template": _heredoc,
        "heredoc_template_trim": _heredoc,
        "function_call": _function,
        "conditional": _conditional,
        "tuple": _tuple,
        "object": _object,
        "get_attr_expr_term": _get_attr,
        "index_expr_term": _index,
        "for_tuple_expr": _for,
        "for_object_expr": _for,
        "attr_splat_expr_term": _splat,
        "full_splat_expr_term": _splat,
        "binary_op": _binary,
        "unary_op": _unary,
    }


_OPENS = {"template_if_start": ("if", "template_endif"), "template_for_start": ("for", "template_endfor")}
_CLOSES = {"template_endif": "endif", "template_endfor": "endfor", "template_else": "else"}


def _directive_end(pieces: list[Tree | Token], start: int) -> int:
    """Index of the `%{ endif }`/`%{ endfor }` closing the directive at `start`; a directive
    left open, or closed by the wrong end, is a syntax error (Terraform refuses the file)."""
    expected: list[str] = []
    for i in range(start, len(pieces)):
        piece = pieces[i]
        kind = piece.data if isinstance(piece, Tree) else ""
        if kind in _OPENS:
            expected.append(_OPENS[kind][1])
        elif kind == "template_else" and expected and expected[-1] == "template_endif":
            continue
        elif kind in _CLOSES:
            if not expected or expected.pop() != kind:
                raise HclSyntaxError(f"%{{ {_CLOSES[kind]} }} without its opening directive", _line(piece))
            if not expected:
                return i
    opened = pieces[start]
    raise HclSyntaxError(f"%{{ {_OPENS[opened.data][0]} }} directive is never closed", _line(opened))  # type: ignore[union-attr]


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
# A quoted string's escapes, and `$${`/`%%{`, which stand for a literal `${`/`%{`.
_ESCAPE = re.compile(r"\$\$\{|%%\{|\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")


def _unescape(token: Token) -> Lit:
    """A quoted string's literal piece, decoded: after each escape the text is that many
    columns left of where the file has it, so each escape starts a new mark."""
    raw, line, column = str(token), token.line or 1, token.column
    out: list[str] = []
    marks, pos, decoded = [Mark(0, line, column)], 0, 0
    for m in _ESCAPE.finditer(raw):
        piece = raw[pos : m.start()] + _escape(m)
        out.append(piece)
        decoded, pos = decoded + len(piece), m.end()
        marks.append(Mark(decoded, line, None if column is None else column + pos))
    out.append(raw[pos:])
    return Lit("".join(out), line, tuple(marks))


def _escape(m: re.Match[str]) -> str:
    # Terraform decodes `\u002d` too: a model ID spelled with escapes is still that model.
    code = m.group(1)
    if code is None:
        return m.group(0)[1:]
    if len(code) == 1:
        return _ESCAPES.get(code, m.group(0))
    point = int(code[1:], 16)
    return "\ufffd" if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF else chr(point)


def _line_marks(text: str, first_line: int, column: int) -> tuple[Mark, ...]:
    """Text whose newlines are the file's (a heredoc, a template file), each line of it
    written from `column` on."""
    marks, offset = [], 0
    for number, piece in enumerate(text.split("\n")):
        marks.append(Mark(offset, first_line + number, column))
        offset += len(piece) + 1
    return tuple(marks)


def _template(parts: list[Expr], line: int, body_line: int) -> Expr:
    """Literal text and interpolations as one expression; text alone is one `Lit`."""
    merged: list[Expr] = []
    for p in parts:
        if isinstance(p, Lit) and merged and _is_text(merged[-1]) and _is_text(p):
            last = merged[-1]
            assert isinstance(last, Lit) and isinstance(last.value, str) and isinstance(p.value, str)
            marks = joined(((last.value, last.marks), (p.value, p.marks)))
            merged[-1] = Lit(last.value + p.value, last.line, marks)
        else:
            merged.append(p)
    if all(_is_text(p) for p in merged):
        # A heredoc's text starts on the line after its marker.
        return merged[0] if merged else Lit("", body_line, (Mark(0, body_line),))
    return Template(tuple(merged), line, body_line, _interpolation_places(merged))


def _interpolation_places(parts: list[Expr]) -> tuple[tuple[Mark, ...], ...]:
    """Where each interpolation of a template is: at its expression's line, and at the
    column after the text before it when that text ends on the same line."""
    out: list[tuple[Mark, ...]] = []
    for number, part in enumerate(parts):
        if _is_text(part):
            out.append(())
            continue
        before = parts[number - 1] if number else None
        column = None
        if isinstance(before, Lit) and isinstance(before.value, str) and before.value:
            line, last = locate(before.marks, before.value, len(before.value) - 1)
            column = last + 1 if line == part.line and last is not None else None
        out.append(placed(part.line, column))
    return tuple(out)


def _is_text(node: Expr) -> bool:
    return isinstance(node, Lit) and isinstance(node.value, str)


# CRLF too: a Windows checkout (core.autocrlf) must not turn every heredoc opaque.
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\r?\n(.*?)\r?\n?[ \t]*\2\s*$", re.S)


def template_expr(text: str) -> Expr:
    """A template file's text (`templatefile()`), with `${...}` parsed as in a heredoc."""
    try:
        return _template_file(text)
    except HclSyntaxError as exc:
        return Opaque(f"template file: {exc}", 1)


@functools.lru_cache(maxsize=64)
def _template_file(text: str) -> Expr:
    # A file's text is parsed once however many times templatefile() reads it (every
    # instance of a resource, every module call): a refusal is not kept, and is met again.
    with hcl_budget():
        return _template(_split_interpolations(text, _line_marks(text, 1, 1)), 1, 1)


def _split_interpolations(body: str, marks: tuple[Mark, ...]) -> list[Expr]:
    """Heredoc bodies come back as raw text: find `${...}` and parse each expression.

    `marks` say where the body's text is written; each piece keeps its part of them.
    """
    parts: list[Expr] = []
    pos = 0
    for start in (m.start() for m in re.finditer(r"(?<!\$)\$\{", body)):
        if start < pos:
            continue
        end = _closing_brace(body, start + 2)
        if end < 0:
            break
        parts.append(_text_piece(body, marks, pos, start))
        parts.append(_parse_fragment(body[start + 2 : end], *_fragment_place(body, marks, start + 2, end)))
        pos = end + 1
    parts.append(_text_piece(body, marks, pos, len(body)))
    return parts


def _fragment_place(body: str, marks: tuple[Mark, ...], start: int, end: int) -> tuple[int | None, int | None]:
    """Line and column of the expression in `body[start:end]`; no column when an escape
    inside it (a JSON string's `\\"`) makes the parsed text narrower than the file's."""
    inner = start + len(body[start:end]) - len(body[start:end].lstrip())
    line, column = locate(marks, body, inner)
    if any(m.line == line for m in within(marks, inner, end)):
        column = None
    return line, column


def _text_piece(body: str, marks: tuple[Mark, ...], start: int, end: int) -> Lit:
    """`body[start:end]` as literal text: `$${` and `%%{` stand for `${` and `%{`."""
    spans, pos = [], start
    for m in re.finditer(r"\$\$\{|%%\{", body[start:end]):
        spans.append((pos, start + m.start()))
        pos = start + m.start() + 1  # the doubled character is dropped
    spans.append((pos, end))
    text = "".join(body[a:b] for a, b in spans)
    line = locate(marks, body, start)[0] or 1
    return Lit(text, line, joined((body[a:b], sliced(marks, body, a, b)) for a, b in spans))


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


def string_expr(text: str, line: int, marks: tuple[Mark, ...] = ()) -> Expr:
    """A string from Terraform's JSON syntax: a template whose `${...}` are HCL expressions.

    The JSON string is already decoded, so it is read as a heredoc's text is: quotes inside
    `${var.a ? "x" : "y"}` stay quotes. `marks` say where its text is written (escapes).
    """
    marks = marks or (Mark(0, line),)
    if "${" not in text:
        return Lit(text, line, marks)
    parts = _split_interpolations(text, marks)
    if len(parts) == 3 and parts[0] == parts[2] == Lit("", line) and not _is_text(parts[1]):
        return parts[1]  # "${x}" alone is x's own value (a list stays a list), as in HCL
    return _template(parts, line, line)


def _parse_fragment(source: str, line: int | None, column: int | None) -> Expr:
    line = line or 1
    source = source.strip()
    fragments = _file.get().fragments
    if source not in fragments:
        _spend(len(source) + _FRAGMENT_COST, line)
        fragments[source] = _fragment(source)
    parsed = fragments[source]
    if parsed is None:
        return Opaque(source, line, (Lit(source, line),))
    with _stack_headroom(_PARSER_FRAMES):
        # The fragment was parsed as `x = {source}`: its first line's columns are 4 to the right.
        return _shifted(parsed, line - 1, None if column is None else column - len("x = ") - 1)


def _fragment(source: str) -> Expr | None:
    """One `${...}` expression parsed on its own, at line 1; None when it does not parse."""
    text = f"x = {source}\n"
    try:
        with _stack_headroom(_PARSER_FRAMES):
            attribute = _parse(text).children[0].children[0]
            return _Walker(text).expr(attribute.children[-1])
    except ParseTimeout:
        raise
    except Exception:
        return None


def _shifted(node: Expr, by: int, right: int | None) -> Expr:
    """`node` and everything inside it `by` lines further down the file, and its first
    line `right` columns to the right (columns of later lines, or all when `right` is
    None, are not known)."""
    fields = {name: _shifted_value(getattr(node, name), by, right) for name in node.__slots__}  # type: ignore[union-attr]
    fields["line"] = node.line + by
    if isinstance(node, Template):
        fields["body_line"] = node.body_line + by
    return type(node)(**fields)


def _shifted_value(value: object, by: int, right: int | None) -> object:
    if isinstance(value, tuple):
        return tuple(_shifted_value(item, by, right) for item in value)
    if isinstance(value, Mark):
        known = value.line == 1 and value.column is not None and right is not None
        return replace(value, line=None if value.line is None else value.line + by,
                       column=value.column + right if known else None)  # type: ignore[operator]
    if isinstance(value, Expr):  # type: ignore[arg-type]
        return _shifted(value, by, right)
    return value
