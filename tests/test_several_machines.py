"""Several machines on one PostgreSQL database: a server with two worker processes answers
as a single SQLite server does, stations' work spread over both workers stays whole, many
processes allocate serials at once, and a dropped database connection is only a pause."""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from batchlabel.errors import StoreError
from batchlabel.models import Actor, BatchStatus
from batchlabel.store import Store
from tests import test_station_scanning as station
from tests.conftest import GTIN, postgres_admin, postgres_database
from tests.test_station_scanning import Bench, serve_bench


@pytest.fixture(scope="module")
def postgres_bench() -> Iterator[Bench]:
    """The station bench on PostgreSQL, served by two worker processes."""
    for url in postgres_database():
        yield from serve_bench(url, "--workers", "2")


@pytest.fixture(scope="module")
def sqlite_bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    yield from serve_bench(tmp_path_factory.mktemp("machines") / "bench.db")


def _public_answers(bench: Bench) -> list[tuple[int, str, str]]:
    """What a shopper's phone and a retailer's system get, with the server's own address
    taken out (the two servers listen on different ports)."""
    serial = bench.serials[0]
    paths = [
        f"/01/{GTIN}/10/L1/21/{serial}",
        f"/01/{GTIN}/10/R1/21/{bench.recalled}",
        f"/01/{GTIN}/10/L1/21/{serial}?linkType=all",
        f"/01/{GTIN}/10/L1/21/{serial}?linkType=gs1:pip",
        f"/01/{GTIN}/10/L1/21/NOT-OURS",
        "/01/09506000134369/10/L1",
        f"/01/{GTIN}/10/Q1",
    ]
    answers = []
    with httpx.Client(base_url=bench.url, timeout=20) as client:
        for path in paths:
            answer = client.get(path, headers={"accept": "application/linkset+json"}
                                if "linkType=all" in path else {})  # fmt: skip
            where = answer.headers.get("location", "").replace(bench.url, "<site>")
            answers.append((answer.status_code, where, answer.text.replace(bench.url, "<site>")))
            if answer.is_redirect:
                page = client.get(answer.headers["location"])
                answers.append((page.status_code, "", page.text.replace(bench.url, "<site>")))
    return answers


def test_two_workers_on_postgres_answer_as_one_sqlite_server(
    postgres_bench: Bench, sqlite_bench: Bench
) -> None:
    on_postgres = _public_answers(postgres_bench)
    assert on_postgres == _public_answers(sqlite_bench)
    assert [status for status, _, _ in on_postgres][:4] == [307, 200, 307, 200]
    assert "recalled" in on_postgres[3][2].lower()
    assert 404 in [status for status, _, _ in on_postgres]


def test_receiving_spread_over_two_workers_stays_whole(postgres_bench: Bench) -> None:
    """Scans go to whichever worker takes the request; each page still counts every scan,
    and a second scan of an item is a duplicate whichever worker saw the first."""
    station.test_two_people_receive_into_one_session(postgres_bench)


def test_packing_and_shipping_on_postgres(postgres_bench: Bench) -> None:
    station.test_a_packer_fills_labels_and_ships_a_carton(postgres_bench)


def _terminate_connections(url: str) -> int:
    """Drop every connection to the database at ``url``, as a server restart does."""
    name = re.search(r"/(batchlabel_test_\w+)\?", url)
    assert name
    with psycopg.connect(postgres_admin(), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (name.group(1),),
        ).fetchall()
    return len(rows)


def test_a_dropped_database_connection_is_a_pause_not_a_fault(postgres_bench: Bench) -> None:
    page = f"/01/{GTIN}/10/L1/21/{postgres_bench.serials[1]}"
    with httpx.Client(base_url=postgres_bench.url, timeout=20, follow_redirects=True) as client:
        assert client.get(page).status_code == 200
        assert _terminate_connections(str(postgres_bench.db)) >= 1
        statuses = [client.get(page, headers={"cache-control": "no-cache"}).status_code
                    for _ in range(8)]  # fmt: skip
        # Each worker finds its connection gone, opens a new one and answers: nobody sees
        # the pause.
        assert statuses == [200] * 8, statuses


