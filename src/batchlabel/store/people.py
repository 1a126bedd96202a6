"""People who sign in to the station, and their sign-ins. Passwords arrive already hashed
(services.people hashes them with argon2); a sign-in is kept as the hash of its cookie, so a
copy of the database signs nobody in."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from batchlabel import validation
from batchlabel.errors import ConflictError, InputError, NotFoundError
from batchlabel.models import Actor, Role, User
from batchlabel.store.base import StoreBase, now


def sign_in_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: dict[str, Any]) -> User:
    return User(row["id"], row["name"], Role(row["role"]), bool(row["active"]), row["created_at"])


class PeopleRecords(StoreBase):
    """Mixed into Store: users and sign-ins."""

    def add_user(self, name: str, role: Role | str, password_hash: str, actor: Actor) -> User:
        name = validation.line(name, "name", max_length=60)
        try:
            role = Role(role)
        except ValueError:
            known = ", ".join(Role)
            raise InputError(f"Unknown role '{role}'; use one of {known}.") from None
        try:
            with self.transaction() as conn:
                conn.execute(
                    "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                    (name, role, password_hash, now()),
                )
                self._log(conn, "user_added", actor, name=name, role=role)
        except sqlite3.IntegrityError:
            raise ConflictError(f"A person named '{name}' already exists.") from None
        return self.user(name)

    def user(self, name: str) -> User:
        found = self.find_user(name)
        if found is None:
            raise NotFoundError(f"No person named '{name}'.", needs="known_user")
        return found

    def find_user(self, name: str) -> User | None:
        rows = self._rows("SELECT * FROM users WHERE name = ? COLLATE NOCASE", [name])
        return _user(rows[0]) if rows else None

    def users(self) -> list[User]:
        return [_user(r) for r in self._rows("SELECT * FROM users ORDER BY lower(name)")]

    def password_hash(self, name: str) -> tuple[User, str] | None:
        """The person and their password hash, for signing in; None for an unknown name."""
        rows = self._rows("SELECT * FROM users WHERE name = ? COLLATE NOCASE", [name])
        return (_user(rows[0]), str(rows[0]["password_hash"])) if rows else None

    def set_password_hash(self, user: User, password_hash: str, actor: Actor) -> None:
        """A new password; every sign-in of the person ends with the old one."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user.id)
            )
            conn.execute("DELETE FROM sign_ins WHERE user_id = ?", (user.id,))
            self._log(conn, "user_password_set", actor, name=user.name)

    def set_user_active(self, user: User, active: bool, actor: Actor) -> None:
        """Disable (signing them out everywhere at once) or enable a person."""
        with self.transaction() as conn:
            conn.execute("UPDATE users SET active = ? WHERE id = ?", (int(active), user.id))
            if not active:
                conn.execute("DELETE FROM sign_ins WHERE user_id = ?", (user.id,))
            self._log(conn, "user_enabled" if active else "user_disabled", actor, name=user.name)

    # -- sign-ins ----------------------------------------------------------------------------

    def sign_in(self, user: User, token: str, csrf: str, actor: Actor) -> None:
        at = now()
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO sign_ins (token_hash, user_id, csrf, created_at, last_seen)"
                " VALUES (?, ?, ?, ?, ?)",
                (sign_in_hash(token), user.id, csrf, at, at),
            )
            self._log(conn, "signed_in", actor)

    def signed_in(self, token: str, idle: timedelta) -> tuple[User, str] | None:
        """The signed-in person and the sign-in's CSRF token, or None when the sign-in is
        unknown, idle longer than ``idle``, or its person is disabled. Use keeps it alive."""
        rows = self._rows(
            "SELECT u.*, s.csrf, s.last_seen FROM sign_ins s JOIN users u ON u.id = s.user_id"
            " WHERE s.token_hash = ?",
            [sign_in_hash(token)],
        )
        if not rows or not rows[0]["active"]:
            return None
        row = rows[0]
        seen = datetime.fromisoformat(row["last_seen"])
        current = datetime.now(UTC)
        if current - seen > idle:
            self.sign_out(token)
            return None
        if current - seen > timedelta(minutes=1):  # write at most once a minute per sign-in
            with self.transaction() as conn:
                conn.execute(
                    "UPDATE sign_ins SET last_seen = ? WHERE token_hash = ?",
                    (now(), sign_in_hash(token)),
                )
        return _user(row), str(row["csrf"])

    def sign_out(self, token: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM sign_ins WHERE token_hash = ?", (sign_in_hash(token),))
