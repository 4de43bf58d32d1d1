"""`iac-check fix`: move a retired or retiring model ID to its replacement where it is written.

The scan already knows, for each finding, where the model text was written (its origin, or
the reference itself) and the Active replacement. A fix edits that literal and nothing else:
the model-ID part of it, keeping an ARN an ARN and a profile prefix where the replacement is
offered under it. What it will not edit, it says why: paid resources (provisioned throughput,
custom models), suppressed findings, a literal that feeds references wanting different
replacements, text it cannot find unambiguously, files outside the scanned tree.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from .catalog import Catalog
from .confine import Gate
from .discover import split_bom
from .model import Finding, Fix, Origin, Reference, Report, Span, line_breaks
from .modelid import find_models, geo_prefix, normalise_id
from .suppress import comment_style

DEFAULT_RULES = ("BDR001", "BDR007")
LEGACY_RULE = "BDR002"
DOWNLOADED = ".terraform"
"""The directory `terraform init` keeps downloaded modules in."""
FIXABLE_RULES = (*DEFAULT_RULES, LEGACY_RULE)
_PAID = {
    "provisioned": "a provisioned throughput",
    "provisioned-custom": "a provisioned throughput on a custom model",
    "customization": "a custom model",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """A finding `fix` leaves alone, and why."""

    finding: Finding
    reason: str


@dataclass(frozen=True)
class Plan:
    """The edits one run would make, keyed by the findings they fix, and what it refuses."""

    edits: tuple[Fix, ...]
    fixed: Mapping[tuple[str, Span], Fix]
    refused: tuple[Refusal, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """One file's text before and after its edits, and the bytes to write."""

    before: str
    after: str
    data: bytes


Site = tuple[str, int, int]
"""A literal's place: report file name, line, 0-based offset of the model text in the line."""


@dataclass(frozen=True, slots=True)
class _Literal:
    site: Site
    text: str
    line_text: str


class _Files:
    """The scanned files' lines as written (line endings kept), read once each, inside the tree."""

    def __init__(self, locations: Mapping[str, str], inside: Callable[[Path], bool]) -> None:
        self._locations, self._inside = locations, inside
        self._lines: dict[str, list[str] | None] = {}

    def path(self, file: str) -> Path:
        return Path(self._locations.get(file, file))

    def lines(self, file: str) -> list[str] | None:
        if file not in self._lines:
            self._lines[file] = self._read(self.path(file))
        return self._lines[file]

    def _read(self, path: Path) -> list[str] | None:
        if not self._inside(path):
            return None
        try:
            return _breaks(path).split(_decoded(path.read_bytes())[1])
        except (OSError, UnicodeDecodeError):
            return None


def _breaks(path: Path) -> re.Pattern[str]:
    """Where a line of the file ends, as its parser (and so the report's lines) counts it."""
    return line_breaks(comment_style(path.name) or "json")


def _decoded(data: bytes) -> tuple[bytes, str, str]:
    """(byte-order mark, text, codec)."""
    bom, codec = split_bom(data)
    return bom, data[len(bom):].decode(codec), codec


def plan(report: Report, catalog: Catalog, rules: Iterable[str], inside: Callable[[Path], bool]) -> Plan:
    """Which literals to rewrite for the findings of `rules`, and which findings are left alone."""
    files = _Files(report.locations, inside)
    by_site: dict[Site, list[Finding]] = defaultdict(list)
    literals: dict[Site, _Literal] = {}
    refused: list[Refusal] = []
    for f in (f for f in report.findings if f.rule_id in set(rules)):
        literal = _locate(files, _written_at(f.span, f.origin), f.model_id, f.raw)
        if isinstance(literal, str):
            refused.append(Refusal(f, literal))
            continue
        by_site[literal.site].append(f)
        literals[literal.site] = literal
    refs_at = _references_at(report.references, files, {(file, line) for file, line, _ in literals})
    suppressed = {(f.span, f.resource, f.attribute): f.suppression_reason or "no reason given"
                  for f in report.findings if f.suppressed}
    guarded = _untraced_guarded(report, files, suppressed)
    edits: list[Fix] = []
    fixed: dict[tuple[str, Span], Fix] = {}
    for site, findings in by_site.items():
        refs = refs_at[site]
        kept = next((suppressed[key] for ref in refs if (key := (ref.span, ref.resource, ref.attribute)) in suppressed),
                    None)
        if kept:
            outcome: Fix | str = f"a finding on it is suppressed ({kept})"
        elif findings[0].model_id in guarded:
            outcome = guarded[findings[0].model_id]
        else:
            outcome = _decide(literals[site], findings, refs, catalog, report.as_of)
        if isinstance(outcome, str):
            refused.extend(Refusal(f, outcome) for f in findings)
            continue
        edits.append(outcome)
        fixed.update((_key(f), outcome) for f in findings)
    return Plan(tuple(sorted(edits, key=lambda e: (e.file, e.line, e.column))), fixed,
                tuple(sorted(refused, key=lambda r: r.finding.sort_key)))


