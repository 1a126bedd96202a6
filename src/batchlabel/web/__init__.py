"""The web part: public origin pages, the Digital Link resolver and the station API."""

from batchlabel.web.app import create_app, origin_page_html

__all__ = ["create_app", "origin_page_html"]
