"""What ``batchlabel serve`` hands each server process: the app's settings, and the factory
uvicorn's worker processes build the app with (they start afresh, so the settings travel in
the environment)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from starlette.applications import Starlette

from batchlabel.labels.data import DEFAULT_RESOLVER
from batchlabel.web.app import create_app

SETTINGS_VARIABLE = "BATCHLABEL_SERVE_SETTINGS"
APP_FACTORY = "batchlabel.web.serving:app_from_environment"


@dataclass(frozen=True)
class AppSettings:
    database: str
    rate_limit: float = 5.0
    maker: str | None = None
    public_url: str = DEFAULT_RESOLVER
    allowed_hosts: tuple[str, ...] = field(default_factory=tuple)
    session_hours: float = 12.0
    templates_dir: str | None = None
    company_prefix: str | None = None
    cache_seconds: int = 60

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> AppSettings:
        values = json.loads(text)
        values["allowed_hosts"] = tuple(values["allowed_hosts"])
        return cls(**values)

    def app(self) -> Starlette:
        return create_app(
            self.database,
            rate_limit=self.rate_limit,
            maker=self.maker,
            public_url=self.public_url,
            allowed_hosts=self.allowed_hosts,
            session_hours=self.session_hours,
            templates_dir=Path(self.templates_dir) if self.templates_dir else None,
            company_prefix=self.company_prefix,
            cache_seconds=self.cache_seconds,
        )


def app_from_environment() -> Starlette:
    """The app of one worker process, from the settings ``serve`` left in the environment."""
    return AppSettings.from_json(os.environ[SETTINGS_VARIABLE]).app()
