"""API tokens for stations: only a hash is kept, so a copy of the database gives no access."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from typing import Any

from batchlabel import validation
from batchlabel.errors import ConflictError, InputError, NotFoundError
from batchlabel.models import Actor
from batchlabel.store.base import StoreBase


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenRecords(StoreBase):
    """Mixed into Store: station tokens."""

    def create_token(self, name: str, actor: Actor) -> str:
        """A new token for station ``name``; it is shown once and never stored."""
        if not name.strip() or len(name) > 60 or not validation.shown(name) == name:
            raise InputError(
                "A token needs the station's name: 1 to 60 printable characters, e.g. door-1."
            )
        token = "bl_" + secrets.token_urlsafe(32)
        try:
            with self.transaction() as conn:
                conn.execute(
                    "INSERT INTO api_tokens (name, token_hash, created_at) VALUES (?, ?, datetime('now'))",
                    (name, token_hash(token)),
                )
                self._log(conn, "token_created", actor, name=name)
        except sqlite3.IntegrityError:
            raise ConflictError(
                f"A token named '{name}' already exists; revoke it first or choose another name."
            ) from None
        return token

    def revoke_token(self, name: str, actor: Actor) -> None:
        with self.transaction() as conn:
            changed = conn.execute(
                "UPDATE api_tokens SET revoked_at = datetime('now') WHERE name = ? AND revoked_at IS NULL",
                (name,),
            ).rowcount
            if not changed:
                raise NotFoundError(f"No active token named '{name}'.", needs="known_token")
            self._log(conn, "token_revoked", actor, name=name)

    def tokens(self) -> list[dict[str, Any]]:
        return self._rows("SELECT name, created_at, revoked_at FROM api_tokens ORDER BY name")

    def token_owner(self, token: str) -> str | None:
        """The station name of an active token, or None."""
        rows = self._rows(
            "SELECT name FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
            [token_hash(token)],
        )
        return str(rows[0]["name"]) if rows else None
