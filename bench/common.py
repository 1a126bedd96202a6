"""Helpers shared by the benchmarks: timing and a rich table."""

from __future__ import annotations

import time
from collections.abc import Callable
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
