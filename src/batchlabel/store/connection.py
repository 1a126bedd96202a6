"""Opening the database: pragmas, migrations, transactions, and SQLite errors in plain words."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlite_utils

from batchlabel.errors import InputError, StoreError
from batchlabel.store.migrations import MIGRATIONS

# Long enough for 16 stations allocating at once to queue rather than fail.
BUSY_TIMEOUT_MS = 30_000
PAGE_SIZE = 1024


def store_error(error: sqlite3.DatabaseError, path: Path) -> StoreError:
    """A SQLite failure as one sentence saying what happened and what to do."""
    text = str(error)
    if not isinstance(error, sqlite3.OperationalError):
        return StoreError(
            f"{path} is not a batchlabel database or is damaged ({error}).", needs="database"
        )
    if "full" in text:
        return StoreError(
            f"The disk holding {path} is full; nothing was saved. Free some space and try again."
        )
    if "locked" in text or "busy" in text:
        return StoreError(
            f"The database {path} stayed busy for {BUSY_TIMEOUT_MS // 1000} s; "
            "another program holds it. Try again when it has finished."
        )
    if "unable to open" in text or "readonly" in text:
        return StoreError(
            f"Cannot open or write the database {path}; check that the folder exists and is writable."
        )
    return StoreError(f"The database {path} refused the operation: {text}.")


@contextmanager
def translated_errors(path: Path) -> Iterator[None]:
    """Turn SQLite failures into StoreError; IntegrityError passes, for the caller to name."""
    try:
        yield
    except sqlite3.IntegrityError:
        raise
    except sqlite3.DatabaseError as error:
        raise store_error(error, path) from None
    except UnicodeDecodeError:  # overwritten bytes in the schema or in a row's text
        raise damaged(path) from None
    except UnicodeEncodeError:  # text from outside that is not UTF-8 (lone surrogates)
        raise not_text() from None


def not_text() -> InputError:
    return InputError("Some text given is not valid UTF-8; type it again or check the scanner.")


def damaged(path: Path) -> StoreError:
    return StoreError(
        f"{path} is damaged: parts of it are not readable text. Restore it from your last "
        f"backup copy, or save what is readable with 'sqlite3 {path} .recover' into a new file."
    )


class Transaction:
    """One all-or-nothing write: BEGIN IMMEDIATE takes the write lock up front, so a
    read-then-write (the next serial) cannot race with another station. Any failure rolls
    back and SQLite's own failures come out as StoreError.

    A class rather than a generator: every serial allocation opens one, and a generator's
    context manager costs several microseconds more of the lock stations queue for.
    """

    __slots__ = ("committed", "conn", "path")

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        committed: Callable[[], None] | None = None,
    ) -> None:
        self.conn = conn
        self.path = path
        self.committed = committed  # told after each commit (see Store.change_token)

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as error:
            raise store_error(error, self.path) from None
        return self.conn

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if error is None:
            try:
                self.conn.execute("COMMIT")
                if self.committed is not None:
                    self.committed()
                return
            except sqlite3.DatabaseError as failed:  # a full disk shows here, at the commit
                error = failed
        if self.conn.in_transaction:
            # SQLite may have rolled back by itself (I/O errors); the first error tells more.
            with suppress(sqlite3.DatabaseError):
                self.conn.execute("ROLLBACK")
        if isinstance(error, sqlite3.DatabaseError) and not isinstance(
            error, sqlite3.IntegrityError
        ):
            raise store_error(error, self.path) from None
        if isinstance(error, UnicodeDecodeError):
            raise damaged(self.path) from None
        if isinstance(error, UnicodeEncodeError):
            raise not_text() from None


def backup_copy(path: Path, target: Path) -> None:
    """A consistent copy of the database at ``path`` (its write-ahead log included, even
    while another program has it open), made with SQLite's online backup."""
    with translated_errors(path):
        source = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()


class SqliteEngine:
    """The records in one SQLite file (the embedded default)."""

    remote = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = connect(path)
        self._commits = 0

    @property
    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection = self.db.conn
        return conn

    @property
    def shown(self) -> str:
        return str(self.path)

    def transaction(self, committed: Callable[[], None]) -> Transaction:
        return Transaction(self.db.conn, self.path, committed)

    def errors(self) -> AbstractContextManager[None]:
        return translated_errors(self.path)

    def rows(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        with translated_errors(self.path):
            return list(self.db.query(sql, params))

    def stream(self, sql: str, params: Sequence[Any], as_dicts: bool = False) -> Iterator[Any]:
        with translated_errors(self.path):
            cursor = self.conn.execute(sql, params)
            names = [c[0] for c in cursor.description] if as_dicts else None
            for row in cursor:  # sqlite3 steps through the answer as it is read
                yield dict(zip(names, row, strict=True)) if names else row

    def change_token(self) -> object:
        """SQLite's data_version moves when another connection (a command, another process)
        commits; this connection's own commits are counted by the Store."""
        with translated_errors(self.path):
            (version,) = self.conn.execute("PRAGMA data_version").fetchone()
        return int(version)

    def close(self) -> None:
        self.db.conn.close()


def connect(path: Path) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database at ``path``."""
    with translated_errors(path):
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Small pages keep each commit's WAL write (and its fsync) short: one serial at a
        # time from many stations is bound by commit cost. Only applies to a new file.
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(conn, path)
    return sqlite_utils.Database(conn)


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(
            f"The database was made by a newer batchlabel (schema {version}); upgrade batchlabel."
        )
    if version == len(MIGRATIONS):
        return
    with Transaction(conn, path):
        # Re-read under the write lock: another process may have migrated meanwhile.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in migration_statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")


def migration_statements(script: str) -> Iterator[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer
            buffer = ""
    if buffer.strip():
        yield buffer
