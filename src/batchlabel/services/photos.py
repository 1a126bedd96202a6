"""Product photos for the origin pages: any photo a maker has, made small enough for a phone
on a slow connection (at most 900 px on the long side, JPEG), with camera metadata such as
GPS position dropped because only the pixels are kept."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from batchlabel.errors import InputError

MAX_SIDE = 900
MAX_FILE = 40 * 1024 * 1024
MEDIA_TYPE = "image/jpeg"


def prepare_photo(path: Path) -> bytes:
    """The photo at ``path`` as a small JPEG; an unreadable or non-image file is an
    InputError."""
    try:
        size = path.stat().st_size
    except OSError:
        raise InputError(f"There is no photo at {path}; check the file name.") from None
    if size > MAX_FILE:
        raise InputError(f"{path.name} is over 40 MB; export a smaller copy of the photo.")
    try:
        with Image.open(path) as opened:
            image = ImageOps.exif_transpose(opened)  # phone photos come rotated
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=82, optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise InputError(
            f"{path.name} is not a photo this program can read; use a JPEG, PNG or WebP file."
        ) from None
    return out.getvalue()
