"""`batchlabel serve`: the public origin pages and a GS1 Digital Link resolver, plus a small
bearer-token API for receiving stations. Starlette on uvicorn, server-rendered HTML.

The resolver answers ``/01/GTIN[/10/LOT[/21/SERIAL]]``, its compressed form ``/SEGMENT`` and
the short links ``/p/SKU[/LOT[/SERIAL]]``: a 307 redirect to the origin page under
``/origin/...`` (or its JSON under ``/data/...`` for clients that ask for JSON), or the GS1
linkset for ``?linkType=linkset`` or ``Accept: application/linkset+json``. The resolver
description file is at ``/.well-known/gs1resolver``. GET, HEAD and OPTIONS everywhere.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from batchlabel import validation
from batchlabel.codes.digital_link import (
    LinkKeys,
    decompress,
    digital_link_keys,
    item_keys,
    looks_compressed,
    short_link_keys,
)
from batchlabel.errors import BatchlabelError, InputError, NotFoundError, StoreError
from batchlabel.labels.data import DEFAULT_RESOLVER
from batchlabel.models import Actor, BatchStatus
from batchlabel.services.lookup import CodeLookup
from batchlabel.services.origin import Origin, find_origin
from batchlabel.store import Store
from batchlabel.validation import shown
from batchlabel.web.answers import Answers
from batchlabel.web.jobs import JobRunner
from batchlabel.web.kit import PREFIX as STATION_PREFIX
from batchlabel.web.kit import STATION_HEADERS
from batchlabel.web.links import (
    DATA_PREFIX,
    GS1_VOC,
    LINKSET_CONTEXT,
    LINKSET_LINK_TYPES,
    PAGE_LINK_TYPES,
    PAGE_PREFIX,
    PHOTO_PREFIX,
    item_path,
    levels,
    link_header,
    linkset,
)
from batchlabel.web.ratelimit import RateLimiter
from batchlabel.web.station import Desk, station_routes

MAX_PATH = 400
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
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
    BatchStatus.RELEASED: "Released by quality control",
    BatchStatus.IN_PRODUCTION: "Still in production: not yet released by quality control",
    BatchStatus.QUARANTINED: "On hold: quality control has not decided yet",
    BatchStatus.REJECTED: "Rejected by quality control: this item must not be sold",
    BatchStatus.RECALLED: "Recalled",
}

_pages = Environment(
    loader=PackageLoader("batchlabel.web", "html"), autoescape=select_autoescape(["html"])
)


class Site:
    """The app's state: one database connection (used from the event loop only), the
    rate limiter, the maker's name for the pages, and the public address links point at."""

    def __init__(
        self,
        database: str,
        rate_limit: float,
        maker: str | None,
        public_url: str = DEFAULT_RESOLVER,
        allowed_hosts: Sequence[str] = (),
        cache_seconds: int = 60,
    ) -> None:
        self.database = database  # a SQLite file or a PostgreSQL URL
        self.answers = Answers(cache_seconds)
        self.limiter = RateLimiter(rate_limit, burst=max(10, int(rate_limit * 6)))
        # Failed API sign-ins are limited apart from pages: a few a second, whatever the
        # page limit, so tokens cannot be guessed at speed.
        self.token_limiter = RateLimiter(2.0, burst=10)
        self.maker = maker
        self.public_url = public_url.rstrip("/")
        parts = urlsplit(self.public_url)
        self.public_host = parts.netloc.lower()
        # A maker trying the site on this machine reaches it by any local name and port;
        # once labels point at a real address, a local Host (a proxy's) gets that address.
        self.public_is_local = (parts.hostname or "") in _LOOPBACK_NAMES
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self._store: Store | None = None
        self._lookup: CodeLookup | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.database)
        return self._store

    @property
    def lookup(self) -> CodeLookup:
        if self._lookup is None:
            self._lookup = CodeLookup(self.store)
        return self._lookup

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def create_app(
    database: str | Path,
    rate_limit: float = 5.0,
    maker: str | None = None,
    public_url: str = DEFAULT_RESOLVER,
    allowed_hosts: Sequence[str] = (),
    session_hours: float = 12.0,
    templates_dir: Path | None = None,
    company_prefix: str | None = None,
    cache_seconds: int = 60,
) -> Starlette:
    """The public site, and the station for signed-in people under /station/. Absolute links (redirects, Link headers, linksets) use the address
    the request came to only when that host is ``public_url``'s, one of ``allowed_hosts`` or
    this machine; any other Host header gets ``public_url``, never an address a client made up."""
    site = Site(str(database), rate_limit, maker, public_url, allowed_hosts, cache_seconds)
    runner = JobRunner(str(database), site.public_url, templates_dir)
    desk = Desk(
        str(database), site.public_url, timedelta(hours=session_hours), runner, templates_dir,
        company_prefix=company_prefix, maker=maker,
    )  # fmt: skip

    def render(name: str, context: dict[str, Any]) -> str:
        return _pages.get_template(name).render(**context)

    async def digital_link(request: Request) -> Response:
        if request.method == "OPTIONS":
            return _options(site, request)
        keys = _keys(request, digital_link_keys)
        return keys if isinstance(keys, Response) else _resolve(site, request, keys, False)

    async def short_link(request: Request) -> Response:
        if request.method == "OPTIONS":
            return _options(site, request)
        keys = _keys(request, short_link_keys)
        return keys if isinstance(keys, Response) else _resolve(site, request, keys, False)

    async def compressed_link(request: Request) -> Response:
        segment = request.path_params["segment"]
        if not looks_compressed(segment):
            raise HTTPException(404)
        if request.method == "OPTIONS":
            return _options(site, request)
        keys = decompress(segment)
        if keys is None:
            raise HTTPException(404)  # a word, not a compressed product link
        return _resolve(site, request, keys, True)

    async def origin_page(request: Request) -> Response:
        if request.method == "OPTIONS":
            return _options(site, request)
        return _show(site, request, PAGE_PREFIX, as_json=False)

    async def origin_data(request: Request) -> Response:
        if request.method == "OPTIONS":
            return _options(site, request)
        return _show(site, request, DATA_PREFIX, as_json=True)

    async def product_photo(request: Request) -> Response:
        return _photo(site, request)

    async def resolver_description(request: Request) -> Response:
        return _headers(JSONResponse(_description(site, request)))

    async def home(request: Request) -> Response:
        return _page(request, "home.html", {"maker": site.maker}, 200)

    async def api_resolve(request: Request) -> Response:
        _station(site, request)
        body = await _json_body(request)
        if isinstance(body, Response):
            return body
        codes = body.get("codes") if isinstance(body, dict) else None
        if not isinstance(codes, list) or not codes or len(codes) > 100:
            return _api_error(400, 'Send {"codes": [...]} with 1 to 100 codes.')
        return _private(JSONResponse([site.lookup.resolve(str(c)).public() for c in codes]))

    async def api_scans(request: Request) -> Response:
        owner = _station(site, request)
        body = await _json_body(request)
        if isinstance(body, Response):
            return body
        if not isinstance(body, dict) or not isinstance(body.get("code"), str):
            return _api_error(400, 'Send {"code": "...", "station": "..."}.')
        try:
            station = validation.line(str(body.get("station") or owner), "station", max_length=60)
        except InputError as error:
            return _api_error(400, str(error))
        found = site.lookup.resolve(body["code"])
        site.lookup.record(found, Actor(user=f"token:{owner}", station=station), via="api")
        return _private(JSONResponse(found.public(), status_code=201))

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if request.url.path.startswith(STATION_PREFIX + "/") and isinstance(exc, HTTPException):
            message = str(exc.detail) if status in (400, 403, 404, 405, 429) else ""
            html = render("station/error.html", {
                "status": status, "message": message or "There is no page at this address.",
                "prefix": STATION_PREFIX, "visit": None,
            })  # fmt: skip
            page = HTMLResponse(html, status_code=status)
            page.headers.update(STATION_HEADERS)
            return page
        if status == 405:
            return _error(request, 405, "This address answers GET, HEAD and OPTIONS only.")
        if status in (401, 429) and isinstance(exc, HTTPException):
            response = _api_error(status, str(exc.detail))
            response.headers.update(exc.headers or {})
            return response
        return _error(request, 404, "There is no page at this address.")

    async def station_root(request: Request) -> Response:
        return RedirectResponse(STATION_PREFIX + "/", 308)

    async def records_unavailable(request: Request, exc: Exception) -> Response:
        # The database went away (a restart, a dropped connection): a pause, not a fault.
        # The next request opens a new connection.
        return _error(request, 503, "The records cannot be read right now; try again shortly.")

    async def server_error(request: Request, exc: Exception) -> Response:
        return _error(request, 500, "Something went wrong on our side; please try again later.")

    methods = ["GET", "HEAD", "OPTIONS"]
    app = Starlette(
        routes=[
            Route("/", home, methods=["GET", "HEAD"]),
            Route("/.well-known/gs1resolver", resolver_description, methods=["GET", "HEAD"]),
            Route("/01/{rest:path}", digital_link, methods=methods),
            Route("/gtin/{rest:path}", digital_link, methods=methods),
            Route("/p/{rest:path}", short_link, methods=methods),
            Route(PAGE_PREFIX + "/{rest:path}", origin_page, methods=methods),
            Route(DATA_PREFIX + "/{rest:path}", origin_data, methods=methods),
            Route(PHOTO_PREFIX + "/{rest:path}", product_photo, methods=["GET", "HEAD"]),
            Route("/api/resolve", api_resolve, methods=["POST"]),
            Route("/api/scans", api_scans, methods=["POST"]),
            Route(STATION_PREFIX, station_root, methods=["GET", "HEAD"]),
            Mount(STATION_PREFIX, routes=station_routes(desk, lambda: site.store, render)),
            Route("/{segment}", compressed_link, methods=methods),
        ],
        exception_handlers={
            HTTPException: not_found,
            StoreError: records_unavailable,
            Exception: server_error,
        },
        lifespan=lambda _app: _lifespan(site, runner),
    )
    return app


