"""`batchlabel demo`: the whole path on built-in data, in a folder of its own."""

from __future__ import annotations

import secrets
import shutil
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import click

from batchlabel.cli.app import cli
from batchlabel.cli.context import AppContext, console, marked, pass_app
from batchlabel.cli.remedies import explain
from batchlabel.cli.trace import as_rich_tree
from batchlabel.codes.images import codes_in_file
from batchlabel.documents.report import build_report, write_report
from batchlabel.errors import BatchlabelError
from batchlabel.labels.templates import find_template
from batchlabel.models import LabelState
from batchlabel.outputs import atomic_text_file
from batchlabel.services.cartons import carton_label_data, carton_template
from batchlabel.services.label_files import batch_labels, render_files
from batchlabel.services.lookup import CodeLookup
from batchlabel.services.origin import find_origin
from batchlabel.services.people import add_person
from batchlabel.services.printing import run_job, start_job
from batchlabel.services.quality import record_check, record_step, release
from batchlabel.services.recipes import Check, Recipe
from batchlabel.services.trace import forward
from batchlabel.store import Store
from batchlabel.store.connection import backup_copy
from batchlabel.web import origin_page_html

DEMO_GTIN = "09506000134352"  # GS1's own example GTIN
DEMO_RECIPE = Recipe(
    steps=("Cut", "Stitch", "Burnish edges"),
    checks=(Check("stitching", "Stitching even, no loose ends"),),
)


def _step(number: int, template: str, *values: object) -> None:
    console.print(marked("\n[bold cyan]{}.[/] " + template, number, *values))


def _program() -> str:
    """How to run batchlabel from where the demo ran: its name when it is on PATH."""
    found = shutil.which("batchlabel")
    here = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if found and here and Path(found).resolve() == here:
        return "batchlabel"
    return str(here) if here and here.name == "batchlabel" else "batchlabel"


