"""The neutral model every stage shares.

Parsers turn files into `Resource`s whose attribute values are already resolved to
`Candidate`s; the extractor turns those into `Reference`s; rules turn references into
`Finding`s. Nothing in here knows about a file format.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Usage = Literal["on-demand", "provisioned", "customization", "provisioned-custom"]
Severity = Literal["error", "warning", "note"]
LifecycleState = Literal["active", "legacy", "extended-access", "eol", "unknown"]

SEVERITY_RANK: dict[str, int] = {"note": 1, "warning": 2, "error": 3}


@dataclass(frozen=True, slots=True)
class Span:
    """Where something is written: `file` as displayed in reports, 1-based line and column."""

    file: str
    line: int
    column: int | None = None


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a value was written when that is not where it is used.

    `chain` lists the steps the value took, first to last, e.g.
    ("terraform.tfvars: model_id", "module.chat input model_id", "var.model_id").
    `steps` are the places it passed through that are code of their own (a module
    argument): a suppression written there applies to it.
    """

    file: str
    line: int
    chain: tuple[str, ...] = ()
    steps: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class Mark:
    """From `offset` on, a candidate's text was written at `line` and `column` of its file.

    Without `flows` the text stays on that line whatever it holds (an escaped `\\n` in a
    JSON or quoted string moves nothing). With `flows` each newline in the text is a newline
    in the file (a block scalar's line), and `column` holds only before the first newline.
    Marks are in offset order; text built from pieces (`Fn::Join`, `Fn::Sub`) has marks for
    each piece, and `line` None for a piece that is not written at the use site.
    A `placed` piece was put here from elsewhere (a parameter at its `Ref`, a substitution
    at its `${Name}`, a Terraform variable at its interpolation): all of it is at that one
    place, though it is not written there (its origin says where it is).
    """

    offset: int
    line: int | None
    column: int | None = None
    flows: bool = False
    placed: bool = False


# Lines end where the file's parser ends them (SPEC 8): YAML (PyYAML) also at a lone `\r`,
# NEL, U+2028 and U+2029; HCL and JSON at `\n` only (`\r\n` is a `\r` before a `\n`).
_NEWLINE = re.compile(r"\n")
_YAML_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def line_breaks(syntax: str) -> re.Pattern[str]:
    """The line breaks of a text in `syntax` ("yaml", "hcl", "json", ...) as its parser counts them."""
    return _YAML_BREAK if syntax == "yaml" else _NEWLINE


@dataclass(frozen=True, slots=True)
class Candidate:
    """One value an attribute can take once resolved, or why it cannot be known.

    `text` is None when the value cannot be resolved statically; `reason` then says why.
    `line` is the line where `text` itself begins when it was written literally at the
    use site (a heredoc starts on the line after its attribute); None otherwise; its
    newlines are the file's. `marks`, when given, say more exactly where each part of the
    text is written (see `Mark`) and take precedence over `line`.
    """

    text: str | None
    origin: Origin | None = None
    reason: str | None = None
    line: int | None = None
    # Where the text is written, not what it is: two candidates with the same text and
    # origin are one value (the extractor keeps one reference per place).
    marks: tuple[Mark, ...] = field(default=(), compare=False)

    def position(self, offset: int) -> tuple[int | None, int | None]:
        """The line and column where the character at `offset` of `text` is written.

        (None, None) when that part of the text was not written at the use site.
        """
        text = self.text or ""
        if self.marks:
            return locate(self.marks, text, offset)
        if self.line is None:
            return None, None
        return self.line + text.count("\n", 0, offset), None


def mark_at(marks: tuple[Mark, ...], offset: int) -> Mark | None:
    """The mark in force at `offset`: the last one at or before it."""
    index = bisect.bisect_right(marks, offset, key=lambda mark: mark.offset)
    return marks[index - 1] if index else None


def locate(marks: tuple[Mark, ...], text: str, offset: int) -> tuple[int | None, int | None]:
    """Line and column of `text[offset]` by its marks; (None, None) when not written here."""
    mark = mark_at(marks, offset)
    if mark is None or mark.line is None:
        return None, None
    if mark.placed:
        return mark.line, mark.column
    newlines = text.count("\n", mark.offset, offset) if mark.flows else 0
    if newlines:
        return mark.line + newlines, None
    return mark.line, None if mark.column is None else mark.column + offset - mark.offset


