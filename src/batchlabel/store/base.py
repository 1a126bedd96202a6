"""What the store's mixins rely on: the transaction, row queries and the event log that
``Store`` provides. Declared once, so each mixin holds only its own SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batchlabel.models import Actor, Batch


def now() -> str:
    """UTC timestamp with milliseconds, sortable as text."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class StoreBase:
    path: Path

    @property
    def conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _log(
        self,
        conn: sqlite3.Connection,
        kind: str,
        actor: Actor,
        product_id: int | None = None,
        batch_id: int | None = None,
        serial: str | None = None,
        **detail: Any,
    ) -> None:
        raise NotImplementedError

    def batches_by_ids(self, batch_ids: Sequence[int]) -> dict[int, Batch]:
        raise NotImplementedError
