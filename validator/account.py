"""Account for every model literal in the scanned files (SPEC 5).

Extraction works forward, from the attributes it knows to their values; this stage works
backward, from the text. Every string in a text the parsers read that has the shape of a
model ID, model ARN or inference-profile ARN is settled, in this order, as:
1. a reference at its own line (the forward pass found it);
2. a step of a reference's origin (a variable default, a tfvars entry, a parameter default);
3. a mention with the reason it deploys nothing: a comment, or a region the parser marked
   (a description, tags, an output, an overridden default), or an ARN of a Bedrock
   resource type that names no model (a customization job, an agent);
4. else a reference in its own right (on-demand, region from the scan's default) whose
   BDR005 note says it could not be followed: an untaught form is never silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from .model import Mention, Origin, Reference, Region, ScannedText, Span, line_breaks
from .modelid import ARN_HEAD, ARN_REST, GEO_PREFIXES, MODEL_KINDS, PROVIDERS, could_mention_model, parse_model

_ID = (
    r"(?:(?:" + "|".join(GEO_PREFIXES) + r")\.)?(?:" + "|".join(PROVIDERS) + r")\."
    r"[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+){0,2}(?::[a-z0-9-]+){0,2}"
)
# One pass per text: an ARN of any Bedrock resource type, else a provider-prefixed ID. IDs
# may follow `/` or `:` (a path, an ARN assembled from pieces), unlike in extraction,
# so that what extraction misses is still seen here.
_LITERAL = re.compile(
    r"(?P<arn>" + ARN_HEAD + r"(?P<kind>[a-z][a-z-]*)/" + ARN_REST + r")"
    r"|(?<![A-Za-z0-9_.-])(?P<id>" + _ID + r")"
)
_ID_INSIDE = re.compile(_ID)
# `amazon.com` and `meta.data` have the shape but no model ID lacks a digit, `-` or `:`.
_VERSIONED = re.compile(r"\.[^.]*[-0-9:]")
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
_BLOCK_OPEN = re.compile(r"^[ \t]*/\*", re.MULTILINE)


NOT_CHECKED = "in a YAML or JSON file that is not a template, plan or state machine definition: not checked"


def unchecked_text(file: str, text: str) -> ScannedText:
    """A YAML or JSON file the scan does not parse, whose every model is a mention saying so."""
    is_json = file.lower().endswith(".json")
    lines = len(line_breaks("json" if is_json else "yaml").findall(text)) + 1
    return ScannedText(file, text, "json" if is_json else "yaml", (Region(1, lines, NOT_CHECKED, file),))


@dataclass(frozen=True, slots=True)
class Literal:
    """Model text found in a scanned text: its span, the text, and its ARN kind if any."""

    span: Span
    raw: str
    kind: str | None
    offset: int


def literals(text: ScannedText) -> Iterator[Literal]:
    """Every model-shaped string of a text, with lines and columns counted as the parsers do."""
    body = text.text
    if not could_mention_model(body):
        return
    breaks = line_breaks(text.syntax)
    line, counted, line_start = 1, 0, 0
    for m in _LITERAL.finditer(body):
        kind = m.group("kind")
        if kind is None and not _VERSIONED.search(m.group("id")):
            continue
        if kind is not None and kind not in MODEL_KINDS and not _ID_INSIDE.search(m.group("rest")):
            continue  # an agent or guardrail ARN with no model text: nothing to account for
        for newline in breaks.finditer(body, counted, m.start()):
            line, line_start = line + 1, newline.end()
        counted = m.start()
        yield Literal(Span(text.file, line, m.start() - line_start + 1), m.group(0), kind, m.start())


@dataclass
class Accounting:
    """What the stage hands on: the references (origins refined, unsettled literals added)
    and the mentions."""

    references: list[Reference]
    mentions: list[Mention]


def account(texts: Iterable[ScannedText], refs: Sequence[Reference], default_region: str | None) -> Accounting:
    """Settle every literal of `texts` against `refs` (see the module docstring)."""
    ledger = _Ledger(refs)
    mentions: dict[tuple[str, int, str], Mention] = {}
    added: list[Reference] = []
    texts = list(texts)
    # A definition file a configuration reads (templatefile()) is accounted by what it read.
    read = {text.file for text in texts if text.syntax == "read"}
    for text in texts:
        if text.syntax != "read" and text.file in read:
            continue
        for lit in literals(text):
            if ledger.exact(text, lit):
                continue
            # Text in a description or a comment is a mention even where the same model is
            # used nearby: the use is a reference of its own.
            reason = _quiet_reason(text, lit, ledger.written_on(lit))
            if reason is None:
                settled = ledger.settle(text, lit)
                if settled is True:
                    continue
                reason = settled or None
            if reason:
                mentions.setdefault((lit.span.file, lit.span.line, lit.raw), Mention(lit.span, lit.raw, reason))
            else:
                added.append(_unfollowed(text, lit, default_region))
    return Accounting([*ledger.refined(), *_distinct(added)], sorted(mentions.values(), key=_mention_key))


def _mention_key(m: Mention) -> tuple[str, int, int, str]:
    return (m.span.file, m.span.line, m.span.column or 0, m.raw)


def _distinct(refs: list[Reference]) -> list[Reference]:
    return list({(r.span, r.raw): r for r in refs}.values())


_NOT_SELECTED = "another entry of the same value is the one used (a map key, list index or mapping not selected)"


class _Ledger:
    """The forward references, indexed by where they are used and where they were written."""

    def __init__(self, refs: Sequence[Reference]) -> None:
        self._refs = list(refs)
        self._at: dict[tuple[str, int], list[Reference]] = {}
        self._written: dict[tuple[str, int], list[int]] = {}
        self._raws: set[str] = set()
        self._in_file: dict[str, list[int]] = {}
        for i, ref in enumerate(self._refs):
            self._in_file.setdefault(ref.span.file, []).append(i)
            self._at.setdefault((ref.span.file, ref.span.line), []).append(ref)
            if ref.origin is not None:
                self._written.setdefault((ref.origin.file, ref.origin.line), []).append(i)
            if ref.raw:
                self._raws.add(ref.raw)

    def exact(self, text: ScannedText, lit: Literal) -> bool:
        """A reference at the literal's line, or an origin written there."""
        here = self._at.get((lit.span.file, lit.span.line), ())
        return any(_written_as(lit.raw, ref.raw) for ref in here) or self._origin(text, lit)

    def settle(self, text: ScannedText, lit: Literal) -> bool | str:
        """True when a reference accounts for the literal from elsewhere in its block; a
        reason when the value holding it was followed and another of its entries was used;
        else False."""
        file, line = lit.span.file, lit.span.line
        here = self._at.get((file, line), [])
        holding = _holding(text.regions, line)
        # The same model used by the block that holds the literal: a value written over
        # several lines and used at its attribute's line (jsonencode), a `for_each` value.
        outer = max(holding, key=lambda r: r.end - r.start, default=None)
        if outer is not None:
            users = [i for i in self._in_file.get(file, ()) if outer.start <= self._refs[i].span.line <= outer.end
                     and _same(lit.raw, self._refs[i].raw)]
            for i in users:
                if self._refs[i].origin is None:
                    # Used on another line than the one it is written on: that is its origin.
                    self._refs[i] = replace(self._refs[i], origin=Origin(file, line))
            if users:
                return True
        # ... or by a value that came from another part of the same declaration (an
        # optional() default in a variable's type, used through its default): the value
        # was written here, so its origin is this line.
        if outer is not None:
            written = [i for start in range(outer.start, outer.end + 1) for i in self._written.get((file, start), ())
                       if _same(lit.raw, self._refs[i].raw)]
            for i in written:
                origin = self._refs[i].origin
                if origin is not None:
                    self._refs[i] = replace(self._refs[i], origin=replace(origin, line=line))
            if written:
                return True
        if "${" in lit.raw and _model_unwritten(lit.raw):
            # A template such as `foundation-model/${var.model}` holds no model itself: it is
            # a step of whichever reference it built. One with only its region left open
            # names its model whole, and is accounted like any literal.
            shape = _template_shape(lit.raw)
            if any(shape.search(raw) for raw in self._raws):
                return True
        # A file read with file()/templatefile(), or a plan, is accounted by the values the
        # configuration took from it (by resource address for a plan), not line by line.
        if text.syntax in ("read", "plan") and any(_same(lit.raw, raw) for raw in self._raws):
            return True
        written = (*self._written.get((file, line), ()), *self._within(file, holding))
        if any(_resolved(ref) for ref in here) or any(_resolved(self._refs[i]) for i in written):
            return _NOT_SELECTED
        return False

    def written_on(self, lit: Literal) -> bool:
        """Whether a reference's value was written on the literal's line."""
        return bool(self._written.get((lit.span.file, lit.span.line)))

    def _within(self, file: str, holding: Sequence[Region]) -> Iterator[int]:
        """References written inside the regions: an entry of a map literal is the origin of
        the values taken from it, at its own line."""
        for region in holding:
            for start in range(region.start, region.end + 1):
                yield from self._written.get((file, start), ())

    def _origin(self, text: ScannedText, lit: Literal) -> bool:
        """Written here: an origin at the literal's line, or at the line of the attribute
        holding it (a multi-line default)."""
        file, line = lit.span.file, lit.span.line
        if any(_same(lit.raw, self._refs[i].raw) for i in self._written.get((file, line), ())):
            return True
        return any(_same(lit.raw, self._refs[i].raw)
                   for region in _holding(text.regions, line) for i in self._written.get((file, region.start), ()))

    def refined(self) -> list[Reference]:
        return self._refs


