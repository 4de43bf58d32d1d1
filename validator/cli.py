"""The command line: option parsing only; the work happens in `scan`, `catalog` and `report`."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .catalog_commands import catalog_app
from .days import parse_day
from .helptext import Command, Group

if TYPE_CHECKING:  # the modules behind these load only when a command needs them
    from .catalog import Catalog
    from .config import Settings
    from .model import Report
    from .report import RenderOptions

app = typer.Typer(
    cls=Group,
    add_completion=False,
    no_args_is_help=True,
    help="Find the Amazon Bedrock models that Terraform and CloudFormation deploy, and check each version "
         "against a dated lifecycle catalog: Active, Legacy, public extended access, end of life.",
    epilog="Start with: iac-check scan infra (exit code 0 passed, 1 a finding fails the gate, 2 usage error). "
           "iac-check COMMAND --help says more; the README has the rest.",
    context_settings={"help_option_names": ["-h", "--help"]},
)

app.add_typer(catalog_app, name="catalog")

STALE_CATALOG_DAYS = 90


def fail(message: str) -> typer.Exit:
    """Print a usage or configuration error and give the exit code for it (2)."""
    from .report.safe import no_workflow_commands

    typer.echo(no_workflow_commands(f"iac-check: error: {message}"), err=True)
    return typer.Exit(2)


def parse_as_of(text: str | None) -> date:
    if text is None:
        return _today()
    try:
        return parse_day(text)
    except ValueError:
        raise fail(f"--as-of {text!r} is not a YYYY-MM-DD date") from None


def parse_pairs(pairs: list[str] | None, option: str) -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise fail(f"{option} {pair!r} is not NAME=VALUE")
        out[name.strip()] = value
    return out


def load_catalog_or_exit(extra: list[str] | tuple[str, ...]) -> Catalog:
    from .catalog import CatalogError, load_catalog
    from .policydata import PolicyDataError

    try:
        return load_catalog(extra)
    except (CatalogError, PolicyDataError) as exc:
        raise fail(f"invalid catalog: {exc}") from None


def _version_callback(value: bool) -> None:
    if value:
        from .version import version_line

        typer.echo(version_line())
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True,
                                          help="Print the version and the catalog's date.")] = False,
) -> None:
    """iac-check: stop infrastructure changes that ship Bedrock models past their end of life."""


def _many(name: str, metavar: str, help: str, panel: str | None = None) -> typer.models.OptionInfo:
    return typer.Option(name, metavar=metavar, help=help + " (repeatable)", rich_help_panel=panel)


# Panels of `scan --help`, most used first; options without one are in "Options", with --help.
INPUTS = "Values the code does not set"
SCOPE = "What is read"
BASELINE = "Baseline"
RUN = "Output and running"

Many = list[str] | None
StrOpt = str | None
AsOfOpt = Annotated[StrOpt, typer.Option(
    "--as-of", metavar="DATE", help="The date every rule compares against, YYYY-MM-DD (default: today, UTC).")]
RegionOpt = Annotated[StrOpt, typer.Option(
    "--region", metavar="REGION", help="The region where the code sets none (else AWS_REGION, AWS_DEFAULT_REGION).",
    rich_help_panel=INPUTS)]
CatalogOpt = Annotated[Many, _many("--catalog", "FILE", "Extra or overriding lifecycle entries", INPUTS)]
PathsArg = Annotated[Many, typer.Argument(metavar="PATH", help="Files and directories to scan, recursively "
                                                               "(default: the config's paths, else .).")]
VarOpt = Annotated[Many, _many("--var", "NAME=VALUE", "A Terraform variable's value", INPUTS)]
VarFileOpt = Annotated[Many, _many("--var-file", "FILE", "A Terraform .tfvars file", INPUTS)]
ParameterOpt = Annotated[Many, _many("--parameter", "KEY=VALUE", "A CloudFormation parameter's value", INPUTS)]
ParametersFileOpt = Annotated[Many, _many("--parameters-file", "FILE", "CloudFormation parameter values", INPUTS)]
ExcludeOpt = Annotated[Many, _many("--exclude", "GLOB", "Paths to skip", SCOPE)]
ConfigOpt = Annotated[StrOpt, typer.Option(
    "--config", metavar="FILE", help="The config file (default: the nearest .iac-check.yaml, or pyproject.toml "
                                     "with a tool.iac-check table).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No warnings on stderr.", rich_help_panel=RUN)]
AllowEmptyOpt = Annotated[bool, typer.Option(
    "--allow-empty", help="Finding no Terraform or CloudFormation file at all is a clean scan (default: exit 2).",
    rich_help_panel=SCOPE)]
RootOpt = Annotated[StrOpt, typer.Option(
    "--root", metavar="DIR", help="Read no file outside DIR (default: the git work tree holding the paths, else "
                                  "the paths).", rich_help_panel=SCOPE)]

SCAN_EXAMPLES = """Examples:
  iac-check scan infra                                   every Terraform and CloudFormation file under infra
  iac-check scan . --as-of 2026-06-01 --fail-within 90   as of a date; Legacy within 90 days of EOL fails
  iac-check scan infra --format github --output sarif=iac-check.sarif
  iac-check scan . --write-baseline .iac-check-baseline.json   accept today's findings, then --baseline