@cli.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("batchlabel-demo"),
    show_default=True,
    help="Where the demo puts its files.",
)
@pass_app
def demo(app: AppContext, directory: Path) -> None:
    """Show the whole job on demo data: products, a released batch, serials, labels, printing."""
    directory.mkdir(parents=True, exist_ok=True)
    db_path = directory / "batchlabel.db"
    kept = None
    if db_path.exists():
        # Records made since the last demo (people added, things scanned at the station)
        # are never lost: the earlier database is kept beside the new one.
        kept = directory / f"batchlabel-earlier-{datetime.now():%Y%m%d-%H%M%S}.db"
        backup_copy(db_path, kept)
    for leftover in directory.glob("batchlabel.db*"):
        leftover.unlink()
    store = Store.open(db_path)
    try:
        actor = app.actor
        _step(1, "Records go to [bold]{}[/] (SQLite, made on first use).", db_path)
        if kept is not None:
            console.print(f"   The earlier demo database is kept as {kept}.")
        collar = store.add_product(
            "COL-M",
            "Leather dog collar, size M",
            actor,
            gtin=DEMO_GTIN,
            description="Hand-stitched collar in vegetable-tanned leather.",
            public_attributes={
                "material": "vegetable-tanned leather",
                "maker": "Demo Leatherworks",
            },
            private_notes="Cost price 11.40 EUR",
            serial_format="random:8+check",
        )
        tote = store.add_product(
            "TOTE-NAT",
            "Canvas tote bag, natural",
            actor,
            description="Heavy cotton canvas tote.",
            serial_format="seq:5",
        )
        console.print(
            f"   Product {collar.sku} ({collar.name}) with GTIN {collar.gtin}, random serials."
        )
        console.print(f"   Product {tote.sku} ({tote.name}) without a GTIN, sequential serials.")

        made_on = date.today()
        allocation = store.create_batch(
            collar.sku,
            actor,
            made_on=made_on,
            best_before=made_on + timedelta(days=730),
            planned_quantity=6,
        )
        lot = allocation.batch.lot
        _step(
            2,
            "Batch [bold]{}[/] of {}: 6 serials allocated: {}",
            lot,
            collar.sku,
            ", ".join(allocation.serials),
        )
        leather = store.receive_material(
            "leather", "Conceria Demo", "H-2291", actor, origin="Tuscany, Italy",
            quantity=4, unit="m2", public=True,
        )  # fmt: skip
        store.add_input(allocation.batch, actor, material=leather, quantity=1.2, unit="m2")
        store.set_recipe(collar, DEMO_RECIPE.to_data(), actor)
        for step in DEMO_RECIPE.steps:
            record_step(store, allocation.batch, step, "", actor)
        record_check(store, allocation.batch, "stitching", actor, passed=True)
        released = release(store, allocation.batch, actor, "demo: QA passed")
        _step(
            3,
            "Batch {} used {}; its {} recipe steps and QA check were recorded, so QA released "
            "it: [bold green]{}[/].",
            lot,
            leather.label,
            len(DEMO_RECIPE.steps),
            released.status,
        )
        tote_batch = store.create_batch(tote.sku, actor, planned_quantity=3).batch
        console.print(
            marked(
                "   Batch {} of {} stays [yellow]{}[/]: its labels will not print until QA "
                "releases it.",
                tote_batch.lot,
                tote.sku,
                tote_batch.status,
            )
        )
        template = find_template("item-50x30", app.templates_dir)
        labels = batch_labels(store, released, template, resolver=app.resolver)
        preview = render_files(template, labels[:1], "png", directory / "preview", 203)
        _step(4, "Preview of the first label: [bold]{}[/] (PNG at 203 dpi).", preview.files[0])
        printer_file = (directory / "printer" / "labels.zpl").resolve()
        printer_file.unlink(missing_ok=True)
        store.add_printer("demo-file", f"file://{printer_file}", 203, "zpl", actor)
        job_id = start_job(store, released, template, f"file://{printer_file}", 203, actor)
        outcome = run_job(store, job_id, template, actor, resolver=app.resolver)
        _step(
            5,
            "Print job {} sent {} labels to the file printer [bold]{}[/] (ZPL; tcp:// and "
            "cups:// printers work alike).",
            job_id,
            outcome.job.count(LabelState.CONFIRMED),
            printer_file,
        )
        try:
            start_job(store, tote_batch, template, f"file://{printer_file}", 203, actor)
        except BatchlabelError as error:
            _step(6, "Printing the unreleased tote batch is refused: [italic]{}[/]", explain(error))
        [scanned, *_] = codes_in_file(preview.files[0])
        found = CodeLookup(store).resolve(scanned)
        page = directory / "origin.html"
        origin = find_origin(store, gtin=collar.gtin, lot=found.lot, serial=found.serial)
        with atomic_text_file(page) as out:
            out.write(origin_page_html(origin, "Demo Leatherworks"))
        _step(
            7,
            "The preview's QR code, read back as a phone would ([italic]{}[/]), resolves to "
            "{} {} of lot {} ({}); the page a shopper's phone shows for it: [bold]{}[/].",
            scanned,
            found.match,
            found.serial,
            found.lot,
            found.batch_status,
            page,
        )
        carton = f"C{store.next_carton_number('internal'):06d}"
        store.pack(
            carton,
            "internal",
            actor,
            batch_id=released.id,
            quantity=len(allocation.serials),
            new=True,
        )
        store.ship("DN-0001", "Demo Shop", [carton], actor)
        carton_label = render_files(
            carton_template(None),
            [carton_label_data(store, carton, "Demo Leatherworks")],
            "pdf",
            directory / "labels",
            203,
        ).files[0]
        report = directory / "report.html"
        write_report(build_report(store, store.batch_by_id(released.id)), "html", report)
        _step(
            8,
            "Packed the batch into carton {} (its logistic label: [bold]{}[/]) and shipped it to "
            "Demo Shop. Tracing leather lot {} forward finds every item, as a recall would "
            "(report: [bold]{}[/]):",
            carton,
            carton_label,
            leather.lot,
            report,
        )
        console.print(as_rich_tree(forward(store, material=leather)))
        password = secrets.token_urlsafe(9)
        add_person(store, "demo-qa", "qa", password, actor)
        _step(
            9,
            "Added [bold]demo-qa[/] (QA) for the station in the browser: run serve, open "
            "[bold]http://127.0.0.1:8000/station/[/] and sign in with the password [bold]{}[/] "
            "(the printer demo-file is saved for it).",
            password,
        )
        # Plain lines, one command each, so they can be copied from any terminal width; the
        # command is named as it can be run from here (the venv's batchlabel if not on PATH).
        program = _program()
        console.print("\n[bold]Demo done.[/] Try:", markup=True)
        for command in (
            f"--db {db_path} batch show {lot} --sku {collar.sku}",
            f"--db {db_path} jobs",
            f"--db {db_path} resolve --image {preview.files[0]}",
            f"--db {db_path} trace {leather.lot}",
            f"--db {db_path} resolve {carton}",
            f"--db {db_path} recall {leather.lot} --reason 'test' --dry-run --out {directory / 'recalls'}",
            f"--db {db_path} render {lot} --sku {collar.sku} --format pdf --sheet a4-3x7 --out {directory / 'labels'}",
            f"--db {db_path} serve    (then the QR code's address, and /station/)",
        ):
            console.print(f"  {program} {command}", soft_wrap=True)
    finally:
        store.close()