def _key(f: Finding) -> tuple[str, Span]:
    # The fingerprint alone is shared by the two branches of a conditional: add the place.
    return f.fingerprint, f.span


def _references_at(references: Iterable[Reference], files: _Files,
                   lines: set[tuple[str, int]]) -> dict[Site, list[Reference]]:
    """Every reference whose literal is on one of `lines`, by the literal's site: all the
    resources an edit there would change, with or without a finding."""
    found: dict[Site, list[Reference]] = defaultdict(list)
    for ref in references:
        where = _written_at(ref.span, ref.origin)
        if where in lines and isinstance(literal := _locate(files, where, ref.model_id, ref.raw), _Literal):
            found[literal.site].append(ref)
    return found


def _untraced_guarded(report: Report, files: _Files, suppressed: Mapping[tuple[object, ...], str]) -> dict[str, str]:
    """Models of paid or suppressed references whose literal cannot be pinned to one place.

    Such a reference may take its model from any literal of the same model ID, so none of
    them is edited: fail closed rather than move a paid resource or a reviewed exception.
    """
    out: dict[str, str] = {}
    for ref in report.references:
        paid = ref.usage in _PAID
        if ref.model_id is None or not (paid or (ref.span, ref.resource, ref.attribute) in suppressed):
            continue
        if isinstance(_locate(files, _written_at(ref.span, ref.origin), ref.model_id, ref.raw), str):
            what = _PAID[ref.usage] if paid else "a suppressed finding"
            out.setdefault(ref.model_id, f"the model also feeds {what} ({ref.resource}) whose value cannot be traced "
                                         "to one literal: edit it by hand")
    return out


def attach(report: Report, found: Plan) -> Report:
    """The report with each fixable finding's `fix` filled in."""
    return replace(report, findings=tuple(replace(f, fix=found.fixed.get(_key(f))) for f in report.findings))


def within(paths: Sequence[str]) -> Callable[[Path], bool]:
    """Whether a file is inside the scanned paths (after symlinks): the only files `fix` edits,
    a narrower gate than the project root the scan reads from."""
    return Gate(tuple(os.path.realpath(p) for p in paths)).allows


def _written_at(span: Span, origin: Origin | None) -> tuple[str, int]:
    """Where the literal is: the origin's line when the value came from elsewhere."""
    return (origin.file, origin.line) if origin is not None else (span.file, span.line)


def _locate(files: _Files, where: tuple[str, int], model_id: str | None, raw: str | None) -> _Literal | str:
    """The one model literal on that line that names `model_id`, or why there is none.

    Two literals of the model on one line are refused rather than told apart by column:
    an edit of the wrong one would leave the finding in place.
    """
    file, line = where
    if model_id is None:
        return "the model is not known statically"
    if DOWNLOADED in files.path(file).parts:
        # `terraform init` writes the module again: the edit would not last, nor reach review.
        return f"{file} is in a module downloaded by terraform init: upgrade the module or its inputs instead"
    lines = files.lines(file)
    if lines is None:
        return f"{file} is outside the scanned tree or cannot be read"
    if not 1 <= line <= len(lines):
        return f"{file}:{line} is not a line of the file"
    text = lines[line - 1]
    matches = _model_texts(text, model_id, raw)
    if len(matches) != 1:
        how = "is not written whole" if not matches else "is written more than once"
        return f"the model ID {how} on {file}:{line}: edit it by hand"
    start, written = matches[0]
    return _Literal((file, line, start), written, text)


def _model_texts(text: str, model_id: str, raw: str | None) -> list[tuple[int, str]]:
    """(offset, text) of each model literal on a line that names `model_id`.

    Model IDs of known providers are found by their shape; an ID of a provider the scan does
    not know (a team's own catalog entry) only where the value or the ID is written whole.
    """
    found = [(m.start, m.ref.raw) for m in find_models(text) if m.ref.model_id == model_id]
    for whole in (raw, model_id):
        if whole and not found:
            found = [(m.start(), whole) for m in re.finditer(rf"(?<![\w.:/-]){re.escape(whole)}(?![\w.:/-])", text)]
    return found


def _decide(literal: _Literal, findings: Sequence[Finding], refs: Sequence[Reference],
            catalog: Catalog, as_of: date) -> Fix | str:
    """The edit for one literal, or why it is left alone."""
    paid = next((ref for ref in refs if ref.usage in _PAID), None)
    if paid is not None:
        return (f"it feeds {_PAID[paid.usage]} ({paid.resource}): changing the model replaces a paid resource; "
                "create the new one, move traffic to it, then remove the old one")
    replacements = sorted({f.replacement or "" for f in findings})
    if len(replacements) > 1:
        return "it feeds references with different replacements: " + ", ".join(r or "none" for r in replacements)
    target = replacements[0]
    if not target:
        return "the catalog names no replacement that is Active"
    if any(catalog.phase(target, "on-demand", f.region, as_of).state != "active" for f in findings):
        return f"the replacement {target} is not Active in every region this literal reaches"
    new = _rewritten(literal.text, target, catalog)
    if new.startswith("!"):
        return new[1:]
    file, line, start = literal.site
    return Fix(file, line, start + 1, literal.text, new,
               literal.line_text[:start] + new + literal.line_text[start + len(literal.text):])


