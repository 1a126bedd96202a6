"""What people may type, and where: text and numbers with their limits, and how text from
outside is shown.

Every name, note and reason a person types passes one of these checks before it is recorded,
whichever face it came through: text that is not valid UTF-8 (the command line hands such
bytes over as lone surrogates), control characters (an ESC sequence in a product name would
rewrite a packer's terminal), and the invisible bidirectional overrides that make text read
differently from what it holds are refused with one sentence. Codes (SKUs, lots, serials) have
stricter rules of their own in ``codes``.

Numbers are finite and bounded by limits a small maker never meets, so that a typo such as
``--count 100000000`` is refused at once instead of filling the memory or the disk.
"""

from __future__ import annotations

import math
import re
import unicodedata

from batchlabel.errors import InputError

# Limits a small maker never meets; the README lists them.
MAX_SERIALS_PER_REQUEST = 100_000  # serials allocated, labels printed or rendered at once
MAX_COPIES = 100  # copies of one label
MAX_QUANTITY = 1_000_000_000.0  # any amount of material or planned items

# Bidirectional embeddings, overrides and isolates: they reorder what a reader sees.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_UNSAFE_IN_LINES = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _problem(value: str, multiline: bool) -> str | None:
    for char in value:
        if "\ud800" <= char <= "\udfff":
            return "is not valid text (it holds bytes that are not UTF-8)"
        if char in _BIDI_CONTROLS:
            return "holds an invisible direction mark"
        if multiline and char in "\n\t":
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") or char in "\u2028\u2029":
            return f"holds a control character (U+{ord(char):04X})"
    return None


def line(value: str, what: str, max_length: int = 200, required: bool = True) -> str:
    """One line of text a person typed (a name, a supplier, a reason), stripped.

    >>> line("  Canvas tote ", "product name")
    'Canvas tote'
    >>> line("Tote\\x1b]0;owned\\x07", "product name")
    Traceback (most recent call last):
    ...
    batchlabel.errors.InputError: The product name holds a control character (U+001B).
    """
    return _checked(value.strip(), what, max_length, required, multiline=False)


def paragraph(value: str, what: str, max_length: int = 2000, required: bool = False) -> str:
    """Free text that may run over several lines (a description, notes), stripped; the line
    breaks of any system (a browser's form sends CRLF) become plain newlines."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return _checked(value, what, max_length, required, multiline=True)


def _checked(value: str, what: str, max_length: int, required: bool, multiline: bool) -> str:
    if problem := _problem(value, multiline):
        raise InputError(f"The {what} {problem}.")
    if required and not value:
        raise InputError(f"The {what} is empty.")
    if len(value) > max_length:
        raise InputError(f"The {what} is {len(value):,} characters long; at most {max_length:,}.")
    return value


MAX_ATTRIBUTES = 50


def attributes(pairs: dict[str, str]) -> dict[str, str]:
    """A product's public attributes (colour, size, material): short names, one-line values."""
    if len(pairs) > MAX_ATTRIBUTES:
        raise InputError(f"A product has at most {MAX_ATTRIBUTES} attributes, not {len(pairs)}.")
    checked = {}
    for name, value in pairs.items():
        key = line(name, "attribute name", max_length=40)
        checked[key] = line(value, f"attribute '{shown(key)}'", max_length=200, required=False)
    return checked


def reason(value: str | None, what: str = "reason") -> str:
    """Why someone did something that is recorded for good: never blank."""
    return line(value or "", what, max_length=500)


def count(value: int, what: str, maximum: int = MAX_SERIALS_PER_REQUEST, minimum: int = 1) -> int:
    """A whole number of things (serials, labels, copies) within its limits.

    >>> count(100_000_000, "serials")
    Traceback (most recent call last):
    ...
    batchlabel.errors.InputError: The number of serials must be 1 to 100,000, not 100,000,000.
    """
    if not minimum <= value <= maximum:
        raise InputError(f"The number of {what} must be {minimum:,} to {maximum:,}, not {value:,}.")
    return value


def quantity(value: float, what: str = "quantity", maximum: float = MAX_QUANTITY) -> float:
    """An amount (1.5 m2 of leather): a finite number above zero and within the limit.

    >>> quantity(float("inf"))
    Traceback (most recent call last):
    ...
    batchlabel.errors.InputError: The quantity must be a finite number above zero, at most 1,000,000,000.
    """
    if not math.isfinite(value) or not 0 < value <= maximum:
        raise InputError(f"The {what} must be a finite number above zero, at most {maximum:,.0f}.")
    return value


def ascii_digits(value: str) -> bool:
    """True for a non-empty run of the digits 0-9 only. ``str.isdigit`` also takes
    Arabic-Indic and other digits, which no barcode holds.

    >>> ascii_digits("0950"), ascii_digits("\u0660\u0669\u0665\u0660")
    (True, False)
    """
    return _ASCII_DIGITS.fullmatch(value) is not None


def shown(text: str, lines: bool = False) -> str:
    """``text`` safe to write to a terminal or log: control characters, direction marks and
    undecodable bytes become '?', so typed or scanned input cannot drive the terminal. Line
    breaks and tabs are kept only with ``lines`` (for our own several-line output); a
    message of one sentence stays on one line.

    >>> shown("A\\x1b[2JB\\nC"), shown("A\\nB", lines=True)
    ('A?[2JB?C', 'A\\nB')
    """
    return (_UNSAFE_IN_LINES if lines else _UNSAFE).sub("?", text)


__all__ = [
    "MAX_COPIES",
    "MAX_QUANTITY",
    "MAX_SERIALS_PER_REQUEST",
    "ascii_digits",
    "attributes",
    "count",
    "line",
    "paragraph",
    "quantity",
    "reason",
    "shown",
]