Exit code: 0 passed; 1 a finding at or above --fail-on; 2 usage or configuration error, or nothing to scan."""


@app.command(cls=Command, epilog=SCAN_EXAMPLES)
def scan(
    paths: PathsArg = None,
    as_of: AsOfOpt = None,
    fail_on: Annotated[StrOpt, typer.Option(
        "--fail-on", metavar="LEVEL", help="The lowest severity that fails the scan (exit 1): error (default), "
                                           "warning, note or never.")] = None,
    fail_within: Annotated[int | None, typer.Option(
        "--fail-within", metavar="DAYS", min=0,
        help="A Legacy or extended-access model at most DAYS from its end of life is an error.")] = None,
    fmt: Annotated[StrOpt, typer.Option(
        "--format", "-f", metavar="FORMAT", help="The report printed: text (default), json, sarif, junit, github "
                                                  "or markdown.")] = None,
    output: Annotated[Many, typer.Option("--output", "-o", metavar="[FORMAT=]FILE", help=(
        "FILE: write the --format report there, not to stdout; FORMAT=FILE: also write that format "
        "(repeatable)."))] = None,
    config: ConfigOpt = None,
    region: RegionOpt = None,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    parameter: ParameterOpt = None,
    parameters_file: ParametersFileOpt = None,
    catalog: CatalogOpt = None,
    exclude: ExcludeOpt = None,
    allow_empty: AllowEmptyOpt = False,
    root: RootOpt = None,
    trusted: Annotated[bool, typer.Option("--trusted", help=(
        "For pull requests: ignore every config in the tree (only --config, from the base branch, counts); "
        "inline and Metadata suppressions, and catalogs and baselines inside the tree, cannot hide BDR001."),
        rich_help_panel=SCOPE)] = False,
    max_file_bytes: Annotated[int | None, typer.Option(
        "--max-file-bytes", metavar="N", min=1, help="Larger files are BDR000 'too large' (default 10 MB).",
        rich_help_panel=SCOPE)] = None,
    baseline: Annotated[StrOpt, typer.Option(
        "--baseline", metavar="FILE", help="Report only findings that are not in this baseline.",
        rich_help_panel=BASELINE)] = None,
    write_baseline: Annotated[StrOpt, typer.Option(
        "--write-baseline", metavar="FILE", help="Record today's findings in FILE, for a later --baseline FILE.",
        rich_help_panel=BASELINE)] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour in text output.", rich_help_panel=RUN)
                        ] = False,
    quiet: QuietOpt = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="List notes in text output; say on stderr which files were skipped and why.",
        rich_help_panel=RUN)] = False,
    sarif_category: Annotated[StrOpt, typer.Option(
        "--sarif-category", metavar="NAME", help="Name this scan among others of the repository in SARIF "
                                                 "(automationDetails.id; default iac-check/PATH/).",
        rich_help_panel=RUN)] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", metavar="N", min=0, help="Parallel parsers (default 0: every core this process may use).",
        rich_help_panel=RUN)] = None,
    cache_dir: Annotated[StrOpt, typer.Option(
        "--cache-dir", metavar="DIR", help="Keep parsed Terraform here between runs (a private directory outside "
                                           "the tree; off by default).", rich_help_panel=RUN)] = None,
    parse_timeout: Annotated[float | None, typer.Option(
        "--parse-timeout", metavar="SECONDS", min=0.001,
        help="Seconds one file may take to parse; past that it is BDR000 (default 5).", rich_help_panel=RUN)] = None,
    timeout: Annotated[float | None, typer.Option(
        "--timeout", metavar="SECONDS", min=0.001,
        help="Seconds the whole scan may take; past that exit 2 (default 600).", rich_help_panel=RUN)] = None,
) -> None:
    """Scan Terraform and CloudFormation for Bedrock model references and check their lifecycle.

    Every model the code would deploy is checked against the bundled catalog as of --as-of;
    each finding points at the file and line that use the model, and says where its value was set.
    Options can also be set in .iac-check.yaml (the long names as keys); the command line wins.
    """
    settings = _settings(_given(
        paths=paths, as_of=as_of, format=fmt, output=output, fail_on=fail_on, fail_within=fail_within,
        region=region, var=parse_pairs(var, "--var"), var_file=var_file,
        parameter=parse_pairs(parameter, "--parameter"), parameters_file=parameters_file, catalog=catalog,
        exclude=exclude, baseline=baseline, write_baseline=write_baseline, jobs=jobs, cache_dir=cache_dir,
        max_file_bytes=max_file_bytes, root=root, trusted=trusted, no_color=no_color, quiet=quiet, verbose=verbose,
        allow_empty=allow_empty, parse_timeout=parse_timeout, timeout=timeout,
    ), config)
    loaded, report = _run(settings)
    if settings.verbose:
        from .report.safe import clean

        for file, why in report.skipped:
            typer.echo(f"iac-check: skipped {clean(file)}: {why}", err=True)
    report = _baselined(report, settings)
    _emit(_with_fixes(report, settings, loaded), settings, loaded, sarif_category)
    raise typer.Exit(1 if report.failed(settings.fail_on) else 0)


@app.command(cls=Command)
def fix(
    paths: PathsArg = None,
    diff: Annotated[bool, typer.Option(
        "--diff", help="Print a unified diff and change nothing (exit 1 when there is something to change).")] = False,
    include_legacy: Annotated[bool, typer.Option(
        "--include-legacy", help="Also move Legacy versions (BDR002), not only EOL and extended access.")] = False,
    rule: Annotated[Many, _many("--rule", "RULE", "Only the findings of this rule: BDR001, BDR007 or BDR002")] = None,
    as_of: AsOfOpt = None,
    region: RegionOpt = None,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    parameter: ParameterOpt = None,
    parameters_file: ParametersFileOpt = None,
    catalog: CatalogOpt = None,
    exclude: ExcludeOpt = None,
    root: RootOpt = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Move retired and retiring models to their Active replacement, where the model ID is written."""
    from . import fix as fixes

    chosen = _fix_rules(rule, include_legacy)
    settings = _settings(_given(
        paths=paths, as_of=as_of, region=region, var=parse_pairs(var, "--var"), var_file=var_file,
        parameter=parse_pairs(parameter, "--parameter"), parameters_file=parameters_file, catalog=catalog,
        exclude=exclude, root=root, quiet=quiet,
    ), config)
    loaded, report = _run(settings)
    found = fixes.plan(report, loaded, chosen, fixes.within(settings.paths))
    try:
        changes = fixes.apply(found.edits, report.locations)
    except (OSError, fixes.FixError) as exc:
        raise fail(str(exc)) from None
    if diff:
        from .report.safe import no_workflow_commands

        # Context lines are the scanned files' own text: none may become a runner command.
        sys.stdout.write(no_workflow_commands("".join(fixes.unified_diff(report.locations[file], change)
                                                      for file, change in changes.items())))
    else:
        for file, change in changes.items():
            try:
                fixes.write_atomically(Path(report.locations[file]), change.data)
            except OSError as exc:
                raise fail(f"{report.locations[file]}: not written: {exc.strerror or exc}") from None
    typer.echo(fixes.summary(found, written=not diff), err=diff)
    raise typer.Exit(1 if diff and changes else 0)


