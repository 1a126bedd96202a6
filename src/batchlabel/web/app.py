"""`batchlabel serve`: the public origin pages and a GS1 Digital Link resolver, plus a small
bearer-token API for receiving stations. Starlette on uvicorn, server-rendered HTML.

Routes: ``/01/GTIN[/10/LOT[/21/SERIAL]]`` and ``/p/SKU[/LOT[/SERIAL]]``, answered as HTML,
JSON or a GS1 linkset by the Accept header (or ``?linkType=all``); GET, HEAD and OPTIONS.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from batchlabel.errors import BatchlabelError, InputError, NotFoundError
from batchlabel.gs1 import gtin14
from batchlabel.models import Actor
from batchlabel.origin import Origin, find_origin
from batchlabel.scanning import Resolver
from batchlabel.store import Store
from batchlabel.web.ratelimit import RateLimiter

MAX_PATH = 400
GS1_VOC = "https://gs1.org/voc/"
LINK_TYPES = {"gs1:pip": "Origin and product information", "gs1:defaultLink": "Origin page"}
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "Link",
}
ALLOW = "GET, HEAD, OPTIONS"
STATUS_TEXT = {
    "released": "Released by quality control",
    "in_production": "Still in production: not yet released by quality control",
    "quarantined": "On hold: quality control has not decided yet",
    "rejected": "Rejected by quality control: this item must not be sold",
    "recalled": "Recalled",
}

_pages = Environment(loader=PackageLoader("batchlabel.web"), autoescape=select_autoescape(["html"]))


class Site:
    """The app's state: one database connection (used from the event loop only), the
    rate limiter, and the maker's name for the pages."""

    def __init__(self, db_path: Path, rate_limit: float, maker: str | None) -> None:
        self.db_path = db_path
        self.limiter = RateLimiter(rate_limit, burst=max(10, int(rate_limit * 6)))
        self.maker = maker
        self._store: Store | None = None
        self._resolver: Resolver | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.db_path)
        return self._store

    @property
    def resolver(self) -> Resolver:
        if self._resolver is None:
            self._resolver = Resolver(self.store)
        return self._resolver

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def create_app(db_path: Path, rate_limit: float = 5.0, maker: str | None = None) -> Starlette:
    site = Site(db_path, rate_limit, maker)

    async def digital_link(request: Request) -> Response:
        return _answer(site, request, "01")

    async def short_link(request: Request) -> Response:
        return _answer(site, request, "p")

    async def home(request: Request) -> Response:
        return _page(request, "home.html", {"maker": site.maker}, 200)

    async def api_resolve(request: Request) -> Response:
        _station(site, request)
        body = await _json_body(request)
        codes = body.get("codes") if isinstance(body, dict) else None
        if not isinstance(codes, list) or not codes or len(codes) > 100:
            return _api_error(400, 'Send {"codes": [...]} with 1 to 100 codes.')
        return _headers(JSONResponse([site.resolver.resolve(str(c)).public() for c in codes]))

    async def api_scans(request: Request) -> Response:
        owner = _station(site, request)
        body = await _json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("code"), str):
            return _api_error(400, 'Send {"code": "...", "station": "..."}.')
        station = str(body.get("station") or owner)[:60]
        found = site.resolver.resolve(body["code"])
        site.resolver.record(found, Actor(user=f"token:{owner}", station=station), via="api")
        return _headers(JSONResponse(found.public(), status_code=201))

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 405:
            return _error(request, 405, "This address answers GET, HEAD and OPTIONS only.")
        if status == 401:
            return _api_error(401, str(exc.detail) if isinstance(exc, HTTPException) else "")
        return _error(request, 404, "There is no page at this address.")

    async def server_error(request: Request, exc: Exception) -> Response:
        return _error(request, 500, "Something went wrong on our side; please try again later.")

    app = Starlette(
        routes=[
            Route("/", home, methods=["GET", "HEAD"]),
            Route("/01/{rest:path}", digital_link, methods=["GET", "HEAD", "OPTIONS"]),
            Route("/p/{rest:path}", short_link, methods=["GET", "HEAD", "OPTIONS"]),
            Route("/api/resolve", api_resolve, methods=["POST"]),
            Route("/api/scans", api_scans, methods=["POST"]),
        ],
        exception_handlers={HTTPException: not_found, Exception: server_error},
        lifespan=lambda _app: _lifespan(site),
    )
    return app


@contextlib.asynccontextmanager
async def _lifespan(site: Site) -> AsyncIterator[None]:
    try:
        yield
    finally:
        site.close()


