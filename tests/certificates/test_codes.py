"""Verification codes: the alphabet, grouping, forgiving reading, and a check character that catches typos."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates import codes

data = st.text(alphabet=codes.ALPHABET, min_size=codes.DATA_LENGTH, max_size=codes.DATA_LENGTH)


def test_new_codes_are_canonical_and_pass_their_own_check():
    made = {codes.new_code() for _ in range(200)}
    assert len(made) == 200
    for code in made:
        assert len(code) == codes.LENGTH and set(code) <= set(codes.ALPHABET)
        assert codes.parse(code) == code


def test_display_groups_in_fours_and_reading_forgives_case_spaces_and_lookalikes():
    payload = "0K3M9QXP2HRT5WD"
    code = payload + codes.check_character(payload)
    shown = codes.display(code)
    assert shown == f"0K3M-9QXP-2HRT-5WD{code[-1]}"
    assert codes.parse(shown.lower()) == code
    assert codes.parse(" ".join(shown.split("-"))) == code
    assert codes.parse("O" + shown[1:]) == code  # the letter O typed for the digit zero


def test_i_and_l_read_as_one():
    data15 = "1" * codes.DATA_LENGTH
    code = data15 + codes.check_character(data15)
    assert codes.parse("I" + code[1:]) == code
    assert codes.parse("l" + code[1:]) == code


@settings(deadline=None, max_examples=40)
@given(data)
def test_every_single_mistyped_character_is_caught(payload):
    code = payload + codes.check_character(payload)
    for position in range(codes.LENGTH):
        for wrong in codes.ALPHABET:
            if wrong != code[position]:
                with pytest.raises(codes.InvalidCode, match="typing mistake"):
                    codes.parse(code[:position] + wrong + code[position + 1:])


@settings(deadline=None)
@given(data)
def test_every_swap_of_neighbouring_characters_is_caught(payload):
    code = payload + codes.check_character(payload)
    for i in range(codes.LENGTH - 1):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
            with pytest.raises(codes.InvalidCode, match="typing mistake"):
                codes.parse(swapped)


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Enter the verification code"),
    ("7K3M-9QXP", "has 16 characters; you entered 8"),
    ("7K3M-9QXP-2HRT-5WD!", "check these characters: !"),
    ("UUUU-UUUU-UUUU-UUUU", "check these characters: U"),
])
def test_malformed_codes_are_refused_with_the_reason(typed, message):
    with pytest.raises(codes.InvalidCode, match=message) as caught:
        codes.parse(typed)
    assert caught.value.field == "code"
