"""GS1 keys and data: check digits, the AI 82 character set, element strings, Digital Link URIs.

Nothing here "fixes" input: a wrong check digit is an error naming the expected digit.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

from biip.checksums import gs1_standard_check_digit

from batchlabel.errors import InputError
from batchlabel.validation import ascii_digits

# GS1 General Specifications, figure 7.11-1: the 82 characters allowed in AI 10 and 21.
AI82_CHARACTERS = frozenset(string.ascii_letters + string.digits + "!\"%&'()*+,-./:;<=>?_")

_DIGITS = re.compile(r"[0-9]+")
GTIN_LENGTHS = (8, 12, 13, 14)

# Digital Link: characters of the 82 set that must be percent-encoded in a path segment
# (RFC 3986 reserved or unsafe); quote() with this safe set leaves the rest as they are.
_DL_SAFE = "!'()*+,-.:;=_"


def gs1_check_digit(digits: str) -> int:
    """Mod-10 check digit over ``digits`` (the key without its check digit), by biip.

    >>> gs1_check_digit("950600013435")
    2
    """
    return gs1_standard_check_digit(digits)


@functools.lru_cache(maxsize=1024)  # a delivery or a job repeats a few keys many times
def wrong_check_digit(key: str) -> int | None:
    """The check digit ``key`` (all digits) should end in, or None when it does.

    >>> wrong_check_digit("09506000134353")
    2
    """
    expected = gs1_check_digit(key[:-1])
    return None if int(key[-1]) == expected else expected


def _validate_key(value: str, kind: str, lengths: Sequence[int]) -> str:
    if not _DIGITS.fullmatch(value or ""):
        raise InputError(f"Invalid {kind} '{value}': it must contain digits only.")
    if len(value) not in lengths:
        wanted = "/".join(str(n) for n in lengths)
        raise InputError(
            f"Invalid {kind} '{value}': it must be {wanted} digits long, not {len(value)}."
        )
    if (expected := wrong_check_digit(value)) is not None:
        raise InputError(
            f"Invalid {kind} check digit for '{value}': expected {expected}. "
            "Check the number on the GS1 certificate; it is never corrected automatically."
        )
    return value


@functools.lru_cache(maxsize=1024)  # a job repeats one GTIN on every label
def validate_gtin(gtin: str) -> str:
    """Return ``gtin`` unchanged if it is a valid GTIN-8/12/13/14, else raise InputError."""
    return _validate_key(gtin, "GTIN", GTIN_LENGTHS)


@functools.lru_cache(maxsize=1024)
def gtin14(gtin: str) -> str:
    """The 14-digit form used in AI (01) and Digital Link (validated, left-padded with zeros)."""
    return validate_gtin(gtin).rjust(14, "0")


def validate_sscc(sscc: str) -> str:
    """Return ``sscc`` if it is a valid 18-digit SSCC (AI 00), else raise InputError."""
    return _validate_key(sscc, "SSCC", (18,))


def make_sscc(extension: int, company_prefix: str, reference: int) -> str:
    """An SSCC: extension digit + GS1 company prefix + serial reference + check digit.

    >>> make_sscc(1, "0614141", 234567890)
    '106141412345678908'
    """
    if not (ascii_digits(company_prefix) and 6 <= len(company_prefix) <= 12):
        raise InputError(
            f"The GS1 company prefix '{company_prefix}' must be 6 to 12 digits, as GS1 issued it."
        )
    if not 0 <= extension <= 9:
        raise InputError("The SSCC extension digit must be 0 to 9.")
    width = 16 - len(company_prefix)
    if reference >= 10**width:
        raise InputError(
            f"All {10**width:,} SSCCs of company prefix {company_prefix} with extension "
            f"{extension} are used; use another extension digit."
        )
    body = f"{extension}{company_prefix}{reference:0{width}d}"
    return body + str(gs1_check_digit(body))


def validate_ai82(value: str, what: str, max_length: int = 20) -> str:
    """Check ``value`` fits GS1 AI 10/21: 1..20 characters of the 82-character set."""
    if 0 < len(value) <= max_length and AI82_CHARACTERS.issuperset(value):
        return value  # the common case, checked without building an error
    if not value:
        raise InputError(f"The {what} is empty; give at least one character.")
    if len(value) > max_length:
        raise InputError(
            f"The {what} '{value}' is {len(value)} characters long; GS1 allows at most {max_length}."
        )
    bad = sorted({c for c in value if c not in AI82_CHARACTERS})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise InputError(
            f"The {what} '{value}' contains {shown}, which GS1 barcodes cannot carry; "
            "use letters, digits and !\"%&'()*+,-./:;<=>?_ only."
        )
    return value


@functools.lru_cache(maxsize=1024)
def yymmdd(day: date) -> str:
    """A date as GS1 AI 11/15/17 write it."""
    return day.strftime("%y%m%d")


# AIs in the order they go into a symbol: fixed-length first, so that only the last
# variable-length field is left without a separator.
AI_ORDER = ("00", "01", "02", "11", "15", "17", "37", "10", "21")
# AIs whose value varies in length: a separator (FNC1, or GS in a string) must follow them
# unless they come last.
VARIABLE_AIS = frozenset({"37", "10", "21"})


def gs1_fields(
    gtin: str | None = None,
    lot: str | None = None,
    serial: str | None = None,
    made_on: date | None = None,
    best_before: date | None = None,
    expiry: date | None = None,
    sscc: str | None = None,
    content: str | None = None,
    count: int | None = None,
) -> list[tuple[str, str]]:
    """Validated (AI, value) pairs in symbol order. ``content`` is the GTIN of the trade items
    inside a logistic unit (AI 02) and ``count`` how many there are (AI 37)."""
    if count is not None and not 1 <= count <= 99_999_999:
        raise InputError(f"A count of {count} items cannot be encoded; GS1 allows 1 to 99999999.")
    values = {
        "00": validate_sscc(sscc) if sscc is not None else None,
        "01": gtin14(gtin) if gtin is not None else None,
        "02": gtin14(content) if content is not None else None,
        "37": str(count) if count is not None else None,
        "11": yymmdd(made_on) if made_on is not None else None,
        "15": yymmdd(best_before) if best_before is not None else None,
        "17": yymmdd(expiry) if expiry is not None else None,
        "10": validate_ai82(lot, "lot code") if lot is not None else None,
        "21": validate_ai82(serial, "serial") if serial is not None else None,
    }
    fields = [(ai, value) for ai in AI_ORDER if (value := values[ai]) is not None]
    if not fields:
        raise InputError("A GS1 barcode needs at least one field.")
    return fields


def human_readable(fields: list[tuple[str, str]]) -> str:
    """``(01)09506000134352(10)LOT``: the text printed under a GS1 barcode."""
    return "".join(f"({ai}){value}" for ai, value in fields)


def bracketed(fields: list[tuple[str, str]]) -> str:
    """``[01]09506000134352[10]LOT``: encoder input. Square brackets are not in the 82-character
    set, so a lot containing parentheses cannot be mistaken for the next AI."""
    return "".join(f"[{ai}]{value}" for ai, value in fields)


def element_string(**keys: Any) -> str:
    """The human-readable element string for the given keys (see :func:`gs1_fields`).

    >>> element_string(gtin="9506000134352", lot="L1", serial="S1")
    '(01)09506000134352(10)L1(21)S1'
    """
    return human_readable(gs1_fields(**keys))


def _segment(value: str) -> str:
    return quote(value, safe=_DL_SAFE)


def digital_link(host: str, gtin: str, lot: str | None = None, serial: str | None = None) -> str:
    """A GS1 Digital Link URI: ``https://HOST/01/GTIN[/10/LOT[/21/SERIAL]]``.

    Lot and serial are percent-encoded, so ``/ % & " #`` survive the trip through a phone.

    >>> digital_link("id.example.com", "09506000134352", "A/1", "7")
    'https://id.example.com/01/09506000134352/10/A%2F1/21/7'
    """
    uri = f"{_base(host)}/01/{gtin14(gtin)}"
    if lot is not None:
        uri += f"/10/{_segment(validate_ai82(lot, 'lot code'))}"
        if serial is not None:
            uri += f"/21/{_segment(validate_ai82(serial, 'serial'))}"
    return uri


def short_link(host: str, sku: str, lot: str | None = None, serial: str | None = None) -> str:
    """The project's own URL for products without a GTIN: ``https://HOST/p/SKU[/LOT[/SERIAL]]``.

    As short as a Digital Link, same shape, so the resolver and scanner treat both alike.
    """
    uri = f"{_base(host)}/p/{_segment(sku)}"
    if lot is not None:
        uri += f"/{_segment(lot)}"
        if serial is not None:
            uri += f"/{_segment(serial)}"
    return uri


def _base(host: str) -> str:
    host = host.rstrip("/")
    if host.startswith(("http://", "https://")):
        return host
    return f"https://{host}"
