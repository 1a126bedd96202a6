"""People of the station: passwords hashed with argon2 (argon2-cffi), and signing in.

A wrong name and a wrong password take the same time and get the same answer, so the sign-in
form does not tell which names exist.
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from batchlabel.errors import InputError
from batchlabel.models import Actor, Role, User
from batchlabel.store import Store

MIN_PASSWORD = 8
MAX_PASSWORD = 200


@functools.cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@functools.cache
def _unknown_name_hash() -> str:
    """Checked against for names that do not exist, so they cost what a real check costs."""
    return _hasher().hash("no such person; this hash only spends the time")


def checked_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InputError(
            f"A password is {MIN_PASSWORD} to {MAX_PASSWORD} characters long.", needs="password"
        )
    if password != password.strip() or "\n" in password:
        raise InputError("A password neither starts nor ends with a space.", needs="password")
    return password


def hash_password(password: str) -> str:
    """The argon2 hash of a checked password (slow on purpose: keep it off a busy thread)."""
    return _hasher().hash(checked_password(password))


def add_person(store: Store, name: str, role: Role | str, password: str, actor: Actor) -> User:
    return store.add_user(name, role, hash_password(password), actor)


def change_password(store: Store, name: str, password: str, actor: Actor) -> None:
    user = store.user(name)
    store.set_password_hash(user, _hasher().hash(checked_password(password)), actor)


def check_sign_in(store: Store, name: str, password: str) -> User | None:
    """The person ``name`` when ``password`` is theirs and they are not disabled, else None."""
    return password_matches(sign_in_record(store, name), password)


def sign_in_record(store: Store, name: str) -> tuple[User, str] | None:
    """The person and password hash a sign-in is checked against (the quick part, that reads
    the records); password_matches does the slow part and touches no records."""
    return store.password_hash(name.strip()) if len(name) <= 60 else None


def password_matches(found: tuple[User, str] | None, password: str) -> User | None:
    """Verify ``password`` against ``found`` (from sign_in_record): argon2 takes tens of
    milliseconds on purpose, and an unknown name costs the same as a known one."""
    stored = found[1] if found else _unknown_name_hash()
    try:
        _hasher().verify(stored, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if found is None or not found[0].active:
        return None
    return found[0]
