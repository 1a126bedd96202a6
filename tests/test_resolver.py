"""The GS1-Conformant resolver requirements, checked one by one against the real server (the
list GS1's resolver test suite works through), and compressed Digital Link URIs made by
GS1's own compression toolkit (digital-link.js, run with node) and resolved here."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import GTIN
from tests.webserver import BELT_GTIN, Site, fetch, site, unit_path

__all__ = ["site"]  # the fixture, imported for pytest

NODE_TOOLS = Path(__file__).parent / "node"
PIP = "https://gs1.org/voc/pip"
DEFAULT_LINK = "https://gs1.org/voc/defaultLink"


def compress(*uris: str) -> dict[str, list[str]]:
    """{uri: [optimised, unoptimised]} compressed by GS1's toolkit."""
    done = subprocess.run(
        ["node", "compress-dl.cjs", *uris],
        cwd=NODE_TOOLS,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def test_resolver_description_file(site: Site) -> None:
    answer = httpx.get(site.url + "/.well-known/gs1resolver")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    description = answer.json()
    assert description["resolverRoot"] == site.url
    assert description["supportedPrimaryKeys"] == ["01"]
    assert description["name"] and description["contact"] == {"fn": "Atelier Nord"}
    assert answer.headers["access-control-allow-origin"] == "*"


def test_redirects_to_the_default_link_with_a_link_to_the_linkset(site: Site) -> None:
    path = unit_path(site)
    answer = httpx.get(site.url + path)
    assert answer.status_code == 307
    [entry, *_] = httpx.get(site.url + path + "?linkType=linkset").json()["linkset"]
    [default] = entry[DEFAULT_LINK]
    assert answer.headers["location"] == default["href"]
    assert f'<{site.url}{path}?linkType=linkset>; rel="linkset"' in answer.headers["link"]
    assert 'rel="gs1:' not in answer.headers["link"]  # listing every link there is deprecated


def test_query_string_is_passed_on_but_linktype_is_not(site: Site) -> None:
    answer = httpx.get(site.url + f"/01/{GTIN}?utm_source=label&linkType=gs1:pip")
    assert answer.status_code == 307
    assert answer.headers["location"].endswith(f"/origin/01/{GTIN}?utm_source=label")


def test_linkset_lists_every_level_up_to_the_product(site: Site) -> None:
    for answer in (
        httpx.get(site.url + unit_path(site) + "?linkType=linkset"),
        httpx.get(site.url + unit_path(site), headers={"accept": "application/linkset+json"}),
    ):
        assert answer.status_code == 200  # never a redirect
        assert answer.headers["content-type"] == "application/linkset+json"
        assert 'rel="http://www.w3.org/ns/json-ld#context"' in answer.headers["link"]
        entries = answer.json()["linkset"]
        anchors = [e["anchor"] for e in entries]
        assert anchors == [
            site.url + unit_path(site),
            site.url + f"/01/{GTIN}/10/A%2F1",
            site.url + f"/01/{GTIN}",
        ]
        for entry in entries:
            [default] = entry[DEFAULT_LINK]
            assert set(default) == {"href", "title"}  # a default link has no other attributes
            assert {link["type"] for link in entry[PIP]} == {"text/html", "application/json"}
            for link in entry[PIP]:
                assert link["href"].startswith(site.url) and link["title"] and link["hreflang"]


def test_every_link_in_the_linkset_answers(site: Site) -> None:
    entries = httpx.get(site.url + unit_path(site) + "?linkType=linkset").json()["linkset"]
    for entry in entries:
        for link in entry[PIP]:
            answer = httpx.get(link["href"])
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith(link["type"])


@pytest.mark.parametrize("link_type", ["gs1:pip", PIP, "https://ref.gs1.org/voc/pip"])
def test_a_link_type_that_exists_redirects_to_it(site: Site, link_type: str) -> None:
    answer = httpx.get(site.url + f"/01/{GTIN}?linkType={quote(link_type, safe=':')}")
    assert answer.status_code == 307 and "/origin/01/" in answer.headers["location"]


def test_a_link_type_that_does_not_exist_is_404(site: Site) -> None:
    answer = httpx.get(site.url + f"/01/{GTIN}?linkType=gs1:recipeInfo")
    assert answer.status_code == 404 and "linkType=linkset" in answer.text
    control = httpx.get(site.url + f"/01/{GTIN}?linkType=%00%1b[31m")
    assert control.status_code == 404 and "\x00" not in control.text and "\x1b" not in control.text


def test_json_clients_are_sent_to_the_data(site: Site) -> None:
    answer = httpx.get(site.url + unit_path(site), headers={"accept": "application/json"})
    assert answer.status_code == 307 and "/data/01/" in answer.headers["location"]
    assert (
        fetch(site.url + unit_path(site), headers={"accept": "application/json"}).json()["match"]
        == "unit"
    )


def test_trailing_slash_is_tolerated(site: Site) -> None:
    plain, slashed = (httpx.get(site.url + f"/01/{GTIN}/10/L9" + end) for end in ("", "/"))
    assert plain.status_code == slashed.status_code == 307
    assert plain.headers["location"] == slashed.headers["location"]


@pytest.mark.parametrize("tail", ["/foo", "/10", "/99/X", "/21/X/10/Y"])
def test_a_broken_digital_link_is_400_not_a_200_error_page(site: Site, tail: str) -> None:
    answer = httpx.get(site.url + unit_path(site) + tail)
    assert answer.status_code == 400, answer.text


def test_convenience_alphas_still_resolve(site: Site) -> None:
    answer = fetch(site.url + f"/gtin/{GTIN}/lot/L9", headers={"accept": "application/json"})
    assert answer.status_code == 200 and answer.json()["batch"]["lot"] == "L9"


def test_compressed_links_from_gs1_toolkit_resolve(site: Site) -> None:
    unit = site.url + unit_path(site)
    belt = site.url + f"/01/{BELT_GTIN}/10/0042/21/{site.belt_serial}"  # digits, leading zeros
    made = compress(unit, belt)
    for uncompressed, forms in made.items():
        expected = httpx.get(uncompressed)
        for compressed in forms:
            assert compressed != uncompressed and compressed.startswith(site.url)
            answer = httpx.get(compressed)
            assert answer.status_code == 307, (compressed, answer.text)
            assert answer.headers["location"] == expected.headers["location"]  # no lost zeros
            assert f'<{uncompressed}>; rel="owl:sameAs"' in answer.headers["link"]
            linkset = httpx.get(compressed + "?linkType=linkset").json()["linkset"]
            assert linkset[0]["anchor"] == uncompressed  # facts are about the uncompressed URI
    assert httpx.head(made[unit][0]).status_code == 307
    assert httpx.options(made[unit][0]).status_code == 204


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/ARHKVAdpQg", 404),  # a compressed link, but to another maker's GTIN
        ("/AAAAAAAAAAAA", 404),  # decodes to nothing
        ("/robots.txt", 404),
        ("/" + "A" * 500, 404),  # far too long to be a compressed link
    ],
)
def test_compressed_link_bad_input(site: Site, path: str, status: int) -> None:
    answer = httpx.get(site.url + path)
    assert answer.status_code == status, answer.text
    assert "Traceback" not in answer.text
