"""What every command shares: the database path, who is working, and how to print."""

from __future__ import annotations

import getpass
import json
import math
import socket
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from batchlabel import validation
from batchlabel.errors import InputError, StoreError
from batchlabel.labels.data import DEFAULT_RESOLVER
from batchlabel.models import Actor
from batchlabel.store import Store
from batchlabel.validation import MAX_SERIALS_PER_REQUEST


@dataclass
class AppContext:
    actor: Actor
    templates_dir: Path | None = None
    resolver: str = DEFAULT_RESOLVER
    db: str = "batchlabel.db"  # --db as given: a file, or a PostgreSQL URL
    _store: Store | None = field(default=None, repr=False)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.db)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


pass_app = click.make_pass_decorator(AppContext)


# Markup is off: names, notes and paths that makers type are printed as typed, so
# 'Tote [large]' is not taken for a style (nor '[/]' for a broken one). Our own styling
# goes through marked().
class SafeConsole(Console):
    """A console that shows the control characters in people's text (a product name with an
    ESC sequence, scanned garbage) as '?' instead of letting them drive the terminal."""

    def render_str(self, text: str, *args: Any, **kwargs: Any) -> Text:
        return super().render_str(validation.shown(text, lines=True), *args, **kwargs)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(_safe(o) for o in objects), **kwargs)


def _safe(renderable: Any) -> Any:
    if isinstance(renderable, Text):
        safe = renderable.copy()
        safe.plain = validation.shown(safe.plain, lines=True)  # same length: styles stay in place
        return safe
    return renderable


console = SafeConsole(markup=False)
err_console = SafeConsole(stderr=True, markup=False)


def marked(template: str, *values: object) -> Text:
    """``template``'s own rich markup, with ``values`` put into its ``{}`` as plain text."""
    return Text.from_markup(template.format(*(escape(str(v)) for v in values)))


def default_actor(user: str | None, station: str | None) -> Actor:
    try:
        fallback_user = getpass.getuser()
    except (KeyError, OSError):
        fallback_user = "unknown"
    return Actor(user=user or fallback_user, station=station or socket.gethostname())


def emit_json(document: Any) -> None:
    """One JSON document on stdout, for scripts."""
    # allow_nan=False: NaN or Infinity would make the document unreadable as JSON.
    try:
        text = json.dumps(document, indent=2, ensure_ascii=False, default=str, allow_nan=False)
    except ValueError:
        raise StoreError(
            "A stored number is not finite, so this cannot be written as JSON; open the file "
            "with this version of batchlabel once more to clear it, or report it."
        ) from None
    click.echo(text)


def parse_date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"Invalid date '{text}' for {option}: use YYYY-MM-DD, e.g. 2026-11-23."
        ) from None


class Number(click.FloatRange):
    """A finite number within bounds: 'nan', 'inf' and 1e400 are refused with one sentence."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        _ascii_only(self, value, param, ctx)
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


class Count(click.IntRange):
    """A whole number within bounds, 1 to the per-request limit unless told otherwise."""

    name = "count"

    def __init__(self, min: int = 1, max: int = MAX_SERIALS_PER_REQUEST) -> None:
        super().__init__(min, max)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        _ascii_only(self, value, param, ctx)
        return super().convert(value, param, ctx)


def _ascii_only(
    kind: click.ParamType[Any], value: Any, param: click.Parameter | None, ctx: click.Context | None
) -> None:
    """Python reads Arabic-Indic and fullwidth digits as numbers; a count typed here must be
    what a barcode or a spreadsheet would read too."""
    if isinstance(value, str) and not value.isascii():
        kind.fail(f"{value!r} is not a number written with the digits 0-9.", param, ctx)


def serial_list(text: str | None) -> list[str] | None:
    """--serials as a list; None when not given. Given but empty is refused: it must never
    mean "the whole batch"."""
    if text is None:
        return None
    wanted = [s.strip() for s in text.split(",") if s.strip()]
    if not wanted:
        raise InputError(
            "--serials names no serial; give them comma-separated, e.g. 000001,000002."
        )
    return wanted
