"""Reading a GS1 Digital Link path: ``/01/GTIN[/10/LOT][/21/SERIAL]``, its compressed form
(one base64url segment, GS1 Digital Link: Compression), and this project's short links
``/p/SKU[/LOT[/SERIAL]]`` for products without a GTIN.

Decompression is done by the gs1-compression package, a port of GS1's own compression
prototype. Like that prototype, it drops the leading zeros of an all-digit value even though
the compressed form records how many digits there are, which would turn serial 000123 into
123; `_keep_leading_zeros` puts them back.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from gs1.decompress import binary_to_gs1_ai_array as _reader
from gs1.decompress import decode_binary_value as _decoder
from gs1.decompress.analyse_uri import extract_from_compressed_gs1_digital_link

from batchlabel.errors import InputError

GTIN_AI, LOT_AI, SERIAL_AI = "01", "10", "21"
# Digital Link 1.1 allowed these words for the numeric keys; some old labels still use them.
ALIASES = {"gtin": GTIN_AI, "lot": LOT_AI, "ser": SERIAL_AI}
PATH_SHAPES = ([GTIN_AI], [GTIN_AI, LOT_AI], [GTIN_AI, LOT_AI, SERIAL_AI], [GTIN_AI, SERIAL_AI])
SHAPE_HELP = "a Digital Link path is /01/GTIN, then /10/LOT, then /21/SERIAL."
COMPRESSED = re.compile(r"[A-Za-z0-9_-]{8,400}")


@dataclass(frozen=True)
class LinkKeys:
    """The identifiers a link names; gtin or sku is set, lot and serial when present."""

    gtin: str | None = None
    sku: str | None = None
    lot: str | None = None
    serial: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"gtin": self.gtin, "sku": self.sku, "lot": self.lot, "serial": self.serial}


def segments(raw_path: str) -> list[str]:
    """Path segments percent-decoded one at a time, so an encoded '/' in a lot stays in the
    lot. A trailing slash is tolerated (GS1 resolvers should not fail on one)."""
    return [unquote(s) for s in raw_path.split("?")[0].strip("/").split("/")]


def digital_link_keys(raw_path: str) -> LinkKeys:
    """The keys of an uncompressed ``/01/...`` path; bad syntax is an InputError."""
    parts = segments(raw_path)
    keys = [ALIASES.get(k, k) for k in parts[0::2]]
    if len(parts) % 2 or keys not in PATH_SHAPES:
        raise InputError(SHAPE_HELP)
    found = dict(zip(keys, parts[1::2], strict=True))
    return LinkKeys(gtin=found[GTIN_AI], lot=found.get(LOT_AI), serial=found.get(SERIAL_AI))


def short_link_keys(raw_path: str) -> LinkKeys:
    """The keys of a ``/p/SKU[/LOT[/SERIAL]]`` path."""
    values = segments(raw_path)[1:]
    if not 1 <= len(values) <= 3 or any(not v for v in values):
        raise InputError("use /p/SKU, /p/SKU/LOT or /p/SKU/LOT/SERIAL.")
    sku, lot, serial = (*values, None, None)[:3]
    return LinkKeys(sku=sku, lot=lot, serial=serial)


def item_keys(raw_path: str) -> LinkKeys:
    """The keys of a path that is either a short link or an uncompressed Digital Link."""
    return short_link_keys(raw_path) if raw_path.startswith("/p/") else digital_link_keys(raw_path)


def looks_compressed(segment: str) -> bool:
    return COMPRESSED.fullmatch(segment) is not None


def decompress(segment: str) -> LinkKeys | None:
    """The keys of a compressed Digital Link segment, or None when the segment does not
    decode to a GTIN (so it was not a product's compressed link)."""
    try:
        fields = extract_from_compressed_gs1_digital_link("https://x/" + segment)["GS1"]
    except Exception:  # the package signals bad input with assorted exception types
        return None
    if not isinstance(fields, dict) or GTIN_AI not in fields:
        return None
    return LinkKeys(gtin=fields[GTIN_AI], lot=fields.get(LOT_AI), serial=fields.get(SERIAL_AI))


# The package logs a stack trace for every undecodable segment under a logger literally
# named "__name__"; a resolver sees such segments all day, so that logger is silenced.
logging.getLogger("__name__").disabled = True

_handle_decodings = _decoder.handle_decodings


def _keep_leading_zeros(
    enc: int, binary_string: str, cursor: int, gs1_ai_array: dict[str, str], key: str, num: int
) -> dict[str, Any]:
    before = gs1_ai_array.get(key, "")
    result: dict[str, Any] = _handle_decodings(enc, binary_string, cursor, gs1_ai_array, key, num)
    if enc == 0:  # all digits: the value is `num` digits long, zeros included
        decoded = result["gs1AIarray"]
        decoded[key] = before + decoded[key][len(before) :].zfill(num)
    return result


_decoder.handle_decodings = _reader.handle_decodings = _keep_leading_zeros
