"""Lot and serial formats: sequential, date patterns, and random non-guessable codes.

A format is a short string a maker can type on the command line:

- ``seq:6``                    000001, 000002, ... (the default; the number is the padding)
- ``pattern:{YY}{WW}-{SEQ:3}`` 2547-001 (date parts: YYYY YY MM DD WW DOY; SEQ:n restarts per prefix)
- ``random:10``                10 characters from an alphabet without look-alikes (no O/0/I/1/L)
- ``random:10+check``          the same plus a check character (weighted mod 31), catching typing errors

Every code a format makes is checked against GS1 AI 10/21 (at most 20 characters of the
82-character set) before it is stored.
"""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import date

from batchlabel.codes.gs1 import AI82_CHARACTERS
from batchlabel.errors import InputError

# Digits and capitals minus the look-alikes 0/O, 1/I/L: 31 symbols, about 4.95 bits each.
UNAMBIGUOUS_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_INDEX = {c: i for i, c in enumerate(UNAMBIGUOUS_ALPHABET)}

DEFAULT_SERIAL_FORMAT = "seq:6"
DEFAULT_LOT_FORMAT = "pattern:{YY}{WW}-{SEQ:2}"

_TOKEN = re.compile(r"\{([A-Z]+)(?::([0-9]+))?\}")
_DATE_TOKENS = {
    "YYYY": lambda d: f"{d.year:04d}",
    "YY": lambda d: f"{d.year % 100:02d}",
    "MM": lambda d: f"{d.month:02d}",
    "DD": lambda d: f"{d.day:02d}",
    "WW": lambda d: f"{d.isocalendar().week:02d}",
    "DOY": lambda d: f"{d.timetuple().tm_yday:03d}",
}


def check_character(code: str) -> str:
    """Check character over the 31-symbol alphabet: position-weighted sum modulo 31.

    31 is prime and the weights 1..20 are distinct and non-zero, so every single wrong
    character and every swap of two neighbouring characters changes the result.

    >>> check_character("ABC23")
    'Z'
    """
    total = sum(weight * _INDEX[char] for weight, char in enumerate(code, start=1))
    return UNAMBIGUOUS_ALPHABET[total % len(UNAMBIGUOUS_ALPHABET)]


def has_valid_check_character(code: str) -> bool:
    """True when the last character of ``code`` is the Luhn mod N check of the rest."""
    if len(code) < 2 or any(c not in _INDEX for c in code):
        return False
    return check_character(code[:-1]) == code[-1]


@dataclass(frozen=True)
class CodeFormat:
    """A parsed lot or serial format. Use :func:`parse_format` to make one."""

    spec: str
    kind: str  # "seq", "pattern" or "random"
    width: int = 6
    pattern: str = ""
    check: bool = False

    @property
    def is_random(self) -> bool:
        return self.kind == "random"

    def scope(self, day: date) -> str:
        """The counter scope: sequences restart whenever the rendered prefix changes."""
        if self.kind != "pattern":
            return ""
        return _TOKEN.sub(
            lambda m: _date_part(m, day) if m.group(1) != "SEQ" else "#", self.pattern
        )

    def render(self, sequence: int, day: date) -> str:
        """The code for counter value ``sequence`` on ``day`` (random formats ignore both)."""
        if self.kind == "seq":
            return f"{sequence:0{self.width}d}"
        if self.kind == "random":
            body = "".join(secrets.choice(UNAMBIGUOUS_ALPHABET) for _ in range(self.width))
            return body + check_character(body) if self.check else body

        def part(match: re.Match[str]) -> str:
            if match.group(1) == "SEQ":
                return f"{sequence:0{int(match.group(2) or 1)}d}"
            return _date_part(match, day)

        return _TOKEN.sub(part, self.pattern)

    def sample(self) -> str:
        """A code as long and as wide as this format makes, for checking that a label fits it
        before any real code is allocated."""
        if self.kind == "random":
            return "W" * (self.width + self.check)
        if self.kind == "seq":
            return "8" * self.width
        return self.render(8888, date(2028, 12, 28))

    def generate(self, start: int, count: int, day: date) -> list[str]:
        """``count`` codes for counter values ``start``, ``start + 1``, ..."""
        if self.kind == "seq":
            if count == 1:  # a station taking one serial: the common case
                return [f"{start:0{self.width}d}"]
            return list(map(f"{{:0{self.width}d}}".format, range(start, start + count)))
        return [self.render(sequence, day) for sequence in range(start, start + count)]


def _date_part(match: re.Match[str], day: date) -> str:
    return _DATE_TOKENS[match.group(1)](day)


@functools.lru_cache(maxsize=256)
def parse_format(spec: str, what: str = "serial") -> CodeFormat:
    """Parse a format string, raising InputError with an example when it is malformed."""
    kind, _, argument = spec.partition(":")
    kind = kind.strip().lower()
    hint = (
        f"Unknown {what} format '{spec}': use 'seq:6', 'pattern:{{YY}}{{WW}}-{{SEQ:3}}' "
        "or 'random:10' (add '+check' for a check character)."
    )
    if kind == "seq":
        width = _int_argument(argument or "6", spec, what, hint)
        fmt = CodeFormat(spec, "seq", width=width)
    elif kind == "random":
        body, plus, suffix = argument.partition("+")
        if plus and suffix != "check":
            raise InputError(hint)
        width = _int_argument(body or "10", spec, what, hint)
        if width < 6:
            raise InputError(
                f"The {what} format '{spec}' is too short to be non-guessable; use at least 6 characters."
            )
        fmt = CodeFormat(spec, "random", width=width, check=bool(plus))
    elif kind == "pattern":
        fmt = _parse_pattern(spec, argument, what)
    else:
        raise InputError(hint)
    longest = (
        fmt.width + fmt.check
        if fmt.kind != "pattern"
        else len(fmt.render(10**6 - 1, date(2099, 12, 31)))
    )
    if longest > 20:
        raise InputError(
            f"The {what} format '{spec}' makes codes longer than the 20 characters GS1 allows."
        )
    return fmt


def _parse_pattern(spec: str, pattern: str, what: str) -> CodeFormat:
    if "{SEQ" not in pattern:
        raise InputError(
            f"The {what} pattern '{pattern}' has no {{SEQ:n}} part, so two codes made on one day "
            "would be the same; add one, e.g. '{YY}{WW}-{SEQ:3}'."
        )
    for match in _TOKEN.finditer(pattern):
        name = match.group(1)
        if name != "SEQ" and name not in _DATE_TOKENS:
            raise InputError(
                f"Unknown part '{{{name}}}' in the {what} pattern '{pattern}'; "
                f"use SEQ:n or one of {', '.join(_DATE_TOKENS)}."
            )
    literal = _TOKEN.sub("", pattern)
    bad = sorted({c for c in literal if c not in AI82_CHARACTERS})
    if bad or "{" in literal or "}" in literal:
        raise InputError(
            f"The {what} pattern '{pattern}' contains characters GS1 barcodes cannot carry "
            f"({' '.join(repr(c) for c in bad or ['{'])})."
        )
    return CodeFormat(spec, "pattern", pattern=pattern)


def _int_argument(text: str, spec: str, what: str, hint: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError(hint) from None
    if not 1 <= value <= 20:
        raise InputError(f"The {what} format '{spec}' must have a length from 1 to 20.")
    return value