def _answer(site: Site, request: Request, scheme: str) -> Response:
    if request.method == "OPTIONS":
        return _headers(
            Response(
                status_code=204,
                headers={
                    "allow": ALLOW,
                    "access-control-allow-methods": ALLOW,
                    "access-control-allow-headers": "Accept, Content-Type",
                    "access-control-max-age": "86400",
                },
            )
        )
    client = request.client.host if request.client else "?"
    wait = site.limiter.wait(client)
    if wait:
        response = _error(request, 429, "Too many requests from your address; wait a moment.")
        response.headers["retry-after"] = str(max(1, round(wait)))
        return response
    raw = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
    if len(raw) > MAX_PATH:
        return _error(request, 400, "This address is too long to be a label's link.")
    try:
        keys = _keys(raw, scheme)
        origin = find_origin(site.store, **keys)
    except NotFoundError:  # before InputError, which it extends
        return _error(request, 404, "No product of this maker has this code.")
    except InputError as error:
        return _error(request, 400, f"This is not a valid product link: {error}")
    except BatchlabelError:
        return _error(request, 503, "The records cannot be read right now; try again shortly.")
    return _origin_response(site, request, origin)


def _keys(raw_path: str, scheme: str) -> dict[str, str | None]:
    """The identifiers in a Digital Link or short-link path, percent-decoded one segment at a
    time (so an encoded '/' in a lot stays in the lot)."""
    segments = [unquote(s) for s in raw_path.split("?")[0].strip("/").split("/")]
    if scheme == "p":
        values = segments[1:]
        if not 1 <= len(values) <= 3 or any(not v for v in values):
            raise InputError("use /p/SKU, /p/SKU/LOT or /p/SKU/LOT/SERIAL.")
        sku, lot, serial = (*values, None, None)[:3]
        return {"sku": sku, "lot": lot, "serial": serial}
    pairs = segments
    if len(pairs) % 2 or len(pairs) > 6:
        raise InputError("a Digital Link path is /01/GTIN, then /10/LOT, then /21/SERIAL.")
    found = dict(zip(pairs[0::2], pairs[1::2], strict=True))
    if pairs[0::2] not in (["01"], ["01", "10"], ["01", "10", "21"], ["01", "21"]):
        raise InputError("a Digital Link path is /01/GTIN, then /10/LOT, then /21/SERIAL.")
    return {"gtin": found["01"], "lot": found.get("10"), "serial": found.get("21")}


def _canonical(request: Request, origin: Origin) -> str:
    base = str(request.base_url).rstrip("/")
    product, batch, unit = origin.product, origin.batch, origin.unit
    if product.gtin:
        path = f"/01/{gtin14(product.gtin)}"
        if batch is not None:
            path += f"/10/{quote(batch.lot, safe='')}"
            if unit is not None:
                path += f"/21/{quote(unit.serial, safe='')}"
    else:
        path = f"/p/{quote(product.sku, safe='')}"
        if batch is not None:
            path += f"/{quote(batch.lot, safe='')}"
            if unit is not None:
                path += f"/{quote(unit.serial, safe='')}"
    return base + path


def _linkset(anchor: str, origin: Origin) -> dict[str, Any]:
    page = {"href": anchor, "title": f"{origin.product.name}: origin", "type": "text/html"}
    data = {"href": anchor, "title": "Origin data", "type": "application/json"}
    return {
        "linkset": [
            {
                "anchor": anchor,
                f"{GS1_VOC}defaultLink": [page],
                f"{GS1_VOC}pip": [page, data],
            }
        ]
    }


def _origin_response(site: Site, request: Request, origin: Origin) -> Response:
    anchor = _canonical(request, origin)
    link = (
        f'<{anchor}?linkType=all>; rel="linkset"; type="application/linkset+json", '
        f'<{anchor}>; rel="{GS1_VOC}pip"; type="text/html"'
    )
    wanted = _negotiate(request)
    if wanted == "linkset":
        response: Response = JSONResponse(
            _linkset(anchor, origin), media_type="application/linkset+json"
        )
    elif wanted == "json":
        response = JSONResponse({"uri": anchor, **origin.public()})
    else:
        status = origin.batch.status if origin.batch else None
        response = _page(
            request,
            "origin.html",
            {
                "origin": origin,
                "public": origin.public(),
                "status_text": STATUS_TEXT.get(status or "", ""),
                "maker": site.maker,
            },
            200,
        )
    response.headers["link"] = link
    response.headers["vary"] = "Accept"
    response.headers["cache-control"] = "public, max-age=60"
    return _headers(response)


def _negotiate(request: Request) -> str:
    if request.query_params.get("linkType") == "all":
        return "linkset"
    accept = request.headers.get("accept", "")
    if "application/linkset+json" in accept:
        return "linkset"
    if "application/json" in accept and "text/html" not in accept:
        return "json"
    return "html"


def _page(request: Request, name: str, context: dict[str, Any], status: int) -> Response:
    html = _pages.get_template(name).render(**context)
    return _headers(HTMLResponse(html, status_code=status))


def _error(request: Request, status: int, message: str) -> Response:
    if _negotiate(request) != "html":
        return _headers(JSONResponse({"error": message, "status": status}, status_code=status))
    return _page(request, "error.html", {"status": status, "message": message}, status)


def _api_error(status: int, message: str) -> Response:
    return _headers(JSONResponse({"error": message, "status": status}, status_code=status))


def _headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def _station(site: Site, request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    owner = site.store.token_owner(token.strip()) if scheme.lower() == "bearer" else None
    if owner is None:
        raise HTTPException(
            401, "A station token is needed: create one with 'batchlabel token create NAME'."
        )
    return owner


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