@contextlib.asynccontextmanager
async def _lifespan(site: Site, runner: JobRunner) -> AsyncIterator[None]:
    try:
        yield
    finally:
        runner.wait(5.0)  # labels on their way finish, so no job is left half recorded
        site.close()


def _resolve(site: Site, request: Request, keys: LinkKeys, compressed: bool) -> Response:
    """A resolver answer: the linkset when asked for, else a 307 redirect to the origin page
    (or its JSON data, by the Accept header), passing the query string on."""
    refused = _refuse(site, request)
    if refused is not None:
        return refused
    key = ("resolve", *_answer_key(request), _negotiate(request))
    return site.answers.answer(
        request, key, site.store.change_token(), lambda: _resolved(site, request, keys, compressed)
    )


def _resolved(site: Site, request: Request, keys: LinkKeys, compressed: bool) -> Response:
    found = _find(site, request, keys)
    if isinstance(found, Response):
        return found
    if found.withdrawn:
        return _gone(site, request, found)
    base = _base(site, request)
    path = levels(found)[0][0]
    anchor = base + path
    same_as = anchor if compressed else None  # a compressed link names its uncompressed twin
    link_type = request.query_params.get("linkType")
    if link_type in LINKSET_LINK_TYPES or (link_type is None and _negotiate(request) == "linkset"):
        response: Response = JSONResponse(
            linkset(base, found), media_type="application/linkset+json"
        )
        context = f'<{LINKSET_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"'
        response.headers["link"] = (
            f'{link_header(anchor, same_as)}, {context}; type="application/ld+json"'
        )
    elif link_type is None or link_type in PAGE_LINK_TYPES:
        prefix = DATA_PREFIX if _negotiate(request) == "json" else PAGE_PREFIX
        response = RedirectResponse(base + prefix + path + _passed_on(request), 307)
        response.headers["link"] = link_header(anchor, same_as)
    else:
        return _error(
            request,
            404,
            f"This item has no link of type '{_shown(link_type)}'; ask with ?linkType=linkset "
            "to see the links it has.",
        )
    return _negotiated(response)


