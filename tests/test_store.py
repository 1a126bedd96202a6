from __future__ import annotations

import sqlite3
from collections.abc import Generator, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from batchlabel.errors import ConflictError, InputError, NotFoundError, StoreError
from batchlabel.models import ALLOWED_TRANSITIONS, Actor, BatchStatus
from batchlabel.store import Store
from batchlabel.store.connection import migration_statements
from batchlabel.store.migrations import MIGRATIONS
from tests.conftest import GTIN


@pytest.fixture
def store(database: str) -> Iterator[Store]:
    """Every test here that takes ``store`` runs on a SQLite file and on PostgreSQL."""
    opened = Store.open(database)
    yield opened
    opened.close()


def test_pragmas_and_migrations_on_open(sqlite_store: Store) -> None:
    conn = sqlite_store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1


def test_reopening_keeps_records(database: str, actor: Actor) -> None:
    first = Store.open(database)
    first.add_product("SKU1", "Thing", actor)
    first.close()
    second = Store.open(database)
    assert [p.sku for p in second.products()] == ["SKU1"]
    second.close()


def test_product_gtin_is_verified_not_fixed(store: Store, actor: Actor) -> None:
    with pytest.raises(InputError, match="expected 2"):
        store.add_product("COL", "Collar", actor, gtin="09506000134353")
    assert store.products() == []
    added = store.add_product("COL", "Collar", actor, gtin=GTIN)
    assert added.gtin == GTIN


def test_duplicate_sku_and_gtin_are_conflicts(store: Store, actor: Actor) -> None:
    store.add_product("COL", "Collar", actor, gtin=GTIN)
    with pytest.raises(ConflictError, match="SKU 'COL'"):
        store.add_product("COL", "Other", actor)
    with pytest.raises(ConflictError, match="GTIN"):
        store.add_product("COL2", "Other", actor, gtin=GTIN)


def test_batch_creation_allocates_serials_in_one_go(store: Store, actor: Actor) -> None:
    store.add_product("COL", "Collar", actor, gtin=GTIN)
    allocation = store.create_batch(
        "COL", actor, lot="L1", planned_quantity=5, made_on=date(2026, 1, 2)
    )
    assert allocation.serials == ("000001", "000002", "000003", "000004", "000005")
    assert allocation.batch.status == "in_production"
    more = store.allocate(allocation.batch, 2, actor)
    assert more.serials == ("000006", "000007")


def test_allocation_events_say_which_serials_and_when(store: Store, actor: Actor) -> None:
    store.add_product("COL", "Collar", actor)
    batch = store.create_batch("COL", actor, lot="L1", planned_quantity=3).batch
    store.allocate(batch, 2, actor)
    store.record_event("note", actor, batch, text="checked")
    events = store.events(batch)
    allocations = [e.detail for e in events if e.kind == "serials_allocated"]
    assert allocations == [
        {"count": 3, "first": "000001", "last": "000003"},
        {"count": 2, "first": "000004", "last": "000005"},
    ]
    # Times taken by SQLite (allocations) and by Python (other events) share one shape,
    # so the log sorts by time as it sorts by order.
    times = [datetime.fromisoformat(e.at) for e in events]
    assert all(t.utcoffset() == timedelta(0) for t in times)
    assert {len(e.at) for e in events} == {len("2026-01-02T03:04:05.678+00:00")}
    assert times == sorted(times)
    assert {e.station for e in events} == {actor.station}


def test_serials_are_unique_per_product_across_batches(store: Store, actor: Actor) -> None:
    store.add_product("COL", "Collar", actor)
    a = store.create_batch("COL", actor, lot="A", planned_quantity=3).serials
    b = store.create_batch("COL", actor, lot="B", planned_quantity=3).serials
    assert not set(a) & set(b)


def test_random_serials_have_no_lookalikes(store: Store, actor: Actor) -> None:
    store.add_product("COL", "Collar", actor, serial_format="random:8+check")
    serials = store.create_batch("COL", actor, lot="A", planned_quantity=500).serials
    assert len(set(serials)) == 500
    assert all(len(s) == 9 and not set(s) & set("O0I1L") for s in serials)


