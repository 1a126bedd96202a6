"""Cartons: starting one (an SSCC from the company prefix, the maker's own code, or the next
internal number) and the data of its GS1 logistic label."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from batchlabel import validation
from batchlabel.codes.gs1 import make_sscc
from batchlabel.codes.scans import carton_code
from batchlabel.errors import InputError, NotFoundError, PrinterError
from batchlabel.labels.data import LabelData
from batchlabel.labels.templates import Template, find_template
from batchlabel.models import Actor, MatchKind
from batchlabel.printers import open_printer
from batchlabel.services.lookup import CodeLookup
from batchlabel.services.printing import check_printer, label_bytes, saved_printer
from batchlabel.store import Store


def start_carton(
    store: Store,
    actor: Actor,
    own_code: str | None = None,
    company_prefix: str | None = None,
    extension: int = 0,
) -> tuple[str, str]:
    """Record a new, empty carton; answers its (code, kind)."""
    if own_code and company_prefix:
        raise InputError("Give your own carton code or a company prefix for an SSCC, not both.")
    if own_code:
        code, kind = new_carton_code(store, own_code)
    elif company_prefix:
        if not 0 <= extension <= 9:
            raise InputError("The SSCC extension digit is one digit, 0 to 9.")
        series = f"sscc:{extension}{company_prefix}"
        code = make_sscc(extension, company_prefix, store.next_carton_number(series))
        kind = "sscc"
    else:
        code, kind = f"C{store.next_carton_number('internal'):06d}", "internal"
    store.pack(code, kind, actor, new=True)
    return code, kind


_OWN_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,19}")


def new_carton_code(store: Store, text: str) -> tuple[str, str]:
    """A new carton's code and kind: an SSCC (check digit verified), or the maker's own code
    of letters, digits, '-' and '_'. An own code must not read as anything else, since its
    label is scanned: not all digits (a GS1 key), not a SKU, lot or serial already here."""
    code, kind = carton_code(text)
    if kind == "sscc":
        return code, kind
    if not _OWN_CODE.fullmatch(code) or code.isdigit():
        raise InputError(
            f"'{validation.shown(code)[:40]}' cannot be a carton code: use 1 to 20 letters, "
            "digits, '-' or '_' with at least one letter (or an SSCC from your company prefix)."
        )
    found = CodeLookup(store).resolve(code)
    if found.match not in (MatchKind.NONE, MatchKind.CARTON):
        raise InputError(
            f"'{code}' is already a {found.match} here ({found.sku} {found.lot or ''}".rstrip()
            + "), so a scan of the carton's label would open that; choose another code."
        )
    return code, kind


def units_for(store: Store, codes: Sequence[str], purpose: str) -> list[tuple[int, str]]:
    """Scanned codes to (unit id, serial); every code must name exactly one item."""
    lookup = CodeLookup(store)
    units = []
    for text in codes:
        found = lookup.resolve(text)
        if found.error:
            said = validation.shown(found.input)[:60]
            # Most answers quote what was read already; the others get it in front.
            raise InputError(found.error if said in found.error else f"'{said}': {found.error}")
        unit = lookup.unit_of(found)
        if unit is None:
            raise InputError(
                f"'{validation.shown(found.input)[:80]}' names a {found.match}, not one item; "
                "scan the item's own label.",
                needs="whole_batch" if purpose == "pack" else None,
            )
        units.append((unit.id, unit.serial))
    return units


def carton_label_data(
    store: Store, code: str, ship_from: str | None = None, ship_to: str | None = None
) -> LabelData:
    """What a carton's logistic label shows. The content GTIN (02), count (37), lot (10) and
    best-before (15) are there only when every item is of one product (and one lot for the
    lot and date); a mixed carton's label has its SSCC and a line saying what it holds."""
    carton = store.carton(code)
    if carton is None:
        raise NotFoundError(f"No carton {code} is recorded; check the code.")
    if carton.units == 0:
        raise InputError(f"Carton {code} is empty; pack it before printing its label.")
    ship_from = validation.paragraph(ship_from or "", "ship-from text", 200) or None
    ship_to = validation.paragraph(ship_to or "", "ship-to text", 200) or carton.customer
    units = store.carton_contents(code)
    products = {u["product_id"] for u in units}
    batches = {u["batch_id"] for u in units}
    one_product = len(products) == 1
    batch = store.batch_by_id(next(iter(batches))) if len(batches) == 1 else None
    product = store.product_by_id(next(iter(products))) if one_product else None
    if product is not None:
        contents = f"{len(units)} x {product.name}"
    elif units:
        contents = f"Mixed: {len(units)} items of {len(products)} products"
    else:
        contents = "Empty"
    made = [store.batch_by_id(b).made_on for b in batches]
    return LabelData(
        sku=product.sku if product else "",
        product_name=product.name if product else contents,
        product_description="",
        gtin=product.gtin if product else None,
        lot=batch.lot if batch else None,
        serial=None,
        made_on=min(made) if made else date.today(),
        best_before=batch.best_before if batch else None,
        public_url="",
        sscc=carton.code if carton.kind == "sscc" else None,
        carton=carton.code if carton.kind != "sscc" else None,
        count=len(units) if one_product else None,
        ship_from=ship_from,
        ship_to=ship_to or None,
        contents=contents,
    )