def _show(site: Site, request: Request, prefix: str, as_json: bool) -> Response:
    """The origin page (or its data) that the resolver redirects to."""
    refused = _refuse(site, request)
    if refused is not None:
        return refused
    variant = "json" if as_json else _negotiate(request)
    # The Accept header counts even for /data/: an error page is HTML or JSON by it.
    key = ("show", *_answer_key(request), variant, _negotiate(request))
    return site.answers.answer(
        request, key, site.store.change_token(),
        lambda: _shown_origin(site, request, prefix, variant == "json"),
    )  # fmt: skip


def _answer_key(request: Request) -> tuple[object, ...]:
    """What a public answer depends on besides the records and the Accept header: the
    address asked for and the host it was asked of (links start with it)."""
    scope = request.scope
    return (scope.get("raw_path") or scope["path"], scope["query_string"], scope["scheme"],
            request.headers.get("host", ""))  # fmt: skip


def _shown_origin(site: Site, request: Request, prefix: str, as_json: bool) -> Response:
    raw = _raw_path(request)[len(prefix) :]
    try:
        keys = item_keys(raw)
    except InputError as error:
        return _error(request, 400, f"This is not a valid product link: {error}")
    found = _find(site, request, keys, details=True)
    if isinstance(found, Response):
        return found
    if found.withdrawn:
        return _gone(site, request, found)
    anchor = _base(site, request) + levels(found)[0][0]
    if as_json:
        response: Response = JSONResponse({"uri": anchor, **found.public()})
    else:
        response = HTMLResponse(origin_page_html(found, site.maker))
    response.headers["link"] = link_header(anchor)
    return _negotiated(response)


