"""The store's SQL said for PostgreSQL.

The store's statements are written once, in SQLite's dialect. The few places where the two
engines say the same thing differently are rewritten here, once per statement text (cached):
placeholders, the reserved word ``user``, SQLite's JSON and clock functions, ``INSERT OR
IGNORE``, and case-blind name lookups. Anything else is the same SQL on both engines.

>>> to_postgres("SELECT user FROM events WHERE id = ? AND detail LIKE '%x%'")
'SELECT "user" FROM events WHERE id = %s AND detail LIKE \\'%%x%%\\''
>>> to_postgres("INSERT OR IGNORE INTO units (serial) VALUES (?)")
'INSERT INTO units (serial) VALUES (%s) ON CONFLICT DO NOTHING'
>>> to_postgres("SELECT json_extract(s.detail, '$.name') AS name")
"SELECT (s.detail::json ->> 'name') AS name"
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from batchlabel.store.postgres import IDENTITY_TABLES

# The event log's clock, as SQLite's strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') writes it:
# UTC with milliseconds, sortable as text. clock_timestamp(): taken when the row is written,
# under the write lock, so times follow the events' order as on SQLite.
_EVENT_CLOCK = (
    "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"+00:00\"')"
)
# SQLite's datetime('now'): UTC to the second, with a space.
_SECOND_CLOCK = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"

# Quoted literals are left alone; only the text between them is rewritten.
_LITERAL = re.compile(r"('(?:[^']|'')*')")
# ``user`` is a column here and a reserved word there; after a dot (e.user) it is fine.
_USER = re.compile(r'(?<![.\w"])user(?![\w"])')
_NOCASE = re.compile(r"([\w.]+) = \? COLLATE NOCASE")
_OR_IGNORE = re.compile(r"^\s*INSERT OR IGNORE INTO", re.IGNORECASE)
_ONE_ROW_INSERT = re.compile(r"^\s*INSERT INTO (\w+) \([^)]*\) VALUES \(", re.IGNORECASE)


def _call(sql: str, name: str, rewrite: Callable[[str], str]) -> str:
    """Every ``name(...)`` in ``sql``, brackets balanced, replaced by rewrite(arguments)."""
    pattern = re.compile(rf"\b{name}\(")
    while match := pattern.search(sql):
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            end += 1
        sql = sql[: match.start()] + rewrite(sql[match.end() : end - 1]) + sql[end:]
    return sql


# A receiving session's number in an event's detail, compared as the text the
# events_session index holds (see postgres.POSTGRES_SCHEMA).
_SESSION = re.compile(r"json_extract\(([\w.]+), '\$\.session'\) = (\?|[\w.]+)")
_SESSION_TEXT = r"""substring(\1 from '"session": ([0-9]+)') = (\2)::text"""


def _json_extract(arguments: str) -> str:
    column, path = (part.strip() for part in arguments.rsplit(",", 1))
    key = path.strip("'").removeprefix("$.")
    return f"({column}::json ->> '{key}')"


def _functions(sql: str) -> str:
    sql = sql.replace("strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')", _EVENT_CLOCK)
    sql = sql.replace("datetime('now')", _SECOND_CLOCK)
    sql = _SESSION.sub(_SESSION_TEXT, sql)
    sql = _call(sql, "json_extract", _json_extract)
    sql = _call(sql, "json_group_array", lambda a: f"coalesce(json_agg({a})::text, '[]')")
    sql = _call(sql, "json_object", lambda a: f"json_build_object({a})")
    sql = _call(sql, "json_array", lambda a: f"json_build_array({a})")
    return _call(sql, "json_each", lambda a: f"json_array_elements_text(({a})::json)")


@lru_cache(maxsize=1024)
def with_new_id(sql: str) -> tuple[str, bool]:
    """``sql`` as PostgreSQL takes it, and whether it answers the id it gave the new row: a
    one-row INSERT into a table with ids says RETURNING id, where SQLite's cursor would
    hold lastrowid."""
    translated = to_postgres(sql)
    match = _ONE_ROW_INSERT.match(translated)
    if match and match.group(1) in IDENTITY_TABLES and "RETURNING" not in translated.upper():
        return translated + " RETURNING id", True
    return translated, False


@lru_cache(maxsize=1024)
def to_postgres(sql: str) -> str:
    """``sql`` (SQLite's dialect, ``?`` placeholders) as PostgreSQL and psycopg take it."""
    if _OR_IGNORE.match(sql):
        sql = _OR_IGNORE.sub("INSERT INTO", sql, count=1) + " ON CONFLICT DO NOTHING"
    # The given name compared byte by byte, as the column is: lower() then folds only A-Z,
    # as SQLite's NOCASE does (the database's own collation would fold É to é as well).
    sql = _NOCASE.sub(r'lower(\1) = lower(?::text COLLATE "C")', sql)
    sql = _functions(sql)
    parts = _LITERAL.split(sql)
    for index, part in enumerate(parts):
        if index % 2:  # a quoted literal: only psycopg's % needs doubling
            parts[index] = part.replace("%", "%%")
        else:
            parts[index] = _USER.sub('"user"', part.replace("%", "%%")).replace("?", "%s")
    return "".join(parts)
