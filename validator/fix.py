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
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from .catalog import Catalog
from .discover import split_bom
from .model import Finding, Fix, Reference, Report
from .modelid import GEO_PREFIXES, find_models, normalise_id

DEFAULT_RULES = ("BDR001", "BDR007")
LEGACY_RULE = "BDR002"
FIXABLE_RULES = (*DEFAULT_RULES, LEGACY_RULE)
_PAID = {
    "provisioned": "a provisioned throughput",
    "provisioned-custom": "a provisioned throughput on a custom model",
    "customization": "a custom model",
}
_GEO = re.compile(rf"^(?:{'|'.join(re.escape(g) for g in GEO_PREFIXES)})\.(?=[a-z0-9-]+\.)")


@dataclass(frozen=True, slots=True)
class Refusal:
    """A finding `fix` leaves alone, and why."""

    finding: Finding
    reason: str


@dataclass(frozen=True)
class Plan:
    """The edits one run would make, keyed by the findings they fix, and what it refuses."""

    edits: tuple[Fix, ...]
    fixed: Mapping[str, Fix]
    refused: tuple[Refusal, ...]


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
            self._lines[file] = self._read(file)
        return self._lines[file]

    def _read(self, file: str) -> list[str] | None:
        path = self.path(file)
        if not self._inside(path):
            return None
        try:
            data = path.read_bytes()
            bom, codec = split_bom(data)
            # Only "\n" ends a line here, as in the HCL and JSON parsers: "\r\n" stays in the line.
            return data[len(bom):].decode(codec).split("\n")
        except (OSError, UnicodeDecodeError):
            return None


def plan(report: Report, catalog: Catalog, rules: Iterable[str], inside: Callable[[Path], bool]) -> Plan:
    """Which literals to rewrite for the findings of `rules`, and which findings are left alone."""
    files = _Files(report.locations, inside)
    wanted = set(rules)
    by_site: dict[Site, list[Finding]] = defaultdict(list)
    literals: dict[Site, _Literal] = {}
    refused: list[Refusal] = []
    for f in report.findings:
        if f.rule_id not in wanted:
            continue
        literal = _locate(files, _written_at(f.span.file, f.span.line, f.span.column, f.origin), f.model_id, f.raw)
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
    fixed: dict[str, Fix] = {}
    for site, findings in by_site.items():
        kept = next((suppressed[key] for ref in refs_at.get(site, [])
                     if (key := (ref.span, ref.resource, ref.attribute)) in suppressed), None)
        if kept:
            outcome = f"a finding on it is suppressed ({kept})"
        elif findings[0].model_id in guarded:
            outcome = guarded[findings[0].model_id]
        else:
            outcome = _decide(literals[site], findings, refs_at.get(site, []), catalog, report.as_of)
        if isinstance(outcome, str):
            refused.extend(Refusal(f, outcome) for f in findings)
            continue
        edits.append(outcome)
        fixed.update((f.fingerprint, outcome) for f in findings)
    return Plan(tuple(sorted(edits, key=lambda e: (e.file, e.line, e.column))), fixed,
                tuple(sorted(refused, key=lambda r: r.finding.sort_key)))


def _references_at(references: Iterable[Reference], files: _Files,
                   lines: set[tuple[str, int]]) -> dict[Site, list[Reference]]:
    """Every reference whose literal is on one of `lines`, by the literal's site: all the
    resources an edit there would change, with or without a finding."""
    found: dict[Site, list[Reference]] = defaultdict(list)
    for ref in references:
        where = _written_at(ref.span.file, ref.span.line, ref.span.column, ref.origin)
        if where[:2] in lines and isinstance(literal := _locate(files, where, ref.model_id, ref.raw), _Literal):
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
        where = _written_at(ref.span.file, ref.span.line, ref.span.column, ref.origin)
        if isinstance(_locate(files, where, ref.model_id, ref.raw), str):
            what = _PAID[ref.usage] if paid else "a suppressed finding"
            out.setdefault(ref.model_id, f"the model also feeds {what} ({ref.resource}) whose value cannot be traced "
                                         "to one literal: edit it by hand")
    return out


def attach(report: Report, found: Plan) -> Report:
    """The report with each fixable finding's `fix` filled in."""
    findings = tuple(replace(f, fix=found.fixed.get(f.fingerprint)) if f.fingerprint in found.fixed else f
                     for f in report.findings)
    return replace(report, findings=findings)


def within(paths: Sequence[str]) -> Callable[[Path], bool]:
    """Whether a file is inside the scanned paths (after symlinks): the only files `fix` edits."""
    roots = [Path(p).resolve() for p in paths]
    return lambda path: any(path.resolve().is_relative_to(root) for root in roots)