def origin_page_html(origin: Origin, maker: str | None) -> str:
    """The page a shopper sees for ``origin`` (photo addresses are relative to the site)."""
    status = origin.batch.status if origin.batch else None
    return _pages.get_template("origin.html").render(
        origin=origin,
        public=origin.public(),
        status_text=STATUS_TEXT.get(BatchStatus(status), "") if status else "",
        maker=maker,
        photo_url=PHOTO_PREFIX + item_path(origin.product) if origin.has_photo else None,
    )


def _gone(site: Site, request: Request, origin: Origin) -> Response:
    """410 for a withdrawn product; a recall of the batch asked about still shows."""
    public = origin.public()
    if _negotiate(request) != "html":
        message = "This product has been withdrawn by its maker and is no longer sold."
        body = {"error": message, "status": 410, "withdrawn": True, "batch": public["batch"]}
        return _headers(JSONResponse(body, status_code=410))
    context = {"origin": origin, "public": public, "maker": site.maker}
    return _page(request, "gone.html", context, 410)


def _photo(site: Site, request: Request) -> Response:
    raw = _raw_path(request)[len(PHOTO_PREFIX) :]
    if len(raw) > MAX_PATH:
        return _error(request, 400, "This address is too long to be a photo's.")
    try:
        keys = item_keys(raw)
        origin = find_origin(site.store, gtin=keys.gtin, sku=keys.sku, details=False)
    except NotFoundError:
        return _error(request, 404, "No product of this maker has this code.")
    except InputError as error:
        return _error(request, 400, f"This is not a valid photo address: {error}")
    if origin.withdrawn:
        return _error(request, 410, "This product has been withdrawn by its maker.")
    photo = site.store.photo(origin.product.id)
    if photo is None:
        return _error(request, 404, "This product has no photo.")
    etag = f'"{photo.updated_at}"'
    headers = {"etag": etag, "cache-control": "public, max-age=3600"}
    if request.headers.get("if-none-match") == etag:
        return _headers(Response(status_code=304, headers=headers))
    return _headers(Response(photo.data, media_type=photo.media_type, headers=headers))


def _negotiated(response: Response) -> Response:
    """Headers of an answer chosen by the Accept header (its caching: see Answers)."""
    response.headers["vary"] = "Accept"
    return _headers(response)


def _shown(text: str) -> str:
    """Untrusted text made safe to repeat in a message: short, control characters as '?'."""
    return shown(text[:60])


def _refuse(site: Site, request: Request) -> Response | None:
    """The answer to a request that is not served: too many from one client, or too long."""
    client = request.client.host if request.client else "?"
    wait = site.limiter.wait(client)
    if wait:
        response = _error(request, 429, "Too many requests from your address; wait a moment.")
        response.headers["retry-after"] = str(max(1, round(wait)))
        return response
    if len(_raw_path(request)) > MAX_PATH:
        return _error(request, 400, "This address is too long to be a label's link.")
    return None


def _find(site: Site, request: Request, keys: LinkKeys, details: bool = False) -> Origin | Response:
    try:
        return find_origin(site.store, **keys.as_dict(), details=details)
    except NotFoundError:  # before InputError, which it extends
        return _error(request, 404, "No product of this maker has this code.")
    except InputError as error:
        return _error(request, 400, f"This is not a valid product link: {error}")
    except BatchlabelError:
        return _error(request, 503, "The records cannot be read right now; try again shortly.")


def _keys(request: Request, read: Callable[[str], LinkKeys]) -> LinkKeys | Response:
    try:
        return read(_raw_path(request))
    except InputError as error:
        return _error(request, 400, f"This is not a valid product link: {error}")


def _raw_path(request: Request) -> str:
    raw: bytes = request.scope.get("raw_path") or request.url.path.encode()
    return raw.decode("latin-1").split("?")[0]


