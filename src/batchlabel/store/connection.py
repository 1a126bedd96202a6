"""Opening the database: pragmas, migrations, transactions, and SQLite errors in plain words."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from batchlabel.errors import StoreError
from batchlabel.store.migrations import MIGRATIONS

# Long enough for 16 stations allocating at once to queue rather than fail.
BUSY_TIMEOUT_MS = 30_000
PAGE_SIZE = 1024


@contextmanager
def translated_errors(path: Path) -> Iterator[None]:
    """Turn SQLite failures into one sentence saying what happened and what to do."""
    try:
        yield
    except sqlite3.OperationalError as error:
        text = str(error)
        if "full" in text:
            raise StoreError(
                f"The disk holding {path} is full; nothing was saved. Free some space and try again."
            ) from None
        if "locked" in text or "busy" in text:
            raise StoreError(
                f"The database {path} stayed busy for {BUSY_TIMEOUT_MS // 1000} s; "
                "another program holds it. Try again when it has finished."
            ) from None
        if "unable to open" in text or "readonly" in text:
            raise StoreError(
                f"Cannot open or write the database {path}; check that the folder exists and is writable."
            ) from None
        raise StoreError(f"The database {path} refused the operation: {text}.") from None
    except sqlite3.DatabaseError as error:
        if isinstance(error, sqlite3.IntegrityError):
            raise
        raise StoreError(
            f"{path} is not a batchlabel database or is damaged ({error}); check the --db path."
        ) from None


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
        _migrate(conn)
    return sqlite_utils.Database(conn)


def _migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(
            f"The database was made by a newer batchlabel (schema {version}); upgrade batchlabel."
        )
    if version == len(MIGRATIONS):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have migrated meanwhile.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer
            buffer = ""
    if buffer.strip():
        yield buffer
