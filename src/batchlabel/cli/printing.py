"""Commands for printers and print jobs."""

from __future__ import annotations

import click
from rich.progress import Progress
from rich.table import Table

from batchlabel.cli.app import cli
from batchlabel.cli.context import (
    AppContext,
    Count,
    Number,
    console,
    emit_json,
    marked,
    pass_app,
    serial_list,
)
from batchlabel.errors import InputError, PrinterError
from batchlabel.labels.templates import find_template
from batchlabel.models import LabelState
from batchlabel.printers import open_printer
from batchlabel.printers.cups import cups_queues
from batchlabel.services.printing import (
    PrintOutcome,
    check_printer,
    prepare_resume,
    resolve_printer,
    run_job,
    start_job,
    with_cutting,
    with_language,
    with_model,
    with_status_over_snmp,
)
from batchlabel.store import Store
from batchlabel.store.print_jobs import PrintJob
from batchlabel.validation import MAX_COPIES


@cli.group()
def printer() -> None:
    """Printers: add by name, list (with CUPS queues), check."""


@printer.command("add")
@click.argument("name")
@click.argument("uri")
@click.option(
    "--dpi",
    type=click.Choice(["203", "300", "600"]),
    help="The printer's resolution [default: 300 for a Brother QL, else 203].",
)
@click.option(
    "--language",
    type=click.Choice(["zpl", "tspl", "epl2", "brother-ql", "pdf"]),
    default="zpl",
    show_default=True,
    help="zpl: Zebra; tspl: TSC, Rollo, Munbyn, Xprinter, iDPRT; epl2: Zebra LP/TLP 2844; "
    "brother-ql: Brother QL (300 dpi, give --media); pdf: through CUPS.",
)
@click.option("--media", help="Brother QL: the media loaded, e.g. 62 (continuous) or 62x29.")
@click.option(
    "--cut",
    type=click.Choice(["each", "end"]),
    help="Brother QL: cut after each label (the default) or once at the end of each job.",
)
@click.option(
    "--model",
    help="Brother QL: the model, e.g. QL-700 or QL-1100 [default: QL-820NWB].",
)
@click.option(
    "--status",
    "status_over",
    type=click.Choice(["port", "snmp"]),
    help="Where a network printer tells its state: on its print port (the default) or over "
    "SNMP (port 161, community public), as many network Brother QLs do.",
)
@pass_app
def printer_add(
    app: AppContext, name: str, uri: str, dpi: str | None, language: str, media: str | None,
    cut: str | None, model: str | None, status_over: str | None,
) -> None:  # fmt: skip
    """Save a printer: tcp://HOST:9100, cups://QUEUE (cups://QUEUE?pdf for non-ZPL), file:///PATH,
    with the language it speaks."""
    if media and language != "brother-ql":
        raise InputError("Only Brother QL printers are told their media; leave out --media.")
    dpi = dpi or ("300" if language == "brother-ql" else "203")
    uri = with_model(with_cutting(uri, language, cut), language, model)
    uri = with_status_over_snmp(uri, status_over)
    check_printer(with_language(uri, language, media), int(dpi))
    app.store.add_printer(name, uri, int(dpi), language, app.actor, media)
    console.print(marked("Saved printer [bold]{}[/] = {} at {} dpi.", name, uri, dpi))


@printer.command("remove")
@click.argument("name")
@pass_app
def printer_remove(app: AppContext, name: str) -> None:
    """Forget a saved printer (its past jobs keep the address they printed to)."""
    app.store.remove_printer(name, app.actor)
    console.print(marked("Removed printer [bold]{}[/].", name))


@printer.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def printer_list(app: AppContext, as_json: bool) -> None:
    """Saved printers and the CUPS queues of this machine."""
    saved = app.store.printers()
    queues = cups_queues()
    if as_json:
        emit_json({"printers": saved, "cups_queues": queues})
        return
    table = Table("Name", "URI", "dpi", "Language", "Media", "Last status", title="Printers")
    for p in saved:
        last = f"{p['last_status']} ({p['last_checked'][:16]})" if p["last_status"] else ""
        table.add_row(p["name"], p["uri"], str(p["dpi"]), p["language"], p["media"] or "", last)
    for queue in queues:
        table.add_row(f"(CUPS) {queue}", f"cups://{queue}", "-", "zpl or pdf", "", "")
    console.print(table)


