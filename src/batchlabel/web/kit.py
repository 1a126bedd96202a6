"""What every station page shares: the signed-in visit, the page and answer makers, and the
way an error is said to a person at the bench."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from batchlabel.errors import BatchlabelError, ConflictError, InputError, NotFoundError
from batchlabel.models import Actor, Role, User
from batchlabel.store import Store

PREFIX = "/station"
STATION_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
        "script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; media-src 'self' blob:; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "private, no-store",
}
# How to put an error right, said for a person at the station (the command line says it in
# options; see cli/remedies.py).
WEB_REMEDIES = {
    "reason": "Fill in Reason.",
    "unreleased_reason": "QA may print it with a Reason.",
    "count": "Fill in Count to allocate new serials.",
    "checks_or_override": "Record the checks below, or (QA) release with an Override reason.",
    "value": "Fill in Value.",
    "pass_or_fail": "Choose Pass or Fail.",
    "recipe": "Load a checklist for this product from the command line first.",
    "reprint": "Use Reprint on its job's page, with a Reason.",
    "resume_or_reprint": "Resume sends the labels not sent; Reprint, with a Reason, the uncertain "
    "ones that did not come out.",
    "printer": "Choose a saved printer.",
    "unpack": "Take it out of its carton first (Take out, with a Reason).",
    "new_carton": "Start the carton first.",
    "complaint": "Record a return as a complaint from the command line.",
    "carton_label": "Print it from the carton's page under Pack.",
}


@dataclass(frozen=True)
class Visit:
    """A signed-in request: who, at which bench, and the token its forms must carry."""

    user: User
    csrf: str
    station: str

    @property
    def actor(self) -> Actor:
        return Actor(user=self.user.name, station=self.station)

    def need(self, role: Role) -> None:
        if not self.user.role.may(role):
            raise HTTPException(
                403, f"Your role ({self.user.role}) may not do this; it needs {role} or above."
            )


Page = Callable[[Request, Visit], Awaitable[Response]]


@dataclass(frozen=True)
class Kit:
    """The station's shared makers, handed to each group of pages."""

    store: Callable[[], Store]
    page: Callable[..., Response]  # page(view, visit, status=200, **context)
    signed_in: Callable[..., Callable[[Request], Awaitable[Response]]]  # (handler, method)

    @staticmethod
    def redirect(path: str) -> Response:
        """See the station page at ``path`` (after a change: a reload does not repeat it)."""
        return station_headers(RedirectResponse(PREFIX + path, 303))

    @staticmethod
    def json(data: Any, status: int = 200) -> Response:
        return station_headers(JSONResponse(data, status_code=status))

    @staticmethod
    def headers(response: Response) -> Response:
        return station_headers(response)


def notice_target(path: str, text: str, visit: Visit) -> str:
    """``path`` with a notice for the page to show after a change: signed with the sign-in's
    token, so a link from elsewhere cannot put its own words on a station page."""
    return f"{path}?{urlencode({'done': text, 'sig': _signature(text, visit)})}"


def notice(request: Request, visit: Visit) -> str | None:
    """The notice a page was sent to show, if it is one this sign-in made."""
    text = request.query_params.get("done", "")[:300]
    sent = request.query_params.get("sig", "")
    if text and hmac.compare_digest(sent.encode(), _signature(text, visit).encode()):
        return text
    return None


def _signature(text: str, visit: Visit) -> str:
    return hmac.new(visit.csrf.encode(), text.encode(), hashlib.sha256).hexdigest()[:32]


def field(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def status_of(error: BatchlabelError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, ConflictError):
        return 409
    if isinstance(error, InputError):
        return 400
    return 503


def explain(error: BatchlabelError) -> str:
    remedy = WEB_REMEDIES.get(error.needs or "")
    return f"{error} {remedy}" if remedy else str(error)


def station_headers(response: Response) -> Response:
    response.headers.update(STATION_HEADERS)
    return response
