"""The bundled DejaVu fonts: label text and PDF reports look the same on every machine."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def font_file(bold: bool = False) -> Path:
    """The path of the regular or bold DejaVu Sans file inside the installed package."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(str(resources.files(__name__).joinpath(name)))


__all__ = ["font_file"]