@printer.command("check")
@click.argument("name")
@click.option("--timeout", type=Number(0.1, 600), default=5.0, show_default=True)
@pass_app
def printer_check(app: AppContext, name: str, timeout: float) -> None:
    """Is the printer reachable and ready (paper, ribbon, head, pause)?"""
    uri, _ = resolve_printer(app.store, name)
    device = open_printer(uri, timeout)
    try:
        status = device.status()
    finally:
        device.close()
    if app.store.printer(name) is not None:
        app.store.note_printer_status(name, "ready" if status.ready else status.problem)
    if status.ready:
        console.print(
            f"Printer {name} is ready ({status.buffered_formats} label(s) waiting in its buffer)."
        )
        return
    raise click.ClickException(status.problem)


@cli.command("print")
@click.argument("lot", required=False)
@click.option("--template", "template_name", default="item-50x30", show_default=True)
@click.option("--printer", "printer_name", help="A saved printer's name, or a URI.")
@click.option("--serials", help="Comma-separated serials of the batch.")
@click.option("--count", type=Count(), help="Allocate and print N new serials.")
@click.option("--copies", type=Count(max=MAX_COPIES), default=1, show_default=True)
@click.option("--dpi", type=click.Choice(["203", "300", "600"]))
@click.option(
    "--allow-unreleased",
    "allow_unreleased",
    is_flag=True,
    help="Print for a batch QA has not released.",
)
@click.option("--reason", help="Why (required with --allow-unreleased).")
@click.option(
    "--resume",
    "resume_job",
    type=Count(max=2**62),
    help="Send the labels of job N that were not sent.",
)
@click.option("--sku", help="The product, when several share this lot code.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def print_command(
    app: AppContext,
    lot: str | None,
    template_name: str,
    printer_name: str | None,
    serials: str | None,
    count: int | None,
    copies: int,
    dpi: str | None,
    allow_unreleased: bool,
    reason: str | None,
    resume_job: int | None,
    sku: str | None,
    as_json: bool,
) -> None:
    """Print a batch's labels; every label of the job is recorded and never sent twice."""
    store = app.store
    if resume_job is not None:
        job = store.print_job(resume_job)
        uri = resolve_printer(store, printer_name)[0] if printer_name else None
        template = find_template(job.template, app.templates_dir)
        prepare_resume(store, job.id, template, app.actor, uri, app.resolver)
        outcome = _run(app, job.id, job.template, copies, as_json, uri)
        _report(store, outcome, as_json)
        return
    if not lot or not printer_name:
        raise click.UsageError("Give a LOT and --printer (or --resume JOB).")
    if allow_unreleased and not (reason or "").strip():
        raise InputError(
            "--allow-unreleased needs a --reason that says why, recorded with the job."
        )
    uri, saved_dpi = resolve_printer(store, printer_name)
    batch = store.batch(lot, sku)
    template = find_template(template_name, app.templates_dir)
    wanted = serial_list(serials)
    job_id = start_job(
        store,
        batch,
        template,
        uri,
        int(dpi or saved_dpi or 203),
        app.actor,
        wanted,
        count,
        copies,
        reason if allow_unreleased else None,
        resolver=app.resolver,
    )
    _report(store, _run(app, job_id, template.name, copies, as_json), as_json)


def _run(
    app: AppContext,
    job_id: int,
    template_name: str,
    copies: int,
    quiet: bool,
    uri: str | None = None,
) -> PrintOutcome:
    store = app.store
    job = store.print_job(job_id)
    template = find_template(template_name, app.templates_dir)
    pending = job.count(LabelState.PENDING)
    with Progress(console=console, transient=True, disable=quiet) as bar:
        task = bar.add_task(f"Job {job_id}: printing", total=pending)
        device = open_printer(uri) if uri else None
        try:
            return run_job(
                store,
                job_id,
                template,
                app.actor,
                device,
                resolver=app.resolver,
                progress=lambda n: bar.advance(task, n),
                copies=copies,
            )
        finally:
            if device is not None:
                device.close()


