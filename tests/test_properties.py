"""Property tests over the boundaries: whatever text, bytes or numbers arrive, the scan parser
and the command line answer without a traceback, --json stays JSON, and a refused command
changes no record."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from batchlabel.cli import cli
from batchlabel.codes.scans import parse_scan
from batchlabel.models import BatchStatus, CodeKind, MatchKind
from batchlabel.services.lookup import CodeLookup
from batchlabel.store import Store
from batchlabel.validation import shown
from tests.conftest import ACTOR, GTIN, Result

# What arrives from a shell: any bytes, handed to Python as text with lone surrogates.
SHELL_TEXT = st.one_of(
    st.text(max_size=60),
    st.binary(max_size=60).map(lambda b: b.decode("utf-8", "surrogateescape")),
)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "0x10", "", " ", "1_000", "١٢"]),
)
SCANS = st.one_of(
    SHELL_TEXT,
    st.builds(
        lambda lot, serial: f"]d201{GTIN}10{lot}\x1d21{serial}",
        st.text(max_size=22),
        st.text(max_size=22),
    ),
    st.builds(lambda rest: f"https://id.example/01/{GTIN}/{rest}", st.text(max_size=40)),
    st.builds(lambda rest: f"(01){GTIN}{rest}", st.text(max_size=40)),
)


@contextmanager
def workshop() -> Iterator[tuple[Path, Store]]:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "p.db"
        store = Store.open(db)
        store.add_product("COL", "Collar", ACTOR, gtin=GTIN)
        batch = store.create_batch("COL", ACTOR, lot="L1", planned_quantity=2).batch
        store.set_status(batch, BatchStatus.RELEASED, ACTOR, "ok")
        try:
            yield db, store
        finally:
            store.close()


def invoke(db: Path, *args: str) -> Result:
    outcome = CliRunner().invoke(cli, ["--db", str(db), "--user", "t", "--station", "s", *args])
    if outcome.exception and not isinstance(outcome.exception, SystemExit):
        raise outcome.exception  # a traceback: the property is broken
    return Result(outcome.exit_code, outcome.stdout, outcome.stderr)


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}
    finally:
        conn.close()


def refused_cleanly(result: Result) -> bool:
    lines = result.stderr.strip().splitlines()
    return result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("Error: ")


@settings(max_examples=400, deadline=None)
@given(SCANS)
def test_the_scan_parser_reads_anything(raw: str) -> None:
    code = parse_scan(raw)
    assert code.kind in set(CodeKind)
    assert code.readable == (code.error is None and code.kind != CodeKind.EMPTY)
    if code.error is not None:
        assert shown(code.error) == code.error  # safe to print as it is


@settings(max_examples=150, deadline=None)
@given(st.lists(SCANS, min_size=1, max_size=5))
def test_a_lookup_answers_any_scan_in_strict_json(raws: list[str]) -> None:
    with workshop() as (_, store):
        lookup = CodeLookup(store)
        for raw in raws:
            found = lookup.resolve(raw)
            assert found.match in set(MatchKind)
            json.dumps(found.public(), allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(sku=SHELL_TEXT, name=SHELL_TEXT, attribute=SHELL_TEXT)
def test_adding_a_product_either_works_or_changes_nothing(
    sku: str, name: str, attribute: str
) -> None:
    with workshop() as (db, _):
        before = snapshot(db)
        added = invoke(
            db, "product", "add", sku, "--name", name, "--attribute", f"a={attribute}", "--json"
        )
        if added.exit_code == 0:
            document = json.loads(added.stdout)
            assert document["name"] == name.strip() and shown(document["name"]) == document["name"]
        else:
            assert refused_cleanly(added), added
            assert snapshot(db) == before


@settings(max_examples=60, deadline=None)
@given(quantity=NUMBERS, count=NUMBERS)
def test_numbers_either_work_or_change_nothing(quantity: str, count: str) -> None:
    with workshop() as (db, _):
        before = snapshot(db)
        received = invoke(
            db,
            "material",
            "receive",
            "hide",
            "--supplier",
            "S",
            "--lot",
            "H1",
            "--quantity",
            quantity,
            "m2",
            "--json",
        )
        if received.exit_code == 0:
            assert 0 < json.loads(received.stdout)["quantity"] < float("inf")
        else:
            assert refused_cleanly(received), received
            assert snapshot(db) == before
        before = snapshot(db)
        allocated = invoke(db, "serials", "allocate", "L1", "--count", count, "--json")
        if allocated.exit_code == 0:
            assert 1 <= len(json.loads(allocated.stdout)["serials"]) <= 100_000
        else:
            assert refused_cleanly(allocated), allocated
            assert snapshot(db) == before


@settings(max_examples=40, deadline=None)
@given(reason=SHELL_TEXT, serial=SHELL_TEXT)
def test_voiding_either_works_or_changes_nothing(reason: str, serial: str) -> None:
    with workshop() as (db, _):
        before = snapshot(db)
        voided = invoke(db, "void", serial, "--reason", reason)
        if voided.exit_code != 0:
            assert refused_cleanly(voided), voided
            assert snapshot(db) == before