def _written_at(file: str, line: int, column: int | None, origin: object) -> tuple[str, int, int | None]:
    """Where the literal is: the origin's line when the value came from elsewhere."""
    if origin is not None:
        return origin.file, origin.line, None  # type: ignore[attr-defined]
    return file, line, column


def _locate(files: _Files, where: tuple[str, int, int | None], model_id: str | None,
            raw: str | None) -> _Literal | str:
    """The one model literal on that line that names `model_id`, or why there is none."""
    file, line, column = where
    if model_id is None:
        return "the model is not known statically"
    lines = files.lines(file)
    if lines is None:
        return f"{file} is outside the scanned tree or cannot be read"
    if not 1 <= line <= len(lines):
        return f"{file}:{line} is not a line of the file"
    text = lines[line - 1]
    matches = _model_texts(text, model_id, raw)
    if column is not None and len(matches) > 1:
        matches = [m for m in matches if m[0] >= column - 1][:1]
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
        if found or not whole:
            continue
        found = [(m.start(), whole) for m in re.finditer(rf"(?<![\w.:/-]){re.escape(whole)}(?![\w.:/-])", text)]
    return found


def _decide(literal: _Literal, findings: Sequence[Finding], refs: Sequence[Reference],
            catalog: Catalog, as_of: date) -> Fix | str:
    """The edit for one literal, or why it is left alone."""
    paid = next((ref for ref in refs if ref.usage in _PAID), None) or \
        next((f for f in findings if f.usage in _PAID), None)
    if paid is not None:
        return (f"it feeds {_PAID[paid.usage]} ({paid.resource}): changing the model replaces a paid resource; "
                "create the new one, move traffic to it, then remove the old one")
    quiet = next((f for f in findings if f.suppressed), None)
    if quiet is not None:
        return f"a finding on it is suppressed ({quiet.suppression_reason or 'no reason given'})"
    replacements = sorted({f.replacement or "" for f in findings})
    if len(replacements) > 1:
        return "it feeds references with different replacements: " + ", ".join(r or "none" for r in replacements)
    target = replacements[0]
    if not target:
        return "the catalog names no replacement that is Active"
    regions = {f.region for f in findings}
    if any(catalog.phase(target, "on-demand", region, as_of).state != "active" for region in regions):
        return f"the replacement {target} is not Active in every region this literal reaches"
    new = _rewritten(literal.text, target, catalog)
    if isinstance(new, str) and new.startswith("!"):
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
    head, slash, tail = raw.rpartition("/")
    model_text = tail if slash else raw
    prefix_match = _GEO.match(model_text)
    prefix = prefix_match.group(0) if prefix_match else ""
    bare = model_text[len(prefix):]
    base = normalise_id(bare)
    suffix = bare[len(base):] if bare.startswith(base) else ""
    entry = catalog.find(target)
    if prefix and (entry is None or prefix.rstrip(".") not in entry.profiles):
        return (f"!the catalog does not list {target} under the {prefix.rstrip('.')}. inference profile: "
                "choose the profile by hand")
    keep = suffix if suffix and entry is not None and f"{target}{suffix}" in entry.aliases else ""
    return f"{head}{slash}{prefix}{target}{keep}"


def apply(edits: Sequence[Fix], files: Mapping[str, str]) -> dict[str, tuple[bytes, bytes]]:
    """Each edited file's bytes before and after (`files`: report name -> path)."""
    out: dict[str, tuple[bytes, bytes]] = {}
    grouped: dict[str, list[Fix]] = defaultdict(list)
    for edit in edits:
        grouped[edit.file].append(edit)
    for file, changes in grouped.items():
        path = Path(files.get(file, file))
        before = path.read_bytes()
        bom, codec = split_bom(before)
        lines = before[len(bom):].decode(codec).split("\n")
        for edit in sorted(changes, key=lambda e: (e.line, -e.column)):
            row = lines[edit.line - 1]
            start = edit.column - 1
            if row[start:start + len(edit.old)] != edit.old:  # the file moved under us: leave it
                raise FixError(f"{file}:{edit.line} changed since the scan; run fix again")
            lines[edit.line - 1] = row[:start] + edit.new + row[start + len(edit.old):]
        out[file] = (before, bom + "\n".join(lines).encode(codec))
    return out


class FixError(Exception):
    """A file could not be edited safely."""


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file in one step, so a crash never leaves half a file behind."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, path.stat().st_mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
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


def unified_diff(file: str, before: bytes, after: bytes, encoding: str = "utf-8") -> str:
    old = before.decode(encoding, errors="replace").splitlines(keepends=True)
    new = after.decode(encoding, errors="replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, f"a/{file}", f"b/{file}"))
