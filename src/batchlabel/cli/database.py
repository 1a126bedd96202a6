"""Commands about the database itself: what it holds, and copying it between engines."""

from __future__ import annotations

import click
from rich.table import Table

from batchlabel.cli.app import cli
from batchlabel.cli.context import AppContext, console, emit_json, marked, pass_app
from batchlabel.store.copying import copy_database, database_info
from batchlabel.store.location import Location


@cli.group("db")
def db() -> None:
    """The database: which engine, how much it holds, and copies between SQLite and
    PostgreSQL."""


@db.command("info")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def db_info(app: AppContext, as_json: bool) -> None:
    """Which engine and schema version --db has, and how many products, batches, units and
    events it holds."""
    info = database_info(Location(app.db))
    if as_json:
        emit_json(info)
        return
    table = Table(title=info["database"], show_header=False)
    table.add_row("Engine", info["engine"])
    schema = info["schema"]
    table.add_row(
        "Schema",
        "none, and it holds other tables"
        if info.get("other_tables")
        else "none yet (empty)"
        if schema is None
        else f"{schema} (this batchlabel: {info['current_schema']})",
    )
    for key in ("products", "batches", "units", "events"):
        table.add_row(key.capitalize(), f"{info[key]:,}")
    console.print(table)


@db.command("copy")
@click.argument("source")
@click.argument("target")
@pass_app
def db_copy(app: AppContext, source: str, target: str) -> None:
    """Copy a whole database from SOURCE to the empty TARGET: a SQLite file into PostgreSQL
    (postgresql://USER@HOST/DB), or back. Ids, times and events are kept; every table's
    rows are counted on both sides before the copy is kept."""
    copied = copy_database(Location(source), Location(target))
    rows = sum(copied.values())
    console.print(
        marked(
            "Copied {} rows in {} tables into [bold]{}[/]; every table's count matches.",
            f"{rows:,}",
            len(copied),
            Location(target).shown(),
        )
    )
