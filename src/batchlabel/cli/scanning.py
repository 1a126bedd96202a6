"""Commands for scanning: resolve codes, and receive a delivery scan by scan."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import click
from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from batchlabel.cli.app import cli
from batchlabel.cli.context import AppContext, console, emit_json, pass_app
from batchlabel.cli.records import STATUS_STYLE
from batchlabel.codes.images import codes_in_file
from batchlabel.models import MatchKind
from batchlabel.services.lookup import CodeLookup, Resolution
from batchlabel.services.receiving import (
    DUPLICATE,
    NOT_RELEASED,
    UNEXPECTED,
    UNKNOWN,
    ReceivingSession,
    ScanOutcome,
    read_expected,
)

END_WORDS = {"done", "end", "quit", "exit"}


@cli.command()
@click.argument("codes", nargs=-1)
@click.option(
    "--image",
    "images",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A photo (PNG/JPEG) or PDF to read codes from; repeat for several.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input.")
@pass_app
def resolve(
    app: AppContext, codes: tuple[str, ...], images: tuple[Path, ...], as_json: bool
) -> None:
    """What a scanned code is: its product, batch and serial, and anything wrong with it.

    Exit status 0 only when every code matched a record."""
    if not codes and not images:
        raise click.UsageError("Give one or more CODEs, or --image FILE.")
    inputs = list(codes)
    for image in images:
        inputs.extend(codes_in_file(image))
    lookup = CodeLookup(app.store)
    results = []
    for code in inputs:
        found = lookup.resolve(code)
        lookup.record(found, app.actor, command="resolve")
        results.append(found)
    if as_json:
        emit_json([r.public() for r in results] if len(results) > 1 else results[0].public())
    else:
        for found in results:
            console.print(_describe(found))
    if any(r.match == MatchKind.NONE for r in results):
        sys.exit(1)


@cli.command()
@click.option(
    "--expect",
    "expect_file",
    type=click.Path(path_type=Path),
    help="What the delivery should hold: one code per line, or CODE,QUANTITY.",
)
@click.option("--station", help="This receiving station's name (recorded with each scan).")
@click.option("--json", "as_json", is_flag=True, help="JSON lines: one per scan, then the summary.")
@pass_app
def receive(app: AppContext, expect_file: Path | None, station: str | None, as_json: bool) -> None:
    """Scan a delivery: one code per line from the scanner; Ctrl-D or 'done' ends it."""
    actor = dataclasses.replace(app.actor, station=station) if station else app.actor
    lookup = CodeLookup(app.store)
    expected = read_expected(expect_file, lookup) if expect_file else None
    session = ReceivingSession(lookup, actor, expected)
    scans = _scans(sys.stdin)
    try:
        if as_json:
            for raw in scans:
                click.echo(json.dumps(session.scan(raw).public(), ensure_ascii=False))
        elif console.is_terminal:
            _live(session, scans)
        else:
            for raw in scans:
                console.print(_scan_line(session.scan(raw)))
    except KeyboardInterrupt:
        pass  # Ctrl-C ends the session like Ctrl-D: every scan is already saved
    summary = session.finish()
    if as_json:
        click.echo(json.dumps({"summary": summary}, ensure_ascii=False))
    else:
        console.print(_summary_table(summary))
    if summary["missing"] or summary["unknown"] or summary["extra"]:
        sys.exit(1)


def _scans(stream: TextIO) -> Iterator[str]:
    for line in stream:
        if line.strip().lower() in END_WORDS:
            return
        if line.strip():
            yield line


def _live(session: ReceivingSession, scans: Iterator[str]) -> None:
    recent: list[ScanOutcome] = []
    with Live(_view(session, recent), console=console, auto_refresh=False) as live:
        for raw in scans:
            outcome = session.scan(raw)
            recent = [outcome, *recent][:12]
            if outcome.flags:  # anything flagged deserves a beep
                console.bell()
            live.update(_view(session, recent), refresh=True)


def _view(session: ReceivingSession, recent: list[ScanOutcome]) -> Group:
    summary = session.summary()
    head = Text.assemble(
        (f"Session {session.session}  ", "bold"),
        f"{summary['received']} received",
        f", {summary['expected_received']} of {summary['expected']} expected"
        if session.expected
        else "",
        (f"  {len(summary['duplicates'])} duplicate(s)", "yellow") if summary["duplicates"] else "",
        (f"  {len(summary['unknown'])} unknown", "red") if summary["unknown"] else "",
        (f"  {len(summary['extra'])} not expected", "red") if summary["extra"] else "",
        "   (Ctrl-D or 'done' ends)",
    )
    return Group(head, *[_scan_line(o) for o in recent])


FLAG_TEXT = {
    DUPLICATE: "DUPLICATE",
    UNKNOWN: "UNKNOWN",
    NOT_RELEASED: "NOT RELEASED",
    UNEXPECTED: "NOT EXPECTED",
}


def _scan_line(outcome: ScanOutcome) -> Text:
    found = outcome.resolution
    line = Text(f"{outcome.number:>4} ")
    for flag in outcome.flags:
        if flag in FLAG_TEXT:
            line.append(f"[{FLAG_TEXT[flag]}] ", style="bold white on red")
    line.append_text(_describe(found))
    return line


def _describe(found: Resolution) -> Text:
    text = Text()
    if found.match == MatchKind.NONE:
        text.append("no match ", style="bold red")
        text.append(f"{found.input!r}: {found.error}")
        for warning in found.warnings:
            text.append(f"\n     ! {warning}", style="yellow")
        return text
    text.append(f"{found.match:<8}", style="bold green")
    if found.match == MatchKind.CARTON:
        text.append(f"{found.carton}: ")
        text.append(
            "; ".join(
                f"{row['units']} x {row['sku']} lot {row['lot']} ({row['status']})"
                for row in found.contents
            )
            or "empty"
        )
        for warning in found.warnings:
            text.append(f"\n     ! {warning}", style="bold red")
        return text
    text.append(f"{found.sku} {found.product_name}")
    if found.lot is not None:
        text.append(f" · lot {found.lot}")
    if found.batch_status is not None:
        text.append(f" ({found.batch_status})", style=STATUS_STYLE.get(found.batch_status, ""))
    if found.match == MatchKind.UNIT:
        text.append(f" · serial {found.serial} ({found.unit_state})")
    for warning in found.warnings:
        text.append(f"\n     ! {warning}", style="bold red")
    return text


def _summary_table(summary: dict[str, Any]) -> Table:
    table = Table(title=f"Receiving session {summary['session']}", show_header=False)
    table.add_row("Scans", str(summary["scans"]))
    if summary["expected"]:
        table.add_row(
            "Expected",
            f"{summary['expected_received']} of {summary['expected']} received",
            style="green" if summary["expected_received"] == summary["expected"] else "bold red",
        )
    table.add_row("Items", f"{summary['received']} received")
    for item in summary["missing"]:
        table.add_row("Missing", f"{item['missing']} x {item['code']}", style="bold red")
    for key, title in (
        ("extra", "Not expected"),
        ("duplicates", "Duplicate"),
        ("unknown", "Unknown"),
    ):
        for code in summary[key]:
            table.add_row(title, code.strip(), style="red" if key != "duplicates" else "yellow")
    if summary["not_released"]:
        table.add_row("Not released", f"{summary['not_released']} scan(s)", style="bold red")
    return table
