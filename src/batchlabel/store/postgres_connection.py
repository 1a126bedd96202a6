"""The store on PostgreSQL: a connection that takes the store's SQL as the SQLite one does.

The store's record classes speak to one small connection interface (``execute``,
``executemany``, ``total_changes``, cursors with ``lastrowid``); here it is carried out over
psycopg, each statement said in PostgreSQL's words (postgres_dialect). Integrity failures,
including a trigger's refusal, come out as ``sqlite3.IntegrityError`` as they do on SQLite,
so the record classes name a clash once for both engines; every other failure is one
sentence naming the server.

Writes are serialised, as on SQLite: each write transaction takes one transaction-scoped
advisory lock first. The checks a write makes before it records (a batch still released, a
label not yet printed, a carton still open, the next serial) then hold until it commits, on
every machine, exactly as under SQLite's write lock.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import Any, TypeVar

from batchlabel.errors import InputError, StoreError
from batchlabel.store import postgres
from batchlabel.store.migrations import MIGRATIONS
from batchlabel.store.postgres_dialect import to_postgres, with_new_id

# The advisory lock every write transaction holds (any fixed number; "batchlab" in ASCII).
WRITE_LOCK = 0x6261746368_6C6162 & 0x7FFFFFFFFFFFFFFF
_BEGIN = f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})"
CHANGES_CHANNEL = "batchlabel_changes"
_NOTIFY_AND_COMMIT = f"NOTIFY {CHANGES_CHANNEL}; COMMIT"


T = TypeVar("T")


class PostgresIntegrityError(sqlite3.IntegrityError):
    """A unique key, reference or check refused a row on PostgreSQL (see module doc)."""


class PostgresCursor:
    """What the record classes read from a statement: rows, rowcount, lastrowid."""

    __slots__ = ("_cursor", "_description", "_new_id", "_returns_id", "_rows")

    def __init__(self, cursor: Any, returns_id: bool = False) -> None:
        self._cursor = cursor
        self._returns_id = returns_id  # the row holds the new id (postgres_dialect.with_new_id)
        self._new_id: int | None = None
        # Whether the statement answers rows, and their column names, read from the result
        # itself: psycopg builds full column descriptions anew on every look (measured: a
        # third of a scan's time).
        result = cursor.pgresult
        self._rows = result is not None and result.nfields > 0
        self._description: tuple[tuple[str, None, None, None, None, None, None], ...] | None = None

    @property
    def lastrowid(self) -> int | None:
        """The id a one-row INSERT gave, as sqlite3's cursor has it; read only when asked."""
        if self._returns_id and self._new_id is None:
            self._new_id = int(self._cursor.fetchone()[0])
        return self._new_id

    def fetchone(self) -> Any:
        return self._cursor.fetchone() if self._rows else None

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall()) if self._rows else []

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor) if self._rows else iter(())

    @property
    def returns_rows(self) -> bool:
        return self._rows

    @property
    def description(self) -> Any:
        """Column names as sqlite3 gives them: (name, None, None, None, None, None, None)."""
        if self._description is None and self._rows:
            result = self._cursor.pgresult
            self._description = tuple(
                (result.fname(i).decode(), None, None, None, None, None, None)
                for i in range(result.nfields)
            )
        return self._description

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)