def _resolved(ref: Reference) -> bool:
    return ref.raw is not None and ref.unresolved is None


def _model_unwritten(raw: str) -> bool:
    parsed = parse_model(raw)
    return parsed is None or parsed.placeholder


def _template_shape(template: str) -> re.Pattern[str]:
    pieces = _PLACEHOLDER.split(template)
    return re.compile(".*?".join(re.escape(p) for p in pieces))


def _written_as(literal: str, raw: str | None) -> bool:
    """Whether a reference's raw text is the literal, or what its `${...}` template became."""
    if _same(literal, raw):
        return True
    return raw is not None and "${" in literal and _template_shape(literal).search(raw) is not None


def _same(literal: str, raw: str | None) -> bool:
    """Whether a reference's raw text holds the literal (or the literal holds it)."""
    return raw is not None and (literal in raw or raw in literal)


def _holding(regions: Sequence[Region], line: int) -> list[Region]:
    return [r for r in regions if r.start < line <= r.end]


def _innermost(regions: Sequence[Region], line: int) -> list[Region]:
    """Regions holding the line, innermost first; of two alike, the one added later (an
    override file's verdict on what it replaced)."""
    found = [r for r in reversed(regions) if r.start <= line <= r.end]
    return sorted(found, key=lambda r: (-r.start, r.end))


