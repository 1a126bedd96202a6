"""Helpers shared by the benchmarks: timing and a rich table."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    goal: str = ""
    note: str = ""


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 of the samples (sorted in place)."""
    samples.sort()
    return samples[len(samples) // 2], samples[int(len(samples) * 0.99)]


def print_table(title: str, figures: list[Figure]) -> None:
    table = Table("Measure", "Value", "Unit", "Goal", "Note", title=title)
    for f in figures:
        value = f"{f.value:,.0f}" if f.value >= 100 else f"{f.value:,.3g}"
        table.add_row(f.name, value, f.unit, f.goal, f.note)
    Console(width=150).print(table)


# The PostgreSQL server the benchmarks use: the one scripts/setup-postgres.sh starts.
POSTGRES_ADMIN = "postgresql:///postgres?host=/var/run/postgresql"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database for one benchmark, dropped afterwards."""
    import psycopg

    admin = os.environ.get("BATCHLABEL_BENCH_POSTGRES", POSTGRES_ADMIN)
    name = f"batchlabel_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f"CREATE DATABASE {name}")
    try:
        yield admin.replace("/postgres?", f"/{name}?", 1)
    finally:
        with psycopg.connect(admin, autocommit=True) as server:
            server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
