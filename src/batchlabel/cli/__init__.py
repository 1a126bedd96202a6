"""The command line: a thin layer over the library."""

from __future__ import annotations

from batchlabel.cli import (  # noqa: F401  (registers the commands)
    catalogue,
    database,
    demo,
    labels,
    people,
    printing,
    records,
    scanning,
    trace,
    web,
)
from batchlabel.cli.app import cli


def main() -> None:
    cli.main(prog_name="batchlabel")


__all__ = ["cli", "main"]
