"""`iac-check catalog validate|sync`, and `models --changes-since`: the catalog as data to check,
refresh from AWS and follow over time."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .helptext import Command, Group

if TYPE_CHECKING:
    from .catalog import Catalog

catalog_app = typer.Typer(
    cls=Group,
    add_completion=False,
    no_args_is_help=True,
    help="Check user catalog files, or refresh lifecycle dates from Amazon Bedrock.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


@catalog_app.command(cls=Command)
def validate(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="Catalog files, each checked as one --catalog.")],
) -> None:
    """Check catalog files as `--catalog` would load them: schema, dates, ids, replacements."""
    from .catalog import CatalogError, load_catalog
    from .cli import fail  # here, not at the top: cli imports this module

    failed = None
    for file in files:
        try:
            count = len(load_catalog([file]).overrides)
        except CatalogError as exc:
            failed = fail(f"invalid catalog: {exc}")
            continue
        typer.echo(f"{file}: ok ({count} {'entry' if count == 1 else 'entries'})")
    if failed is not None:
        raise failed


# The help is Rich markup: `\\[aws]` keeps "[aws]" from being taken for a style.
@catalog_app.command(cls=Command)
def sync(
    region: Annotated[list[str] | None, typer.Option(
        "--region", metavar="REGION",
        help="Region to ask (repeatable; default: the AWS configuration's region).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write the overlay to FILE (differences then go to stdout).")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", metavar="DATE", help="The sync date written as the source date (YYYY-MM-DD; today UTC).")] = None,
) -> None:
    """Ask Bedrock (ListFoundationModels) for lifecycle dates and write a --catalog overlay.

    Needs the aws extra (pip install 'iac-check\\[aws]') and credentials allowed to call
    bedrock:ListFoundationModels. The overlay goes to stdout unless --output is given; the
    differences from the bundled catalog go to stderr then, so the overlay can be piped.
    """
    from . import sync as bedrock
    from .catalog import CatalogError, load_catalog
    from .cli import fail, parse_as_of

    day = parse_as_of(as_of)
    try:
        clients = bedrock.bedrock_clients(region or ())
        listings = bedrock.list_models(clients, day)
        bundled = load_catalog()
        document = bedrock.overlay(listings, bundled, day)
    except (bedrock.SyncError, CatalogError) as exc:
        raise fail(str(exc)) from None
    text = bedrock.dump(document, list(clients))
    if output is None:
        typer.echo(text, nl=False)
    else:
        from .files import write_atomic

        try:
            write_atomic(output, text.encode("utf-8"))
        except OSError as exc:
            raise fail(f"--output {output}: {exc.strerror or exc}") from None
    for line in bedrock.differences(listings, bundled, day):
        typer.echo(line, err=output is None)


def changes_since(catalog: Catalog, since: date, fmt: str) -> str:
    """`iac-check models --changes-since DATE`: the entries whose dates were published since."""
    from .models import changes, render_changes

    return render_changes(changes(catalog, since), fmt)
