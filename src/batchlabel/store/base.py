"""What the store's mixins rely on: the transaction, row queries and the event log that
``Store`` provides. Declared once, so each mixin holds only its own SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from batchlabel import validation
from batchlabel.errors import InputError
from batchlabel.models import Actor, Batch, Unit


def now() -> str:
    """UTC timestamp with milliseconds, sortable as text."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# The same timestamp as now(), taken by SQLite inside the statement: the event log's clock
# reads when the write lock is held, so events' times follow their order.
SQL_NOW = "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')"


T = TypeVar("T")
# Values per IN (...) list: far below SQLite's limit on bound parameters, and big enough
# that a long list costs few statements.
IN_LIST_SIZE = 500


def marks(values: Sized) -> str:
    """The ``?,?,...`` placeholders of an IN list for ``values``."""
    return ",".join("?" * len(values))


def in_chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """``values`` in slices of at most IN_LIST_SIZE, one IN list each."""
    for offset in range(0, len(values), IN_LIST_SIZE):
        yield values[offset : offset + IN_LIST_SIZE]


def holds_nul(values: Iterable[Any]) -> bool:
    """Whether a text among ``values`` holds a NUL character. No recorded text does (text is
    checked on entry, and PostgreSQL cannot store one), so a question asking for one finds
    nothing, on either engine, without the database being asked: a scanner's stray byte
    is an unknown code everywhere, not a refusal on PostgreSQL."""
    return any(isinstance(value, str) and "\x00" in value for value in values)


def checked_text(value: str, what: str, example: str, max_length: int = 60) -> str:
    """``value`` stripped, if it is a name people can read and print; else one sentence."""
    value = validation.line(value, what, max_length=max_length, required=False)
    if not value:
        raise InputError(f"The {what} is empty; give one, e.g. {example}.")
    return value


class Cursor(Protocol):
    """What a statement gives back, on either engine."""

    @property
    def rowcount(self) -> int: ...

    @property
    def lastrowid(self) -> int | None: ...

    @property
    def description(self) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """The part of a database connection the record classes use: sqlite3's, and
    postgres_connection.PostgresConnection's, which takes the same SQL."""

    @property
    def total_changes(self) -> int: ...

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Cursor: ...


class Engine(Protocol):
    """SQLite (one file) or PostgreSQL (several machines): what the Store needs of each."""

    # Each statement is a trip to a server (PostgreSQL), rather than a call into the
    # library (SQLite): the hot paths then say in one statement what takes two on SQLite.
    remote: bool

    @property
    def conn(self) -> Connection: ...

    @property
    def shown(self) -> str: ...

    def transaction(self, committed: Callable[[], None]) -> AbstractContextManager[Connection]: ...

    def errors(self) -> AbstractContextManager[None]: ...

    def rows(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]: ...

    def stream(self, sql: str, params: Sequence[Any], as_dicts: bool = False) -> Iterator[Any]:
        """The rows of a long answer (an export, a recall list) one at a time, in flat
        memory; tuples, or dictionaries with ``as_dicts``."""
        ...

    def change_token(self) -> object: ...

    def close(self) -> None: ...


class StoreBase:
    engine: Engine

    @property
    def conn(self) -> Connection:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _allocate_units(
        self, conn: Connection, batch: Batch, count: int, actor: Actor
    ) -> list[Unit]:
        """Allocate ``count`` serials inside the caller's transaction (see Store)."""
        raise NotImplementedError

    def _log(
        self,
        conn: Connection,
        kind: str,
        actor: Actor,
        product_id: int | None = None,
        batch_id: int | None = None,
        serial: str | None = None,
        **detail: Any,
    ) -> int:
        raise NotImplementedError

    def batches_by_ids(self, batch_ids: Sequence[int]) -> dict[int, Batch]:
        raise NotImplementedError
