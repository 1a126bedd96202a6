"""What a scanned or typed code says: GS1 element strings, Digital Link URIs, the project's
short URLs, plain GTINs and SSCCs, and internal codes, cleaned of what scanners add.

GS1 data is parsed by biip; this module only cleans the input (separator spellings,
whitespace, a keyboard layout mix-up) and turns biip's findings and failures into one
record with a plain-language error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_messages import GS1Message
from biip.symbology import SymbologyIdentifier

from batchlabel.codes.gs1 import GTIN_LENGTHS, validate_ai82, wrong_check_digit
from batchlabel.errors import InputError
from batchlabel.models import CodeKind
from batchlabel.validation import ascii_digits, shown

GS = "\x1d"

# How people and scanners write the group separator when it is not the real byte.
_GS_SPELLINGS = re.compile(
    r"<GS>|\{GS\}|\[GS\]|<FNC1>|\{FNC1\}|\\x1[dD]|\\u001[dD]|\^\]|\N{SYMBOL FOR GROUP SEPARATOR}",
    re.IGNORECASE,
)

# A scanner set to a US layout typing into a German (QWERTZ) keyboard layout: each US
# character lands on the German key in the same place. Read backwards, the German
# characters give what the label holds.
_QWERTZ_TO_US = str.maketrans(
    {
        "z": "y", "y": "z", "Z": "Y", "Y": "Z",
        "ß": "-", "ü": "[", "+": "]", "#": "\\", "ö": ";", "ä": "'", "-": "/",
        '"': "@", "§": "#", "&": "^", "/": "&", "(": "*", ")": "(", "=": ")", "?": "_",
        "Ü": "{", "*": "}", "'": "|", "Ö": ":", "Ä": '"', ";": "<", ":": ">", "_": "?",
        "°": "~", "´": "=", "`": "+", "^": "`",
    }
)  # fmt: skip
# Characters a QWERTZ mix-up leaves behind that no code of ours contains.
_QWERTZ_SIGNS = re.compile(r"[ßüöäÜÖÄ§°´]|^https?Ö|^\)\d\d=")

_SURROGATES = re.compile("[\ud800-\udfff]")
_SYMBOLOGY_ID = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_URL = re.compile(r"^https?://", re.IGNORECASE)
_GS1_START = re.compile(r"^(00[0-9]{18}|0[12][0-9]{14})")

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class ScannedCode:
    """A code as read: which identifiers it carries, or why it could not be read."""

    text: str  # the cleaned input
    kind: CodeKind
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    sku: str | None = None
    sscc: str | None = None
    error: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.error is not None:  # errors quote what was scanned: never raw control bytes
            object.__setattr__(self, "error", shown(self.error))

    @property
    def readable(self) -> bool:
        return self.error is None and self.kind != CodeKind.EMPTY


def as_text(raw: str) -> str:
    """The scan as printable text: lone surrogates (bytes that were not UTF-8, as Python
    keeps them when reading a scanner's stream, or from a JSON body) become U+FFFD, which
    can be shown and stored."""
    return _SURROGATES.sub("\ufffd", raw)


def clean(raw: str) -> str:
    """Strip what surrounds a scan and write every separator spelling as the real byte."""
    text = as_text(raw).strip()  # spaces, tabs, CR and LF
    return _GS_SPELLINGS.sub(GS, text)


def parse_scan(raw: str) -> ScannedCode:
    """Read one scan. A code that only reads once a QWERTZ mix-up is undone is read that
    way, with a note saying how to set the scanner."""
    code = _parse(clean(raw))
    if code.kind not in (CodeKind.TEXT, CodeKind.EMPTY) and code.error is None:
        return code
    if _QWERTZ_SIGNS.search(code.text):
        fixed = _parse(code.text.translate(_QWERTZ_TO_US))
        if fixed.readable and fixed.kind != CodeKind.TEXT:
            return _with_note(fixed, QWERTZ_NOTE)
    return code


def code_lines(text: str) -> list[str]:
    r"""The lines of a list of scanned codes. Not ``str.splitlines``: it also breaks at the
    GS byte (0x1D) that separates the fields of a GS1 element string.

    >>> code_lines("0109506000134352\x1d21A\r\nL1,2")
    ['0109506000134352\x1d21A', 'L1,2']
    """
    return _LINE_BREAK.split(text)


def carton_code(text: str) -> tuple[str, str]:
    """A carton's (code, kind): an SSCC in any spelling a scanner sends, check digit
    verified (kind ``sscc``), or the maker's own carton code (kind ``internal``)."""
    code = parse_scan(text)
    if code.kind == CodeKind.SSCC:
        if code.error:
            raise InputError(code.error)
        assert code.sscc is not None
        return code.sscc, "sscc"
    return validate_ai82(text.strip(), "carton code"), "internal"


QWERTZ_NOTE = (
    "The scanner typed with a US keyboard layout into a German one; the code was read "
    "anyway. Set the scanner to the German (QWERTZ) layout."
)


def qwertz_alternative(text: str) -> str | None:
    """The text as a US-layout scanner meant it, when a QWERTZ mix-up could have changed it
    (an internal code with y/z in it, say); None when it would read the same."""
    fixed = text.translate(_QWERTZ_TO_US)
    return fixed if fixed != text else None


def _with_note(code: ScannedCode, note: str) -> ScannedCode:
    return ScannedCode(
        code.text, code.kind, code.gtin, code.lot, code.serial, code.sku, code.sscc,
        code.error, note,
    )  # fmt: skip


def _parse(text: str) -> ScannedCode:
    if not text:
        return ScannedCode(text, CodeKind.EMPTY, error="The scan was empty; scan the code again.")
    if "\ufffd" in text:
        return ScannedCode(
            text,
            CodeKind.TEXT,
            error="The scan holds bytes that are not text; set the scanner to send UTF-8 "
            "or plain ASCII, and scan again.",
        )
    body, symbology = text, None
    if _SYMBOLOGY_ID.match(text):
        try:
            symbology = SymbologyIdentifier.extract(text)
            body = text[len(symbology.value) :]
        except ParseError:
            symbology = None
    if not body:
        return ScannedCode(text, CodeKind.EMPTY, error="The scan held no code; scan it again.")
    if _URL.match(body):
        return _parse_url(text, body)
    if body.startswith("("):
        return _parse_gs1(text, body, hri=True)
    if ascii_digits(body):
        if len(body) in GTIN_LENGTHS:
            return _parse_gtin(text, body)
        if len(body) == 18:
            return _parse_sscc(text, body)
    if (symbology is not None and symbology.gs1_symbology is not None) or _looks_like_gs1(body):
        return _parse_gs1(text, body, hri=False)
    # Plain text (a serial, a lot, a carton's own code): what it says, without the
    # symbology identifier a scanner may put before it (]C0 for Code 128).
    return ScannedCode(body, CodeKind.TEXT)


def _looks_like_gs1(body: str) -> bool:
    """An element string without its symbology identifier (most scanners leave it off):
    it holds a separator, or starts with an SSCC or GTIN AI and its fixed-length value.
    A bare number such as a sequential serial is not taken for one."""
    return GS in body or _GS1_START.match(body) is not None


def _parse_url(text: str, url: str) -> ScannedCode:
    parts = urlsplit(url)
    path = parts.path
    if "/p/" in f"{path}/" and not re.search(r"/01/[0-9]", path):
        segments = [unquote(s) for s in path.split("/p/", 1)[1].split("/") if s]
        if not segments or len(segments) > 3:
            return ScannedCode(
                text,
                CodeKind.SHORT_LINK,
                error=f"The link '{url}' has no product code after /p/; scan the label again.",
            )
        sku, lot, serial = ([*segments, None, None])[:3]
        return ScannedCode(text, CodeKind.SHORT_LINK, sku=sku, lot=lot, serial=serial)
    try:
        link = GS1DigitalLinkURI.parse(url)
    except ParseError as error:
        return ScannedCode(
            text,
            CodeKind.DIGITAL_LINK,
            error=f"The link '{url}' is not a GS1 Digital Link this can read ({_plain(error)}).",
        )
    return _from_fields(
        text, CodeKind.DIGITAL_LINK, [(e.ai.ai, e.value) for e in link.element_strings]
    )


def _parse_gs1(text: str, body: str, hri: bool) -> ScannedCode:
    try:
        message = GS1Message.parse_hri(body) if hri else GS1Message.parse(body)
    except ParseError as error:
        return ScannedCode(
            text, CodeKind.GS1, error=f"'{_shown(body)}' is not valid GS1 data: {_plain(error)}"
        )
    fields = [(e.ai.ai, e.value) for e in message.element_strings]
    for ai, value in fields:
        key = {"00": "SSCC", "01": "GTIN", "02": "GTIN"}.get(ai)
        if key and (problem := _check_digit_problem(value, key)):
            return ScannedCode(text, CodeKind.GS1, error=problem)
    return _from_fields(text, CodeKind.GS1, fields)


def _from_fields(text: str, kind: CodeKind, fields: list[tuple[str, str]]) -> ScannedCode:
    values = dict(fields)
    if "01" not in values and "00" in values:  # a carton's label: read as the SSCC it carries
        return _parse_sscc(text, values["00"])
    if "01" not in values and "02" in values:
        # (02) names the items inside a carton, not one item: counting it as one would
        # miscount a delivery.
        return ScannedCode(
            text, kind,
            error="This is the contents barcode of a carton's label (AI 02); scan the carton's "
            "SSCC barcode (00) to see what it holds.",
        )  # fmt: skip
    gtin = values.get("01")
    if gtin is not None and (problem := _check_digit_problem(gtin, "GTIN")):
        return ScannedCode(text, kind, error=problem)
    return ScannedCode(
        text, kind, gtin=gtin, lot=values.get("10"), serial=values.get("21"), sscc=values.get("00")
    )


def _parse_gtin(text: str, digits: str) -> ScannedCode:
    if problem := _check_digit_problem(digits, "GTIN"):
        return ScannedCode(text, CodeKind.GTIN, error=problem)
    return ScannedCode(text, CodeKind.GTIN, gtin=digits)


def _parse_sscc(text: str, digits: str) -> ScannedCode:
    if problem := _check_digit_problem(digits, "SSCC"):
        return ScannedCode(text, CodeKind.SSCC, error=problem)
    return ScannedCode(text, CodeKind.SSCC, sscc=digits)


def _check_digit_problem(digits: str, kind: str) -> str | None:
    expected = wrong_check_digit(digits)
    if expected is None:
        return None
    return (
        f"Wrong check digit in {kind} {digits} (it should end in {expected}): the code was "
        "misread or mistyped; scan it again."
    )


def _plain(error: Exception | str) -> str:
    """biip's message in plainer words, with the control characters it quotes made visible."""
    text = _shown(str(error)).rstrip()
    pattern = re.search(r"with GS1 AI \((\d+)\) pattern", text)
    if pattern:
        ai = GS1ApplicationIdentifier.extract(pattern.group(1))
        return (
            f"the value of AI ({ai.ai}) {ai.data_title} does not fit its format {ai.format}; "
            "the code may be cut short, so scan it again."
        )
    if text.startswith("Failed to get GS1 Application Identifier"):
        return "it holds an unknown Application Identifier, or is cut short; scan it again."
    return text


def _shown(text: str) -> str:
    """Scanned text as a message may repeat it: separators named, other controls as '?'."""
    return shown(text.replace(GS, "<GS>").replace("\\x1d", "<GS>"))
