"""Commands for the web part: serve the origin pages, and station tokens for its API."""

from __future__ import annotations

import os
import socket

import click
import uvicorn
from rich.table import Table

from batchlabel.cli.app import cli
from batchlabel.cli.context import AppContext, Number, console, emit_json, marked, pass_app
from batchlabel.codes.gs1 import make_sscc
from batchlabel.errors import InputError
from batchlabel.web.serving import APP_FACTORY, SETTINGS_VARIABLE, AppSettings


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--rate-limit",
    default=5.0,
    show_default=True,
    type=Number(0, 10_000),
    help="Page requests per second per client (0: no limit).",
)
@click.option(
    "--maker", help="Your workshop's name, shown on the pages and sent from on carton labels."
)
@click.option(
    "--company-prefix",
    help="Your GS1 company prefix: cartons started at the station get SSCCs with it.",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="HOST[:PORT]",
    help="Another address this server answers as (besides --resolver's and this machine's).",
)
@click.option(
    "--cache-seconds",
    default=60,
    show_default=True,
    type=click.IntRange(0, 86_400),
    help="How long a browser, proxy or CDN may keep origin pages, linksets and redirects "
    "before asking again (0: ask every time; a changed page has a new ETag at once).",
)
@click.option(
    "--session-hours",
    default=12.0,
    show_default=True,
    type=Number(0.1, 24 * 30),
    help="Station sign-ins end after this long without use.",
)
@click.option(
    "--proxy-headers",
    is_flag=True,
    help="Behind a reverse proxy: trust its X-Forwarded-For and X-Forwarded-Proto "
    "(from --forwarded-allow-ips only), for real client addresses and https links.",
)
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    metavar="IPS",
    help="The reverse proxies (comma-separated addresses) --proxy-headers trusts.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes answering at once (for a busy public resolver; each keeps its own "
    "rate limit and page cache).",
)
@pass_app
def serve(
    app: AppContext,
    host: str,
    port: int,
    rate_limit: float,
    maker: str | None,
    company_prefix: str | None,
    allowed_hosts: tuple[str, ...],
    cache_seconds: int,
    session_hours: float,
    proxy_headers: bool,
    forwarded_allow_ips: str,
    workers: int,
) -> None:
    """Serve the origin pages that labels' QR codes open, the station for packers and QA
    (/station/, for people added with 'batchlabel user add'), and the station API.

    Links in answers start with --resolver (the address printed on labels); a request that
    names another host is answered with that address, so nobody can make the site point
    elsewhere. Client addresses (for the rate limit) come from the connection, or from a
    proxy's X-Forwarded-For only with --proxy-headers and from --forwarded-allow-ips."""
    app.store.products()  # a bad --db fails here, in one sentence, before the server starts
    if company_prefix:
        make_sscc(0, company_prefix, 1)  # a wrong prefix is said now, not at the first carton
    _check_port_free(host, port)
    processes = f" with {workers} worker processes" if workers > 1 else ""
    console.print(
        f"Serving origin pages for {app.store.shown} on http://{host}:{port}/{processes} "
        "(Ctrl-C stops)."
    )
    settings = AppSettings(
        database=app.db,
        rate_limit=rate_limit,
        maker=maker,
        public_url=app.resolver,
        allowed_hosts=allowed_hosts,
        session_hours=session_hours,
        templates_dir=str(app.templates_dir) if app.templates_dir else None,
        company_prefix=company_prefix,
        cache_seconds=cache_seconds,
    )
    app.close()  # each server process opens the database itself
    if workers > 1:
        # Worker processes are started afresh by uvicorn: they build the app from the
        # settings handed down in the environment.
        os.environ[SETTINGS_VARIABLE] = settings.to_json()
    uvicorn.run(
        APP_FACTORY if workers > 1 else settings.app(),
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        # uvicorn trusts X-Forwarded-For from 127.0.0.1 by default: a local program could
        # then pose as any client and escape the rate limit. Only when asked, and only from
        # the named proxies.
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips.strip() if proxy_headers else "",
        log_level="warning",
        access_log=False,
    )


@cli.group()
def token() -> None:
    """Bearer tokens for stations that use the web API."""


@token.command("create")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def token_create(app: AppContext, name: str, as_json: bool) -> None:
    """Create a token for station NAME; it is shown once, keep it on that station."""
    secret = app.store.create_token(name, app.actor)
    if as_json:
        emit_json({"name": name, "token": secret})
    else:
        console.print(marked("Token for {} (shown once): [bold]{}[/]", name, secret))


@token.command("revoke")
@click.argument("name")
@pass_app
def token_revoke(app: AppContext, name: str) -> None:
    """Revoke station NAME's token at once."""
    app.store.revoke_token(name, app.actor)
    console.print(f"Token '{name}' revoked.")


@token.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def token_list(app: AppContext, as_json: bool) -> None:
    """List tokens (names and dates; the tokens themselves are not kept)."""
    rows = app.store.tokens()
    if as_json:
        emit_json(rows)
        return
    table = Table("Name", "Created", "Revoked", title="Station tokens")
    for row in rows:
        table.add_row(row["name"], row["created_at"], row["revoked_at"] or "-")
    console.print(table)


def _check_port_free(host: str, port: int) -> None:
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        raise InputError(
            f"Cannot listen on {host}:{port} ({os.strerror(error.errno or 0)}); choose another "
            "--port or stop "
            "the program using it."
        ) from None