@dataclass(frozen=True, slots=True)
class Leaf:
    """A scalar attribute value inside a resource, with every value it can resolve to.

    `path` is the attribute path from the resource body; list positions are dropped, so
    `variant[0].model_id` is ("variant", "model_id").
    """

    path: tuple[str, ...]
    span: Span
    candidates: tuple[Candidate, ...]

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True, slots=True)
class Suppression:
    """An `iac-check:ignore` comment or CloudFormation Metadata entry.

    `target_line` is the line of code a comment applies to (its own line, or the next line
    of code when the comment stands alone); None for Metadata, which covers its resource.
    """

    rules: tuple[str, ...]
    span: Span
    until: date | None = None
    until_text: str | None = None
    reason: str | None = None
    scope: Literal["line", "resource"] = "line"
    resource: str | None = None
    malformed: str | None = None
    target_line: int | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    """A resource (or data source) in the neutral model.

    `address` is how reports name it: `aws_bedrockagent_agent.support`,
    `module.chat.aws_bedrockagent_agent.this`, or a CloudFormation logical ID.
    `action` is the plan's action ("create", "update", ...) when the resource comes from a
    plan; None in source code. `unresolved` says why the resource's content could not be
    followed (a module that is not downloaded): its model references may be missing.
    `refused` marks content the scan would not read (outside the project root): unknown
    whatever its inputs look like.
    """

    address: str
    type: str
    span: Span
    leaves: tuple[Leaf, ...]
    region: str | None = None
    action: str | None = None
    end_line: int | None = None
    unresolved: str | None = None
    refused: bool = False
    construct_path: str | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """A file that could not be read or parsed (BDR000)."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Region:
    """Lines `start`..`end` of a file that hold one attribute, key or block.

    `reason` says why text there deploys nothing (a description, tags, an output), or is
    None for a region that may deploy; `label` names it for messages (`variable model`).
    """

    start: int
    end: int
    reason: str | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class ScannedText:
    """A text a parser read, handed to the accounting stage (SPEC 5).

    `syntax` says how comments are written (`hcl`, `yaml`, `json`); `read` is for files
    a configuration reads with file() or templatefile(), `plan` for Terraform plans,
    which are accounted by resource address rather than line by line.
    """

    file: str
    text: str
    syntax: Literal["hcl", "yaml", "json", "read", "plan"]
    regions: tuple[Region, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """What one parse stage hands on: the resources of a file, its problems and suppressions.

    `texts` are the texts it read, for the accounting stage.
    """

    path: str
    resources: tuple[Resource, ...] = ()
    problems: tuple[Problem, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    texts: tuple[ScannedText, ...] = ()


@dataclass(frozen=True, slots=True)
class Reference:
    """A place in the code that uses a Bedrock model.

    `model_id` is the normalised foundation-model ID the lifecycle applies to (the base
    model of a custom-model ARN, the model behind an inference profile); None when the
    value could not be resolved (`unresolved` says why) or names no specific model.
    `span` is where the text holding the model is written; `attribute_line` is the line of
    the attribute it belongs to when that is another line. `construct_path` is the CDK
    construct (`aws:cdk:path`) that generated the resource, when known.
    """

    span: Span
    resource: str
    resource_type: str
    attribute: str
    raw: str | None
    model_id: str | None
    usage: Usage
    region: str | None
    origin: Origin | None = None
    direct: bool = True
    unresolved: str | None = None
    commitment: str | None = None
    commitment_span: Span | None = None
    action: str | None = None
    wildcard: bool = False
    attribute_line: int | None = None
    construct_path: str | None = None


@dataclass(frozen=True, slots=True)
class Fix:
    """The edit `iac-check fix` makes for a finding: `old` becomes `new` at file:line:column.

    `file` is a report file name and `column` is 1-based, in characters; `new_line` is the
    whole line after the edit (a pull-request suggestion replaces whole lines).
    """

    file: str
    line: int
    column: int
    old: str
    new: str
    new_line: str


@dataclass(frozen=True, slots=True)
class Mention:
    """Model text that deploys nothing (a description, a tag, an output, a comment).

    Mentions never raise a finding; they are reported so that every model literal in the
    scanned files is accounted for (SPEC 5).
    """

    span: Span
    raw: str
    reason: str


@dataclass(frozen=True, slots=True)
class Instance:
    """One resource a finding applies to: a module instance or stack of the code at its place.

    Each keeps the fingerprint it would have on its own, so a baseline lists (and
    matches) instances whether or not their findings were merged into one place.
    """

    resource: str | None
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule's verdict on one reference (or one file, for BDR000).

    The same code evaluated in several module instances (or stacks) with the same result
    is one finding: `resource` and `fingerprint` are its first instance's and `instances`
    lists them all; with a single instance `instances` is empty.
    """

    rule_id: str
    severity: Severity
    message: str
    span: Span
    resource: str | None = None
    attribute: str | None = None
    model_id: str | None = None
    raw: str | None = None
    usage: str | None = None
    region: str | None = None
    lifecycle: LifecycleState | None = None
    legacy_date: date | None = None
    extended_access_date: date | None = None
    eol_date: date | None = None
    replacement: str | None = None
    origin: Origin | None = None
    suppressed: bool = False
    suppression_reason: str | None = None
    fingerprint: str = ""
    fix: Fix | None = None
    attribute_line: int | None = None
    construct_path: str | None = None
    instances: tuple[Instance, ...] = ()

    @property
    def every_instance(self) -> tuple[Instance, ...]:
        """The resources the finding applies to, its own when it has a single one."""
        return self.instances or (Instance(self.resource, self.fingerprint),)

    def fails(self, fail_on: str) -> bool:
        """Whether this finding alone fails the gate (`--fail-on`)."""
        if self.suppressed or fail_on == "never":
            return False
        return SEVERITY_RANK[self.severity] >= SEVERITY_RANK[fail_on]

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.file, self.span.line, self.span.column or 0, self.rule_id, self.model_id or "")


@dataclass(frozen=True)
class Report:
    """Everything a renderer needs; renderers never go back to the files."""

    as_of: date
    tool_version: str
    catalog_updated: date
    catalog_entries: int
    files_scanned: int
    references: tuple[Reference, ...]
    findings: tuple[Finding, ...]
    lifecycles: dict[Reference, LifecycleState] = field(default_factory=dict)
    # Report file names (relative to the directory scanned, SPEC 8) -> paths from the
    # current directory, which is what CI systems resolve against the repository.
    locations: dict[str, str] = field(default_factory=dict)
    catalog_overrides: tuple[str, ...] = ()
    baseline_matched: int = 0
    skipped: tuple[tuple[str, str], ...] = ()
    """(file, reason) for each file with an IaC name that was not scanned (`--verbose`)."""
    mentions: tuple[Mention, ...] = ()

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity and not f.suppressed)

    @property
    def suppressed(self) -> int:
        return sum(1 for f in self.findings if f.suppressed)

    def failed(self, fail_on: str) -> bool:
        """True when an unsuppressed finding is at or above the `--fail-on` level."""
        return any(f.fails(fail_on) for f in self.findings)
