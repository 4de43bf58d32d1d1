"""The command line: option parsing only; the work happens in `scan`, `catalog` and `report`."""

from __future__ import annotations

import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Annotated

import typer

from . import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Find Amazon Bedrock model versions past (or near) end of life in Terraform and CloudFormation.",
    context_settings={"help_option_names": ["-h", "--help"]},
)

STALE_CATALOG_DAYS = 90


def fail(message: str) -> typer.Exit:
    """Print a usage or configuration error and give the exit code for it (2)."""
    typer.echo(f"iac-check: error: {message}", err=True)
    return typer.Exit(2)


def parse_as_of(text: str | None) -> date:
    if text is None:
        return datetime.now(timezone.utc).date()
    try:
        return date.fromisoformat(text)
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


def load_catalog_or_exit(extra: list[str] | tuple[str, ...]):  # type: ignore[no-untyped-def]
    from .catalog import CatalogError, load_catalog
    from .policydata import PolicyDataError

    try:
        return load_catalog(extra)
    except (CatalogError, PolicyDataError) as exc:
        raise fail(f"invalid catalog: {exc}") from None


def _version_callback(value: bool) -> None:
    if value:
        catalog = load_catalog_or_exit(())
        typer.echo(f"iac-check {__version__} (catalog updated {catalog.updated}, {len(catalog.entries)} models)")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True,
                                          help="Print the version and the catalog date.")] = False,
) -> None:
    """iac-check: stop infrastructure changes that ship Bedrock models past their end of life."""


def _many(name: str, help: str) -> typer.models.OptionInfo:
    return typer.Option(name, help=help + " (repeatable)")


Many = list[str] | None
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="text, json, sarif, junit, github or markdown.")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Date the rules compare against (YYYY-MM-DD; today UTC).")]
RegionOpt = Annotated[str | None, typer.Option("--region", help="Region where the code sets none.")]
CatalogOpt = Annotated[Many, _many("--catalog", "Extra or overriding catalog file")]


@app.command()
def scan(
    paths: Annotated[Many, typer.Argument(help="Files and directories (default: .).")] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "text",
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write the report to FILE, not stdout.")] = None,
    fail_on: Annotated[str, typer.Option("--fail-on", help="error, warning, note or never.")] = "error",
    fail_within: Annotated[int, typer.Option(
        "--fail-within", min=0, help="Legacy/extended-access models at most DAYS from EOL are errors.")] = 0,
    region: RegionOpt = None,
    var: Annotated[Many, _many("--var", "Terraform variable NAME=VALUE")] = None,
    var_file: Annotated[Many, _many("--var-file", "Terraform .tfvars file")] = None,
    parameter: Annotated[Many, _many("--parameter", "CloudFormation parameter KEY=VALUE")] = None,
    parameters_file: Annotated[Many, _many("--parameters-file", "CloudFormation parameters file")] = None,
    catalog: CatalogOpt = None,
    exclude: Annotated[Many, _many("--exclude", "Glob of paths to skip")] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=0, help="Parallel parsers (0 = all cores).")] = 0,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour in text output.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No warnings on stderr.")] = False,
) -> None:
    """Scan Terraform and CloudFormation for Bedrock model references and check their lifecycle."""
    from .config import FAIL_ON, FORMATS, Settings
    from .report import RenderOptions, render
    from .scan import UsageError, run_scan

    if fmt not in FORMATS:
        raise fail(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fail_on not in FAIL_ON:
        raise fail(f"--fail-on {fail_on!r}: choose one of {', '.join(FAIL_ON)}")
    settings = Settings(
        as_of=parse_as_of(as_of),
        paths=tuple(paths or ["."]),
        format=fmt,
        output=output,
        fail_on=fail_on,
        fail_within=fail_within,
        region=region,
        variables=parse_pairs(var, "--var"),
        var_files=tuple(var_file or ()),
        parameters={**_parameter_files(parameters_file or []), **parse_pairs(parameter, "--parameter")},
        catalogs=tuple(catalog or ()),
        exclude=tuple(exclude or ()),
        jobs=jobs,
        color=not no_color and "NO_COLOR" not in os.environ,
        quiet=quiet,
    )
    loaded = load_catalog_or_exit(settings.catalogs)
    _warn_if_stale(loaded.updated, settings)
    try:
        report = run_scan(settings, loaded)
    except UsageError as exc:
        raise fail(str(exc)) from None
    color = settings.color and settings.output is None and sys.stdout.isatty()
    _write(render(report, settings.format, RenderOptions(settings.fail_on, color)), settings.output)
    raise typer.Exit(1 if report.failed(settings.fail_on) else 0)


def _parameter_files(names: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in names:
        from .cloudformation import load_parameters_file

        try:
            values.update(load_parameters_file(Path(name)))
        except (OSError, ValueError) as exc:
            raise fail(f"--parameters-file {name}: {exc}") from None
    return values


def _warn_if_stale(updated: date, settings) -> None:  # type: ignore[no-untyped-def]
    age = (settings.as_of - updated).days
    if age > STALE_CATALOG_DAYS and not settings.quiet:
        typer.echo(f"iac-check: warning: the lifecycle catalog is {age} days old (updated {updated}); "
                   "upgrade iac-check or refresh it with `iac-check catalog sync`.", err=True)


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"--output {output}: {exc.strerror or exc}") from None


@app.command()
def rules() -> None:
    """List every rule with its id, name, default severity and explanation."""
    from .rules import RULES, explanation

    for rule in RULES:
        typer.echo(f"{rule.ID}  {rule.NAME}  ({rule.SEVERITY})")
        for para in explanation(rule).split("\n\n"):
            typer.echo("    " + " ".join(para.split()))
        typer.echo("")


@app.command()
def models(
    query: Annotated[str | None, typer.Argument(help="Text to filter by, or one model ID or ARN to explain.")] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "text",
    region: RegionOpt = None,
    state: Annotated[str | None, typer.Option(
        "--state", help="Only models in this state: active, legacy, extended-access, eol.")] = None,
    provider: Annotated[str | None, typer.Option("--provider", help="Only this provider.")] = None,
    catalog: CatalogOpt = None,
) -> None:
    """Show the lifecycle catalog as of a date, or explain one model ID or ARN."""
    from . import models as listing

    loaded = load_catalog_or_exit(catalog or ())
    day = parse_as_of(as_of)
    if fmt not in ("text", "json"):
        raise fail("--format for models is text or json")
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
