from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batchlabel.codes.gs1 import AI82_CHARACTERS
from batchlabel.codes.serial_formats import (
    UNAMBIGUOUS_ALPHABET,
    check_character,
    has_valid_check_character,
    parse_format,
)
from batchlabel.errors import InputError

LOOK_ALIKES = set("O0I1L")


def test_sequential_is_zero_padded() -> None:
    fmt = parse_format("seq:6")
    assert list(fmt.generate(1, 3, date(2026, 1, 1))) == ["000001", "000002", "000003"]


def test_pattern_with_date_parts_and_scope() -> None:
    fmt = parse_format("pattern:{YYYY}{WW}-{SEQ:3}")
    day = date(2026, 11, 23)
    assert fmt.render(7, day) == "202648-007"
    assert fmt.scope(day) == "202648-#"
    assert fmt.scope(date(2026, 11, 30)) != fmt.scope(day)


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "seq:x",
        "seq:0",
        "seq:21",
        "random:3",
        "random:8+crc",
        "pattern:AB",
        "pattern:{Q}{SEQ:2}",
        "pattern:A B{SEQ:2}",
        "pattern:{YYYY}{MM}{DD}-ABCDEFGHIJK{SEQ:4}",
        "uuid",
    ],
)
def test_malformed_formats_are_refused(spec: str) -> None:
    with pytest.raises(InputError):
        parse_format(spec)


def test_check_character_detects_single_substitution() -> None:
    code = "ABC23"
    full = code + check_character(code)
    assert has_valid_check_character(full)
    for i in range(len(code)):
        for replacement in UNAMBIGUOUS_ALPHABET:
            if replacement != full[i]:
                assert not has_valid_check_character(full[:i] + replacement + full[i + 1 :])


def test_check_character_detects_neighbour_swaps() -> None:
    code = "7K9MX2QA"
    full = code + check_character(code)
    for i in range(len(code) - 1):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            assert not has_valid_check_character(swapped + full[-1])


@given(
    kind=st.sampled_from(["seq", "random", "random+check", "pattern"]),
    width=st.integers(min_value=6, max_value=19),
    sequence=st.integers(min_value=1, max_value=99_999),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
)
def test_every_format_makes_valid_ai21_codes(
    kind: str, width: int, sequence: int, day: date
) -> None:
    spec = {
        "seq": f"seq:{width}",
        "random": f"random:{width}",
        "random+check": f"random:{width}+check",
        "pattern": "pattern:{YY}{WW}-{SEQ:5}",
    }[kind]
    code = parse_format(spec).render(sequence, day)
    assert 1 <= len(code) <= 20
    assert set(code) <= AI82_CHARACTERS
    if kind.startswith("random"):
        assert not set(code) & LOOK_ALIKES
        assert len(code) == width + (kind == "random+check")
        if kind == "random+check":
            assert has_valid_check_character(code)