def test_a_command_whose_connection_drops_saves_nothing_and_the_next_one_works(
    postgres_url: str,
) -> None:
    actor = Actor("owner", "office")
    store = Store.open(postgres_url)
    store.add_product("COL", "Collar", actor)
    batch = store.create_batch("COL", actor, lot="L1", planned_quantity=3).batch
    events = len(store.events())
    # The connection dropped in the middle of a change: one sentence naming the server.
    with (
        pytest.raises(StoreError, match=r"PostgreSQL at postgresql:///batchlabel_test_\w+\?"),
        store.transaction() as conn,
    ):
        conn.execute(
            "INSERT INTO units (product_id, batch_id, serial) VALUES (?, ?, 'HALF')",
            (batch.product_id, batch.id),
        )
        _terminate_connections(postgres_url)
        conn.execute("SELECT 1")
    # Nothing half written; the store reconnects and goes on from the last saved serial.
    assert store.units_with_serial("HALF") == []
    assert len(store.events()) == events
    assert store.allocate(batch, 2, actor).serials == ("000004", "000005")
    assert store.unit_counts(batch)["allocated"] == 5
    # A connection found dropped between commands is opened afresh, unnoticed.
    _terminate_connections(postgres_url)
    assert store.allocate(batch, 1, actor).serials == ("000006",)
    store.close()


PROCESSES = 16
PER_PROCESS = 1000


def _allocate(url: str, station_name: str) -> list[str]:
    store = Store.open(url)
    batch = store.batch("L1")
    actor = Actor("worker", station_name)
    got: list[str] = []
    for _ in range(PER_PROCESS // 10):  # a packing bench takes a few serials at a time
        got.extend(store.allocate(batch, 10, actor).serials)
    store.close()
    return got


def test_sixteen_processes_allocating_at_once_never_share_a_serial(postgres_url: str) -> None:
    store = Store.open(postgres_url)
    actor = Actor("owner", "office")
    store.add_product("A", "A", actor)
    batch = store.create_batch("A", actor, lot="L1").batch
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(
            _allocate, [(postgres_url, f"station-{i}") for i in range(PROCESSES)]
        )
    everything = [serial for result in results for serial in result]
    assert len(everything) == PROCESSES * PER_PROCESS
    assert len(set(everything)) == len(everything)
    assert sorted(everything) == [f"{n:06d}" for n in range(1, PROCESSES * PER_PROCESS + 1)]
    assert store.unit_counts(batch)["allocated"] == PROCESSES * PER_PROCESS
    allocations = [e for e in store.events(batch, limit=10_000) if e.kind == "serials_allocated"]
    assert len(allocations) == PROCESSES * PER_PROCESS // 10
    assert {e.station for e in allocations} == {f"station-{i}" for i in range(PROCESSES)}
    store.close()


def test_a_change_made_elsewhere_shows_at_once_in_every_worker(postgres_bench: Bench) -> None:
    """Each worker keeps answers; a change from another machine (here: a command) reaches
    all of them before their next answer."""
    page = f"/origin/01/{GTIN}/10/Q1/21/{postgres_bench.held}"
    with httpx.Client(base_url=postgres_bench.url, timeout=20) as client:
        before = [client.get(page) for _ in range(4)]
        assert all(a.status_code == 200 and "recalled" not in a.text.lower() for a in before)
        store = Store.open(str(postgres_bench.db))
        try:
            store.set_status(
                store.batch("Q1"), BatchStatus.RECALLED, Actor("qa", "office"), "mould"
            )
        finally:
            store.close()
        after = [client.get(page) for _ in range(6)]
    assert all(a.status_code == 200 and "recalled" in a.text.lower() for a in after)
    assert {a.headers["etag"] for a in after}.isdisjoint({b.headers["etag"] for b in before})
