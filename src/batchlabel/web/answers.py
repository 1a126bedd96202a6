"""Public answers that any cache may keep: a strong ETag made from what the answer shows,
304 for a client or proxy that has it already, and answers kept in memory while the records
they were made from stay the same.

A shopper's scan costs little, but a recall in the news or a viral product sends every phone
to the same few pages at once. An answer is kept with the store's change token (see
``Store.change_token``): any change to the records (a recall from the command line, a release
at the station) makes every kept answer stale at once, and the next request makes it anew,
with a new ETag, so a revalidating cache never shows a recalled batch as fine.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable

from starlette.requests import Request
from starlette.responses import Response

KEPT = 2048  # answers kept; a page is a few KB
KEPT_BYTES = 16 * 1024 * 1024  # and at most this much of them
LONGEST_KEY = 2048  # an address longer than any label's is answered, not kept
CACHEABLE = frozenset({200, 307, 404, 410})


class Answers:
    """The answers kept for one change token, newest last."""

    def __init__(self, seconds: int) -> None:
        self.control = f"public, max-age={seconds}" if seconds > 0 else "public, no-cache"
        self._token: Hashable = None
        self._kept: OrderedDict[Hashable, Response] = OrderedDict()
        self._bytes = 0

    def answer(
        self, request: Request, key: Hashable, token: Hashable, make: Callable[[], Response]
    ) -> Response:
        """The answer for ``key``: kept, or made by ``make`` and kept when it may be; a 304
        when the client has it already."""
        if token != self._token:
            self._kept.clear()
            self._bytes = 0
            self._token = token
        response = self._kept.get(key)
        if response is not None:
            self._kept.move_to_end(key)  # the most asked-for answers stay
            return self.conditional(request, response)
        response = self._prepared(make())
        size = len(response.body) + len(repr(key))
        if response.status_code in CACHEABLE and len(repr(key)) <= LONGEST_KEY:
            self._kept[key] = response
            self._bytes += size
            while len(self._kept) > KEPT or self._bytes > KEPT_BYTES:
                _, dropped = self._kept.popitem(last=False)
                self._bytes -= len(dropped.body)
        return self.conditional(request, response)

    def _prepared(self, response: Response) -> Response:
        if response.status_code not in CACHEABLE:
            return response
        response.headers["etag"] = etag_of(response)
        response.headers["cache-control"] = self.control
        response.headers["vary"] = "Accept"  # HTML and JSON answers share an address
        return response

    def conditional(self, request: Request, response: Response) -> Response:
        """304 Not Modified when the client's If-None-Match names this answer's ETag (only
        for a 200: RFC 9110 13.2.1 has other answers ignore the precondition)."""
        tag = response.headers.get("etag")
        asked = request.headers.get("if-none-match")
        if tag is None or asked is None or response.status_code != 200:
            return response
        # If-None-Match compares weakly (RFC 9110 13.1.2): a proxy that compresses marks
        # the tag W/ and must still get its 304.
        named = {t.strip().removeprefix("W/") for t in asked.split(",")}
        if tag not in named and asked.strip() != "*":
            return response
        kept = {
            name: response.headers[name]
            for name in ("etag", "cache-control", "vary", "link", "location")
            if name in response.headers
        }
        return Response(status_code=304, headers=kept)


def etag_of(response: Response) -> str:
    """A strong ETag from what the answer shows: its status, body, and where it sends to."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(str(response.status_code).encode())
    digest.update(response.body)
    for name in ("location", "link", "content-type"):
        digest.update(response.headers.get(name, "").encode())
    return f'"{digest.hexdigest()}"'
