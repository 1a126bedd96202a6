"""Codes read from photos, scans and PDFs with zxing-cpp, written as a scanner would send
them: symbology identifier first, the group separator as the real byte."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import zxingcpp
from PIL import Image, UnidentifiedImageError

from batchlabel.errors import InputError

PDF_DPI = 300


def codes_in_file(path: Path) -> list[str]:
    """Every code found in an image or PDF file, page by page."""
    images = _pdf_pages(path) if path.suffix.lower() == ".pdf" else [_image(path)]
    codes = [_as_scanned(result) for image in images for result in zxingcpp.read_barcodes(image)]
    if not codes:
        raise InputError(
            f"No barcode or QR code was found in {path}; take the photo closer, square on "
            "and in focus, or scan the code instead."
        )
    return codes


def _as_scanned(result: zxingcpp.Result) -> str:
    try:
        body = result.bytes.decode("utf-8")
    except UnicodeDecodeError:
        body = result.bytes.decode("latin-1")
    return f"{result.symbology_identifier}{body}"


def _image(path: Path) -> Image.Image:
    try:
        with Image.open(path) as image:
            image.load()
            return image.convert("L")
    except FileNotFoundError:
        raise InputError(f"No file {path}; check the path.") from None
    except (UnidentifiedImageError, OSError):
        raise InputError(
            f"{path} is not an image this can read; use a PNG or JPEG photo, or a PDF."
        ) from None


def _pdf_pages(path: Path) -> list[Image.Image]:
    try:
        document = pypdfium2.PdfDocument(path)
    except FileNotFoundError:
        raise InputError(f"No file {path}; check the path.") from None
    except pypdfium2.PdfiumError:
        raise InputError(f"{path} is not a PDF this can read; export it again.") from None
    try:
        return [page.render(scale=PDF_DPI / 72).to_pil().convert("L") for page in document]
    finally:
        document.close()
