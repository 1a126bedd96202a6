"""Commands for what shoppers see of a product: its photo, and taking it off sale."""

from __future__ import annotations

from pathlib import Path

import click

from batchlabel.cli.context import AppContext, console, emit_json, pass_app
from batchlabel.cli.records import product
from batchlabel.errors import InputError
from batchlabel.services.photos import MEDIA_TYPE, prepare_photo
from batchlabel.store.base import checked_text


@product.command("photo")
@click.argument("sku")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
@pass_app
def product_photo(app: AppContext, sku: str, file: Path, as_json: bool) -> None:
    """Set the photo shown on SKU's origin pages (JPEG, PNG or WebP; made phone-sized)."""
    found = app.store.product(sku)
    data = prepare_photo(file)
    app.store.set_photo(found, MEDIA_TYPE, data, app.actor)
    if as_json:
        emit_json({"sku": found.sku, "bytes": len(data), "media_type": MEDIA_TYPE})
    else:
        console.print(f"Photo of {found.sku} set ({len(data) // 1024} KB on the origin pages).")


@product.command("withdraw")
@click.argument("sku")
@click.option("--reason", required=True, help="Why (kept private); recorded with who and when.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def product_withdraw(app: AppContext, sku: str, reason: str, as_json: bool) -> None:
    """Take SKU off sale: its origin pages answer 410 Gone (a recall notice still shows)."""
    found = app.store.product(sku)
    withdrawal = app.store.withdraw_product(found, _reason(reason), app.actor)
    if as_json:
        emit_json({"sku": found.sku, "withdrawn": True, "at": withdrawal.at})
    else:
        console.print(f"Product {found.sku} withdrawn: its origin pages now answer 410 Gone.")


@product.command("reinstate")
@click.argument("sku")
@click.option("--reason", required=True, help="Why; recorded with who and when.")
@pass_app
def product_reinstate(app: AppContext, sku: str, reason: str) -> None:
    """Put a withdrawn SKU back on sale: its origin pages answer again."""
    found = app.store.product(sku)
    app.store.reinstate_product(found, _reason(reason), app.actor)
    console.print(f"Product {found.sku} is on sale again.")


def _reason(reason: str) -> str:
    try:
        return checked_text(reason, "reason", '"discontinued"', max_length=500)
    except InputError:
        raise InputError("Give a reason of 1 to 500 printable characters with --reason.") from None
