"""Receiving in the browser, under /station/receive: named sessions that several people can
scan into, from a keyboard-wedge scanner or the device's camera.

Each scan is committed as a scan event when it arrives (the same events as ``batchlabel
receive``), so a closed tab loses nothing; a session's page rebuilds it from those events, on
any device. The scan answer is JSON for the page's script and a whole page without it.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from batchlabel import validation
from batchlabel.errors import BatchlabelError, InputError
from batchlabel.exports.spreadsheet import csv_text
from batchlabel.services.lookup import CodeLookup
from batchlabel.services.receiving import (
    SHEET_HEADER,
    ExpectedLine,
    ReceivingSession,
    ScanOutcome,
    described,
    parse_expected,
    sheet_rows,
    shipment_expected,
    verdicts,
)
from batchlabel.web.kit import Kit, Visit, explain, field, status_of

MAX_UPLOAD_BYTES = 1024 * 1024
MAX_SCAN_CHARS = 2000  # more than any label's symbol holds
MAX_SESSION = 2**63 - 1  # session numbers are event ids: SQLite's largest integer
LIVE_SESSIONS = 32  # sessions kept in memory; others are rebuilt from their events


def scan_view(outcome: ScanOutcome) -> dict[str, Any]:
    """One scan as the page shows it."""
    found = outcome.resolution
    said = verdicts(outcome)
    tone = "ok" if not said else ("hold" if said == ["Duplicate"] else "bad")
    return {
        "number": outcome.number,
        "code": validation.shown(found.input)[:80],
        "what": described(outcome),
        "name": found.product_name or "",
        "verdicts": said,
        "tone": tone,
        "who": outcome.who,
        "warnings": found.warnings,
    }


def receiving_routes(kit: Kit) -> list[Route]:
    live: OrderedDict[int, ReceivingSession] = OrderedDict()

    def session_of(request: Request) -> ReceivingSession:
        number = request.path_params["session"]
        if number > MAX_SESSION:
            raise HTTPException(404, f"No receiving session {number} is recorded.")
        known = live.get(number)
        try:
            if known is not None and kit.store().session_progress(number) != (
                len(known.outcomes),
                known.finished is not None,
            ):
                known = None  # scanned into or finished elsewhere (another worker or machine)
            if known is None:
                known = ReceivingSession.resume(CodeLookup(kit.store()), number)
        except BatchlabelError as error:
            raise HTTPException(status_of(error), explain(error)) from None
        if number not in live or live[number] is not known:
            live[number] = known
            while len(live) > LIVE_SESSIONS:
                live.popitem(last=False)
        live.move_to_end(number)
        return known

    def list_page(visit: Visit, error: str | None = None, status: int = 200) -> Response:
        records = kit.store()
        return kit.page(
            "receive.html", visit, status, error=error,
            sessions=records.receiving_sessions(), shipments=records.recent_shipments(),
        )  # fmt: skip

    def session_page(
        visit: Visit, session: ReceivingSession, status: int = 200, **extra: Any
    ) -> Response:
        recent = [scan_view(o) for o in reversed(session.outcomes[-50:])]
        return kit.page(
            "receive_session.html", visit, status, session=session,
            summary=session.summary(), recent=recent, **extra,
        )  # fmt: skip

    async def sessions(request: Request, visit: Visit) -> Response:
        return list_page(visit)

    async def start(request: Request, visit: Visit) -> Response:
        form = await request.form(max_part_size=MAX_UPLOAD_BYTES)
        lookup = CodeLookup(kit.store())
        try:
            name = validation.line(field(form, "name"), "session name", 80, required=False)
            expected, source = await _expected(form, lookup)
            session = ReceivingSession(lookup, visit.actor, expected, name, source=source)
        except BatchlabelError as error:
            return list_page(visit, explain(error), status_of(error))
        live[session.session] = session
        return kit.redirect(f"/receive/{session.session}")

    async def show(request: Request, visit: Visit) -> Response:
        session = session_of(request)
        last = request.query_params.get("last", "")
        shown = None
        if last.isdigit() and 1 <= int(last) <= len(session.outcomes):
            shown = scan_view(session.outcomes[int(last) - 1])
        return session_page(visit, session, last=shown)

    async def scan(request: Request, visit: Visit) -> Response:
        session = session_of(request)
        form = await request.form()
        wants_json = "application/json" in request.headers.get("accept", "")
        code = field(form, "code").strip("\r\n")
        problem = None
        if session.finished is not None:
            problem = "This session has finished; start a new one to scan more."
        elif not code.strip():
            problem = "Scan a code, or type it and press Enter."
        elif len(code) > MAX_SCAN_CHARS:
            problem = f"That is over {MAX_SCAN_CHARS} characters; no label holds so much."
        if problem:
            if wants_json:
                return kit.json({"error": problem}, 409 if session.finished else 400)
            return session_page(visit, session, 409 if session.finished else 400, error=problem)
        try:
            outcome = session.scan(code, visit.actor)
        except BatchlabelError as error:  # not recorded, not counted: scan it again
            if wants_json:
                return kit.json({"error": explain(error)}, status_of(error))
            return session_page(visit, session, status_of(error), error=explain(error))
        if wants_json:
            return kit.json({"scan": scan_view(outcome), "summary": _counts(session)})
        # A reload of the answer must not record the scan again.
        return kit.redirect(f"/receive/{session.session}?last={outcome.number}")

    async def finish(request: Request, visit: Visit) -> Response:
        session = session_of(request)
        session.finish(visit.actor)
        return kit.redirect(f"/receive/{session.session}")

    async def summary_csv(request: Request, visit: Visit) -> Response:
        session = session_of(request)
        text = csv_text(SHEET_HEADER, sheet_rows(session))
        response = Response(text, media_type="text/csv; charset=utf-8")
        response.headers["content-disposition"] = (
            f'attachment; filename="receiving-{session.session}.csv"'
        )
        return kit.headers(response)

    return [
        Route("/receive", kit.signed_in(sessions), methods=["GET"]),
        Route("/receive", kit.signed_in(start, "POST"), methods=["POST"]),
        Route("/receive/{session:int}", kit.signed_in(show), methods=["GET"]),
        Route("/receive/{session:int}.csv", kit.signed_in(summary_csv), methods=["GET"]),
        Route("/receive/{session:int}/scan", kit.signed_in(scan, "POST"), methods=["POST"]),
        Route("/receive/{session:int}/finish", kit.signed_in(finish, "POST"), methods=["POST"]),
    ]


async def _expected(form: Any, lookup: CodeLookup) -> tuple[list[ExpectedLine] | None, str]:
    """The expected list from the one way the person gave it (a shipment, a file or pasted
    text), and where it came from."""
    shipment = field(form, "shipment").strip()
    upload = form.get("file")
    has_file = isinstance(upload, UploadFile) and bool(upload.filename)
    pasted = field(form, "expected")
    if sum((bool(shipment), has_file, bool(pasted.strip()))) > 1:
        raise InputError("Give one expected list: a shipment, a file or pasted text.")
    if shipment:
        return shipment_expected(lookup.store, shipment), f"shipment {shipment}"
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise InputError("The expected list is over 1 MB; split the delivery.")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError("The expected list is not UTF-8 text; save it as text.") from None
        name = validation.shown(upload.filename)[:60]
        return parse_expected(text, lookup, name), f"file {name}"
    if pasted.strip():
        return parse_expected(pasted, lookup, "The expected list"), "pasted list"
    return None, ""


def _counts(session: ReceivingSession) -> dict[str, Any]:
    summary = session.summary()
    return {
        "scans": summary["scans"],
        "received": summary["received"],
        "expected": summary["expected"],
        "expected_received": summary["expected_received"],
        "duplicates": summary["duplicate_items"],
        "unknown": len(summary["unknown"]),
        "extra": summary["extra_items"],
        "missing": [f"{m['missing']} x {m['code']}" for m in summary["missing"][:200]],
    }
