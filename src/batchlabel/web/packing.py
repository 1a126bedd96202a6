"""Packing in the browser, under /station/pack: start a carton (an SSCC from the company
prefix, or the maker's own code), scan items into it, take one out with a reason, close it,
print its GS1 logistic label, and ship closed cartons to a customer. The same store calls
and refusals as ``carton new``, ``pack``, ``unpack``, ``carton label`` and ``ship``."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from batchlabel import validation
from batchlabel.codes.scans import carton_code, code_lines
from batchlabel.errors import BatchlabelError, ConflictError, InputError, PrinterError
from batchlabel.labels.templates import Template, list_templates
from batchlabel.models import Carton
from batchlabel.services.cartons import (
    CARTON_TEMPLATE,
    prepare_carton_label,
    record_carton_label,
    send_carton_label,
    start_carton,
    units_for,
)
from batchlabel.web.kit import Kit, Visit, explain, field, notice, notice_target, status_of

MAX_CODES = 500  # items added in one go
MAX_FIELD_CHARS = 200_000


def carton_url(code: str) -> str:
    """A carton's page, under the station's prefix."""
    return f"/pack/{quote(code, safe='')}"


def packing_routes(
    kit: Kit, templates_dir: Path | None, company_prefix: str | None, maker: str | None
) -> list[Route]:
    def carton_of(request: Request) -> Carton:
        try:
            code, _ = carton_code(request.path_params["code"])
        except InputError as error:
            raise HTTPException(404, explain(error)) from None
        found = kit.store().carton(code)
        if found is None:
            raise HTTPException(404, f"No carton {code} is recorded; check the code.")
        return found

    def list_page(
        visit: Visit,
        error: str | None = None,
        status: int = 200,
        notice: str | None = None,
        shipping: dict[str, Any] | None = None,
    ) -> Response:
        cartons = kit.store().recent_cartons()
        return kit.page(
            "pack.html", visit, status, error=error, notice=notice,
            shipping=shipping or {"cartons": [], "shipment": "", "customer": ""},
            open_cartons=[c for c in cartons if c.closed_at is None and c.shipment is None],
            closed=[c for c in cartons if c.closed_at is not None and c.shipment is None],
            shipped=[c for c in cartons if c.shipment is not None][:30],
            company_prefix=company_prefix or "", carton_url=carton_url,
        )  # fmt: skip

    def carton_page(visit: Visit, carton: Carton, status: int = 200, **extra: Any) -> Response:
        records = kit.store()
        return kit.page(
            "carton.html", visit, status, carton=carton,
            batches=records.carton_batches(carton.id),
            items=records.carton_contents(carton.code),
            printers=records.printers(),
            templates=carton_templates(),
            default_template=CARTON_TEMPLATE, maker=maker or "", carton_url=carton_url, **extra,
        )  # fmt: skip

    async def cartons(request: Request, visit: Visit) -> Response:
        return list_page(visit, notice=notice(request, visit))

    async def start(request: Request, visit: Visit) -> Response:
        form = await request.form()
        try:
            own = field(form, "code").strip() or None
            prefix = field(form, "company_prefix").strip() or None
            code, _ = start_carton(kit.store(), visit.actor, own, prefix)
        except BatchlabelError as error:
            return list_page(visit, explain(error), status_of(error))
        return kit.redirect(carton_url(code))

    async def show(request: Request, visit: Visit) -> Response:
        return carton_page(visit, carton_of(request), notice=notice(request, visit))

    async def act(request: Request, visit: Visit) -> Response:
        carton = carton_of(request)
        action = request.path_params["action"]
        form = await request.form()
        wants_json = "application/json" in request.headers.get("accept", "")
        try:
            if len(field(form, "code")) + len(field(form, "serials")) > MAX_FIELD_CHARS:
                raise InputError("That is more than a carton's worth of codes; add fewer at once.")
            if action == "label":
                done = await _label(carton, form, visit)
            else:
                done = _act(action, carton, form, visit)
        except BatchlabelError as error:
            if wants_json:
                return kit.json({"error": explain(error)}, status_of(error))
            return carton_page(visit, carton, status_of(error), error=explain(error))
        if wants_json:
            records = kit.store()
            items = records.carton_contents(carton.code)
            held = "cannot ship until QA releases it" in done
            scan = {
                "number": len(items), "code": validation.shown(field(form, "code"))[:80],
                "what": done, "name": "", "verdicts": ["Not released"] if held else [],
                "tone": "hold" if held else "ok",
                "who": f"{visit.user.name} at {visit.station}", "warnings": [],
            }  # fmt: skip
            rows = [[i["serial"], i["sku"], i["lot"], i["status"].replace("_", " ")] for i in items]
            batches = [
                [f"{b['sku']} lot {b['lot']}", f"{b['units']} ({b['status'].replace('_', ' ')})"]
                for b in records.carton_batches(carton.id)
            ]
            return kit.json(
                {"scan": scan, "summary": {"items": len(items)}, "rows": rows, "batches": batches}
            )
        return kit.redirect(notice_target(carton_url(carton.code), done, visit))

    def _act(action: str, carton: Carton, form: FormData, visit: Visit) -> str:
        records = kit.store()
        if action == "add":
            codes = [line for line in code_lines(field(form, "code")) if line.strip()]
            if not codes:
                raise InputError("Scan an item's label, or type its code and press Enter.")
            if len(codes) > MAX_CODES:
                raise InputError(f"Add at most {MAX_CODES} items at once.")
            units = units_for(records, codes, "pack")
            packed = records.pack(
                carton.code, carton.kind, visit.actor, [unit for unit, _ in units]
            )
            if len(packed) == 1:
                lot, serial = packed[0]
                done = f"Packed serial {serial} (lot {lot}) into {carton.code}."
            else:
                done = f"Packed {len(packed)} items into {carton.code}."
            lots = {lot for lot, _ in packed}
            held = [
                f"Batch {row['lot']} is {row['status'].replace('_', ' ')}: this carton cannot "
                "ship until QA releases it."
                for row in records.carton_batches(carton.id)
                if row["lot"] in lots and row["status"] != "released"
            ]
            return " ".join([done, *held])
        if action == "unpack":
            serials = [line for line in code_lines(field(form, "serials")) if line.strip()]
            if not serials:
                raise InputError("Scan or type the item to take out.")
            units = units_for(records, serials, "unpack")
            removed = records.unpack(
                carton.code, field(form, "reason"), visit.actor, [unit for unit, _ in units]
            )
            done = f"Took {len(removed)} item(s) out of {carton.code}."
            if carton.closed_at is not None:
                done += " It is open again: close it and print its label again."
            return done
        if action == "close":
            records.close_carton(carton.code, visit.actor)
            return f"Closed carton {carton.code}; it is ready to ship."
        raise HTTPException(404, "There is no page at this address.")

    async def _label(carton: Carton, form: FormData, visit: Visit) -> str:
        """Print the carton's label: drawn and recorded here, sent by a worker thread so a
        slow or silent printer holds up no one else at the station."""
        records = kit.store()
        offered = {t.name: t for t in carton_templates()}
        chosen = field(form, "template") or CARTON_TEMPLATE
        if chosen not in offered:
            raise InputError(f"Choose one of the carton templates: {', '.join(offered)}.")
        job = prepare_carton_label(
            records, carton.code, field(form, "printer"), offered[chosen],
            field(form, "ship_from") or None, field(form, "ship_to") or None,
        )  # fmt: skip
        record_carton_label(records, visit.actor, job, sent=False)
        try:
            problem = await run_in_threadpool(send_carton_label, job)
        except PrinterError as error:
            record_carton_label(records, visit.actor, job, sent=True, problem=str(error))
            raise
        record_carton_label(records, visit.actor, job, sent=True, problem=problem)
        if problem:
            return f"Sent the label of {carton.code}; the printer says: {problem}"
        return f"Printed the label of {carton.code}."

    def carton_templates() -> list[Template]:
        return [t for t in list_templates(templates_dir) if t.per == "carton"]

    async def ship(request: Request, visit: Visit) -> Response:
        form = await request.form()
        chosen = [str(c) for c in form.getlist("carton")]
        records = kit.store()
        try:
            if not chosen:
                raise InputError("Tick the closed cartons to ship.")
            for code in chosen:
                found = records.carton(code)
                if found is not None and found.closed_at is None and found.shipment is None:
                    raise ConflictError(f"Carton {code} is open; close it before shipping.")
            shipment = validation.line(field(form, "shipment"), "shipment code", 60)
            sent = records.ship(shipment, field(form, "customer"), chosen, visit.actor)
        except BatchlabelError as error:
            # What was filled in stays, to be put right rather than typed again.
            kept = {"cartons": chosen, "shipment": field(form, "shipment")[:60],
                    "customer": field(form, "customer")[:120]}  # fmt: skip
            return list_page(visit, explain(error), status_of(error), shipping=kept)
        told = (
            f"Shipped {sent.code}: {sent.cartons} carton{'s' if sent.cartons != 1 else ''}, "
            f"{sent.units} item{'s' if sent.units != 1 else ''} to {sent.customer}."
        )
        return kit.redirect(notice_target("/pack", told, visit))

    return [
        Route("/pack", kit.signed_in(cartons), methods=["GET"]),
        Route("/pack", kit.signed_in(start, "POST"), methods=["POST"]),
        Route("/pack/ship", kit.signed_in(ship, "POST"), methods=["POST"]),
        Route("/pack/{code}", kit.signed_in(show), methods=["GET"]),
        Route("/pack/{code}/{action}", kit.signed_in(act, "POST"), methods=["POST"]),
    ]