def _rewritten(raw: str, target: str, catalog: Catalog) -> str:
    """`raw` with its model-ID part replaced by `target`; '!' + reason when that cannot be done.

    An ARN keeps its partition, region and account; a profile prefix stays only where the
    catalog lists the replacement under that profile; a context-window or variant suffix
    stays only where the replacement has it too.
    """
    head, slash, model_text = raw.rpartition("/")
    geo = geo_prefix(model_text)
    prefix = f"{geo}." if geo else ""
    bare = model_text[len(prefix):]
    suffix = bare[len(normalise_id(bare)):]
    entry = catalog.find(target)
    if geo and (entry is None or geo not in entry.profiles):
        return (f"!the catalog does not list {target} under the {prefix} inference profile: "
                "choose the profile by hand")
    keep = suffix if entry is not None and f"{target}{suffix}" in entry.aliases else ""
    return f"{head}{slash}{prefix}{target}{keep}"


def apply(edits: Sequence[Fix], files: Mapping[str, str]) -> dict[str, Change]:
    """Each edited file's text before and after, and its new bytes (`files`: report name -> path)."""
    grouped: dict[str, list[Fix]] = defaultdict(list)
    for edit in edits:
        grouped[edit.file].append(edit)
    return {file: _applied(file, Path(files[file]), changes) for file, changes in grouped.items()}


def _applied(file: str, path: Path, edits: list[Fix]) -> Change:
    bom, before, codec = _decoded(path.read_bytes())
    breaks = _breaks(path)
    lines, ends = breaks.split(before), breaks.findall(before)
    # Right to left, so an edit never moves the column of the next one on the same line.
    for edit in sorted(edits, key=lambda e: (e.line, e.column), reverse=True):
        row = lines[edit.line - 1]
        start = edit.column - 1
        if row[start:start + len(edit.old)] != edit.old:
            raise FixError(f"{file}:{edit.line} changed since the scan; run fix again")
        lines[edit.line - 1] = row[:start] + edit.new + row[start + len(edit.old):]
    # Each line ending is written back as it was ("\r\n", a YAML NEL ...).
    after = "".join(line + end for line, end in zip(lines, [*ends, ""], strict=True))
    return Change(before, after, bom + after.encode(codec))


class FixError(Exception):
    """A file could not be edited safely."""


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file in one step, so a crash never leaves half a file behind; its mode stays."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, stat.S_IMODE(path.stat().st_mode))
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def summary(found: Plan, written: bool) -> str:
    """One line per edit and per finding left alone, then the counts."""
    from .report.safe import clean

    lines = [f"{'fixed' if written else 'would fix'} {clean(e.file)}:{e.line}:{e.column}  "
             f"{clean(e.old)} -> {clean(e.new)}" for e in found.edits]
    lines += [f"left alone {clean(r.finding.span.file)}:{r.finding.span.line}  {r.finding.rule_id} "
              f"{clean(r.finding.raw or r.finding.model_id or '')}: {clean(r.reason)}" for r in found.refused]
    files = len({e.file for e in found.edits})
    verb = "edited" if written else "to edit"
    lines.append(f"{len(found.edits)} literal(s) {verb} in {files} file(s); {len(found.refused)} finding(s) left alone")
    return "\n".join(lines)


def unified_diff(path: str, change: Change) -> str:
    """The change as a unified diff of its text (whatever the file's encoding)."""
    return "".join(difflib.unified_diff(_lines(change.before), _lines(change.after),
                                        _quoted(f"a/{path}"), _quoted(f"b/{path}")))


_C_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}


def _quoted(name: str) -> str:
    """A diff header's file name as git writes it: in C quotes when it holds a control or
    invisible character (those bytes in octal), so a name cannot colour the terminal, start
    a line of its own, or hide its text."""
    from .report.safe import clean_keeping_lines

    def escaped(ch: str) -> str:
        if ch in _C_ESCAPES:
            return _C_ESCAPES[ch]
        if clean_keeping_lines(ch) != ch:
            return "".join(f"\\{byte:03o}" for byte in ch.encode("utf-8", "surrogateescape"))
        return ch

    quoted = "".join(escaped(ch) for ch in name)
    return name if quoted == name else f'"{quoted}"'


def _lines(text: str) -> list[str]:
    # Not str.splitlines: it also breaks at a lone \r, form feed or U+2028, where the
    # parsers, the edits and `patch` see no line end, and the hunks would not apply.
    return re.findall(r"[^\n]*\n|[^\n]+$", text)
