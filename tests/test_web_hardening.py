"""The public site behind the internet: a made-up Host, spoofed forwarding headers, large or
deep bodies, guessed tokens, and random requests of every kind, against a real server."""

from __future__ import annotations

import json
import string
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchlabel.store import Store
from tests.conftest import GTIN
from tests.webserver import (
    ACTOR,
    PRIVATE,
    PRIVATE_NOTE,
    SECRET_SUPPLIER,
    Site,
    site,
    start,
    unit_path,
)

__all__ = ["site"]  # the fixture, imported for pytest

PRIVATE_TEXTS = (
    PRIVATE,
    PRIVATE_NOTE,
    SECRET_SUPPLIER,
    ACTOR.user,
    ACTOR.station,
    "PRIVATE-REASON",
)


def test_a_made_up_host_never_reaches_links(site: Site) -> None:
    answer = httpx.get(site.url + unit_path(site), headers={"host": "evil.example"})
    assert answer.status_code == 307
    assert answer.headers["location"].startswith("http://localhost:8000/origin/01/")
    assert "evil.example" not in answer.headers["link"]
    linkset = httpx.get(
        site.url + unit_path(site) + "?linkType=linkset", headers={"host": "evil.example"}
    )
    assert "evil.example" not in linkset.text
    # this machine's own address keeps working, port included, for a maker testing locally
    local = httpx.get(site.url + unit_path(site))
    assert local.headers["location"].startswith(site.url + "/origin/01/")


def test_options_names_the_linkset_like_get(site: Site) -> None:
    options = httpx.options(site.url + unit_path(site))
    assert options.status_code == 204
    assert 'rel="linkset"' in options.headers["link"]
    assert options.headers["link"] == httpx.head(site.url + unit_path(site)).headers["link"]


def test_api_bodies_are_limited_and_deep_json_is_refused(site: Site) -> None:
    store = Store.open(site.db)
    token = store.create_token("door-9", ACTOR)
    store.close()
    auth = {"authorization": f"Bearer {token}"}
    huge = httpx.post(
        site.url + "/api/resolve", content=b"[" + b"1," * 60_000 + b"1]", headers=auth
    )
    assert huge.status_code == 413
    deep = httpx.post(
        site.url + "/api/resolve", content=b"[" * 20_000 + b"]" * 20_000, headers=auth
    )
    assert deep.status_code == 400
    good = httpx.post(site.url + "/api/resolve", json={"codes": [GTIN]}, headers=auth)
    assert good.status_code == 200 and good.json()[0]["match"] == "product"


def test_guessing_tokens_is_slowed_down(site: Site) -> None:
    answers = [
        httpx.post(
            site.url + "/api/resolve",
            json={"codes": ["x"]},
            headers={"authorization": f"Bearer guess-{n}"},
        ).status_code
        for n in range(14)
    ]
    assert answers[0] == 401 and 429 in answers


@pytest.fixture
def limited(site: Site) -> Iterator[str]:
    process, url = start(site.db, "--rate-limit", "1")
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_forwarded_for_from_this_machine_does_not_escape_the_rate_limit(limited: str) -> None:
    statuses = [
        httpx.get(
            limited + f"/01/{GTIN}", headers={"x-forwarded-for": f"203.0.113.{n}"}
        ).status_code
        for n in range(30)
    ]
    assert 429 in statuses  # one client, whatever it claims to be forwarding for


_METHODS = st.sampled_from(["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH"])
_SEGMENT = st.text(
    alphabet=string.ascii_letters + string.digits + "%-._~!$&'()*+,;=:@/?#[]", max_size=40
)
_PREFIXES = st.sampled_from(
    ["/01/", f"/01/{GTIN}/10/", "/p/", "/origin/01/", "/data/01/", "/photo/01/", "/api/resolve",
     "/api/scans", "/.well-known/", "/", "/gtin/"]
)  # fmt: skip
_HEADER_VALUES = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60
)


@pytest.fixture(scope="module")
def station_token(site: Site) -> str:
    store = Store.open(site.db)
    token = store.create_token("fuzz-bench", ACTOR)
    store.close()
    return token


def _json_documents() -> st.SearchStrategy[bytes]:
    leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30))
    keys = st.sampled_from(["codes", "code", "station", "x"])
    documents = st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=12,
    )
    return documents.map(lambda doc: json.dumps(doc).encode())


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=_METHODS,
    prefix=_PREFIXES,
    tail=_SEGMENT,
    accept=st.sampled_from(
        ["text/html", "application/json", "application/linkset+json", "*/*", ""]
    ),
    header=_HEADER_VALUES,
    body=st.one_of(
        st.binary(max_size=300), st.text(max_size=200).map(str.encode), _json_documents()
    ),
    signed=st.booleans(),
)
def test_random_requests_never_fail_on_our_side_nor_leak(
    site: Site,
    station_token: str,
    method: str,
    prefix: str,
    tail: str,
    accept: str,
    header: str,
    body: bytes,
    signed: bool,
) -> None:
    url = site.url + prefix + tail
    header = header.strip() or "x"
    # Half the requests carry a good token, so API bodies are read, not only refused.
    authorization = f"Bearer {station_token}" if signed else header
    headers = {"accept": accept, "authorization": authorization, "x-forwarded-for": header}
    try:
        answer = httpx.request(method, url, headers=headers, content=body, timeout=10)
    except (httpx.InvalidURL, httpx.LocalProtocolError):
        return  # httpx itself refuses to send it: nothing reached the server
    assert answer.status_code < 500, (method, url, answer.status_code, answer.text[:200])
    text = answer.text
    for secret in PRIVATE_TEXTS:
        assert secret not in text and secret not in str(answer.headers)
    if answer.headers.get("content-type", "").startswith("application/json") and text:
        json.loads(text)  # strict JSON whenever it says JSON