def test_generated_lot_codes_follow_the_format(store: Store, actor: Actor) -> None:
    store.add_product("A", "A", actor, lot_format="pattern:{YYYY}{MM}-{SEQ:3}")
    first = store.create_batch("A", actor, made_on=date(2026, 3, 9)).batch.lot
    second = store.create_batch("A", actor, made_on=date(2026, 3, 10)).batch.lot
    assert (first, second) == ("202603-001", "202603-002")


def test_duplicate_lot_for_same_product_is_refused(store: Store, actor: Actor) -> None:
    store.add_product("A", "A", actor)
    store.create_batch("A", actor, lot="L1")
    with pytest.raises(ConflictError, match="already has a lot 'L1'"):
        store.create_batch("A", actor, lot="L1")


@pytest.mark.parametrize("lot", ["L 1", "X" * 21, "LÖT"])
def test_lot_outside_gs1_charset_is_refused(store: Store, actor: Actor, lot: str) -> None:
    store.add_product("A", "A", actor)
    with pytest.raises(InputError):
        store.create_batch("A", actor, lot=lot)
    assert store.batches() == []


def test_best_before_before_made_on_is_refused(store: Store, actor: Actor) -> None:
    store.add_product("A", "A", actor)
    with pytest.raises(InputError, match="before the made-on date"):
        store.create_batch(
            "A", actor, lot="L", made_on=date(2026, 5, 1), best_before=date(2026, 4, 1)
        )


def test_unknown_sku_and_lot(store: Store, actor: Actor) -> None:
    with pytest.raises(NotFoundError, match="No product with SKU 'NOPE'"):
        store.create_batch("NOPE", actor)
    with pytest.raises(NotFoundError, match="No batch with lot 'NOPE'"):
        store.batch("NOPE")


@pytest.mark.parametrize(
    ("start", "target"),
    [(s, t) for s in BatchStatus for t in BatchStatus if s != t],
)
def test_each_status_transition(
    store: Store, actor: Actor, start: BatchStatus, target: BatchStatus
) -> None:
    store.add_product("A", "A", actor)
    batch = store.create_batch("A", actor, lot="L").batch
    # Walk to ``start`` through allowed steps.
    path = {
        "in_production": [],
        "quarantined": ["quarantined"],
        "released": ["released"],
        "rejected": ["rejected"],
        "recalled": ["released", "recalled"],
    }[start]
    for step in path:
        batch = store.set_status(batch, step, actor, "setup")
    if target in ALLOWED_TRANSITIONS[start]:
        changed = store.set_status(batch, target, actor, "because")
        assert changed.status == target
        last = store.events(changed)[-1]
        assert last.kind == "status_changed"
        assert last.detail == {"from": start, "to": target, "reason": "because"}
        assert last.user == "tester"
    else:
        with pytest.raises(ConflictError, match=f"cannot become {target}"):
            store.set_status(batch, target, actor, "because")
        assert store.batch("L").status == start


def test_event_log_refuses_update_and_delete(store: Store, actor: Actor) -> None:
    store.add_product("A", "A", actor)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("UPDATE events SET kind = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("DELETE FROM events")
    assert len(store.events()) == 1


def test_database_uniqueness_backs_up_python(store: Store, actor: Actor) -> None:
    store.add_product("A", "A", actor)
    batch = store.create_batch("A", actor, lot="L", planned_quantity=1).batch
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute(
            "INSERT INTO units (product_id, batch_id, serial) VALUES (?, ?, '000001')",
            (batch.product_id, batch.id),
        )


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("shopping list\n" * 200)
    with pytest.raises(StoreError, match="not a batchlabel database"):
        Store.open(bogus)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="folder exists"):
        Store.open(tmp_path / "nowhere" / "x.db")


def test_a_full_disk_saves_nothing_and_the_store_goes_on(sqlite_store: Store, actor: Actor) -> None:
    store = sqlite_store
    store.add_product("A", "A", actor)
    batch = store.create_batch("A", actor, lot="L", planned_quantity=3).batch
    before = len(store.events())
    # SQLite's own limit gives the same SQLITE_FULL a full disk gives, at a known size.
    (pages,) = store.conn.execute("PRAGMA page_count").fetchone()
    store.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError, match="is full; nothing was saved"):
        store.allocate(batch, 5_000, actor)
    assert not cast(sqlite3.Connection, store.conn).in_transaction
    assert len(store.units(batch)) == 3 and len(store.events()) == before
    store.conn.execute("PRAGMA max_page_count = 1073741823")
    # The next allocation carries on from the last saved serial: nothing lost, nothing reused.
    assert store.allocate(batch, 2, actor).serials == ("000004", "000005")