class PostgresConnection:
    """One psycopg connection behind the interface the record classes use."""

    def __init__(self, url: str) -> None:
        import psycopg
        import psycopg.errors

        self.url = url
        self.psycopg = psycopg
        self._conn: Any = None
        self.total_changes = 0
        self.reconnect()

    def reconnect(self) -> None:
        """A fresh connection: after the server went away and came back, work goes on."""
        if self._conn is not None:
            self._conn.close()
        self._conn = postgres.connect(self.url)
        # Python text is sent as text and whole numbers as bigint, the types of the store's
        # columns: psycopg's defaults (a type left for the server to guess, the smallest
        # integer type that fits) fail inside json_build_object and recursive queries.
        from psycopg.types.numeric import Int8Dumper
        from psycopg.types.string import StrDumper

        self._conn.adapters.register_dumper(str, StrDumper)
        self._conn.adapters.register_dumper(int, Int8Dumper)
        # The store asks short questions, many a second: starting parallel workers for one
        # costs more than it saves (measured on the trace of a material lot at 1M units).
        self._conn.execute("SET max_parallel_workers_per_gather = 0")
        # Index look-ups priced for SSDs rather than spinning disks (the server's default):
        # the trace then follows indexes instead of hashing whole tables (5 ms, not 8).
        self._conn.execute("SET random_page_cost = 1.1")

    @property
    def raw(self) -> Any:
        """The psycopg connection (for reads that build dictionaries and server cursors)."""
        if self._conn.closed:
            self.reconnect()
        return self._conn

    @property
    def in_transaction(self) -> bool:
        status = self._conn.info.transaction_status
        pq = self.psycopg.pq.TransactionStatus
        return not self._conn.closed and status not in (pq.IDLE, pq.UNKNOWN)

    def run(self, action: Callable[[Any], T]) -> T:
        """``action`` on the psycopg connection, its failures said as failure() says them.
        A connection found dropped (a server restart, an idle connection cut) outside a
        transaction is opened afresh and the action tried once more: nothing was under way,
        so nothing can happen twice, and the person asking never sees the pause."""
        idle = not self.in_transaction
        try:
            return action(self.raw)
        except self.psycopg.OperationalError as error:
            if not (idle and self.lost):
                raise self.failure(error) from None
            self._conn.close()
        except Exception as error:
            raise self.failure(error) from None
        try:
            return action(self.raw)
        except Exception as error:
            raise self.failure(error) from None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PostgresCursor:
        statement, returns_id = with_new_id(sql)
        cursor = self.run(lambda conn: conn.execute(statement, params))
        answer = PostgresCursor(cursor, returns_id)
        if returns_id:
            self.total_changes += 1
        elif cursor.rowcount > 0 and not answer.returns_rows:
            self.total_changes += cursor.rowcount
        return answer

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PostgresCursor:
        try:
            cursor = self.raw.cursor()
            cursor.executemany(to_postgres(sql), [tuple(r) for r in rows])
        except Exception as error:
            raise self.failure(error) from None
        if cursor.rowcount > 0:
            self.total_changes += cursor.rowcount
        return PostgresCursor(cursor)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    @property
    def lost(self) -> bool:
        """The connection is gone (closed, or broken by the server or the network)."""
        return bool(self._conn.closed or self._conn.broken)

    def abandon(self) -> None:
        """Leave an unfinished transaction: rolled back, or the connection closed (and
        opened afresh on the next statement) when even that fails."""
        if self._conn.closed or not self.in_transaction:
            return
        try:
            self._conn.execute("ROLLBACK")
        except self.psycopg.Error:
            self._conn.close()

    @contextmanager
    def errors(self) -> Iterator[None]:
        """PostgreSQL's failures said as failure() says them."""
        try:
            yield
        except Exception as error:
            raise self.failure(error) from None

    def failure(self, error: Exception) -> Exception:
        """What the record classes see of ``error``: a refused row as SQLite's
        IntegrityError (for them to name the clash), text that cannot be stored as the input
        error SQLite gives, anything else from the server as one sentence naming it; a lost
        connection is opened afresh on the next statement."""
        psycopg = self.psycopg
        if isinstance(error, psycopg.IntegrityError | psycopg.errors.RaiseException):
            return PostgresIntegrityError(str(error))
        if isinstance(error, psycopg.errors.CharacterNotInRepertoire | UnicodeEncodeError) or (
            isinstance(error, psycopg.DataError) and "NUL" in str(error)
        ):
            return InputError(
                "Some text given cannot be stored (a NUL character, or not valid UTF-8); "
                "type it again or check the scanner."
            )
        if not isinstance(error, psycopg.Error):
            return error
        if self.lost:
            self._conn.close()
        return postgres.working_error(self.url, error)


class PostgresTransaction:
    """One all-or-nothing write under the write lock (see the module doc)."""

    __slots__ = ("committed", "conn")

    def __init__(
        self, conn: PostgresConnection, committed: Callable[[], None] | None = None
    ) -> None:
        self.conn = conn
        self.committed = committed

    def __enter__(self) -> PostgresConnection:
        try:
            self.conn.run(lambda raw: raw.execute(_BEGIN))
        except BaseException:  # the lock not taken (a timeout, a cancel): no transaction
            self.conn.abandon()
            raise
        return self.conn

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if error is not None:
            self.conn.abandon()
            return
        try:
            # Every process that keeps answers made from the records hears of the change
            # (see ChangeListener); sent with the COMMIT, in the same trip.
            self.conn.raw.execute(_NOTIFY_AND_COMMIT)
        except self.conn.psycopg.OperationalError as failed:
            if not self.conn.lost:
                self.conn.abandon()  # refused before the commit (a full notification queue)
                raise self.conn.failure(failed) from None
            self.conn.close()
            raise StoreError(
                f"PostgreSQL at {postgres.shown_url(self.conn.url)} stopped answering while "
                "saving; the change may or may not have been kept. Check before doing it again."
            ) from None
        except Exception as failed:
            self.conn.abandon()
            raise self.conn.failure(failed) from None
        if self.committed is not None:
            self.committed()