def _report(store: Store, outcome: PrintOutcome, as_json: bool) -> None:
    job: PrintJob = outcome.job
    if as_json:
        emit_json(
            {
                "job": job.id,
                "confirmed": store.job_serials(job.id, LabelState.CONFIRMED),
                "uncertain": store.job_serials(job.id, LabelState.SENT),
                "pending": store.job_serials(job.id, LabelState.PENDING),
                "note": outcome.note,
            }
        )
    elif outcome.confirmed and not outcome.sent:
        console.print(f"Job {job.id}: {outcome.note}", markup=False)
    elif outcome.confirmed:
        console.print(f"Job {job.id}: {outcome.confirmed_labels} label(s) printed and confirmed.")
    if not outcome.confirmed:
        # Exit 1: the packer must look at the labels before going on.
        raise PrinterError(
            f"Job {job.id}: {outcome.sent} label(s) sent but not confirmed. {outcome.note} "
            "Check them; reprint any that did not come out with 'batchlabel reprint SERIAL --reason TEXT'."
        )
    uncertain = store.job_serials(job.id, LabelState.SENT)
    if uncertain and not as_json:
        # Left by an earlier, broken run: only a person looking at the labels can settle them.
        console.print(
            f"Job {job.id}: {len(uncertain)} label(s) from an earlier run are still uncertain "
            f"({', '.join(uncertain[:8])}{', ...' if len(uncertain) > 8 else ''}); reprint the "
            "ones that did not come out with 'batchlabel reprint SERIAL... --reason TEXT', or "
            "void them with 'batchlabel void SERIAL... --reason TEXT'.",
            style="bold yellow",
            markup=False,
        )


@cli.command()
@click.argument("serials", nargs=-1, required=True)
@click.option("--reason", required=True, help="Why the label is printed again (recorded).")
@click.option("--printer", "printer_name", required=True)
@click.option("--template", "template_name", default="item-50x30", show_default=True)
@click.option("--sku", help="The product, when several share a serial.")
@pass_app
def reprint(
    app: AppContext,
    serials: tuple[str, ...],
    reason: str,
    printer_name: str,
    template_name: str,
    sku: str | None,
) -> None:
    """Print labels again for serials that already had one (damaged, uncertain)."""
    store = app.store
    units = store.units_anywhere(serials, sku)
    batches = {u.batch_id for u in units}
    if len(batches) > 1:
        raise InputError("Reprint serials of one batch at a time.")
    batch = store.batch_by_id(batches.pop())
    uri, saved_dpi = resolve_printer(store, printer_name)
    template = find_template(template_name, app.templates_dir)
    job_id = start_job(
        store,
        batch,
        template,
        uri,
        saved_dpi or 203,
        app.actor,
        kind="reprint",
        units=units,
        allow_unreleased=None,
        reprint_reason=reason,
    )
    outcome = _run(app, job_id, template.name, 1, False)
    _report(store, outcome, False)


@cli.command()
@click.argument("serials", nargs=-1, required=True)
@click.option("--reason", required=True, help="Why (damaged label, lost item...).")
@click.option("--sku", help="The product, when several share a serial.")
@pass_app
def void(app: AppContext, serials: tuple[str, ...], reason: str, sku: str | None) -> None:
    """Void serials for good: they are never reused and never printed again."""
    store = app.store
    units = store.units_anywhere(serials, sku)
    store.void_units(units, reason, app.actor)
    console.print(f"Voided {len(units)} serial(s): {', '.join(u.serial for u in units)}.")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_app
def jobs(app: AppContext, as_json: bool) -> None:
    """Recent print jobs and the state of their labels."""
    rows = app.store.print_jobs()
    if as_json:
        emit_json(rows)
        return
    table = Table(
        "Job",
        "Kind",
        "Lot",
        "SKU",
        "Template",
        "Printer",
        "Confirmed",
        "Uncertain",
        "Pending",
        "Voided",
    )
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["kind"],
            r["lot"],
            r["sku"],
            r["template"],
            r["printer"],
            str(r["confirmed"] or 0),
            str(r["sent"] or 0),
            str(r["pending"] or 0),
            str(r["voided"] or 0),
        )
    console.print(table)
