"""The scan: discover files, parse and resolve them, extract references, evaluate rules.

This is the only module that knows every stage; each stage only sees the previous one's
output (SourceFile -> ParsedFile -> Reference -> Finding -> Report).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import __version__, prefilter, suppress
from .account import account, unchecked_text
from .attributes import attribute_table
from .catalog import Catalog
from .config import ModelPolicy, Settings
from .confine import Gate, RootError, withheld
from .deadline import Deadline, ScanTimeout
from .discover import SourceFile, discover, not_a_template, read_text
from .extract import extract
from .model import Finding, ParsedFile, Problem, Reference, Report, Resource, ScannedText, Suppression
from .report.safe import clean
from .rules import Context, bdr000_parse_error, evaluate
from .terraform.load import ModuleLoader, module_files
from .terraform.parse import HclSyntaxError, parse_hcl
from .terraform.plan import looks_like_plan, parse_plan, point_at_source
from .terraform.resolve import Loader, TerraformOptions, resolve_root
from .terraform.syntax import ConfigFile
from .terraform.tfjson import parse_tfvars_json
from .workers import Workers


class UsageError(Exception):
    """A problem with what the user asked for (exit code 2), not with the scanned code."""


PROTECTED = frozenset({"BDR001"})
"""Under --trusted, what nothing in the tree under review can hide or downgrade."""


@dataclass
class _Collected:
    files: int = 0
    resources: list[Resource] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    texts: list[ScannedText] = field(default_factory=list)

    def add(self, parsed: ParsedFile) -> None:
        self.resources.extend(parsed.resources)
        self.problems.extend(parsed.problems)
        self.suppressions.extend(parsed.suppressions)
        self.texts.extend(parsed.texts)


def default_region(settings: Settings, env: Mapping[str, str]) -> str | None:
    """`--region`, else the AWS SDK's environment variables (SPEC section 5)."""
    return settings.region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None


Progress = Callable[[int, int], None]


def run_scan(settings: Settings, catalog: Catalog, env: Mapping[str, str] | None = None,
             progress: Progress | None = None, floor: Catalog | None = None) -> Report:
    """Scan the settings' paths; `progress(done, total)` is told how far parsing has come.

    `floor` (under --trusted) is the catalog without the overlays inside the tree: its
    BDR001 findings stand whatever the overlays say.
    Raises ScanTimeout when the scan runs past `settings.timeout`.
    """
    env = dict(os.environ if env is None else env)
    if settings.trusted:
        # A job's TF_VAR_* often carry secrets for `terraform plan`; code under review could
        # spell them into a model ID that every report prints. Values come from --var only.
        env = {k: v for k, v in env.items() if not k.startswith("TF_VAR_")}
    deadline = Deadline(settings.timeout)
    with deadline.watchdog():
        try:
            return _scan(settings, catalog, env, progress, deadline, floor)
        except FuturesTimeout:  # a worker's result did not come in time
            raise ScanTimeout(deadline.message()) from None