def _quiet_reason(text: ScannedText, lit: Literal, used: bool) -> str | None:
    """Why the literal deploys nothing; `used` when a value written on its line is used
    (a parameter default split into a list, one entry of which is selected)."""
    if lit.kind is not None and lit.kind not in MODEL_KINDS:
        return f"{lit.kind} ARN: names no model to call"
    if _in_comment(text, lit):
        return "comment"
    for region in _innermost(text.regions, lit.span.line):
        if region.reason is not None:
            return _NOT_SELECTED if used else region.reason
    return None


def _in_comment(text: ScannedText, lit: Literal) -> bool:
    start = text.text.rfind("\n", 0, lit.offset) + 1
    before = text.text[start:lit.offset]
    if text.syntax == "json":  # `.tf.json` writes comments as "//" keys
        return before.lstrip().startswith('"//"')
    if text.syntax == "yaml":
        return _after_marker(before, ("#",), "\"'", spaced=True)
    if text.syntax == "hcl":
        return _after_marker(before, ("#", "//", "/*"), '"', spaced=False) or _in_block_comment(text.text, start)
    return False


def _after_marker(before: str, markers: tuple[str, ...], quotes: str, spaced: bool) -> bool:
    """Whether a comment marker outside quotes opens before the literal on its line."""
    quote: str | None = None
    for i, char in enumerate(before):
        if quote is not None:
            if char == quote and before[i - 1] != "\\":
                quote = None
        elif char in quotes:
            quote = char
        elif any(before.startswith(mark, i) for mark in markers):
            # In YAML `#` starts a comment only at the line start or after a space.
            return not spaced or i == 0 or before[i - 1] in " \t"
    return False


def _in_block_comment(body: str, line_start: int) -> bool:
    """A line inside a `/* ... */` comment whose `/*` opens a line of its own."""
    opens = _BLOCK_OPEN.finditer(body, 0, line_start)
    return any(body.find("*/", match.end(), line_start) == -1 for match in opens)


def _unfollowed(text: ScannedText, lit: Literal, region: str | None) -> Reference:
    parsed = parse_model(lit.raw)
    holders = _innermost(text.regions, lit.span.line)
    outer = holders[-1].label if holders else ""
    inner = holders[0].label if holders else ""
    where = f" (in {inner})" if inner else ""
    attribute = inner.removeprefix(outer).lstrip(".") if inner else "text"  # "": the resource itself
    span = lit.span
    if parsed is not None and span.column is not None:
        span = replace(span, column=span.column + parsed.model_start)  # at the model, as references are
    return Reference(
        span=span,
        resource=outer or "(file)",
        resource_type="",
        attribute=attribute,
        raw=lit.raw,
        model_id=parsed.model_id if parsed else None,
        usage="on-demand",
        region=(parsed.region if parsed else None) or region,
        direct=False,
        unresolved=(f"`{lit.raw}` is written here{where} but not followed to a resource that deploys it;"
                    " it is checked as an on-demand use"),
        wildcard=bool(parsed and parsed.wildcard),
    )
