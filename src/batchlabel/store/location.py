"""Where records are: a SQLite file, or a PostgreSQL database named by its URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from batchlabel.store import postgres


@dataclass(frozen=True)
class Location:
    """``--db`` as given: a path, sqlite:///path, or postgresql://USER@HOST/DB."""

    text: str

    @property
    def is_postgres(self) -> bool:
        return postgres.is_postgres(self.text)

    @property
    def path(self) -> Path:
        """The SQLite file: a path, or sqlite:///relative.db and sqlite:////absolute.db."""
        return Path(self.text.removeprefix("sqlite:///")).expanduser()

    def shown(self) -> str:
        return postgres.shown_url(self.text) if self.is_postgres else str(self.path)