def _scan(settings: Settings, catalog: Catalog, env: Mapping[str, str], progress: Progress | None,
          deadline: Deadline, floor: Catalog | None) -> Report:
    try:
        gate = Gate.for_paths(settings.paths, settings.root)
    except RootError as exc:
        raise UsageError(str(exc)) from None
    try:
        skipped: list[tuple[str, str]] = []
        found = discover(settings.paths, settings.exclude, on_skip=lambda file, why: skipped.append((file, why)),
                         gate=gate)
        sources = _distinct(list(found), settings)
    except FileNotFoundError as exc:
        raise UsageError(f"path not found: {exc.args[0]}") from None
    own = [s for s in sources if _own_output(s, settings.max_file_bytes)]
    skipped.extend((s.display, "a baseline or report written by iac-check") for s in own)
    sources = [s for s in sources if s not in own]
    if not settings.allow_empty and not _any_iac(sources, settings.max_file_bytes):
        raise UsageError(f"no Terraform or CloudFormation files under {', '.join(settings.paths)} "
                         "(--allow-empty when that is expected)")
    _check_cache_dir(settings, gate)
    region = default_region(settings, env)
    collected = _Collected(files=len(sources))
    for parsed in _parse_all(sources, settings, env, region, gate, progress or (lambda _done, _total: None),
                             deadline):
        collected.add(parsed)
    deadline.check("checking the references against the catalog")
    resources = collected.resources
    accounted = account(collected.texts, extract(resources, attribute_table(), region), region)
    refs = accounted.references
    policy = ModelPolicy(settings.deny, settings.allow) if settings.deny or settings.allow is not None else None
    ctx = Context(catalog, settings.as_of, settings.fail_within, policy)
    findings = [bdr000_parse_error.from_problem(p) for p in collected.problems]
    findings.extend(evaluate(refs, ctx))
    if floor is not None:
        findings.extend(_end_of_life_by(floor, refs, findings, settings, policy))
    starts: dict[tuple[str, int], set[str]] = {}
    for r in resources:
        starts.setdefault((r.span.file, r.span.line), set()).add(r.address)
    findings = suppress.apply(findings, collected.suppressions, starts, settings.as_of)
    findings = _configured(_unsuppressed(findings) if settings.trusted else findings, settings)
    return Report(
        as_of=settings.as_of,
        tool_version=__version__,
        catalog_updated=catalog.updated,
        catalog_entries=len(catalog.entries),
        catalog_overrides=catalog.overrides,
        files_scanned=collected.files,
        references=tuple(sorted(refs, key=lambda r: (r.span.file, r.span.line, r.attribute))),
        findings=tuple(sorted(_merged(findings), key=lambda f: f.sort_key)),
        lifecycles={r: p.state for r in refs if (p := ctx.phase(r)) is not None},
        locations=_locations(sources, {r.span.file for r in refs} | {f.span.file for f in findings}
                             | {r.origin.file for r in refs if r.origin}, settings),
        skipped=tuple(skipped),
        mentions=tuple(accounted.mentions),
    )


def in_tree(settings: Settings, files: Iterable[str]) -> list[str]:
    """The files among `files` inside the tree under review (the project root)."""
    try:
        gate = Gate.for_paths(settings.paths, settings.root)
    except RootError as exc:
        raise UsageError(str(exc)) from None
    return [f for f in files if gate.allows(f)]


def _end_of_life_by(floor: Catalog, refs: Sequence[Reference], findings: Sequence[Finding], settings: Settings,
                    policy: ModelPolicy | None) -> list[Finding]:
    """BDR001 findings by the trusted catalog that the full one (with the tree's overlays) lost."""
    def place(f: Finding) -> tuple[object, ...]:
        return f.span, f.resource, f.attribute, f.model_id, f.raw

    present = {place(f) for f in findings if f.rule_id in PROTECTED}
    trusted = evaluate(refs, Context(floor, settings.as_of, settings.fail_within, policy))
    return [f for f in trusted if f.rule_id in PROTECTED and place(f) not in present]


def _unsuppressed(findings: list[Finding]) -> list[Finding]:
    """Under --trusted, inline and Metadata suppressions (written in the tree) do not cover BDR001."""
    return [replace(f, suppressed=False, suppression_reason=None) if f.rule_id in PROTECTED and f.suppressed else f
            for f in findings]


def _configured(findings: list[Finding], settings: Settings) -> list[Finding]:
    """Apply the config's per-rule `enabled: false` and severity overrides."""
    return [
        replace(f, severity=settings.severity.get(f.rule_id, f.severity))  # type: ignore[arg-type]
        for f in findings
        if f.rule_id not in settings.disabled
    ]


