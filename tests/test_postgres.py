"""PostgreSQL, against a real server: the schema beside SQLite's, 'db info', and 'db copy' of
a whole database from a SQLite file into PostgreSQL and back, with every row kept as it was;
bad addresses and stopped servers said in one sentence."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from batchlabel.errors import StoreError
from batchlabel.models import Actor
from batchlabel.store import Store, postgres
from batchlabel.store.migrations import MIGRATIONS
from tests.conftest import Run


def batchlabel(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "batchlabel", *args], capture_output=True, text=True, cwd=cwd
    )


def rows_of(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in id order: what a copy must keep."""
    conn = sqlite3.connect(path)
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in postgres.TABLES
        }
    finally:
        conn.close()


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    done = batchlabel("demo", "--dir", "demo", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path / "demo" / "batchlabel.db"


def test_the_postgres_schema_has_every_table_and_column_of_sqlites(
    postgres_url: str, tmp_path: Path
) -> None:
    assert postgres.POSTGRES_BASELINE + len(postgres.POSTGRES_MIGRATIONS) == len(MIGRATIONS)
    Store.open(tmp_path / "fresh.db").close()
    lite = sqlite3.connect(tmp_path / "fresh.db")
    conn = postgres.connect(postgres_url)
    try:
        with postgres.transaction(conn):
            postgres.create_schema(conn)
        assert postgres.schema_version(conn) == len(MIGRATIONS)
        tables = {
            r[0]
            for r in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("sqlite_")
        }
        assert tables == set(postgres.TABLES)
        for table in postgres.TABLES:
            expected = {r[1] for r in lite.execute(f"PRAGMA table_info({table})")}
            assert set(postgres.columns(conn, table)) == expected, table
        # the event log is append-only on PostgreSQL too
        conn.execute("INSERT INTO events (at, kind, station, \"user\") VALUES ('t', 'k', 's', 'u')")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("UPDATE events SET kind = 'changed'")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("DELETE FROM events")
    finally:
        conn.close()
        lite.close()


def test_a_demo_database_goes_to_postgres_and_back_unchanged(
    demo: Path, postgres_url: str, tmp_path: Path
) -> None:
    there = batchlabel("db", "copy", str(demo), postgres_url, cwd=tmp_path)
    assert there.returncode == 0, there.stderr
    assert "count matches" in " ".join(there.stdout.split())
    info = batchlabel("--db", postgres_url, "db", "info", "--json", cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    assert '"engine": "PostgreSQL' in info.stdout and '"units": 9' in info.stdout
    back = tmp_path / "back.db"
    home = batchlabel("db", "copy", postgres_url, str(back), cwd=tmp_path)
    assert home.returncode == 0, home.stderr
    assert rows_of(back) == rows_of(demo)  # ids, times, events, photos: every value kept
    lot = _released_lot(demo)
    # The same answers from the file, from PostgreSQL, and from the file made back from it.
    for args in (
        ("trace", "H-2291"), ("trace", "H-2291", "--json"), ("batch", "show", lot, "--json"),
        ("jobs", "--json"), ("report", lot, "--format", "md", "--out", "report.md"),
        ("export", "epcis", "--out", "events.json"), ("export", "csv", "--out", "lots.csv"),
    ):  # fmt: skip
        said = []
        for name, database in (
            ("file", str(demo)),
            ("postgres", postgres_url),
            ("back", str(back)),
        ):
            folder = tmp_path / name
            folder.mkdir(exist_ok=True)
            done = batchlabel("--db", database, *args, cwd=folder)
            assert done.returncode == 0, done.stderr
            written = (folder / args[-1]).read_text() if "--out" in args else ""
            written = re.sub(r'"creationDate":"[^"]+"', "", written)  # when it was written
            said.append((done.stdout.replace(database, "<db>"), written))
        assert said[0] == said[1] == said[2], args
    # ids go on from the largest copied, on both engines
    conn = postgres.connect(postgres_url)
    try:
        (largest,) = conn.execute("SELECT max(id) FROM events").fetchone()
        (new,) = conn.execute(
            "INSERT INTO events (at, kind, station, \"user\") VALUES ('t', 'k', 's', 'u')"
            " RETURNING id"
        ).fetchone()
        assert new == largest + 1
    finally:
        conn.close()


def _released_lot(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("SELECT lot FROM batches WHERE status = 'released'").fetchone()[0])
    finally:
        conn.close()


def test_copies_refuse_a_target_that_holds_records(
    demo: Path, postgres_url: str, tmp_path: Path
) -> None:
    assert batchlabel("db", "copy", str(demo), postgres_url, cwd=tmp_path).returncode == 0
    again = batchlabel("db", "copy", str(demo), postgres_url, cwd=tmp_path)
    assert again.returncode == 2 and "already holds a batchlabel database" in again.stderr
    taken = batchlabel("db", "copy", postgres_url, str(demo), cwd=tmp_path)
    assert taken.returncode == 2 and "exists already" in taken.stderr
    same = batchlabel("db", "copy", str(demo), str(tmp_path / "x.db"), cwd=tmp_path)
    assert same.returncode == 2 and "copy the file" in same.stderr
    assert "Traceback" not in again.stderr + taken.stderr + same.stderr
    # The copy is a working database: the same batches are listed from either.
    on_postgres = batchlabel("--db", postgres_url, "batch", "list", "--json", cwd=tmp_path)
    on_sqlite = batchlabel("--db", str(demo), "batch", "list", "--json", cwd=tmp_path)
    assert on_postgres.returncode == 0 and on_postgres.stdout == on_sqlite.stdout
    assert '"lot"' in on_postgres.stdout


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (
            "postgresql://nobody@127.0.0.1:1/x",
            "Cannot reach PostgreSQL at postgresql://nobody@127.0.0.1:1/x",
        ),
        (
            "postgresql:///no_such_database_here?host=/var/run/postgresql",
            "postgresql:///no_such_database_here?host=/var/run/postgresql: the database or user does not exist",
        ),
        ("postgresql://someone:secret@127.0.0.1:1/x", "someone:***@127.0.0.1"),
        (
            "postgresql://nobody:secret@127.0.0.1:5432/postgres",
            "PostgreSQL at postgresql://nobody:***@127.0.0.1:5432/postgres refused the user "
            "name or password; check them.",
        ),
    ],
)
@pytest.mark.parametrize("command", [("db", "info"), ("batch", "list"), ("serve",)])
def test_a_database_that_cannot_be_reached_is_one_sentence(
    url: str, said: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    done = batchlabel("--db", url, *command, cwd=tmp_path)
    assert done.returncode == 1 and said in done.stderr, done.stderr
    assert "secret" not in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_info_on_an_empty_postgres_and_a_sqlite_file(run: Run, postgres_url: str) -> None:
    empty = run("--db", postgres_url, "db", "info", "--json")
    assert empty.exit_code == 0 and empty.json()["schema"] is None
    assert run("product", "add", "A", "--name", "A").exit_code == 0
    lite = run("db", "info", "--json")
    assert lite.json()["engine"].startswith("SQLite") and lite.json()["products"] == 1


def test_odd_records_copy_and_postgres_keeps_sqlites_rules(
    run: Run, db_path: Path, postgres_url: str, tmp_path: Path
) -> None:
    """A scan with a NUL, names that differ only in non-ASCII case (two suppliers to SQLite),
    and the append-only tables that TRUNCATE must not empty either."""
    assert run("product", "add", "A", "--name", "A").exit_code == 0
    assert run("resolve", "bad\x00scan").exit_code == 1
    for supplier in ("ÉCLAIR", "éclair"):
        received = run("material", "receive", "cream", "--supplier", supplier, "--lot", "E1")
        assert received.exit_code == 0, received.stderr
    done = batchlabel("db", "copy", str(db_path), postgres_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    conn = postgres.connect(postgres_url)
    try:
        for table in ("events", "units", "batch_steps", "batch_checks", "complaints"):
            with pytest.raises(psycopg.errors.RaiseException):
                conn.execute(f"TRUNCATE {table} CASCADE")
        with pytest.raises(psycopg.errors.UniqueViolation):  # case-blind as SQLite, in ASCII
            conn.execute("INSERT INTO suppliers (name, created_at) VALUES ('ÉClair', 't')")
        conn.execute("INSERT INTO customers (name, created_at) VALUES ('Shop', 't')")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO customers (name, created_at) VALUES ('SHOP', 't')")
    finally:
        conn.close()


def test_another_programs_tables_are_not_copied_into(
    postgres_url: str, tmp_path: Path, demo: Path
) -> None:
    conn = postgres.connect(postgres_url)
    try:
        conn.execute("CREATE TABLE customers (id integer)")
    finally:
        conn.close()
    info = batchlabel("--db", postgres_url, "db", "info", cwd=tmp_path)
    assert "holds other tables" in " ".join(info.stdout.split())
    refused = batchlabel("db", "copy", str(demo), postgres_url, cwd=tmp_path)
    assert refused.returncode == 2 and "tables of the same names" in refused.stderr
    # Nor does a command make its tables among another program's.
    used = batchlabel("--db", postgres_url, "product", "list", cwd=tmp_path)
    assert used.returncode == 1 and "holds tables of another program" in used.stderr
    assert len(used.stderr.strip().splitlines()) == 1


def test_a_database_from_a_newer_batchlabel_is_refused_not_misread(postgres_url: str) -> None:
    Store.open(postgres_url).close()  # made at the current schema on first use
    conn = postgres.connect(postgres_url)
    try:
        assert postgres.schema_version(conn) == len(MIGRATIONS)
        conn.execute("UPDATE batchlabel_schema SET version = version + 1")
    finally:
        conn.close()
    with pytest.raises(StoreError, match="made by a newer batchlabel"):
        Store.open(postgres_url)


def test_passwords_never_show(tmp_path: Path) -> None:
    for url in (
        "postgresql:///db?host=/nonexistent&password=hunter2&user=nobody",
        "postgresql://bob:hunter2@127.0.0.1:1/x",
        "postgresql://bob:hunter2@[::1/x",
    ):
        done = batchlabel("--db", url, "db", "info", cwd=tmp_path)
        assert done.returncode in (1, 2) and "hunter2" not in done.stderr + done.stdout
        assert "Traceback" not in done.stderr


def test_a_database_of_100000_units_goes_to_postgres_and_back(
    postgres_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "big.db"
    store = Store.open(source)
    owner = Actor("owner", "office")
    store.add_product("A", "Apron", owner)
    for number in range(4):
        store.create_batch("A", owner, lot=f"L{number}", planned_quantity=25_000)
    store.close()
    there = batchlabel("db", "copy", str(source), postgres_url, cwd=tmp_path)
    assert there.returncode == 0, there.stderr
    back = tmp_path / "back.db"
    home = batchlabel("db", "copy", postgres_url, str(back), cwd=tmp_path)
    assert home.returncode == 0, home.stderr
    assert rows_of(back) == rows_of(source)
    assert len(rows_of(back)["units"]) == 100_000
    # The copy is a working database: the serial counter goes on from the last one copied.
    shared = Store.open(postgres_url)
    assert shared.allocate(shared.batch("L3"), 1, owner).serials == ("100001",)
    shared.close()