CARTON_TEMPLATE = "logistic-100x150"


def carton_template(name: str | None, templates_dir: Path | None = None) -> Template:
    """The template for a carton's label: ``name`` (or the built-in logistic label), which
    must say ``per = "carton"``."""
    template = find_template(name or CARTON_TEMPLATE, templates_dir)
    if template.per != "carton":
        raise InputError(
            f"Template '{template.name}' labels {template.per}s, not cartons; use "
            f'{CARTON_TEMPLATE} or a template with per = "carton".'
        )
    return template


@dataclass(frozen=True)
class CartonPrint:
    """A carton label ready to go: drawn in its printer's language, nothing sent yet."""

    code: str
    printer: str
    address: str
    template: str
    payload: bytes


def prepare_carton_label(
    store: Store,
    code: str,
    printer_name: str,
    template: Template,
    ship_from: str | None = None,
    ship_to: str | None = None,
) -> CartonPrint:
    """Check the printer and draw the label: every refusal comes before anything is sent."""
    saved = saved_printer(store, printer_name)
    if saved is None:
        raise NotFoundError(f"No printer named '{printer_name}' is saved.", needs="printer")
    address, dpi = saved
    check_printer(address, dpi)
    data = carton_label_data(store, code, ship_from, ship_to)
    payload = label_bytes(template, [data], dpi, address)
    return CartonPrint(code, printer_name, address, template.name, payload)


def send_carton_label(job: CartonPrint) -> str:
    """Send the label and ask the printer: '' when it says it is fine, else what it says.
    Touches no records, so it may run away from the event loop."""
    printer = open_printer(job.address)
    try:
        printer.send(job.payload, name=f"carton-{job.code}")
        status = printer.status()
    finally:
        printer.close()
    return "" if status.ready else status.problem


def record_carton_label(
    store: Store, actor: Actor, job: CartonPrint, sent: bool, problem: str = ""
) -> None:
    """Before sending (``sent`` False): that a label is going out, so a label that came
    out is never without a record. After: what the printer said."""
    if sent:
        store.record_event(
            "carton_label_printed", actor, carton=job.code, printer=job.printer,
            template=job.template, confirmed=not problem, problem=problem,
        )  # fmt: skip
    else:
        store.record_event(
            "carton_label_sending", actor, carton=job.code, printer=job.printer,
            template=job.template,
        )  # fmt: skip


def print_carton_label(
    store: Store,
    code: str,
    printer_name: str,
    actor: Actor,
    template: Template,
    ship_from: str | None = None,
    ship_to: str | None = None,
) -> str:
    """Print a carton's label on a saved printer; answers '' when the printer said it is
    fine, else what it said."""
    job = prepare_carton_label(store, code, printer_name, template, ship_from, ship_to)
    record_carton_label(store, actor, job, sent=False)
    try:
        problem = send_carton_label(job)
    except PrinterError as error:
        record_carton_label(store, actor, job, sent=True, problem=str(error))
        raise
    record_carton_label(store, actor, job, sent=True, problem=problem)
    return problem
