"""The peer of the web benchmark: a bare Starlette route answering a small JSON object, on
uvicorn with the settings `batchlabel serve` uses. python -m bench.bare PORT"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def answer(request: Request) -> Response:
    return JSONResponse({"sku": "COL-M", "lot": "2649-01", "serial": "K7M2QX9P"})


app = Starlette(routes=[Route("/bare", answer)])

if __name__ == "__main__":
    uvicorn.run(
        app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False,
        proxy_headers=False, forwarded_allow_ips="",
    )  # fmt: skip
