"""The packing station under /station/: signed-in pages for packers, QA and admins.

Server-rendered pages that work without JavaScript (a little script refreshes the preview,
printer states and job progress). Every page needs a sign-in: a random cookie (HttpOnly,
SameSite=Lax, Secure over https) whose hash the store keeps, expiring after a while idle.
Every form that changes something carries the sign-in's CSRF token; a role without the right
gets 403 whatever the page showed. Each action is recorded with the person and the station
(the bench), in the same events as the command line.
"""

from __future__ import annotations

import asyncio
import hmac
import io
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from batchlabel import validation
from batchlabel.codes.serial_formats import parse_format
from batchlabel.errors import BatchlabelError, ConflictError, InputError, NotFoundError
from batchlabel.labels.data import label_data
from batchlabel.labels.templates import Template, find_template, list_templates
from batchlabel.models import (
    Actor,
    Batch,
    BatchStatus,
    LabelState,
    Product,
    Role,
    Unit,
    UnitState,
)
from batchlabel.printers import open_printer
from batchlabel.render import render_label
from batchlabel.services.lookup import CodeLookup
from batchlabel.services.people import (
    checked_password,
    hash_password,
    password_matches,
    sign_in_record,
)
from batchlabel.services.printing import (
    check_printer,
    prepare_resume,
    saved_printer,
    start_job,
    test_label_bytes,
    with_cutting,
    with_language,
    with_model,
    with_status_over_snmp,
)
from batchlabel.services.quality import (
    latest_results,
    recipe_for,
    record_check,
    record_step,
    release,
)
from batchlabel.store import Store
from batchlabel.web.jobs import JobRunner
from batchlabel.web.kit import (
    PREFIX,
    STATION_HEADERS,
    Kit,
    Page,
    Visit,
    explain,
    station_headers,
    status_of,
)
from batchlabel.web.kit import field as form_field
from batchlabel.web.packing import carton_url, packing_routes
from batchlabel.web.ratelimit import RateLimiter
from batchlabel.web.receiving import receiving_routes

SESSION_COOKIE = "batchlabel_session"
STATION_COOKIE = "batchlabel_station"
STATUS_ACTIONS = {
    "release": BatchStatus.RELEASED,
    "quarantine": BatchStatus.QUARANTINED,
    "reject": BatchStatus.REJECTED,
    "recall": BatchStatus.RECALLED,
}
# Files the pages load, all from this server: the camera's decoder is zxing-wasm's reader,
# shipped in the package unchanged (scripts/vendor-zxing.sh fetches and checks it).
STATIC = {
    "station.css": "text/css",
    "station.js": "text/javascript",
    "camera.js": "text/javascript",
    "zxing/share.js": "text/javascript",
    "zxing/reader/index.js": "text/javascript",
    "zxing/reader/zxing_reader.wasm": "application/wasm",
}


@dataclass
class Desk:
    """What the station needs besides the public site: sign-in rules and the job runner."""

    database: str  # a SQLite file or a PostgreSQL URL
    public_url: str
    idle: timedelta
    runner: JobRunner
    templates_dir: Path | None = None
    company_prefix: str | None = None  # cartons started here get SSCCs with it
    maker: str | None = None  # the ship-from text of carton labels
    # Sign-in attempts: a few in a row, then a pause, per name and per client address.
    by_name: RateLimiter = field(default_factory=lambda: RateLimiter(0.1, burst=5))
    by_client: RateLimiter = field(default_factory=lambda: RateLimiter(0.2, burst=10))
    # argon2 checks running at once: a flood of sign-ins cannot take every core.
    checking: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))


