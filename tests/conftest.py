"""Shared fixtures: real SQLite files in temporary folders, and the command line in-process."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
from click.testing import CliRunner

from batchlabel.cli import cli
from batchlabel.models import Actor
from batchlabel.store import Store

GTIN = "09506000134352"
ACTOR = Actor(user="tester", station="bench-1")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "batchlabel.db"


@pytest.fixture
def sqlite_store(db_path: Path) -> Iterator[Store]:
    opened = Store.open(db_path)
    yield opened
    opened.close()


@pytest.fixture
def store(sqlite_store: Store) -> Store:
    """The records in a SQLite file (test_store.py runs its tests on both engines)."""
    return sqlite_store


@pytest.fixture
def actor() -> Actor:
    return ACTOR


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Run(Protocol):
    """The ``run`` fixture: one batchlabel command against the test database."""

    def __call__(self, *args: str, input: str | None = None) -> Result: ...


@pytest.fixture
def run(db_path: Path) -> Run:
    """Run a batchlabel command against the test database; returns exit code, stdout, stderr."""
    return runner_for(str(db_path))


def runner_for(database: str) -> Run:
    """A ``run`` against ``database`` (a SQLite file or a PostgreSQL URL)."""

    def invoke(*args: str, input: str | None = None) -> Result:
        runner = CliRunner()
        outcome = runner.invoke(
            cli,
            ["--db", database, "--user", "tester", "--station", "bench-1", *args],
            input=input,
            prog_name="batchlabel",
        )
        if outcome.exception and not isinstance(outcome.exception, SystemExit):
            raise outcome.exception
        return Result(outcome.exit_code, outcome.stdout, outcome.stderr)

    return invoke


def table_counts(db_path: Path) -> dict[str, int]:
    """Rows per table: what a refused command must leave as it found."""
    conn = sqlite3.connect(db_path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


# PostgreSQL: the server scripts/setup-postgres.sh starts (or BATCHLABEL_TEST_POSTGRES names);
# each test gets a database of its own, dropped afterwards. A test that cannot reach the
# server fails: it never skips.
POSTGRES_ADMIN = "postgresql:///postgres?host=/var/run/postgresql"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from postgres_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The records' location on each engine in turn: a SQLite file, then a PostgreSQL
    database of the test's own (the tests that must hold on both take this one)."""
    if request.param == "sqlite":
        yield str(tmp_path / "batchlabel.db")
    else:
        yield from postgres_database()


def postgres_admin() -> str:
    """The test server's maintenance database, for making and dropping test databases."""
    import os

    return os.environ.get("BATCHLABEL_TEST_POSTGRES", POSTGRES_ADMIN)


def postgres_database() -> Iterator[str]:
    """A PostgreSQL database of its own for as long as the generator runs (a test or a
    module), dropped afterwards."""
    import secrets

    import psycopg

    admin = postgres_admin()
    try:
        server = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"No PostgreSQL for the tests at {admin} (run scripts/setup-postgres.sh): {error}"
        )
    name = f"batchlabel_test_{secrets.token_hex(6)}"
    server.execute(f"CREATE DATABASE {name}")
    try:
        yield admin.replace("/postgres?", f"/{name}?", 1)
    finally:
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        server.close()
