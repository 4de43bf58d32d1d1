"""The scan: discover files, parse and resolve them, extract references, evaluate rules.

This is the only module that knows every stage; each stage only sees the previous one's
output (SourceFile -> ParsedFile -> Reference -> Finding -> Report).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from . import __version__, suppress
from .attributes import attribute_table
from .catalog import Catalog
from .config import ModelPolicy, Settings
from .discover import SourceFile, discover
from .extract import extract
from .model import Finding, ParsedFile, Problem, Report, Resource, Span, Suppression
from .rules import Context, bdr000_parse_error, evaluate
from .terraform.parse import HclSyntaxError, parse_hcl
from .terraform.resolve import TerraformOptions, resolve_module
from .terraform.syntax import ConfigFile
from .terraform.tfjson import parse_tfvars_json

AUTO_TFVARS = ("terraform.tfvars", "terraform.tfvars.json")


class UsageError(Exception):
    """A problem with what the user asked for (exit code 2), not with the scanned code."""


@dataclass
class _Collected:
    files: int = 0
    resources: list[Resource] | None = None
    problems: list[Problem] | None = None
    suppressions: list[Suppression] | None = None

    def add(self, parsed: ParsedFile) -> None:
        self.resources = (self.resources or []) + list(parsed.resources)
        self.problems = (self.problems or []) + list(parsed.problems)
        self.suppressions = (self.suppressions or []) + list(parsed.suppressions)


def default_region(settings: Settings, env: Mapping[str, str]) -> str | None:
    """`--region`, else the AWS SDK's environment variables (SPEC section 5)."""
    return settings.region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None


def run_scan(settings: Settings, catalog: Catalog, env: Mapping[str, str] | None = None) -> Report:
    env = dict(os.environ if env is None else env)
    try:
        sources = list(discover(settings.paths, settings.exclude))
    except FileNotFoundError as exc:
        raise UsageError(f"path not found: {exc.args[0]}") from None
    region = default_region(settings, env)
    collected = _Collected(files=len(sources))
    for parsed in _parse_all(sources, settings, env, region):
        collected.add(parsed)
    resources = collected.resources or []
    refs = extract(resources, attribute_table(), region)
    policy = ModelPolicy(settings.deny, settings.allow) if settings.deny or settings.allow is not None else None
    ctx = Context(catalog, settings.as_of, settings.fail_within, policy)
    findings = [bdr000_parse_error.from_problem(p) for p in collected.problems or []]
    findings.extend(evaluate(refs, ctx))
    starts = {(r.span.file, r.span.line): r.address for r in resources}
    findings = _configured(suppress.apply(findings, collected.suppressions or [], starts, settings.as_of), settings)
    return Report(
        as_of=settings.as_of,
        tool_version=__version__,
        catalog_updated=catalog.updated,
        catalog_entries=len(catalog.entries),
        catalog_overrides=catalog.overrides,
        files_scanned=collected.files,
        references=tuple(sorted(refs, key=lambda r: (r.span.file, r.span.line, r.attribute))),
        findings=tuple(sorted(_unique(findings), key=lambda f: f.sort_key)),
        lifecycles={r: p.state for r in refs if (p := ctx.phase(r)) is not None},
    )