def station_routes(
    desk: Desk, store: Callable[[], Store], render: Callable[[str, dict[str, Any]], str]
) -> list[Route]:
    """The station's routes, to mount under /station. ``store`` gives the site's connection
    (used from the event loop only); ``render`` renders a page template."""

    def page(view: str, visit: Visit | None, status: int = 200, **context: Any) -> Response:
        html = render(
            f"station/{view}",
            {"visit": visit, "prefix": PREFIX, "batch_url": batch_url, **context},
        )
        return station_headers(HTMLResponse(html, status_code=status))

    def signed_in(handler: Page, method: str = "GET") -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if method == "POST" and not _same_origin(request):
                raise HTTPException(403, "This form came from another site; nothing was changed.")
            visit = _visit(store(), desk, request)
            if visit is None:
                if method == "GET":
                    target = PREFIX + "/login?" + urlencode({"next": request.url.path})
                    return station_headers(RedirectResponse(target, 303))
                return station_headers(RedirectResponse(PREFIX + "/login", 303))
            if method == "POST":
                form = await request.form()
                sent = str(form.get("csrf", "")) or request.headers.get("x-csrf-token", "")
                if not hmac.compare_digest(sent.encode("utf-8", "replace"), visit.csrf.encode()):
                    raise HTTPException(
                        403, "This form has expired; reload the page and try again."
                    )
            response = await handler(request, visit)
            # In use, the sign-in lasts: the browser's copy is renewed with every answer.
            token = request.cookies.get(SESSION_COOKIE, "")
            if not (
                300 <= response.status_code < 400
                and "/login" in response.headers.get("location", "")
            ):
                _set_session_cookie(response, request, token, desk)
            return response

        return endpoint

    # -- signing in -------------------------------------------------------------------------

    async def login_form(request: Request) -> Response:
        station = request.cookies.get(STATION_COOKIE, "")
        return page(
            "login.html", None, next=_safe_next(request.query_params.get("next")), station=station
        )

    async def login(request: Request) -> Response:
        if not _same_origin(request):
            raise HTTPException(403, "This form came from another site; nothing was changed.")
        form = await request.form()
        name = str(form.get("name", "")).strip()
        password = str(form.get("password", ""))
        station = str(form.get("station", "")).strip()
        target = _safe_next(str(form.get("next", "")))
        client = request.client.host if request.client else "?"
        name_key = name.casefold()[:60]
        wait = max(desk.by_name.peek(name_key), desk.by_client.peek(client))
        if wait:
            response = page(
                "login.html", None, 429, next=target, station=station, name=name,
                error=f"Too many sign-in attempts; wait {max(1, round(wait))} s and try again.",
            )  # fmt: skip
            response.headers["retry-after"] = str(max(1, round(wait)))
            return response
        try:
            station = validation.line(station or "web", "station name", max_length=60)
        except InputError as error:
            return page("login.html", None, 400, next=target, name=name, error=str(error))
        # Every attempt is charged before it is checked, so attempts sent all at once are
        # held back as well; a success gives its charge back.
        desk.by_name.wait(name_key)
        desk.by_client.wait(client)
        # The records are read here, on the event loop that owns the connection; only the
        # slow hash check runs in a worker thread, a few at a time.
        found = sign_in_record(store(), name)
        async with desk.checking:
            user = await run_in_threadpool(password_matches, found, password)
        if user is None:
            return page(
                "login.html", None, 401, next=target, station=station, name=name,
                error="That name and password do not match an active person here.",
            )  # fmt: skip
        desk.by_name.refund(name_key)
        desk.by_client.refund(client)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        store().sign_in(user, token, csrf, Actor(user.name, station))
        response = RedirectResponse(target, 303)
        secure = request.url.scheme == "https"
        _set_session_cookie(response, request, token, desk)
        response.set_cookie(
            STATION_COOKIE, station, max_age=365 * 86400, path=PREFIX, httponly=True,
            samesite="lax", secure=secure,
        )  # fmt: skip
        return station_headers(response)

    async def logout(request: Request, visit: Visit) -> Response:
        token = request.cookies.get(SESSION_COOKIE, "")
        store().sign_out(token)
        response = RedirectResponse(PREFIX + "/login", 303)
        response.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return station_headers(response)

    # -- today's work -----------------------------------------------------------------------

    async def home(request: Request, visit: Visit) -> Response:
        return home_page(visit)

    def home_page(
        visit: Visit, message: str | None = None, only: list[Batch] | None = None, status: int = 200
    ) -> Response:
        """Today's work, or only ``only`` (a search that found several batches)."""
        records = store()
        groups = []
        for state in (BatchStatus.IN_PRODUCTION, BatchStatus.QUARANTINED, BatchStatus.RELEASED):
            if only is None:
                batches = records.batches(status=state)[-50:][::-1]
            else:
                batches = [b for b in only if b.status == state]
            counts = records.unit_counts_by_batch([b.id for b in batches])
            shipped: dict[int, int] = {}
            for row in records.distribution([b.id for b in batches]):
                if row["shipment"] is not None:
                    shipped[row["batch_id"]] = shipped.get(row["batch_id"], 0) + row["units"]
            groups.append(
                (state, [(b, counts.get(b.id, {}), shipped.get(b.id, 0)) for b in batches])
            )
        return page("home.html", visit, status, groups=groups, message=message)

    async def find(request: Request, visit: Visit) -> Response:
        code = request.query_params.get("code", "").strip()
        if not code:
            return station_headers(RedirectResponse(PREFIX + "/", 303))
        records = store()
        found = CodeLookup(records).resolve(code)
        if found.carton is not None:  # a carton's label opens the carton
            return station_headers(RedirectResponse(PREFIX + carton_url(found.carton), 303))
        if found.batch_id is not None:
            batch = records.batch_by_id(found.batch_id)
            return station_headers(RedirectResponse(batch_url(batch), 303))
        matches = records.batches_with_lot(code) or (
            records.batches(sku=code) if records.find_product(code) else []
        )
        if len(matches) == 1:
            return station_headers(RedirectResponse(batch_url(matches[0]), 303))
        if matches:
            return home_page(visit, f"Batches of {validation.shown(code)[:60]}:", matches[-100:])
        message = found.error or f"'{validation.shown(code)[:60]}' names no batch or item here."
        return home_page(visit, message, status=404)

    # -- a batch ----------------------------------------------------------------------------

    def batch_of(request: Request) -> tuple[Batch, str]:
        parts = _raw_segments(request, PREFIX + "/batch/")
        if len(parts) not in (2, 3):
            raise HTTPException(404, "There is no page at this address.")
        try:
            batch = store().batch(parts[1], parts[0])
        except NotFoundError:
            raise HTTPException(404, "No such batch is recorded.") from None
        return batch, parts[2] if len(parts) == 3 else ""

    def batch_page(visit: Visit, batch: Batch, status: int = 200, **extra: Any) -> Response:
        records = store()
        product = records.product(batch.sku)
        recipe = recipe_for(records, batch.product_id)
        results = latest_results(records, batch)
        counts = records.unit_counts(batch)
        shipped = sum(r["units"] for r in records.distribution([batch.id]) if r["shipment"])
        templates = offered_templates(product, batch)
        history = [e for e in records.events(batch) if e.kind == "status_changed"]
        return page(
            "batch.html", visit, status,
            batch=batch, product=product, recipe=recipe, results=results, counts=counts,
            shipped=shipped,
            steps=records.steps(batch), history=history, jobs=records.print_jobs(20, batch.id),
            complaints=records.complaints(batch), templates=templates, printers=records.printers(),
            serials_text=_serials_text(records.units(batch, 200)), actions=STATUS_ACTIONS, **extra,
        )  # fmt: skip

    async def batch_view(request: Request, visit: Visit) -> Response:
        batch, action = batch_of(request)
        if action == "preview.png":
            return await preview(request, batch)
        if action:
            raise HTTPException(404, "There is no page at this address.")
        return batch_page(visit, batch, done=request.query_params.get("done"))

    async def batch_action(request: Request, visit: Visit) -> Response:
        batch, action = batch_of(request)
        form = await request.form()
        try:
            if action == "print":
                visit.need(Role.PACKER)
                return await print_labels(visit, batch, form)
            if action == "step":
                visit.need(Role.PACKER)
                record_step(
                    store(), batch, form_field(form, "step"), form_field(form, "notes"), visit.actor
                )
                done = "step"
            elif action == "check":
                visit.need(Role.QA)
                outcome = form_field(form, "outcome")
                value = _number(form_field(form, "value")) if form_field(form, "value") else None
                passed = {"pass": True, "fail": False}.get(outcome)
                record_check(
                    store(),
                    batch,
                    form_field(form, "check"),
                    visit.actor,
                    passed,
                    value,
                    form_field(form, "notes"),
                )
                done = "check"
            elif action == "status":
                visit.need(Role.QA)
                target = STATUS_ACTIONS.get(form_field(form, "to"))
                if target is None:
                    raise InputError("Choose what to do with the batch.")
                reason = form_field(form, "reason") or None
                if target == BatchStatus.RELEASED:
                    release(
                        store(), batch, visit.actor, reason, form_field(form, "override") or None
                    )
                else:
                    store().set_status(batch, target, visit.actor, reason)
                done = "status"
            else:
                raise HTTPException(404, "There is no page at this address.")
        except BatchlabelError as error:
            return batch_page(
                visit, store().batch_by_id(batch.id), status_of(error), error=explain(error)
            )
        return station_headers(RedirectResponse(batch_url(batch) + f"?done={done}", 303))

    async def print_labels(visit: Visit, batch: Batch, form: FormData) -> Response:
        records = store()
        template = offered_template(form_field(form, "template"), batch)
        saved = saved_printer(records, form_field(form, "printer"))
        if saved is None:  # the station prints only to printers an admin saved
            raise InputError("Choose one of the saved printers.")
        uri, dpi = saved
        serials_text = form_field(form, "serials")
        # An empty list is refused by start_job: it never means "the whole batch".
        serials = (
            [s.strip() for s in serials_text.split(",") if s.strip()] if serials_text else None
        )
        count = int(_number(form_field(form, "count"))) if form_field(form, "count") else None
        copies = int(_number(form_field(form, "copies") or "1"))
        reason = form_field(form, "reason") or None
        if reason is not None and batch.status != BatchStatus.RELEASED:
            visit.need(Role.QA)  # printing an unreleased batch is QA's decision
        job_id = start_job(  # on the loop: the site's connection is not shared with threads
            records, batch, template, uri, dpi, visit.actor, serials, count,
            copies, reason if batch.status != BatchStatus.RELEASED else None,
            resolver=desk.public_url,
        )  # fmt: skip
        desk.runner.start(job_id, template.name, visit.actor, copies=copies)
        return station_headers(RedirectResponse(f"{PREFIX}/jobs/{job_id}", 303))

    def offered_templates(product: Product, batch: Batch) -> list[Template]:
        """The templates whose fields this batch can fill."""
        return [
            t
            for t in list_templates(desk.templates_dir)
            if t.per != "carton"
            and t.can_fill(product.gtin is not None, batch.best_before is not None)
        ]

    def offered_template(name: str, batch: Batch) -> Template:
        """One of the templates the batch page offers, by name: never a path."""
        for template in offered_templates(store().product(batch.sku), batch):
            if template.name == (name or "item-50x30"):
                return template
        raise InputError("Choose one of the templates offered for this batch.")

    async def preview(request: Request, batch: Batch) -> Response:
        """The first label as it will print, at the chosen printer's dpi."""
        records = store()
        try:
            template = offered_template(request.query_params.get("template", ""), batch)
            saved = records.printer(request.query_params.get("printer", ""))
            dpi = int(saved["dpi"]) if saved else 203
            product = records.product(batch.sku)
            waiting = records.next_unprinted(batch)
            serial = waiting.serial if waiting else parse_format(product.serial_format).sample()
            data = label_data(
                product, batch, serial if template.per == "unit" else None, desk.public_url
            )
            image = await run_in_threadpool(render_label, template, data, dpi)
        except BatchlabelError as error:
            return station_headers(
                JSONResponse({"error": explain(error)}, status_code=status_of(error))
            )
        out = io.BytesIO()
        image.save(out, format="PNG", dpi=(dpi, dpi))
        return station_headers(Response(out.getvalue(), media_type="image/png"))

    # -- jobs -------------------------------------------------------------------------------

    def job_state(job_id: int) -> dict[str, Any]:
        """Counts while the job runs (asked every moment, so kept cheap); the serials once
        it has stopped."""
        records = store()
        running = desk.runner.running(job_id)  # first: counts read after it are never older
        job = records.print_job(job_id)
        state: dict[str, Any] = {
            "job": job.id,
            "running": running,
            "note": desk.runner.note(job.id),
            "confirmed": job.count(LabelState.CONFIRMED),
            "uncertain": job.count(LabelState.SENT),
            "pending": job.count(LabelState.PENDING),
            "voided": job.count(LabelState.VOIDED),
        }
        if not running:
            state["serials"] = {
                label: records.job_serials(job.id, label)[:500]
                for label in (LabelState.CONFIRMED, LabelState.SENT, LabelState.PENDING)
            }
        return state

    def job_of(request: Request) -> int:
        job_id: int = request.path_params["job"]
        if job_id > 2**62:
            raise HTTPException(404, "No such print job.")
        try:
            store().print_job(job_id)
        except NotFoundError:
            raise HTTPException(404, "No such print job.") from None
        return job_id

    async def jobs(request: Request, visit: Visit) -> Response:
        return page("jobs.html", visit, jobs=store().print_jobs(100))

    def job_page(
        visit: Visit, job_id: int, status: int = 200, error: str | None = None
    ) -> Response:
        job = store().print_job(job_id)
        return page(
            "job.html", visit, status, job=job, batch=store().batch_by_id(job.batch_id),
            state=job_state(job_id), error=error,
        )  # fmt: skip

    async def job_view(request: Request, visit: Visit) -> Response:
        return job_page(visit, job_of(request))

    async def job_json(request: Request, visit: Visit) -> Response:
        return station_headers(JSONResponse(job_state(job_of(request))))

    async def job_action(request: Request, visit: Visit) -> Response:
        job_id = job_of(request)
        action = request.path_params["action"]
        visit.need(Role.QA if action == "void" else Role.PACKER)  # voiding retires serials
        records = store()
        job = records.print_job(job_id)
        batch = records.batch_by_id(job.batch_id)
        form = await request.form()
        if action not in ("resume", "reprint", "void"):
            raise HTTPException(404, "There is no page at this address.")
        try:
            if desk.runner.running(job_id):
                raise ConflictError("The job is still printing; wait until it stops.")
            template = find_template(job.template, desk.templates_dir)
            if action == "resume":
                if not job.count(LabelState.PENDING):
                    raise ConflictError("No label of this job is waiting to be sent.")
                # The command line's checks: still printable (a recall since?), printer, fit.
                prepare_resume(records, job_id, template, visit.actor, None, desk.public_url)
                desk.runner.start(job_id, job.template, visit.actor)
                return station_headers(RedirectResponse(f"{PREFIX}/jobs/{job_id}", 303))
            serials = [s.strip() for s in form_field(form, "serials").split(",") if s.strip()]
            if not serials:
                raise InputError("Choose the serials first.")
            uncertain = set(records.job_serials(job_id, LabelState.SENT))
            others = [s for s in serials if s not in uncertain]
            if others:
                # Only a label that may not have come out is printed again from here; a
                # label not yet sent goes out with Resume, a confirmed one is not repeated.
                raise ConflictError(f"Serial {others[0]} is not an uncertain label of this job.")
            units = records.units_by_serials(batch, serials)
            reason = form_field(form, "reason")
            if action == "reprint":
                unreleased = reason if batch.status != BatchStatus.RELEASED else None
                if unreleased:
                    visit.need(Role.QA)
                new_job = start_job(
                    records, batch, template, job.printer, job.dpi, visit.actor,
                    None, None, 1, unreleased, "reprint", units, reason, desk.public_url,
                )  # fmt: skip
                desk.runner.start(new_job, template.name, visit.actor)
                return station_headers(RedirectResponse(f"{PREFIX}/jobs/{new_job}", 303))
            records.void_units(units, reason, visit.actor)
            return station_headers(RedirectResponse(f"{PREFIX}/jobs/{job_id}", 303))
        except BatchlabelError as error:
            return job_page(visit, job_id, status_of(error), explain(error))

    # -- printers ---------------------------------------------------------------------------

    async def printers(request: Request, visit: Visit) -> Response:
        return page(
            "printers.html",
            visit,
            printers=store().printers(),
            tested=store().printer(request.query_params.get("tested", "")) is not None
            and request.query_params.get("tested"),
        )

    async def printer_status(request: Request, visit: Visit) -> Response:
        saved = store().printer(unquote(request.path_params["name"]))
        if saved is None:
            raise HTTPException(404, "No such printer.")

        def ask() -> dict[str, Any]:
            try:
                device = open_printer(str(saved["uri"]), timeout=2.0)
            except BatchlabelError as error:
                return {"ready": False, "problem": str(error)}
            try:
                status = device.status()
            finally:
                device.close()
            return {"ready": status.ready, "problem": status.problem}

        answer = await run_in_threadpool(ask)
        store().note_printer_status(
            str(saved["name"]), "ready" if answer["ready"] else answer["problem"]
        )
        return station_headers(JSONResponse(answer))

    async def printer_action(request: Request, visit: Visit) -> Response:
        visit.need(Role.ADMIN)
        form = await request.form()
        action = request.path_params["action"]
        try:
            if action == "add":
                name = validation.line(form_field(form, "name"), "printer name", max_length=60)
                uri = form_field(form, "uri").strip()
                dpi = int(_number(form_field(form, "dpi") or "203"))
                if dpi not in (203, 300, 600):
                    raise InputError("Dpi is 203, 300 or 600.")
                language = form_field(form, "language") or "zpl"
                medium = form_field(form, "media").strip() or None
                uri = with_cutting(uri, language, form_field(form, "cut") or None)
                uri = with_model(uri, language, form_field(form, "model").strip() or None)
                uri = with_status_over_snmp(uri, form_field(form, "status") or None)
                check_printer(with_language(uri, language, medium), dpi)
                store().add_printer(name, uri, dpi, language, visit.actor, medium)
            elif action == "remove":
                store().remove_printer(form_field(form, "name"), visit.actor)
            elif action == "test":
                name = form_field(form, "name")
                address = saved_printer(store(), name)
                if address is None:
                    raise NotFoundError("No such printer is saved.")
                # its language and media ride in the address: the test label speaks them
                problem = await run_in_threadpool(_test_print, *address)
                store().record_event("printer_tested", visit.actor, printer=name, problem=problem)
                if problem:
                    raise ConflictError(f"The test label did not print: {problem}")
                target = f"{PREFIX}/printers?" + urlencode({"tested": name})
                return station_headers(RedirectResponse(target, 303))
            else:
                raise HTTPException(404, "There is no page at this address.")
        except BatchlabelError as error:
            return page(
                "printers.html",
                visit,
                status_of(error),
                printers=store().printers(),
                error=explain(error),
            )
        return station_headers(RedirectResponse(PREFIX + "/printers", 303))

    # -- people (admins) -------------------------------------------------------------------

    async def people(request: Request, visit: Visit) -> Response:
        visit.need(Role.ADMIN)
        return people_page(visit)

    def people_page(visit: Visit, error: str | None = None, status: int = 200) -> Response:
        return page(
            "people.html", visit, status, people=store().users(), roles=list(Role), error=error
        )

    async def people_action(request: Request, visit: Visit) -> Response:
        visit.need(Role.ADMIN)
        form = await request.form()
        action = request.path_params["action"]
        records = store()
        try:
            if action == "add":
                password = checked_password(form_field(form, "password"))
                hashed = await run_in_threadpool(hash_password, password)
                records.add_user(
                    form_field(form, "name"), form_field(form, "role"), hashed, visit.actor
                )
            elif action in ("disable", "enable"):
                person = records.user(form_field(form, "name"))
                if person.id == visit.user.id:
                    raise ConflictError("You cannot disable yourself; ask another admin.")
                records.set_user_active(person, action == "enable", visit.actor)
            else:
                raise HTTPException(404, "There is no page at this address.")
        except BatchlabelError as error:
            return people_page(visit, explain(error), status_of(error))
        return station_headers(RedirectResponse(PREFIX + "/people", 303))

    kit = Kit(store, page, signed_in)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            raise HTTPException(404, "There is no page at this address.")
        body = resources.files("batchlabel.web").joinpath("static", *name.split("/")).read_bytes()
        response = Response(body, media_type=STATIC[name])
        response.headers.update(STATION_HEADERS)
        # The decoder changes only with a new version; the pages' own files more often.
        age = 86400 if name.startswith("zxing/") else 300
        response.headers["cache-control"] = f"private, max-age={age}"
        return response

    return [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", signed_in(logout, "POST"), methods=["POST"]),
        Route("/static/{name:path}", static, methods=["GET"]),
        Route("/", signed_in(home), methods=["GET"]),
        Route("/find", signed_in(find), methods=["GET"]),
        Route("/batch/{rest:path}", signed_in(batch_view), methods=["GET"]),
        Route("/batch/{rest:path}", signed_in(batch_action, "POST"), methods=["POST"]),
        Route("/jobs", signed_in(jobs), methods=["GET"]),
        Route("/jobs/{job:int}", signed_in(job_view), methods=["GET"]),
        Route("/jobs/{job:int}/state", signed_in(job_json), methods=["GET"]),
        Route("/jobs/{job:int}/{action}", signed_in(job_action, "POST"), methods=["POST"]),
        Route("/printers", signed_in(printers), methods=["GET"]),
        Route("/printers/{name}/status", signed_in(printer_status), methods=["GET"]),
        Route("/printers/{action}", signed_in(printer_action, "POST"), methods=["POST"]),
        Route("/people", signed_in(people), methods=["GET"]),
        Route("/people/{action}", signed_in(people_action, "POST"), methods=["POST"]),
        *receiving_routes(kit),
        *packing_routes(kit, desk.templates_dir, desk.company_prefix, desk.maker),
    ]


