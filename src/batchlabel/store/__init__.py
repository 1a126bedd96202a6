"""The store: batchlabel's records in SQLite. All SQL lives in this package."""

from batchlabel.store.connection import connect
from batchlabel.store.records import Store

__all__ = ["Store", "connect"]
