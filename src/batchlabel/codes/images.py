"""Codes read from photos, scans and PDFs with zxing-cpp, written as a scanner would send
them: symbology identifier first, the group separator as the real byte."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import zxingcpp
from PIL import Image, UnidentifiedImageError

from batchlabel.errors import InputError

PDF_DPI = 300
MAX_PHOTO_PIXELS = 60_000_000  # a phone photo is 12-50 megapixels
MAX_PDF_PAGES = 50  # each page is held as a 300 dpi picture while it is read


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
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise InputError(
                    f"{path} is {image.width} x {image.height} pixels; a photo of a label needs "
                    f"no more than {MAX_PHOTO_PIXELS // 1_000_000} megapixels."
                )
            image.load()
            return image.convert("L")
    except FileNotFoundError:
        raise InputError(f"No file {path}; check the path.") from None
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
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
        if len(document) > MAX_PDF_PAGES:
            raise InputError(
                f"{path} has {len(document)} pages; read at most {MAX_PDF_PAGES} at once."
            )
        for page in document:
            width, height = page.get_size()  # points: 1/72 inch
            if width * height * (PDF_DPI / 72) ** 2 > MAX_PHOTO_PIXELS:
                raise InputError(f"{path} has a page too large to read as labels.")
        return [page.render(scale=PDF_DPI / 72).to_pil().convert("L") for page in document]
    finally:
        document.close()