def _base(site: Site, request: Request) -> str:
    """The address absolute links start with (see create_app)."""
    host = request.headers.get("host", "").lower()
    name = host if host.endswith("]") else host.rsplit(":", 1)[0]
    if host == site.public_host:
        return site.public_url  # its own scheme too: https behind a TLS proxy stays https
    if host in site.allowed_hosts or (site.public_is_local and name.strip("[]") in _LOOPBACK_NAMES):
        return str(request.base_url).rstrip("/")
    return site.public_url


def _passed_on(request: Request) -> str:
    """The request's query string without linkType: GS1 resolvers pass the rest on."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "linkType"]
    return "?" + urlencode(kept) if kept else ""


def _options(site: Site, request: Request) -> Response:
    """The CORS answer; for an item's address it also names the linkset, as GET does (a
    look-up, so it counts against the client's rate limit like any page)."""
    refused = _refuse(site, request)
    if refused is not None:
        return refused
    response = Response(
        status_code=204,
        headers={
            "allow": ALLOW,
            "access-control-allow-methods": ALLOW,
            "access-control-allow-headers": "Accept, Content-Type",
            "access-control-max-age": "86400",
        },
    )
    keys = _item_keys_of(request)
    if keys is not None:
        with contextlib.suppress(BatchlabelError):
            found = find_origin(site.store, **keys.as_dict(), details=False)
            response.headers["link"] = link_header(_base(site, request) + levels(found)[0][0])
    return _headers(response)


def _item_keys_of(request: Request) -> LinkKeys | None:
    """The item an address names, whichever of its forms; None when it names none."""
    raw = _raw_path(request)
    if len(raw) > MAX_PATH:
        return None
    readers: list[tuple[str, Callable[[str], LinkKeys]]] = [
        ("/01/", digital_link_keys), ("/gtin/", digital_link_keys), ("/p/", short_link_keys),
    ]  # fmt: skip
    try:
        for prefix, read in readers:
            if raw.startswith(prefix):
                return read(raw)
        for prefix in (PAGE_PREFIX, DATA_PREFIX):
            if raw.startswith(prefix + "/"):
                return item_keys(raw[len(prefix) :])
        segment = raw.strip("/")
        return decompress(segment) if looks_compressed(segment) else None
    except InputError:
        return None


def _description(site: Site, request: Request) -> dict[str, Any]:
    """The resolver description file GS1 asks for at /.well-known/gs1resolver."""
    maker = site.maker
    return {
        "name": f"Origin pages of {maker}" if maker else "Product origin pages",
        "resolverRoot": _base(site, request),
        "supportedPrimaryKeys": ["01"],
        "linkTypeDefaultCanBeLinkset": False,
        "supportedLinkType": [
            {"namespace": GS1_VOC, "prefix": "gs1:", "profile": f"{GS1_VOC}?show=linktypes"}
        ],
        "jsonLdContextLocation": LINKSET_CONTEXT,
        **({"contact": {"fn": maker}} if maker else {}),
    }


def _negotiate(request: Request) -> str:
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
    return _private(JSONResponse({"error": message, "status": status}, status_code=status))


def _private(response: Response) -> Response:
    """An answer for one station only: no cache keeps it."""
    response.headers["cache-control"] = "private, no-store"
    return _headers(response)


def _headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def _station(site: Site, request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    owner = None
    if scheme.lower() == "bearer" and 0 < len(token) <= 200:
        owner = site.store.token_owner(token)
    if owner is not None:
        return owner  # a good token always passes: guessers cannot lock stations out
    client = request.client.host if request.client else "?"
    wait = site.token_limiter.peek(client)
    if wait:
        raise HTTPException(
            429, "Too many requests with a wrong token; wait a moment.",
            headers={"retry-after": str(max(1, round(wait)))},
        )  # fmt: skip
    if owner is None:
        site.token_limiter.wait(client)  # only failures use up the allowance
        raise HTTPException(
            401, "A station token is needed: create one with 'batchlabel token create NAME'."
        )
    return owner


MAX_BODY = 64 * 1024  # 100 scanned codes fit many times over


async def _json_body(request: Request) -> Any:
    """The request's JSON, or the 4xx answer: too large (413), or not JSON a scanner sends
    (None, answered with 400, for malformed or deeply nested documents alike)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return _api_error(413, f"The request body is over {MAX_BODY // 1024} KB.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return _api_error(413, f"The request body is over {MAX_BODY // 1024} KB.")
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return None
