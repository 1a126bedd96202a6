"""Commands for traceability: materials, inputs, steps and checks, packing and shipping,
complaints, trace, recall, the batch report and exports."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from batchlabel import validation
from batchlabel.cli.app import cli
from batchlabel.cli.context import (
    AppContext,
    Count,
    Number,
    console,
    emit_json,
    err_console,
    marked,
    parse_date,
    pass_app,
)
from batchlabel.cli.records import batch, batch_dict, now_status, product, styled_status
from batchlabel.codes.gs1 import validate_ai82
from batchlabel.codes.scans import carton_code
from batchlabel.documents.report import FORMATS, build_report, write_report
from batchlabel.errors import InputError, NotFoundError
from batchlabel.exports.epcis import write_epcis
from batchlabel.exports.sheets import SHEETS, write_lots_sheet, write_units_sheet
from batchlabel.models import MaterialLot
from batchlabel.outputs import ensure_folder
from batchlabel.services.cartons import (
    CARTON_TEMPLATE,
    carton_label_data,
    carton_template,
    new_carton_code,
    print_carton_label,
    start_carton,
    units_for,
)
from batchlabel.services.label_files import FORMATS as LABEL_FORMATS
from batchlabel.services.label_files import render_files
from batchlabel.services.lookup import CodeLookup
from batchlabel.services.quality import (
    file_complaint,
    recipe_for,
    record_check,
    record_step,
    release,
)
from batchlabel.services.recall import apply_recall, plan_recall, write_recall_list
from batchlabel.services.recipes import load_recipe
from batchlabel.services.trace import Node, find_target, named_lot, trace
from batchlabel.validation import MAX_QUANTITY

# -- materials ----------------------------------------------------------------------------


def material_dict(m: MaterialLot) -> dict[str, Any]:
    return {
        "kind": m.kind, "supplier": m.supplier, "lot": m.lot, "origin": m.origin,
        "quantity": m.quantity, "unit": m.unit, "public": m.public, "received_at": m.received_at,
    }  # fmt: skip


@cli.group()
def material() -> None:
    """Material lots from suppliers: leather hides, buckles, thread."""


@material.command("receive")
@click.argument("kind")
@click.option("--supplier", required=True, help="Who supplied it, e.g. 'Tannery Rossi'.")
@click.option("--lot", "lot", required=True, help="The supplier's lot code, as on their label.")
@click.option("--origin", default="", help="Where it comes from, e.g. 'Tuscany, Italy'.")
@click.option("--quantity", nargs=2, type=(Number(0, MAX_QUANTITY, min_open=True), str), default=None, metavar="Q UNIT",
              help="How much arrived, e.g. --quantity 12 m2.")  # fmt: skip
@click.option("--public", is_flag=True, help="Its supplier and origin may appear on origin pages.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def material_receive(
    app: AppContext, kind: str, supplier: str, lot: str, origin: str,
    quantity: tuple[float, str] | None, public: bool, as_json: bool,
) -> None:  # fmt: skip
    """Record a lot of material KIND received from a supplier."""
    amount, unit = quantity if quantity else (None, None)
    received = app.store.receive_material(
        kind, supplier, lot, app.actor, origin=origin, quantity=amount, unit=unit, public=public
    )
    if as_json:
        emit_json(material_dict(received))
    else:
        console.print(f"Received {received.label}" + (" (public)" if public else "") + ".")


@material.command("list")
@click.option("--supplier", help="Only this supplier's lots.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def material_list(app: AppContext, supplier: str | None, as_json: bool) -> None:
    """List material lots, newest first."""
    found = app.store.materials(supplier=supplier)
    if as_json:
        emit_json([material_dict(m) for m in found])
        return
    table = Table(
        "Kind", "Supplier", "Lot", "Origin", "Quantity", "Public", "Received", title="Material lots"
    )
    for m in found:
        amount = f"{m.quantity:g} {m.unit or ''}" if m.quantity else "-"
        table.add_row(
            m.kind,
            m.supplier,
            m.lot,
            m.origin or "-",
            amount,
            "yes" if m.public else "no",
            m.received_at[:10],
        )
    console.print(table)


# -- genealogy, steps and checks ------------------------------------------------------------


@batch.command("consume")
@click.argument("lot")
@click.argument("source")
@click.option("--sku", help="The product of LOT, when several share it.")
@click.option(
    "--supplier", help="The material's supplier, when two suppliers used the same lot code."
)
@click.option("--quantity", nargs=2, type=(Number(0, MAX_QUANTITY, min_open=True), str), default=None, metavar="Q UNIT",
              help="How much was used, e.g. --quantity 2.5 m2.")  # fmt: skip
@pass_app
def batch_consume(
    app: AppContext, lot: str, source: str, sku: str | None, supplier: str | None,
    quantity: tuple[float, str] | None,
) -> None:  # fmt: skip
    """Record that batch LOT used SOURCE: a material lot (the supplier's lot code) or another batch."""
    store = app.store
    target = store.batch(lot, sku)
    amount, unit = quantity if quantity else (None, None)
    named = named_lot(store, source, supplier)
    if named is None:
        raise NotFoundError(
            f"'{source}' is neither a material lot nor a batch recorded here; record the material "
            "first with 'batchlabel material receive'."
        )
    if named.material is not None:
        store.add_input(target, app.actor, material=named.material, quantity=amount, unit=unit)
        console.print(marked("Batch [bold]{}[/] used {}.", target.lot, named.material.label))
        return
    assert named.batch is not None
    store.add_input(target, app.actor, input_batch=named.batch, quantity=amount, unit=unit)
    console.print(
        marked(
            "Batch [bold]{}[/] used batch {} of {}.", target.lot, named.batch.lot, named.batch.sku
        )
    )


@batch.command("step")
@click.argument("lot")
@click.argument("step")
@click.option("--sku", help="The product, when several share this lot code.")
@click.option("--notes", default="", help="Anything worth keeping about this step.")
@pass_app
def batch_step(app: AppContext, lot: str, step: str, sku: str | None, notes: str) -> None:
    """Record that STEP of the recipe was done on batch LOT."""
    found = app.store.batch(lot, sku)
    name = record_step(app.store, found, step, notes, app.actor)
    console.print(marked("Recorded step '{}' for batch [bold]{}[/].", name, found.lot))


@batch.command("check")
@click.argument("lot")
@click.argument("check")
@click.option("--sku", help="The product, when several share this lot code.")
@click.option("--pass/--fail", "passed", default=None, help="The result of a pass/fail check.")
@click.option(
    "--value", type=Number(-1e12, 1e12), help="The measured value of a measurement check."
)
@click.option("--notes", default="", help="Anything worth keeping about this check.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def batch_check(
    app: AppContext, lot: str, check: str, sku: str | None, passed: bool | None,
    value: float | None, notes: str, as_json: bool,
) -> None:  # fmt: skip
    """Record the result of QA CHECK for batch LOT (a re-check replaces the last result)."""
    found = app.store.batch(lot, sku)
    result = record_check(app.store, found, check, app.actor, passed, value, notes)
    if as_json:
        emit_json(
            {"lot": found.lot, "check": result.name, "passed": result.passed, "value": result.value}
        )
        return
    verdict = "[bold green]pass[/]" if result.passed else "[bold red]FAIL[/]"
    measured = f" ({result.value:g})" if result.value is not None else ""
    console.print(
        marked(
            "Check '{}' for batch [bold]{}[/]: " + verdict + "{}.", result.name, found.lot, measured
        )
    )


@batch.command("release")
@click.argument("lot")
@click.option("--sku", help="The product, when several share this lot code.")
@click.option("--reason", help="Why; recorded with who and when.")
@click.option(
    "--override",
    metavar="REASON",
    help="Release although required checks are missing or failed; the reason is recorded.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def batch_release(
    app: AppContext,
    lot: str,
    sku: str | None,
    reason: str | None,
    override: str | None,
    as_json: bool,
) -> None:
    """Release a batch: its labels may print and it may ship. Refused while a required QA check is missing or failed."""
    store = app.store
    if override is not None and not override.strip():
        raise InputError("--override needs a reason, e.g. --override 'length re-measured by hand'.")
    changed = release(store, store.batch(lot, sku), app.actor, reason, override)
    if as_json:
        emit_json(batch_dict(changed, store.product(changed.sku).gtin))
    else:
        console.print(now_status(changed))


@product.command("recipe")
@click.argument("sku")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@pass_app
def product_recipe(app: AppContext, sku: str, file: Path | None, as_json: bool) -> None:
    """Load the recipe steps and QA checklist of SKU from a TOML FILE, or show them."""
    store = app.store
    found = store.product(sku)
    if file is not None:
        store.set_recipe(found, load_recipe(file).to_data(), app.actor)
    recipe = recipe_for(store, found.id)
    if as_json:
        emit_json({"sku": sku, **recipe.to_data()})
        return
    if file is not None:
        console.print(
            f"Loaded {len(recipe.steps)} steps and {len(recipe.checks)} checks for {sku}."
        )
        return
    console.print(f"Steps of {sku}: " + (", ".join(recipe.steps) or "none"))
    for c in recipe.checks:
        console.print(
            f"  check {c.name}: {c.description or '-'} ({c.limits}{'' if c.required else ', optional'})"
        )
    console.print(f"Complaints that flag a batch for QA review: {recipe.complaint_threshold}")


# -- packing and shipping ---------------------------------------------------------------------


@cli.group()
def carton() -> None:
    """Cartons: numbered with an SSCC or an internal code."""


@carton.command("new")
@click.argument("own_code", metavar="[CODE]", required=False)
@click.option("--company-prefix", help="Your GS1 company prefix: the carton gets an SSCC.")
@click.option(
    "--extension",
    type=click.IntRange(0, 9),
    default=0,
    show_default=True,
    help="The SSCC extension digit.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def carton_new(
    app: AppContext, own_code: str | None, company_prefix: str | None, extension: int, as_json: bool
) -> None:
    """Start a new carton: your own CODE, an SSCC with --company-prefix, else C000001..."""
    code, kind = start_carton(app.store, app.actor, own_code, company_prefix, extension)
    if as_json:
        emit_json({"carton": code, "kind": kind})
    else:
        console.print(
            marked("New carton [bold]{}[/]{}.", code, " (SSCC)" if kind == "sscc" else "")
        )


@carton.command("close")
@click.argument("carton_text", metavar="CARTON")
@pass_app
def carton_close(app: AppContext, carton_text: str) -> None:
    """Close a packed carton for shipping: nothing more goes in (taking an item out opens it
    again, since its label's count would be wrong)."""
    code, _ = carton_code(carton_text)
    app.store.close_carton(code, app.actor)
    console.print(marked("Closed carton [bold]{}[/]; it is ready to ship.", code))


@carton.command("label")
@click.argument("carton_text", metavar="CARTON")
@click.option("--printer", "printer_name", help="A saved printer to print the label on.")
@click.option("--format", "fmt", type=click.Choice(LABEL_FORMATS), help="Write a file instead.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("labels"),
    show_default=True,
    help="Folder for the file (with --format).",
)
@click.option("--dpi", type=click.Choice(["203", "300", "600"]), default="203", show_default=True)
@click.option(
    "--template",
    "template_name",
    default=CARTON_TEMPLATE,
    show_default=True,
    help='A carton template (per = "carton").',
)
@click.option("--ship-from", help="Sender text (your workshop's name and address).")
@click.option("--ship-to", help="Recipient text (default: the customer it shipped to).")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def carton_label(
    app: AppContext, carton_text: str, printer_name: str | None, fmt: str | None, out: Path,
    dpi: str, template_name: str, ship_from: str | None, ship_to: str | None, as_json: bool,
) -> None:  # fmt: skip
    """The carton's GS1 logistic label: its SSCC, and for one product its content GTIN,
    count, lot and best-before; printed on a saved printer, or written as a file."""
    if printer_name is None and fmt is None:
        raise InputError("Give --printer NAME to print, or --format png|pdf|zpl to write a file.")
    if printer_name is not None and fmt is not None:
        raise InputError("Give --printer NAME or --format, not both: print, or write a file.")
    code, _ = carton_code(carton_text)
    template = carton_template(template_name, app.templates_dir)
    if printer_name is not None:
        problem = print_carton_label(
            app.store, code, printer_name, app.actor, template, ship_from, ship_to
        )
        if as_json:
            emit_json({"carton": code, "printer": printer_name, "confirmed": not problem,
                       "problem": problem})  # fmt: skip
        elif problem:
            console.print(marked("Sent the label of carton [bold]{}[/]; the printer says: {}",
                                 code, problem))  # fmt: skip
        else:
            console.print(marked("Printed the label of carton [bold]{}[/] on {}.", code,
                                 printer_name))  # fmt: skip
        if problem:
            sys.exit(1)
        return
    assert fmt is not None
    data = carton_label_data(app.store, code, ship_from, ship_to)
    result = render_files(template, [data], fmt, out, int(dpi))
    if as_json:
        emit_json({"carton": code, "template": template.name, "format": fmt,
                   "files": [str(f) for f in result.files]})  # fmt: skip
    else:
        console.print(f"Wrote the label of carton {code} to {result.files[0]}.")


@cli.command("pack")
@click.argument("carton_text", metavar="CARTON")
@click.argument("codes", nargs=-1)
@click.option("--lot", help="Pack items of this batch without scanning each (with --quantity).")
@click.option("--sku", help="The product of --lot, when several share it.")
@click.option("--quantity", type=Count(), help="How many items of --lot.")
@click.option(
    "--new", "new", is_flag=True, help="Start CARTON with this pack (it must not exist yet)."
)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def pack(
    app: AppContext, carton_text: str, codes: tuple[str, ...], lot: str | None,
    sku: str | None, quantity: int | None, new: bool, as_json: bool,
) -> None:  # fmt: skip
    """Put scanned items (CODE...) or a quantity of a batch into CARTON (an SSCC or your own code)."""
    store = app.store
    if (lot is None) != (quantity is None):
        raise InputError("Give --lot and --quantity together, e.g. --lot L0001 --quantity 20.")
    if not codes and lot is None:
        raise InputError("Name what goes in: scanned item codes, or --lot LOT --quantity N.")
    code, kind = new_carton_code(store, carton_text) if new else carton_code(carton_text)
    source = store.batch(lot, sku) if lot is not None else None
    units = units_for(store, codes, "pack")
    packed = store.pack(
        code, kind, app.actor, [u for u, _ in units],
        batch_id=source.id if source else None, quantity=quantity or 0, new=new,
    )  # fmt: skip
    if as_json:
        emit_json(
            {
                "carton": code,
                "kind": kind,
                "packed": [{"lot": lot_, "serial": s} for lot_, s in packed],
            }
        )
    else:
        console.print(marked("Packed {} items into carton [bold]{}[/].", len(packed), code))


@cli.command("unpack")
@click.argument("carton_text", metavar="CARTON")
@click.argument("codes", nargs=-1)
@click.option("--reason", required=True, help="Why; recorded with who and when.")
@pass_app
def unpack(app: AppContext, carton_text: str, codes: tuple[str, ...], reason: str) -> None:
    """Take items (or, without CODE, everything) out of a carton that has not shipped."""
    store = app.store
    if not reason.strip():
        raise InputError("Say why in --reason, e.g. --reason 'wrong size packed'.")
    code, _ = carton_code(carton_text)
    ids = [u for u, _ in units_for(store, codes, "unpack")] if codes else None
    removed = store.unpack(code, reason, app.actor, ids)
    console.print(marked("Took {} items out of carton [bold]{}[/].", len(removed), code))


@cli.command("ship")
@click.argument("shipment_code", metavar="SHIPMENT")
@click.argument("cartons", nargs=-1, required=True)
@click.option("--customer", required=True, help="Who receives it; kept private.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def ship(
    app: AppContext, shipment_code: str, cartons: tuple[str, ...], customer: str, as_json: bool
) -> None:
    """Ship CARTONS to a customer as SHIPMENT (e.g. your delivery note number)."""
    code = validate_ai82(shipment_code.strip(), "shipment code", max_length=40)
    sent = app.store.ship(code, customer, [carton_code(c)[0] for c in cartons], app.actor)
    if as_json:
        emit_json(
            {
                "shipment": sent.code,
                "customer": sent.customer,
                "cartons": sent.cartons,
                "items": sent.units,
            }
        )
    else:
        console.print(
            f"Shipped {sent.code} to {sent.customer}: {_count(sent.cartons, 'carton')}, "
            f"{_count(sent.units, 'item')}."
        )


# -- complaints -------------------------------------------------------------------------------


@cli.command("complaint")
@click.argument("code")
@click.option("--text", required=True, help="What the customer reported.")
@click.option("--return", "is_return", is_flag=True, help="The item came back (a return).")
@pass_app
def complaint(app: AppContext, code: str, text: str, is_return: bool) -> None:
    """Record a complaint or return against the item or batch CODE names."""
    store = app.store
    lookup = CodeLookup(store)
    found = lookup.resolve(code)
    if found.error or found.batch_id is None:
        raise InputError(
            found.error or f"'{found.input}' names no batch or item; scan the item's label."
        )
    target = store.batch_by_id(found.batch_id)
    unit = lookup.unit_of(found)
    outcome = file_complaint(
        store, target, text, app.actor, "return" if is_return else "complaint",
        unit.id if unit else None, unit.serial if unit else None,
    )  # fmt: skip
    what = "Return" if is_return else "Complaint"
    console.print(
        marked("{} recorded for batch [bold]{}[/] ({} so far).", what, target.lot, outcome.count)
    )
    if outcome.needs_review:
        err_console.print(
            f"Batch {target.lot} has {outcome.count} complaints (threshold "
            f"{outcome.threshold}): it is flagged for QA review.",
            style="bold red",
        )


# -- trace, recall, report ---------------------------------------------------------------------


def as_rich_tree(node: Node, into: Tree | None = None) -> Tree:
    label = Text(validation.shown(node.label))
    status = node.detail.get("status")
    if status:
        label.append(" ").append_text(marked(styled_status(status)))
    units = node.detail.get("units")
    if isinstance(units, dict) and any(units.values()):
        counted = ", ".join(f"{n} {s}" for s, n in units.items() if n)
        label.append(f" ({counted})", style="dim")
    if node.kind == "material" and node.detail.get("origin"):
        label.append(validation.shown(f" origin: {node.detail['origin']}"), style="dim")
    branch = Tree(label) if into is None else into.add(label)
    for child in node.children:
        as_rich_tree(child, branch)
    return branch


@cli.command("trace")
@click.argument("code")
@click.option("--supplier", help="Treat CODE as a material lot of this supplier.")
@click.option("--sku", help="Treat CODE as a batch lot of this product.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def trace_command(
    app: AppContext, code: str, supplier: str | None, sku: str | None, as_json: bool
) -> None:
    """Trace an item, batch lot, carton or material lot: back to its materials, steps and QA
    results, forward to the batches made from it, cartons, shipments and customers."""
    target = find_target(app.store, code, supplier, sku)
    trees = trace(app.store, target)
    if as_json:
        emit_json(
            {
                "target": target.description,
                "kind": target.kind,
                **{k: v.to_dict() for k, v in trees.items()},
            }
        )
        return
    titles = {"backward": "Made from", "forward": "Went to", "contents": "Holds"}
    for key, node in trees.items():
        console.print(titles[key], style="bold")
        console.print(as_rich_tree(node))


@cli.command("recall")
@click.argument("code")
@click.option("--reason", required=True, help="Why; recorded on every recalled batch.")
@click.option("--dry-run", is_flag=True, help="Show and write the recall list, change nothing.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("recalls"),
    show_default=True,
    help="Folder for the recall list (CSV and printable HTML).",
)
@click.option("--supplier", help="Treat CODE as a material lot of this supplier.")
@click.option("--sku", help="Treat CODE as a batch lot of this product.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def recall_command(
    app: AppContext, code: str, reason: str, dry_run: bool, out_dir: Path,
    supplier: str | None, sku: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Recall a batch or material lot and every batch made from it; write who to call."""
    store = app.store
    if not reason.strip():
        raise InputError("A recall needs a reason: add --reason TEXT.")
    plan = plan_recall(store, find_target(store, code, supplier, sku))
    ensure_folder(out_dir)  # before anything is recalled: the list must be writable
    if not dry_run:
        apply_recall(store, plan, reason, app.actor)
    files = write_recall_list(store, plan, out_dir, dry_run)
    summary = plan.summary()
    if as_json:
        emit_json({**summary, "dry_run": dry_run, "files": [str(f) for f in files]})
        return
    head = "Dry run, nothing changed" if dry_run else f"Recalled {len(plan.recalled)} batches"
    console.print(marked("[bold]{}[/]: {}.", head, summary["target"]))
    for b in summary["batches"]:
        mark = (
            "would recall"
            if dry_run and b["will_recall"]
            else ("recalled" if b["will_recall"] else f"already {b['status']}")
        )
        console.print(f"  batch {b['lot']} ({b['sku']}): {b['items']} items, {mark}")
    for c in summary["customers"]:
        console.print(
            marked(
                "  call [bold]{}[/]: {} items in {}",
                c["customer"],
                c["items"],
                ", ".join(c["shipments"]),
            )
        )
    if not summary["customers"]:
        console.print("  No affected item has shipped.")
    console.print("Recall list: " + ", ".join(str(f) for f in files))


@cli.command("report")
@click.argument("lot")
@click.option("--sku", help="The product, when several share this lot code.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (default: report-LOT.FORMAT).",
)
@pass_app
def report(app: AppContext, lot: str, sku: str | None, fmt: str, out: Path | None) -> None:
    """Write the batch transparency report: quantities, steps, materials, QA, history."""
    found = app.store.batch(lot, sku)
    path = out or Path(f"report-{re.sub(r'[^A-Za-z0-9._-]', '_', found.lot)}.{fmt}")
    write_report(build_report(app.store, found), fmt, path)
    console.print(f"Wrote {path}.")


# -- exports -------------------------------------------------------------------------------


@cli.group()
def export() -> None:
    """Exports: EPCIS 2.0 for trading partners, CSV for spreadsheets."""


_out = click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write.",
)
_since = click.option("--since", help="Only batches created on or after this date, YYYY-MM-DD.")
_lot = click.option("--lot", help="Only this batch lot.")


@export.command("epcis")
@_out
@_since
@_lot
@pass_app
def export_epcis(app: AppContext, out: Path, since: str | None, lot: str | None) -> None:
    """Write EPCIS 2.0 JSON-LD: commissioning, transformation, packing and shipping events."""
    if lot is not None:
        app.store.batch(lot)  # an unknown lot is an error, not an empty file
    count = write_epcis(app.store, out, app.resolver, parse_date(since, "--since"), lot)
    console.print(f"Wrote {count} EPCIS events to {out}.")


@export.command("csv")
@_out
@_since
@_lot
@click.option(
    "--sheet",
    type=click.Choice(SHEETS),
    default="lots",
    show_default=True,
    help="lots: one row per lot; units: one row per item.",
)
@click.option("--maker", default="", help="Your business name, written as the lot code source.")
@pass_app
def export_csv(
    app: AppContext, out: Path, since: str | None, lot: str | None, sheet: str, maker: str
) -> None:
    """Write a CSV for spreadsheets (text that a spreadsheet would run as a formula is defused)."""
    if lot is not None:
        app.store.batch(lot)
    day = parse_date(since, "--since")
    if sheet == "lots":
        count = write_lots_sheet(app.store, out, maker or app.actor.station, day, lot)
    else:
        count = write_units_sheet(app.store, out, day, lot)
    console.print(f"Wrote {count} rows to {out}.")


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" if number == 1 else f"{number:,} {thing}s"