def open_connection(url: str) -> PostgresConnection:
    """Connect and bring the database to the current schema (made when it holds none)."""
    conn = PostgresConnection(url)
    version = _version(conn)
    if version == len(MIGRATIONS):
        return conn
    if version is not None and version > len(MIGRATIONS):
        conn.close()
        raise StoreError(
            f"The database was made by a newer batchlabel (schema {version}); upgrade batchlabel."
        )
    with PostgresTransaction(conn):
        version = _version(conn)  # again, under the lock: another machine may have done it
        if version is None:
            if postgres.holds_tables(conn.raw):
                raise StoreError(
                    f"{postgres.shown_url(url)} holds tables of another program; "
                    "give batchlabel a database of its own."
                )
            with conn.errors():
                postgres.create_schema(conn.raw)
        elif version < len(MIGRATIONS):
            with conn.errors():
                postgres.migrate(conn.raw, version)
    return conn


def _version(conn: PostgresConnection) -> int | None:
    with conn.errors():
        return postgres.schema_version(conn.raw)


def rows(conn: PostgresConnection, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    from psycopg.rows import dict_row

    statement = to_postgres(sql)
    return conn.run(
        lambda raw: list(raw.cursor(row_factory=dict_row).execute(statement, tuple(params)))
    )


class ChangeListener:
    """A mark that moves whenever the records change, read without asking the server:
    every write transaction sends a notification with its COMMIT, and this connection
    listens for them. While it cannot listen (the server went away), every reading is new,
    so nothing kept is trusted. A listening connection that died without a word (a
    firewall dropping idle connections) is found by asking the server once every few
    seconds."""

    CHECK_SECONDS = 5.0  # how often the listening connection is asked whether it is alive
    RETRY_SECONDS = 1.0  # after a failed connect, how long before the next try

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None
        self._heard = 0
        self._checked = 0.0
        self._failed = 0.0

    def token(self) -> object:
        import psycopg

        now = time.monotonic()
        try:
            if self._conn is None or self._conn.closed:
                if now - self._failed < self.RETRY_SECONDS:
                    return object()
                self._conn = postgres.connect(self.url)
                self._conn.execute(f"LISTEN {CHANGES_CHANNEL}")
                self._heard += 1  # whatever changed while nobody listened
                self._checked = now
            elif now - self._checked > self.CHECK_SECONDS:
                self._conn.execute("SELECT 1")
                self._checked = now
            for _ in self._conn.notifies(timeout=0):
                self._heard += 1
        except (psycopg.Error, StoreError):
            self._failed = now
            if self._conn is not None:
                self._conn.close()
            return object()  # equal to nothing: answers are made afresh
        return self._heard

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


class PostgresEngine:
    """The records in a PostgreSQL database, shared by several machines."""

    remote = True

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn = open_connection(url)
        self._listener: ChangeListener | None = None

    @property
    def shown(self) -> str:
        return postgres.shown_url(self.url)

    def transaction(self, committed: Callable[[], None]) -> PostgresTransaction:
        return PostgresTransaction(self.conn, committed)

    def errors(self) -> AbstractContextManager[None]:
        return self.conn.errors()

    def rows(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        return rows(self.conn, sql, params)

    def stream(self, sql: str, params: Sequence[Any], as_dicts: bool = False) -> Iterator[Any]:
        """Read through a server-side cursor, on a connection of the stream's own: memory
        stays flat however long the answer, the store goes on asking other things
        meanwhile, and a stream left unfinished ends with its connection."""
        from psycopg.rows import dict_row, tuple_row

        reader = PostgresConnection(self.url)
        try:
            with (
                reader.errors(),
                reader.raw.transaction(),
                reader.raw.cursor(
                    name="batchlabel_stream", row_factory=dict_row if as_dicts else tuple_row
                ) as cursor,
            ):
                cursor.itersize = 2000
                cursor.execute(to_postgres(sql), tuple(params))
                yield from cursor
        finally:
            reader.close()

    def change_token(self) -> object:
        if self._listener is None:
            self._listener = ChangeListener(self.url)
        return self._listener.token()

    def close(self) -> None:
        self.conn.close()
        if self._listener is not None:
            self._listener.close()