def _configured(findings: list[Finding], settings: Settings) -> list[Finding]:
    """Apply the config's per-rule `enabled: false` and severity overrides."""
    return [
        replace(f, severity=settings.severity.get(f.rule_id, f.severity))  # type: ignore[arg-type]
        for f in findings
        if f.rule_id not in settings.disabled
    ]


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for f in findings:
        key = (f.rule_id, f.span, f.resource, f.attribute, f.model_id, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _parse_all(
    sources: Sequence[SourceFile], settings: Settings, env: Mapping[str, str], region: str | None
) -> Iterable[ParsedFile]:
    modules: dict[Path, list[SourceFile]] = defaultdict(list)
    for src in sources:
        if src.kind in ("terraform", "tfvars"):
            modules[src.path.parent].append(src)
        elif src.kind == "structured":
            parsed = _parse_structured(src, settings, region)
            if parsed is not None:
                yield parsed
    options = TerraformOptions(settings.variables, tuple(_var_files(settings)), env)
    for files in modules.values():
        yield from _parse_module(files, options, settings.max_file_bytes)


def read_text(src: SourceFile, limit: int) -> tuple[str | None, Problem | None]:
    """The file's text, or the reason it cannot be read as text."""
    try:
        size = src.path.stat().st_size
        if size > limit:
            mb = 1024 * 1024
            message = f"file is {size / mb:.0f} MB, over the {limit / mb:.0f} MB limit"
            return None, Problem(Span(src.display, 1), message)
        data = src.path.read_bytes()
    except OSError as exc:
        return None, Problem(Span(src.display, 1), f"cannot read file: {exc.strerror or exc}")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, Problem(Span(src.display, line), f"not UTF-8 text (byte {exc.start})")


def _parse_structured(src: SourceFile, settings: Settings, region: str | None) -> ParsedFile | None:
    text, problem = read_text(src, settings.max_file_bytes)
    if text is None:
        return ParsedFile(src.display, problems=(problem,)) if problem and _looks_like_iac(src) else None
    from . import cloudformation  # only when the tree has YAML or JSON files

    options = cloudformation.TemplateOptions(settings.parameters, region, src.path.parent)
    parsed = cloudformation.parse_template(text, src.display, options)
    if parsed is None:
        return None
    inline = suppress.inline_suppressions(text, src.display)
    return ParsedFile(parsed.path, parsed.resources, parsed.problems, (*parsed.suppressions, *inline))


def _looks_like_iac(src: SourceFile) -> bool:
    try:
        head = src.path.read_bytes()[:65536]
    except OSError:
        return True
    return b"AWSTemplateFormatVersion" in head or b"AWS::" in head


def _parse_module(files: list[SourceFile], options: TerraformOptions, limit: int) -> Iterable[ParsedFile]:
    configs: list[ConfigFile] = []
    tfvars: list[ConfigFile] = []
    suppressions: list[Suppression] = []
    problems: list[Problem] = []
    ordered = sorted(files, key=lambda s: _tfvars_order(s.path.name))
    for src in ordered:
        if src.kind == "tfvars" and not _auto_loaded(src.path.name):
            continue
        text, problem = read_text(src, limit)
        if text is None:
            problems.append(problem)  # type: ignore[arg-type]
            continue
        try:
            json_syntax = src.path.name.endswith(".json")
            config = parse_tfvars_json(text, src.display) if json_syntax else parse_hcl(text, src.display)
        except HclSyntaxError as exc:
            problems.append(Problem(Span(src.display, exc.line, exc.column), f"HCL syntax error: {exc}"))
            continue
        (tfvars if src.kind == "tfvars" else configs).append(config)
        suppressions.extend(suppress.inline_suppressions(text, src.display))
    resources = resolve_module(configs, tfvars, options) if configs else []
    yield ParsedFile(files[0].display, tuple(resources), tuple(problems), tuple(suppressions))


def _auto_loaded(name: str) -> bool:
    return name in AUTO_TFVARS or name.endswith((".auto.tfvars", ".auto.tfvars.json"))


def _tfvars_order(name: str) -> tuple[int, str]:
    # Terraform applies terraform.tfvars, then terraform.tfvars.json, then *.auto.tfvars
    # in lexical order; later files win.
    if name in AUTO_TFVARS:
        return (AUTO_TFVARS.index(name), name)
    return (2, name)


def _var_files(settings: Settings) -> Iterable[ConfigFile]:
    for name in settings.var_files:
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8-sig")
            yield parse_tfvars_json(text, name) if name.endswith(".json") else parse_hcl(text, name)
        except OSError as exc:
            raise UsageError(f"--var-file {name}: cannot read: {exc.strerror or exc}") from None
        except HclSyntaxError as exc:
            raise UsageError(f"--var-file {name}:{exc.line}: {exc}") from None
