"""Verification codes people can type: Crockford base32 in groups of four, with a Damm check character.

The alphabet leaves out I, L, O and U, and reading accepts I and L as 1 and O as 0. The last character is a
Damm check over GF(32): it catches every single mistyped character and every swap of two neighbours, so a
typo is reported as a typo instead of looking up someone else's certificate.
"""

from __future__ import annotations

import secrets

from lms.api import DomainError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUES = {c: i for i, c in enumerate(ALPHABET)}
_READ_AS = {"I": "1", "L": "1", "O": "0"}
DATA_LENGTH = 15  # 75 random bits: unguessable, and verification is rate-limited as well
LENGTH = DATA_LENGTH + 1
GROUP = 4


class InvalidCode(DomainError):
    def __init__(self, message: str):
        super().__init__(message, field="code")


def _times_x(value: int) -> int:
    """Multiply by x in GF(32) = GF(2)[x] / (x^5 + x^2 + 1)."""
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


def _damm(values: list[int]) -> int:
    # The quasigroup a * b = x.a + b is totally anti-symmetric because x is neither 0 nor 1.
    interim = 0
    for value in values:
        interim = _times_x(interim) ^ value
    return interim


def check_character(data: str) -> str:
    return ALPHABET[_times_x(_damm([_VALUES[c] for c in data]))]


def new_code() -> str:
    """A fresh code in canonical form (16 characters, no separators)."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + check_character(data)


def parse(text: str) -> str:
    """Canonical form of a typed code; raises InvalidCode naming the problem."""
    cleaned = "".join(c for c in (text or "").upper() if c not in " -\t")
    cleaned = "".join(_READ_AS.get(c, c) for c in cleaned)
    if not cleaned:
        raise InvalidCode("Enter the verification code printed on the certificate")
    wrong = sorted({c for c in cleaned if c not in _VALUES})
    if wrong:
        raise InvalidCode(f"A verification code uses only letters and numbers; check these characters: {' '.join(wrong)}")
    if len(cleaned) != LENGTH:
        raise InvalidCode(f"A verification code has {LENGTH} characters; you entered {len(cleaned)}")
    if _damm([_VALUES[c] for c in cleaned]) != 0:
        raise InvalidCode("That code has a typing mistake: check each character against the certificate")
    return cleaned


def display(code: str) -> str:
    """Grouped for reading: 7K3M-9QXP-2HRT-5WDN."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))