def _merged(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per place: the same verdict on the same model at the same file, line
    and column in several module instances (or stacks) is one finding listing them as
    `instances`. Instances whose findings differ otherwise (region, usage, severity,
    suppression, message) stay separate. Where the value was written (`origin`) and its
    spelling (`raw`, e.g. an ARN whose region each root sets) are the first instance's:
    they name the same model at the same place."""
    places: dict[Finding, list[Finding]] = {}
    for f in findings:
        place = replace(f, resource=None, fingerprint="", instances=(), origin=None,
                        raw=None if f.model_id else f.raw)
        places.setdefault(place, []).append(f)
    out = []
    for group in places.values():
        found = {i for f in group for i in f.every_instance}
        instances = sorted(found, key=lambda i: (i.resource or "", i.fingerprint))
        first = next(f for f in group if f.resource == instances[0].resource)
        out.append(replace(first, fingerprint=instances[0].fingerprint,
                           instances=tuple(instances) if len(instances) > 1 else ()))
    return out


def _parse_all(
    sources: Sequence[SourceFile], settings: Settings, env: Mapping[str, str], region: str | None, gate: Gate,
    progress: Progress, deadline: Deadline,
) -> Iterable[ParsedFile]:
    plans: list[tuple[str, ParsedFile]] = []
    structured = [s for s in sources if s.kind == "structured"]
    with Workers(_jobs(settings), deadline) as workers:
        # The workers parse Terraform while this process reads the templates.
        terraform = _TerraformScan(sources, settings, env, workers, gate, deadline)
        # Progress counts templates, then Terraform root modules (each with the modules it calls).
        total = len(structured) + terraform.roots
        for done, src in enumerate(structured, 1):
            deadline.check(f"{len(structured) - done + 1} of {len(structured)} YAML/JSON files"
                           f" (from {clean(src.display)}), {terraform.roots} Terraform root modules")
            found = _parse_structured(src, settings, region, gate)
            if found is not None and found[0] == "plan":
                plans.append((os.path.normpath(src.path.parent), found[1]))
            elif found is not None:
                yield found[1]
            progress(done, total)
        resolved = terraform.resolve(lambda roots: progress(len(structured) + roots, total))
    progress(total, total)
    # A plan scanned with its configuration (the root module in the plan's directory) points
    # at the .tf lines and replaces that root's own resolution of the same resources: the
    # plan knows the real values. Another root's resources of the same address are not it.
    by_root = terraform.resources_by_root
    moved: list[Resource] = []
    for directory, plan in plans:
        own, replaced = point_at_source(plan.resources, by_root.get(directory, []))
        moved.extend(own)
        by_root[directory] = [r for r in by_root.get(directory, []) if r.address not in replaced]
    yield replace(resolved, resources=tuple(r for resources in by_root.values() for r in resources))
    yield ParsedFile("", tuple(moved), tuple(p for _, plan in plans for p in plan.problems),
                     texts=tuple(t for _, plan in plans for t in plan.texts))


class _TerraformScan:
    """Every root module in the tree; the modules they call are resolved through them.

    Made in two steps so that parsing runs in the workers meanwhile: the constructor picks
    the roots (prefilter) and starts parsing their trees, `resolve` waits and resolves.
    """

    def __init__(self, sources: Sequence[SourceFile], settings: Settings, env: Mapping[str, str],
                 workers: Workers, gate: Gate, deadline: Deadline) -> None:
        # Keyed by text: building a Path for each of 10,000 files costs a tenth of a second.
        names = [os.path.normpath(s.path) for s in sources]
        displays = dict(zip(names, (s.display for s in sources), strict=True))
        base = _base(settings)
        self._loader = ModuleLoader(lambda p: displays.get(str(p)) or Path(os.path.relpath(p, base)).as_posix(),
                                    settings.max_file_bytes, gate, settings.cache_dir,
                                    (settings.parse_timeout, deadline.at))
        self._deadline = deadline
        self.resources_by_root: dict[str, list[Resource]] = {}
        """Resolved resources by root module directory (normalised), filled by `resolve`."""
        terraform = [n for n, s in zip(names, sources, strict=True) if s.kind in ("terraform", "tfjson")]
        directories = [Path(d) for d in dict.fromkeys(os.path.dirname(n) or "." for n in terraform)]
        var_files = tuple(_var_files(settings))
        # Values given from outside reach every root: any --var-file, or a model in --var/TF_VAR_*.
        given = [*settings.variables.values(), *(v for k, v in env.items() if k.startswith("TF_VAR_"))]
        always = bool(var_files) or any(prefilter.mentions_model(v.encode()) for v in given)
        self._roots, spanned = prefilter.relevant_roots(directories, always, workers, gate)
        self._loader.preload([p for d in spanned for p in module_files(d)], workers)
        self._options = TerraformOptions(settings.variables, var_files, env)

    @property
    def roots(self) -> int:
        return len(self._roots)

    def resolve(self, resolved: Callable[[int], None]) -> ParsedFile:
        """Wait for the parse and resolve every root; `resolved(n)` is told after each one."""
        loader = self._loader
        for done, root in enumerate(self._roots, 1):
            self._deadline.check(f"{len(self._roots) - done + 1} of {len(self._roots)} Terraform root modules"
                                 f" (from {clean(loader.name(root))})")
            module = loader.load(root)
            if module is not None:
                self.resources_by_root[os.path.normpath(root)] = resolve_root(
                    module, Loader(loader.load, loader.installed, loader.read, loader.refusal), self._options)
            resolved(done)
        suppressions = [s for display, text in loader.texts.items()
                        for s in suppress.inline_suppressions(text, display)]
        resources = tuple(r for rs in self.resources_by_root.values() for r in rs)
        return ParsedFile("", resources, tuple(loader.problems), tuple(suppressions), tuple(loader.scanned))


def _parse_structured(src: SourceFile, settings: Settings, region: str | None,
                      gate: Gate) -> tuple[str, ParsedFile] | None:
    """A YAML or JSON file as ("plan" | "template", parsed); None for other data files
    that name no model."""
    text, problem = read_text(src.path, src.display, settings.max_file_bytes)
    if text is None:
        if not_a_template(src.path.name) or problem is None or not _looks_like_iac(src, settings.max_file_bytes):
            return None
        return "template", ParsedFile(src.display, problems=(problem,))
    if not _may_reference(text, settings):
        return None
    if not_a_template(src.path.name):
        return _unchecked(src, text)
    if looks_like_plan(text):
        plan = parse_plan(text, src.display)
        return ("plan", plan) if plan is not None else None
    from . import cloudformation  # only when the tree has YAML or JSON files

    options = cloudformation.TemplateOptions(settings.parameters, region, src.path.parent, gate=gate)
    parsed = cloudformation.parse_template(text, src.display, options)
    if parsed is None:
        definition = cloudformation.parse_definition(text, src.display)
        return _unchecked(src, text) if definition is None else ("template", definition)
    inline = suppress.inline_suppressions(text, src.display)
    return "template", ParsedFile(parsed.path, parsed.resources, parsed.problems, (*parsed.suppressions, *inline),
                                  parsed.texts)


def _unchecked(src: SourceFile, text: str) -> tuple[str, ParsedFile] | None:
    """Other YAML or JSON that names a model (app settings, CDK's construct tree): its
    models are mentions that say they are not checked, so none passes unseen."""
    if not prefilter.mentions_model(text.encode()):
        return None
    return "template", ParsedFile(src.display, texts=(unchecked_text(src.display, text),))


def _may_reference(text: str, settings: Settings) -> bool:
    """A template or plan without model text, local definition files or model parameters
    cannot produce a reference: skip parsing it (see prefilter)."""
    given = " ".join(settings.parameters.values()).encode()
    return prefilter.mentions_model(text.encode()) or prefilter.mentions_model(given) or "DefinitionUri" in text


# A template names a resource type or its format version, a plan its format version; in any
# encoding the reader decodes (PowerShell's `>` writes UTF-16).
_IAC_HINTS = tuple(hint.encode(encoding) for hint in ("AWSTemplateFormatVersion", "AWS::", '"format_version"')
                   for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"))


def _looks_like_iac(src: SourceFile, limit: int) -> bool:
    """Whether a YAML or JSON file that cannot be read may be a template or a plan.

    One too large to read fails closed: a template's `AWS::` can sit past any head worth
    reading (a long Description, Parameters or Metadata first), so only a name known to
    hold something else (a package manifest, CDK's asset manifests) clears it. Text that
    is not UTF-8 is reported when its head says CloudFormation.
    """
    try:
        with src.path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            head = handle.read(65536)  # never the whole file: it may be gigabytes
    except OSError:
        return True
    return size > limit or any(hint in head for hint in _IAC_HINTS)


def _any_iac(sources: Sequence[SourceFile], limit: int) -> bool:
    """Whether a Terraform file, or a YAML or JSON file that may be a template or plan, was found.

    Only this, not whether anything mentions a model: a wrong path in CI must not pass as a
    clean scan, but a tree of IaC without Bedrock is a clean scan.
    """
    return any(s.kind != "structured" for s in sources) or any(
        not not_a_template(s.path.name) and _looks_like_iac(s, limit) for s in sources)


_OWN_MARKERS = (b'"iac-check-baseline"', b'"name": "iac-check"')
_IAC_KEYS = {"AWSTemplateFormatVersion", "Resources", "Transform", "format_version", "resource_changes"}


def _own_output(src: SourceFile, limit: int) -> bool:
    """A baseline, JSON or SARIF report that iac-check wrote into the tree: its model IDs are
    this tool's findings, not code. Never a file with a template's or plan's keys, so no
    template can pass itself off as one."""
    if not src.path.name.lower().endswith(".json"):
        return False
    try:
        with src.path.open("rb") as handle:
            head = handle.read(512)
        if not any(marker in head for marker in _OWN_MARKERS):
            return False
        root = json.loads(read_text(src.path, src.display, limit)[0] or "null")
    except (OSError, ValueError, RecursionError):
        return False
    if not isinstance(root, dict) or root.keys() & _IAC_KEYS:
        return False
    return "iac-check-baseline" in root or _tool_name(root) == "iac-check"


def _tool_name(root: dict[str, object]) -> object:
    """The tool a JSON report (`tool.name`) or a SARIF log (`runs[0].tool.driver.name`) names."""
    try:
        return root["tool"]["name"] if "tool" in root else root["runs"][0]["tool"]["driver"]["name"]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return None


def _check_cache_dir(settings: Settings, gate: Gate) -> None:
    """A cache anywhere in the repository under review could come with the pull request."""
    if settings.cache_dir is None:
        return
    cache = Path(os.path.realpath(settings.cache_dir))
    for root in gate.roots:
        if cache.is_relative_to(root):
            raise UsageError(f"--cache-dir {settings.cache_dir} is inside the project root {root}: "
                             "put the cache outside the repository under review")


def _directories(settings: Settings) -> list[Path]:
    return [Path(p) for p in settings.paths if Path(p).is_dir()]


def _distinct(sources: list[SourceFile], settings: Settings) -> list[SourceFile]:
    """With several directories scanned, name files from the current directory instead.

    SPEC 8 names a file relative to the directory it was found under; two directories can
    each hold a `main.tf`, and one name for two files would mix up their findings and
    suppressions.
    """
    if len(_directories(settings)) < 2:
        return sources
    return [replace(s, display=Path(os.path.normpath(s.path)).as_posix()) for s in sources]


def _base(settings: Settings) -> Path:
    """The directory that names files found outside the scanned paths (`../modules/x`)."""
    directories = _directories(settings)
    return directories[0] if len(directories) == 1 else Path(".")


def _locations(sources: Sequence[SourceFile], files: Iterable[str], settings: Settings) -> dict[str, str]:
    """Report file names -> paths from the current directory, for CI systems (see Report)."""
    paths = {s.display: s.path for s in sources}
    base = _base(settings)
    return {file: Path(os.path.normpath(paths.get(file) or base / file)).as_posix() for file in files}


def _jobs(settings: Settings) -> int:
    # The cores this process may run on: a CI container pinned to 2 of a host's 64 gets 2.
    # Never more: `jobs: 500` in a config under review would only make the runner thrash.
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()) or 1
    return min(settings.jobs, cores) if settings.jobs else cores


def _var_files(settings: Settings) -> Iterable[ConfigFile]:
    for name in settings.var_files:
        text, problem = read_text(Path(name), name, settings.max_file_bytes)
        if text is None:
            raise UsageError(f"--var-file {name}: {problem.message if problem else 'cannot read'}")
        try:
            # Like Terraform: a .json variable file is JSON whatever the rest of its name.
            yield parse_tfvars_json(text, name) if name.endswith(".json") else parse_hcl(text, name)
        except HclSyntaxError as exc:
            # withheld: the option may name any file, and the message must not show its text.
            raise UsageError(f"--var-file {name}:{exc.line}: {withheld(str(exc))}") from None