def _fix_rules(rules: list[str] | None, include_legacy: bool) -> tuple[str, ...]:
    from .fix import DEFAULT_RULES, FIXABLE_RULES, LEGACY_RULE

    chosen = (*DEFAULT_RULES, LEGACY_RULE) if include_legacy else DEFAULT_RULES
    for rule_id in rules or ():
        if rule_id == LEGACY_RULE and not include_legacy:
            raise fail(f"--rule {LEGACY_RULE} moves Legacy versions: add --include-legacy")
        if rule_id not in FIXABLE_RULES:
            raise fail(f"--rule {rule_id}: fix moves the models of {', '.join(FIXABLE_RULES)} only")
    return tuple(r for r in chosen if r in rules) if rules else chosen


@app.command(cls=Command, epilog="Example: iac-check timeline infra --days 90")
def timeline(
    paths: PathsArg = None,
    days: Annotated[int | None, typer.Option(
        "--days", metavar="N", min=0, help="How far ahead to look, in days from --as-of (default 180).")] = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="text, json or markdown.")] = "text",
    output: Annotated[StrOpt, typer.Option("--output", "-o", metavar="FILE", help="Write to FILE, not stdout.")
                      ] = None,
    config: ConfigOpt = None,
    region: RegionOpt = None,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    parameter: ParameterOpt = None,
    parameters_file: ParametersFileOpt = None,
    catalog: CatalogOpt = None,
    exclude: ExcludeOpt = None,
    allow_empty: AllowEmptyOpt = False,
    root: RootOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """When each model the code references becomes Legacy, enters extended access or reaches EOL."""
    from . import timeline as timelines
    from .report.markdown_format import timeline_section

    renderers = {"text": timelines.render_text, "json": timelines.render_json,
                 "markdown": lambda t: "\n".join(timeline_section(t)) + "\n"}
    if fmt not in renderers:
        raise fail(f"--format {fmt!r} for timeline: choose one of {', '.join(renderers)}")
    settings = _settings(_given(
        paths=paths, days=days, as_of=as_of, region=region, var=parse_pairs(var, "--var"), var_file=var_file,
        parameter=parse_pairs(parameter, "--parameter"), parameters_file=parameters_file, catalog=catalog,
        exclude=exclude, root=root, quiet=quiet, allow_empty=allow_empty,
    ), config)
    loaded, report = _run(settings)
    _write(renderers[fmt](timelines.build(report.references, loaded, settings.as_of, settings.days)), output)


