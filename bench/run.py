"""Run the benchmarks and print their tables: python -m bench.run [NAME ...]."""

from __future__ import annotations

import importlib
import sys

from bench.common import print_table

SUITES = {
    "allocation": "Serial allocation",
    "labels": "Label rendering",
    "printing": "Printing",
    "scanning": "Scanning and receiving",
    "web": "Origin pages (batchlabel serve)",
    "station": "The packing station (batchlabel serve /station/)",
    "traceability": "Trace, recall and EPCIS export",
    "engines": "SQLite and PostgreSQL side by side",
}


def main(names: list[str]) -> None:
    for name in names or list(SUITES):
        if name not in SUITES:
            raise SystemExit(f"Unknown benchmark '{name}'; choose from {', '.join(SUITES)}.")
        module = importlib.import_module(f"bench.{name}")
        print_table(SUITES[name], module.run())


if __name__ == "__main__":
    main(sys.argv[1:])
