"""Printable documents: the batch transparency report and the recall list."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

# Autoescaped: product names, supplier lots and reasons are typed by people.
_documents = Environment(
    loader=PackageLoader("batchlabel.documents", "html"), autoescape=select_autoescape(["html"])
)


def render_html(template: str, **context: Any) -> str:
    return _documents.get_template(template).render(**context)


__all__ = ["render_html"]