def _given(**options: Any) -> dict[str, Any]:
    """The options actually given, keyed as in the config file (`fail_on` -> `fail-on`)."""
    return {key.replace("_", "-"): value for key, value in options.items()
            if value is not None and value is not False and value != [] and value != {}}


def _settings(given: dict[str, Any], config: str | None) -> Settings:
    """The run's settings: the config file (given or found), with the command line over it."""
    from .config import ConfigError, build_settings, find_config, read_config, search_starts

    cwd = Path.cwd()
    if config is not None and not Path(config).is_file():
        raise fail(f"--config {config}: no such file")
    if given.get("trusted"):
        _check_trusted_config(config, given)
    try:
        # Under --trusted no config is searched for: one in the tree is the pull request's.
        path = Path(config) if config else None if given.get("trusted") else find_config(
            search_starts(given.get("paths", []), cwd))
        settings = build_settings(given, read_config(path, cwd) if path else None, _today())
    except ConfigError as exc:
        raise fail(str(exc)) from None
    if settings.parameters_files:
        settings = replace(settings, parameters={**_parameter_files(settings.parameters_files), **settings.parameters})
    return settings


def _check_trusted_config(config: str | None, given: dict[str, Any]) -> None:
    """Under --trusted the config must come from outside the tree under review."""
    from .confine import Gate, RootError

    if config is None:
        return
    try:
        gate = Gate.for_paths(given.get("paths") or ["."], given.get("root"))
    except RootError as exc:
        raise fail(str(exc)) from None
    if gate.allows(config):
        raise fail(f"--config {config} is inside the tree under review: with --trusted, pass the base "
                   "branch's copy (checked out outside it)")


