from __future__ import annotations

import pytest

from batchlabel.codes.gs1 import (
    digital_link,
    element_string,
    gs1_check_digit,
    short_link,
    validate_ai82,
    validate_gtin,
    validate_sscc,
)
from batchlabel.errors import InputError


@pytest.mark.parametrize(
    "gtin", ["09506000134352", "9506000134352", "96385074", "036000291452", "4006381333931"]
)
def test_valid_gtins_are_accepted_unchanged(gtin: str) -> None:
    assert validate_gtin(gtin) == gtin


@pytest.mark.parametrize(
    ("gtin", "expected"),
    [("09506000134353", "expected 2"), ("4006381333932", "expected 1"), ("96385075", "expected 4")],
)
def test_wrong_check_digit_names_the_expected_digit(gtin: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected):
        validate_gtin(gtin)


@pytest.mark.parametrize("gtin", ["", "12345", "0950600013435A", "123456789012345"])
def test_malformed_gtins_are_refused(gtin: str) -> None:
    with pytest.raises(InputError):
        validate_gtin(gtin)


def test_sscc_check_digit() -> None:
    assert validate_sscc("106141411234567897") == "106141411234567897"
    with pytest.raises(InputError, match="expected 7"):
        validate_sscc("106141411234567890")


def test_check_digit_computation() -> None:
    assert gs1_check_digit("950600013435") == 2
    assert gs1_check_digit("10614141123456789") == 7


@pytest.mark.parametrize("code", ["A" * 21, "LOT 1", "LÖT", "", "a#b"])
def test_ai82_rejects_length_and_characters(code: str) -> None:
    with pytest.raises(InputError):
        validate_ai82(code, "lot code")


def test_element_string_orders_fixed_length_ais_first() -> None:
    from datetime import date

    text = element_string(
        gtin="9506000134352", lot="L1", serial="S1", best_before=date(2027, 5, 31)
    )
    assert text == "(01)09506000134352(15)270531(10)L1(21)S1"


def test_digital_link_percent_encodes_reserved_characters() -> None:
    uri = digital_link("id.example.com", "09506000134352", 'A/%&"', "1?2")
    assert uri == "https://id.example.com/01/09506000134352/10/A%2F%25%26%22/21/1%3F2"


def test_short_link_for_products_without_gtin() -> None:
    assert short_link("example.com", "TOTE", "L/1", "7") == "https://example.com/p/TOTE/L%2F1/7"
