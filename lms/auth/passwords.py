"""Password hashing and the rules a chosen password must meet; e-mail addresses in one canonical form."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

from lms.config import DEFAULTS
from lms.errors import DomainError

MAX_PASSWORD_LENGTH = 200
MAX_EMAIL_LENGTH = 254
# Deliberately simple (one @, no spaces, a dot in the domain): the invitation e-mail is the real check.
EMAIL_PATTERN = re.compile(r"^[^@\s,;<>()\[\]\"]+@[^@\s,;<>()\[\]\"]+\.[^@\s,;<>()\[\]\".]+$")

# The most common choices in published breach lists, lower-cased. Trailing digits are stripped
# before the check, so "password123" and "qwerty2024" are refused too.
COMMON_PASSWORDS = frozenset("""
password passw0rd p@ssword p@ssw0rd passwords password! qwerty qwertyuiop qwertyuiop1 azerty
letmein welcome welcome! iloveyou iloveyou! admin administrator abc abcdef abcdefgh abcdefghij
monkey dragon football baseball sunshine princess shadow master superman batman trustno1
starwars whatever freedom computer internet secret changeme changeme! default login
nhs nhsnhsnhsnhs nhspassword hospital nurse doctor health healthcare socialcare carer
summer winter spring autumn january february march april september october november december
monday friday london manchester liverpool chelsea arsenal england scotland wales
zaq!xsw2 1q2w3e4r 1q2w3e4r5t 1qaz2wsx qazwsxedc asdfghjkl asdfghjkl1 zxcvbnm zxcvbnm1
""".split())
# Runs of digits or one repeated character are as guessable as anything on the list.
_TRIVIAL = re.compile(r"^(\d+|(.)\2*)$")


def setting(name: str, explicit: Any = None) -> Any:
    """An explicit value, else the app's configuration, else the documented default."""
    if explicit is not None:
        return explicit
    if has_app_context():
        return current_app.config.get(name, DEFAULTS[name])
    return DEFAULTS[name]


def normalise_email(email: str) -> str:
    """One spelling per address: trimmed and lower-cased (addresses are compared this way everywhere)."""
    return (email or "").strip().lower()


def check_email(email: str, field: str = "email") -> str:
    """The normalised address, or a DomainError naming the field."""
    address = normalise_email(email)
    if not address:
        raise DomainError("Enter an e-mail address", field=field)
    if len(address) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(address):
        raise DomainError("Enter an e-mail address in the correct format, like name@example.org", field=field)
    return address


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash or password is None:
        return False
    try:
        return check_password_hash(password_hash, password)
    except ValueError:  # an unknown or corrupt hash format never signs anyone in
        return False


# Checked against when the e-mail is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = hash_password("no account has this password")


def burn_time(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


def check_password_rules(password: str, email: str = "", *, field: str = "password",
                         min_length: int | None = None) -> None:
    """Raise a DomainError naming the field if the password is too short, too long or too guessable."""
    min_length = setting("PASSWORD_MIN_LENGTH", min_length)
    password = password or ""
    if not password:
        raise DomainError("Enter a password", field=field)
    if len(password) < min_length:
        raise DomainError(f"Password must be {min_length} characters or more", field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError(f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer", field=field)
    lowered = password.strip().lower()
    address = normalise_email(email)
    if address and (lowered == address or lowered == address.split("@", 1)[0]):
        raise DomainError("Password must not be your e-mail address", field=field)
    if lowered.rstrip("0123456789!") in COMMON_PASSWORDS or _TRIVIAL.match(lowered):
        raise DomainError("Password is too common and easy to guess: choose a less common one, "
                          "for example three random words", field=field)
