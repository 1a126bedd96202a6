"""Commands for products, batches and serials."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from batchlabel.cli.app import cli
from batchlabel.cli.context import (
    AppContext,
    Count,
    console,
    emit_json,
    marked,
    parse_date,
    pass_app,
)
from batchlabel.codes.serial_formats import DEFAULT_LOT_FORMAT, DEFAULT_SERIAL_FORMAT
from batchlabel.errors import InputError
from batchlabel.models import Allocation, Batch, BatchStatus, Product
from batchlabel.store import Store

STATUS_STYLE = {
    BatchStatus.IN_PRODUCTION: "yellow",
    BatchStatus.QUARANTINED: "bold yellow",
    BatchStatus.RELEASED: "bold green",
    BatchStatus.REJECTED: "bold red",
    BatchStatus.RECALLED: "bold white on red",
}


def product_dict(product: Product) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "name": product.name,
        "gtin": product.gtin,
        "description": product.description,
        "public_attributes": product.public_attributes,
        "private_notes": product.private_notes,
        "lot_format": product.lot_format,
        "serial_format": product.serial_format,
        "created_at": product.created_at,
    }


def batch_dict(batch: Batch, gtin: str | None) -> dict[str, Any]:
    return {
        "lot": batch.lot,
        "sku": batch.sku,
        "gtin": gtin,
        "status": batch.status,
        "made_on": batch.made_on.isoformat(),
        "best_before": batch.best_before.isoformat() if batch.best_before else None,
        "planned_quantity": batch.planned_quantity,
    }


def allocation_dict(allocation: Allocation) -> dict[str, Any]:
    return {**batch_dict(allocation.batch, allocation.gtin), "serials": list(allocation.serials)}


def styled_status(status: BatchStatus) -> str:
    """The status as markup for marked(): statuses are ours, so they need no escaping."""
    return f"[{STATUS_STYLE.get(status, '')}]{status}[/]"


def now_status(changed: Batch) -> Text:
    return marked(
        "Batch [bold]{}[/] of {} is now " + styled_status(changed.status) + ".",
        changed.lot,
        changed.sku,
    )


@cli.group()
def product() -> None:
    """Products: SKU, name, optional GTIN, lot and serial formats."""


@product.command("add")
@click.argument("sku")
@click.option("--name", required=True, help="The product's name as shoppers see it.")
@click.option("--gtin", help="GS1 GTIN-8/12/13/14, if the product has one (check digit verified).")
@click.option("--description", default="", help="Public description.")
@click.option(
    "--attribute",
    "attributes",
    multiple=True,
    metavar="KEY=VALUE",
    help="Public attribute shown to shoppers (repeatable), e.g. material=vegetable-tanned leather.",
)
@click.option("--notes", default="", help="Private notes, never shown publicly.")
@click.option(
    "--lot-format",
    default=DEFAULT_LOT_FORMAT,
    show_default=True,
    help="How new lot codes are made: seq:N, pattern:..., random:N[+check].",
)
@click.option(
    "--serial-format",
    default=DEFAULT_SERIAL_FORMAT,
    show_default=True,
    help="How serials are made: seq:N, pattern:..., random:N[+check].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the product as JSON.")
@pass_app
def product_add(
    app: AppContext,
    sku: str,
    name: str,
    gtin: str | None,
    description: str,
    attributes: tuple[str, ...],
    notes: str,
    lot_format: str,
    serial_format: str,
    as_json: bool,
) -> None:
    """Add a product with its SKU."""
    public: dict[str, str] = {}
    for item in attributes:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(
                f"The attribute '{item}' is not KEY=VALUE, e.g. --attribute material=leather."
            )
        public[key.strip()] = value.strip()
    added = app.store.add_product(
        sku,
        name,
        app.actor,
        gtin=gtin,
        description=description,
        public_attributes=public,
        private_notes=notes,
        lot_format=lot_format,
        serial_format=serial_format,
    )
    if as_json:
        emit_json(product_dict(added))
    else:
        console.print(
            marked(
                "Added product [bold]{}[/] ({}), GTIN {}.",
                added.sku,
                added.name,
                added.gtin or "none",
            )
        )


@product.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def product_list(app: AppContext, as_json: bool) -> None:
    """List products."""
    products = app.store.products()
    if as_json:
        emit_json([product_dict(p) for p in products])
        return
    table = Table("SKU", "Name", "GTIN", "Lot format", "Serial format", title="Products")
    for p in products:
        table.add_row(p.sku, p.name, p.gtin or "-", p.lot_format, p.serial_format)
    console.print(table)


@product.command("show")
@click.argument("sku")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def product_show(app: AppContext, sku: str, as_json: bool) -> None:
    """Show one product, whether it is on sale, its photo, and its batches."""
    found = app.store.product(sku)
    batches = app.store.batches(sku=sku)
    withdrawal = app.store.withdrawal(found.id)
    photo = app.store.photo(found.id)
    shop = {
        "withdrawn": asdict(withdrawal) if withdrawal else None,
        "photo": (
            {"media_type": photo.media_type, "bytes": len(photo.data), "set_at": photo.updated_at}
            if photo
            else None
        ),
    }
    if as_json:
        emit_json(
            {**product_dict(found), **shop, "batches": [batch_dict(b, found.gtin) for b in batches]}
        )
        return
    table = Table(show_header=False, title=f"Product {found.sku}")
    for key, value in product_dict(found).items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value or "-"))
    table.add_row(
        "on sale",
        f"no: withdrawn {withdrawal.at} by {withdrawal.user} ({withdrawal.reason})"
        if withdrawal
        else "yes",
    )
    table.add_row(
        "photo", f"{len(photo.data) // 1024} KB, set {photo.updated_at}" if photo else "-"
    )
    console.print(table)
    _print_batches(batches)


@cli.group()
def batch() -> None:
    """Batches (lots): create, list, show, and QA decisions."""


@batch.command("create")
@click.argument("sku")
@click.option("--lot", help="The lot code; without it the product's lot format makes one.")
@click.option(
    "--quantity",
    type=Count(min=0),
    default=0,
    help="Planned quantity; that many serials are allocated at once.",
)
@click.option("--made-on", help="Production date, YYYY-MM-DD (default: today).")
@click.option("--best-before", help="Best-before or expiry date, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def batch_create(
    app: AppContext,
    sku: str,
    lot: str | None,
    quantity: int,
    made_on: str | None,
    best_before: str | None,
    as_json: bool,
) -> None:
    """Create a batch of product SKU; it starts in_production."""
    allocation = app.store.create_batch(
        sku,
        app.actor,
        lot=lot,
        made_on=parse_date(made_on, "--made-on"),
        best_before=parse_date(best_before, "--best-before"),
        planned_quantity=quantity,
    )
    if as_json:
        emit_json(allocation_dict(allocation))
        return
    b = allocation.batch
    console.print(
        marked(
            "Created batch [bold]{}[/] of {} (" + styled_status(b.status) + ") with {} serials{}.",
            b.lot,
            b.sku,
            len(allocation.serials),
            _span(allocation.serials),
        )
    )


def _span(serials: tuple[str, ...]) -> str:
    if not serials:
        return ""
    return f": {serials[0]}" if len(serials) == 1 else f": {serials[0]} .. {serials[-1]}"


@batch.command("list")
@click.option("--status", type=click.Choice([s.value for s in BatchStatus]))
@click.option("--sku", help="Only batches of this product.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def batch_list(app: AppContext, status: str | None, sku: str | None, as_json: bool) -> None:
    """List batches, optionally by QA status."""
    batches = app.store.batches(status=status, sku=sku)
    if as_json:
        gtins = {p.sku: p.gtin for p in app.store.products()}
        emit_json([batch_dict(b, gtins.get(b.sku)) for b in batches])
        return
    _print_batches(batches)


def _print_batches(batches: list[Batch]) -> None:
    table = Table("Lot", "SKU", "Status", "Made on", "Best before", "Planned", title="Batches")
    for b in batches:
        table.add_row(
            b.lot,
            b.sku,
            marked(styled_status(b.status)),
            str(b.made_on),
            str(b.best_before or "-"),
            str(b.planned_quantity),
        )
    console.print(table)


@batch.command("show")
@click.argument("lot")
@click.option("--sku", help="The product, when several share this lot code.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def batch_show(app: AppContext, lot: str, sku: str | None, as_json: bool) -> None:
    """Show a batch: status, unit counts, serials and history."""
    store: Store = app.store
    found = store.batch(lot, sku)
    owner = store.product(found.sku)
    counts = store.unit_counts(found)
    units = store.units(found)
    events = store.events(found)
    complaints = store.complaints(found)
    if as_json:
        emit_json(
            {
                **batch_dict(found, owner.gtin),
                "product_name": owner.name,
                "units": counts,
                "serials": [{"serial": u.serial, "state": u.state} for u in units],
                "complaints": [
                    {"kind": c.kind, "serial": c.serial, "text": c.text, "at": c.at}
                    for c in complaints
                ],
                "history": [
                    {"at": e.at, "kind": e.kind, "user": e.user, "station": e.station, **e.detail}
                    for e in events
                ],
            }
        )
        return
    console.print(
        marked(
            "Batch [bold]{}[/] of {} ({}): " + styled_status(found.status),
            found.lot,
            owner.sku,
            owner.name,
        )
    )
    console.print(
        f"Made on {found.made_on}, best before {found.best_before or '-'}, "
        f"planned {found.planned_quantity}; units: "
        + ", ".join(f"{n} {state}" for state, n in counts.items())
    )
    shown = ", ".join(u.serial for u in units[:20]) + (" ..." if len(units) > 20 else "")
    if units:
        console.print(f"Serials: {shown}")
    for c in complaints:
        console.print(
            marked(
                "[bold red]{}[/] {} {}: {}", c.kind.capitalize(), c.at[:10], c.serial or "", c.text
            )
        )
    history = Table("When (UTC)", "What", "Who", "Where", "Details", title="History")
    for e in events:
        detail = ", ".join(f"{k}={v}" for k, v in e.detail.items() if v is not None)
        history.add_row(e.at[:19], e.kind, e.user, e.station, detail)
    console.print(history)


def _status_command(name: str, status: str, help_text: str) -> None:
    @batch.command(name, help=help_text)
    @click.argument("lot")
    @click.option("--sku", help="The product, when several share this lot code.")
    @click.option("--reason", help="Why; recorded with who and when.")
    @click.option("--json", "as_json", is_flag=True)
    @pass_app
    def change(
        app: AppContext, lot: str, sku: str | None, reason: str | None, as_json: bool
    ) -> None:
        store = app.store
        found = store.batch(lot, sku)
        changed = store.set_status(found, status, app.actor, reason)
        if as_json:
            emit_json(batch_dict(changed, store.product(changed.sku).gtin))
        else:
            console.print(now_status(changed))


_status_command(
    "quarantine", BatchStatus.QUARANTINED, "Hold a batch for QA: its labels do not print."
)
_status_command("reject", BatchStatus.REJECTED, "Reject a batch after QA (final).")
_status_command("recall", BatchStatus.RECALLED, "Recall a released batch (final; needs --reason).")


@cli.group()
def serials() -> None:
    """Unit serials."""


@serials.command("allocate")
@click.argument("lot")
@click.option("--count", type=Count(), required=True, help="How many serials.")
@click.option("--sku", help="The product, when several share this lot code.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def serials_allocate(app: AppContext, lot: str, count: int, sku: str | None, as_json: bool) -> None:
    """Allocate COUNT new serials to a batch (never reused, safe with several stations)."""
    store = app.store
    allocation = store.allocate(store.batch(lot, sku), count, app.actor)
    if as_json:
        emit_json(allocation_dict(allocation))
    else:
        console.print(
            f"Allocated {len(allocation.serials)} serials to {lot}"
            + _span(allocation.serials)
            + "."
        )
