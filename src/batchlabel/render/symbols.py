"""Barcode symbols as module matrices, encoded by zxing-cpp (GS1 with FNC1 done right)."""

from __future__ import annotations

import functools

import zxingcpp
from PIL import Image

from batchlabel.errors import TemplateError

_FORMATS = {
    "qr": zxingcpp.BarcodeFormat.QRCode,
    "datamatrix": zxingcpp.BarcodeFormat.DataMatrix,
    "code128": zxingcpp.BarcodeFormat.Code128,
    "gs1-128": zxingcpp.BarcodeFormat.Code128,
    "ean13": zxingcpp.BarcodeFormat.EAN13,
    "upca": zxingcpp.BarcodeFormat.UPCA,
    "itf14": zxingcpp.BarcodeFormat.ITF,
}
LINEAR = frozenset({"code128", "gs1-128", "ean13", "upca", "itf14"})


@functools.lru_cache(maxsize=128)  # repeats are per-batch labels; serials never repeat
def symbol_matrix(symbology: str, data: str, gs1: bool, where: str) -> Image.Image:
    """The symbol at one pixel per module, no quiet zone, black on white ("1" mode).

    Linear symbols come back one pixel high: the renderer stretches them to the bar height.
    GS1 data is given bracketed (``[01]...[10]LOT``) and gets FNC1 separators.
    """
    options: dict[str, object] = {}
    if gs1:
        options["gs1"] = True
    if symbology == "qr":
        options["ec_level"] = "M"
    if symbology == "datamatrix":
        options["force_square"] = True  # rectangles do not fit square boxes, and scan worse
    try:
        barcode = zxingcpp.create_barcode(data, _FORMATS[symbology], **options)
    except Exception as error:  # zxing-cpp raises plain exceptions with a useful text
        raise TemplateError(f"{where}: cannot encode '{data}' as {symbology}: {error}.") from None
    image = zxingcpp.write_barcode_to_image(barcode, scale=1, add_quiet_zones=False)
    height, width = image.shape
    pixels = bytes(memoryview(image))  # type: ignore[arg-type]  # zxing's Image is a buffer
    matrix = Image.frombuffer("L", (width, height), pixels, "raw", "L", 0, 1)
    if symbology in LINEAR:
        matrix = matrix.crop((0, height // 2, width, height // 2 + 1))
    return matrix.convert("1", dither=Image.Dither.NONE)  # zxing gives pure 0/255