def _test_print(uri: str, dpi: int) -> str:
    """Send one test label (no serial, no job) and ask the printer; '' when it is fine."""
    try:
        data = test_label_bytes(uri, dpi)
        device = open_printer(uri, timeout=5.0)
    except BatchlabelError as error:
        return str(error)
    try:
        device.send(data, name="test-label")
        status = device.status()
        return "" if status.ready else status.problem
    except BatchlabelError as error:
        return str(error)
    finally:
        device.close()


def _serials_text(units: list[Unit]) -> str:
    """The serials as one line of text: one string for the page, not a tag per unit."""
    return ", ".join(
        f"{u.serial} (voided)" if u.state == UnitState.VOIDED else u.serial for u in units
    )


def batch_url(batch: Batch) -> str:
    return f"{PREFIX}/batch/{quote(batch.sku, safe='')}/{quote(batch.lot, safe='')}"


def _same_origin(request: Request) -> bool:
    """A browser says where a form came from: refuse one posted from another site."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


def _set_session_cookie(response: Response, request: Request, token: str, desk: Desk) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, max_age=int(desk.idle.total_seconds()), path=PREFIX,
        httponly=True, samesite="lax", secure=request.url.scheme == "https",
    )  # fmt: skip


def _visit(store: Store, desk: Desk, request: Request) -> Visit | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token or len(token) > 100:
        return None
    found = store.signed_in(token, desk.idle)
    if found is None:
        return None
    user, csrf = found
    try:
        station = validation.line(request.cookies.get(STATION_COOKIE, "") or "web", "station", 60)
    except InputError:
        station = "web"
    return Visit(user, csrf, station)


def _raw_segments(request: Request, prefix: str) -> list[str]:
    raw: bytes = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("latin-1").split("?")[0]
    return [unquote(part) for part in path[len(prefix) :].split("/") if part]


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: only a station page of this site."""
    if target and target.startswith(PREFIX + "/") and "//" not in target and "\\" not in target:
        return target
    return PREFIX + "/"


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"'{validation.shown(text)[:20]}' is not a number.") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InputError("Numbers must be finite.")
    return value


__all__ = ["PREFIX", "Desk", "batch_url", "station_routes"]
