"""``db info`` and ``db copy``: what a database holds, and a whole database moved between a
SQLite file and PostgreSQL (either way) with its ids, times and event chain kept, in one
transaction on the target, every table's row count checked before it commits."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from batchlabel.errors import ConflictError, InputError, StoreError
from batchlabel.store import postgres
from batchlabel.store.connection import Transaction, connect, translated_errors
from batchlabel.store.location import Location
from batchlabel.store.migrations import MIGRATIONS

COUNTED = ("products", "batches", "units", "events")


def database_info(location: Location) -> dict[str, Any]:
    """Which engine, which schema version, and how many products, batches, units, events."""
    if location.is_postgres:
        conn = postgres.connect(location.text)
        try:
            version = postgres.schema_version(conn)
            counts = postgres.table_counts(conn, COUNTED) if version else {}
            return {
                "engine": f"PostgreSQL {postgres.server_version(conn)}",
                "database": location.shown(),
                "schema": version,
                "other_tables": version is None and postgres.holds_tables(conn),
                "current_schema": len(MIGRATIONS),
                **{table: counts.get(table, 0) for table in COUNTED},
            }
        finally:
            conn.close()
    if not location.path.is_file():
        raise InputError(f"There is no database file {location.path}; check the path.")
    # Read only, so an older file is described as it is, not upgraded first.
    with translated_errors(location.path):
        conn = sqlite3.connect(f"file:{location.path}?mode=ro", uri=True)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            counts = {
                t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in COUNTED
            }
        finally:
            conn.close()
    return {
        "engine": f"SQLite {sqlite3.sqlite_version}",
        "database": location.shown(),
        "schema": version,
        "current_schema": len(MIGRATIONS),
        **counts,
    }


def copy_database(source: Location, target: Location) -> dict[str, int]:
    """Copy every record from ``source`` into the empty ``target``; answers rows per table.
    SQLite to PostgreSQL or PostgreSQL to SQLite; the target must hold no records."""
    if source.is_postgres == target.is_postgres:
        raise InputError(
            "Copy between a SQLite file and a PostgreSQL database (either way); "
            "to copy a SQLite file, copy the file."
        )
    if source.is_postgres:
        return _postgres_to_sqlite(source, target)
    return _sqlite_to_postgres(source, target)


def _sqlite_to_postgres(source: Location, target: Location) -> dict[str, int]:
    if not source.path.is_file():
        raise InputError(f"There is no database file {source.path}; check the path.")
    db = connect(source.path)  # brought to the current schema first
    conn = postgres.connect(target.text)
    try:
        if postgres.holds_tables(conn):
            raise ConflictError(
                f"{target.shown()} already holds a batchlabel database or tables of the same "
                "names; copy only into an empty one."
            )
        with translated_errors(source.path), postgres.translated(target.text):
            # One read transaction: the copy is the file as it was at one moment, even
            # while stations keep writing to it.
            db.conn.execute("BEGIN")
            expected = _sqlite_counts(db.conn)
            with postgres.transaction(conn):
                postgres.create_schema(conn)
                for table in postgres.TABLES:
                    names = _sqlite_columns(db.conn, table)
                    postgres.load_rows(conn, table, names, _sqlite_rows(db.conn, table, names))
                postgres.continue_ids(conn)
                copied = postgres.table_counts(conn)
                _check_counts(expected, copied, target)
            db.conn.execute("COMMIT")
            _tidy(conn)
        return copied
    finally:
        conn.close()
        db.conn.close()


def _postgres_to_sqlite(source: Location, target: Location) -> dict[str, int]:
    path = target.path
    if path.exists() and path.stat().st_size > 0:
        raise ConflictError(f"{path} exists already; copy into a new file.")
    conn = postgres.connect(source.text)
    try:
        with postgres.translated(source.text), postgres.transaction(conn, snapshot=True):
            version = postgres.schema_version(conn)
            if version is None:
                raise InputError(f"{source.shown()} holds no batchlabel database to copy.")
            if version != len(MIGRATIONS):
                raise StoreError(
                    f"{source.shown()} has schema {version} and this batchlabel writes schema "
                    f"{len(MIGRATIONS)}; use the same version on both."
                )
            expected = postgres.table_counts(conn)
            try:
                db = connect(path)
            except BaseException:
                _remove(path)
                raise
            try:
                with translated_errors(path), Transaction(db.conn, path):
                    for table in postgres.TABLES:
                        names = postgres.columns(conn, table)
                        marks = ", ".join("?" * len(names))
                        db.conn.executemany(
                            f"INSERT INTO {table} ({postgres.column_list(names)}) VALUES ({marks})",
                            postgres.read_rows(conn, table, names),
                        )
                    copied = _sqlite_counts(db.conn)
                    _check_counts(expected, copied, target)
            except BaseException:
                db.conn.close()
                _remove(path)  # nothing half copied stays behind
                raise
            db.conn.close()
            return copied
    finally:
        conn.close()


def _tidy(conn: Any) -> None:
    """The planner's statistics and the visibility map made now, so the first queries are
    fast and the server does not start tidying up while in use. The copy is kept already:
    a failure here only leaves that to the server's own autovacuum."""
    import psycopg

    with contextlib.suppress(psycopg.Error):
        conn.execute(f"VACUUM (ANALYZE) {', '.join(postgres.TABLES)}")


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in postgres.TABLES
    }


def _sqlite_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in conn.execute(f"PRAGMA table_info({table})")]


def _sqlite_rows(
    conn: sqlite3.Connection, table: str, names: list[str]
) -> Iterator[tuple[Any, ...]]:
    yield from conn.execute(f"SELECT {postgres.column_list(names)} FROM {table} ORDER BY 1")


def _check_counts(expected: dict[str, int], copied: dict[str, int], target: Location) -> None:
    for table, count in expected.items():
        if copied.get(table) != count:
            raise StoreError(
                f"Copying into {target.shown()} gave {copied.get(table)} rows of {table} "
                f"instead of {count}; nothing was kept."
            )