def _today() -> date:
    return datetime.now(timezone.utc).date()


def _run(settings: Settings) -> tuple[Catalog, Report]:
    """Load the catalog and scan; usage errors become exit code 2."""
    from .deadline import ScanTimeout
    from .progress import DelayedProgress, wanted
    from .scan import UsageError, run_scan

    loaded = load_catalog_or_exit(settings.catalogs)
    _warn_if_stale(loaded.updated, settings)
    floor = _catalog_floor(settings)
    progress = DelayedProgress() if wanted(settings.quiet) else None
    try:
        return loaded, run_scan(settings, loaded, progress=progress, floor=floor)
    except (UsageError, ScanTimeout) as exc:
        raise fail(str(exc)) from None
    finally:
        if progress is not None:
            progress.close()


def _catalog_floor(settings: Settings) -> Catalog | None:
    """Under --trusted, the catalog without the overlays inside the tree: BDR001 by it stands
    whatever those say (None when there is no such overlay)."""
    from .scan import UsageError, in_tree

    if not settings.trusted:
        return None
    try:
        inside = in_tree(settings, settings.catalogs)
    except UsageError as exc:
        raise fail(str(exc)) from None
    return load_catalog_or_exit([c for c in settings.catalogs if c not in inside]) if inside else None


def _baselined(report: Report, settings: Settings) -> Report:
    """`--write-baseline` records the findings; the baseline that counts (one just written wins) drops them.

    Under --trusted a baseline inside the tree under review cannot accept BDR001 findings.
    """
    from . import baseline as baselines
    from .scan import PROTECTED, in_tree

    accepted = settings.write_baseline or settings.baseline
    try:
        if settings.write_baseline:
            baselines.write(report, settings.write_baseline)
        if not accepted:
            return report
        if not (settings.trusted and accepted == settings.baseline and in_tree(settings, [accepted])):
            return baselines.apply(report, baselines.load(accepted))
        kept = tuple(f for f in report.findings if f.rule_id in PROTECTED)
        rest = baselines.apply(replace(report, findings=tuple(f for f in report.findings if f not in kept)),
                               baselines.load(accepted))
        return replace(rest, findings=tuple(sorted((*rest.findings, *kept), key=lambda f: f.sort_key)))
    except baselines.BaselineError as exc:
        raise fail(str(exc)) from None


def _with_fixes(report: Report, settings: Settings, loaded: Catalog) -> Report:
    """Each finding that `iac-check fix` would change (default rules) carries the edit."""
    from . import fix as fixes

    return fixes.attach(report, fixes.plan(report, loaded, fixes.DEFAULT_RULES, fixes.within(settings.paths)))


def _emit(report: Report, settings: Settings, loaded: Catalog, category: str | None) -> None:
    """The --format report to --output or stdout, then each FORMAT=FILE report."""
    from .report import render

    color = settings.color and "NO_COLOR" not in os.environ and settings.output is None and sys.stdout.isatty()
    formats = {settings.format, *(fmt for fmt, _ in settings.extra_outputs)}
    options = _render_options(report, settings, loaded, "markdown" in formats, color)
    options = replace(options, verbose=settings.verbose, category=_category(category, settings))
    _write(render(report, settings.format, options), settings.output)
    plain = replace(options, color=False)
    for extra_format, file in settings.extra_outputs:
        _write(render(report, extra_format, plain), file)


def _render_options(report: Report, settings: Settings, loaded: Catalog, with_timeline: bool,
                    color: bool) -> RenderOptions:
    from .report import RenderOptions
    from .timeline import build

    chart = build(report.references, loaded, settings.as_of, settings.days) if with_timeline else None
    return RenderOptions(settings.fail_on, color, report.locations, chart)