def _file_at_schema(path: Path, version: int) -> None:
    """A database file as an older batchlabel left it: only the first ``version`` migrations."""
    conn = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:version]:
        for statement in migration_statements(script):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute(
        "INSERT INTO products (sku, name, lot_format, serial_format, created_at)"
        " VALUES ('OLD', 'From an older version', 'seq:4', 'seq:6', '2025-01-01T00:00:00+00:00')"
    )
    conn.close()


def test_an_older_file_is_upgraded_on_open_and_keeps_its_records(
    tmp_path: Path, actor: Actor
) -> None:
    path = tmp_path / "old.db"
    _file_at_schema(path, 1)
    store = Store.open(path)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert store.product("OLD").name == "From an older version"
    batch = store.create_batch("OLD", actor, lot="B1", planned_quantity=2).batch
    assert len(store.units(batch)) == 2  # the upgraded file takes new records
    store.close()


def test_a_failed_upgrade_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    _file_at_schema(path, 1)
    broken = (*MIGRATIONS, "CREATE TABLE products (id INTEGER)")  # fails: the table exists
    monkeypatch.setattr("batchlabel.store.connection.MIGRATIONS", broken)
    with pytest.raises(StoreError):
        Store.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "print_jobs" not in tables  # migration 2 was rolled back with the rest
    conn.close()


def test_a_file_from_a_newer_version_is_refused_not_misread(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer batchlabel"):
        Store.open(path)


def test_an_older_file_with_one_gtin_on_two_products_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _file_at_schema(path, 5)
    conn = sqlite3.connect(path, isolation_level=None)
    for sku, gtin in (("A", "9506000134352"), ("B", "09506000134352")):
        conn.execute(
            "INSERT INTO products (sku, name, gtin, lot_format, serial_format, created_at)"
            " VALUES (?, ?, ?, 'seq:4', 'seq:6', '2025-01-01T00:00:00+00:00')",
            (sku, sku, gtin),
        )
    conn.close()
    store = Store.open(path)
    assert store.product("A").gtin == "09506000134352"  # the first keeps it, in GTIN-14 form
    assert store.product("B").gtin is None
    cleared = [e for e in store.events() if e.kind == "gtin_cleared"]
    assert [e.detail["gtin"] for e in cleared] == ["09506000134352"]
    assert "product A" in cleared[0].detail["reason"]
    store.close()


def test_an_older_file_with_an_infinite_quantity_reads_again(tmp_path: Path, actor: Actor) -> None:
    path = tmp_path / "old.db"
    _file_at_schema(path, 7)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO suppliers (name, created_at) VALUES ('S', '2025-01-01')")
    conn.execute(
        "INSERT INTO material_lots (kind, supplier_id, lot, origin, quantity, unit, received_at)"
        " VALUES ('hide', 1, 'H1', '', 9e999, 'm2', '2025-01-01')"
    )
    conn.close()
    store = Store.open(path)
    assert [m.quantity for m in store.materials()] == [None]
    assert [e.kind for e in store.events() if e.kind == "quantity_cleared"] == ["quantity_cleared"]
    store.close()


def test_a_long_answer_left_unfinished_holds_nothing_up(store: Store, actor: Actor) -> None:
    store.add_product("A", "A", actor)
    batch = store.create_batch("A", actor, lot="L", planned_quantity=5).batch
    first = cast(Generator[tuple[Any, ...], None, None], store.export_units(None, None))
    assert next(first)[3] == "000001"  # a reader stops after one row...
    second = list(store.export_units(None, "L"))  # ...another reads on
    assert [row[3] for row in second] == [f"{n:06d}" for n in range(1, 6)]
    assert store.allocate(batch, 1, actor).serials == ("000006",)  # and writes go through
    first.close()
    assert len(list(store.export_units(None, None))) == 6
