"""Commands for templates and rendering labels to files."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from batchlabel.cli.app import cli
from batchlabel.cli.context import (
    AppContext,
    Count,
    console,
    emit_json,
    marked,
    pass_app,
    serial_list,
)
from batchlabel.labels.templates import find_template, list_templates, load_template
from batchlabel.models import BatchStatus
from batchlabel.render import SHEETS
from batchlabel.services.label_files import FORMATS, batch_labels, render_files
from batchlabel.validation import MAX_COPIES


@cli.group()
def template() -> None:
    """Label templates: list, show, check."""


@template.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def template_list(app: AppContext, as_json: bool) -> None:
    """List the built-in templates and your own (--templates DIR)."""
    found = list_templates(app.templates_dir)
    if as_json:
        emit_json(
            [
                {
                    "name": t.name,
                    "width_mm": t.width_mm,
                    "height_mm": t.height_mm,
                    "per": t.per,
                    "needs_gtin": t.needs_gtin,
                    "description": t.description,
                    "path": str(t.path),
                }
                for t in found
            ]
        )
        return
    table = Table("Name", "Size (mm)", "Per", "Needs GTIN", "Description", title="Templates")
    for t in found:
        table.add_row(
            t.name,
            f"{t.width_mm:g} x {t.height_mm:g}",
            t.per,
            "yes" if t.needs_gtin else "no",
            t.description,
        )
    console.print(table)


@template.command("show")
@click.argument("name")
@pass_app
def template_show(app: AppContext, name: str) -> None:
    """Show a template's file."""
    found = find_template(name, app.templates_dir)
    console.print(marked("[bold]{}[/] ({})", found.name, found.path))
    click.echo(found.path.read_text(encoding="utf-8"))


@template.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def template_check(app: AppContext, file: Path) -> None:
    """Validate a template file: syntax, elements, placeholders, sizes."""
    found = load_template(file)
    console.print(
        f"Template '{found.name}' is valid: {found.width_mm:g} x {found.height_mm:g} mm, "
        f"{len(found.elements)} elements, one label per {found.per}."
    )


@cli.command()
@click.argument("lot")
@click.option(
    "--template",
    "template_name",
    default="item-50x30",
    show_default=True,
    help="Template name, or a path to a .toml file.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="png", show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("labels"),
    show_default=True,
    help="Folder for the files.",
)
@click.option(
    "--serials", help="Comma-separated serials (default: every serial of the batch not voided)."
)
@click.option("--copies", type=Count(max=MAX_COPIES), default=1, show_default=True)
@click.option("--dpi", type=click.Choice(["203", "300", "600"]), default="203", show_default=True)
@click.option(
    "--sheet",
    type=click.Choice(list(SHEETS)),
    help="PDF only: lay labels out on an office label sheet.",
)
@click.option(
    "--skip",
    type=Count(min=0, max=100),
    default=0,
    help="With --sheet: positions already used on the first sheet.",
)
@click.option(
    "--zpl-raster", is_flag=True, help="ZPL only: send each label as one graphic (^GFA Z64)."
)
@click.option("--sku", help="The product, when several share this lot code.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def render(
    app: AppContext,
    lot: str,
    template_name: str,
    fmt: str,
    out: Path,
    serials: str | None,
    copies: int,
    dpi: str,
    sheet: str | None,
    skip: int,
    zpl_raster: bool,
    sku: str | None,
    as_json: bool,
) -> None:
    """Render a batch's labels to PNG (preview), PDF or ZPL files. Nothing is marked printed."""
    store = app.store
    batch = store.batch(lot, sku)
    chosen = find_template(template_name, app.templates_dir)
    wanted = serial_list(serials)
    labels = batch_labels(store, batch, chosen, wanted, copies, app.resolver)
    result = render_files(chosen, labels, fmt, out, int(dpi), sheet, skip, zpl_raster)
    if as_json:
        emit_json(
            {
                "lot": batch.lot,
                "sku": batch.sku,
                "status": batch.status,
                "template": chosen.name,
                "format": fmt,
                "labels": result.labels,
                "files": [str(f) for f in result.files],
            }
        )
        return
    where = result.files[0].parent
    console.print(
        f"Rendered {result.labels} {chosen.name} label(s) of batch {batch.lot} as {fmt} "
        f"into {where} ({len(result.files)} file(s))."
    )
    if batch.status != BatchStatus.RELEASED:
        console.print(
            marked(
                "[bold yellow]Note:[/] batch {} is {}; these files are a preview. "
                "'batchlabel print' refuses it until QA releases it.",
                batch.lot,
                batch.status,
            )
        )