def _category(given: str | None, settings: Settings) -> str:
    """SARIF `automationDetails.id`: the given one, else "iac-check/PATH/" (a category, no run ID)."""
    if given:
        return given
    scanned = "+".join(Path(p).as_posix().strip("/") or "." for p in settings.paths) or "."
    return f"iac-check/{scanned}/"


def _parameter_files(names: tuple[str, ...]) -> dict[str, str]:
    from .cloudformation import load_parameters_file

    values: dict[str, str] = {}
    for name in names:
        try:
            values.update(load_parameters_file(Path(name)))
        except (OSError, ValueError) as exc:
            raise fail(f"--parameters-file {name}: {exc}") from None
    return values


def _warn_if_stale(updated: date, settings: Settings) -> None:
    age = (settings.as_of - updated).days
    if age > STALE_CATALOG_DAYS and not settings.quiet:
        typer.echo(f"iac-check: warning: the lifecycle catalog is {age} days old (updated {updated}); "
                   "upgrade iac-check or refresh it with `iac-check catalog sync`.", err=True)


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from .files import write_atomic

    try:
        write_atomic(output, text.encode("utf-8"))
    except OSError as exc:
        raise fail(f"--output {output}: {exc.strerror or exc}") from None


@app.command(cls=Command)
def rules() -> None:
    """List every rule with its id, name, default severity and explanation."""
    from .rules import RULES, explanation

    for rule in RULES:
        typer.echo(f"{rule.ID}  {rule.NAME}  ({rule.SEVERITY})")
        for para in explanation(rule).split("\n\n"):
            typer.echo("    " + " ".join(para.split()))
        typer.echo("")


@app.command(cls=Command, epilog="Examples:\n  iac-check models --state legacy --as-of 2026-06-01\n"
                                  "  iac-check models arn:aws:bedrock:us-west-2::foundation-model/ai21.j2-mid-v1\n"
                                  "  iac-check models --changes-since 2026-01-01")
def models(
    query: Annotated[StrOpt, typer.Argument(
        metavar="QUERY", help="Text to filter by, or one model ID or ARN to explain.")] = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="text or json.")] = "text",
    region: Annotated[StrOpt, typer.Option(
        "--region", metavar="REGION", help="The region whose lifecycle dates apply (an ARN's own region wins).")
                      ] = None,
    state: Annotated[StrOpt, typer.Option(
        "--state", metavar="STATE", help="Only models in this state: active, legacy, extended-access, eol.")] = None,
    provider: Annotated[StrOpt, typer.Option("--provider", metavar="NAME", help="Only this provider.")] = None,
    catalog: Annotated[Many, _many("--catalog", "FILE", "Extra or overriding lifecycle entries")] = None,
    changes_since: Annotated[StrOpt, typer.Option(
        "--changes-since", metavar="DATE",
        help="Only entries whose lifecycle dates were published on or after DATE.")] = None,
) -> None:
    """Show the lifecycle catalog as of a date, or explain one model ID or ARN."""
    from . import catalog_commands
    from . import models as listing

    loaded = load_catalog_or_exit(catalog or ())
    day = parse_as_of(as_of)
    if fmt not in ("text", "json"):
        raise fail("--format for models is text or json")
    if state is not None and state not in listing.STATES:
        raise fail(f"--state {state!r}: choose one of {', '.join(listing.STATES)}")
    if changes_since is not None:
        since = parse_as_of(changes_since)
        typer.echo(catalog_commands.changes_since(loaded, since, fmt))
        return
    single = listing.explain(loaded, query, day, region) if query else None
    if single is not None:
        typer.echo(listing.render_explain(single, fmt))
        return
    rows = listing.rows(loaded, day, region, query=query, state=state, provider=provider)
    typer.echo(listing.render_rows(rows, fmt, day))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a crash must not look like "findings" (exit 1) to CI
        typer.echo(f"iac-check: internal error: {type(exc).__name__}: {exc} (please report it)", err=True)
        sys.exit(2)
