"""CSV that is safe to open in a spreadsheet.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is run as a
formula by Excel, LibreOffice and Google Sheets: a supplier's lot code or a complaint text
could then fetch a URL or run a command on the computer that opens the file. Such cells get
a leading apostrophe, which spreadsheets show as text and hide.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from batchlabel.outputs import atomic_text_file, new_file

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Numbers stay numbers (so columns sort); text that a spreadsheet would run is defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a CSV all at once or not at all; answers the number of data rows."""
    with atomic_text_file(path, newline="") as handle:
        return _write_rows(handle, header, rows)


def write_new_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Like write_csv, as a new file that never replaces one (see outputs.new_file); answers
    the name it got."""
    with new_file(path) as out:
        text = io.TextIOWrapper(out.handle, encoding="utf-8", newline="")
        _write_rows(text, header, rows)
        text.flush()
        text.detach()
    return out.path


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The same CSV as text, for a download."""
    out = io.StringIO(newline="")
    _write_rows(out, header, rows)
    return out.getvalue()


def _write_rows(handle: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    count = 0
    writer = csv.writer(handle)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        count += 1
    return count
