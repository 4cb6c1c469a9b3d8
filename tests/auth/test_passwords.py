"""Password hashing and rules, and the canonical form of e-mail addresses."""

from __future__ import annotations

import pytest

from lms.auth.passwords import check_email, check_password_rules, hash_password, normalise_email, verify_password
from lms.errors import DomainError


def test_hash_is_scrypt_and_verifies_only_the_same_password():
    hashed = hash_password("a long enough phrase")
    assert hashed.startswith("scrypt:")
    assert verify_password(hashed, "a long enough phrase")
    assert not verify_password(hashed, "a long enough phrasE")


@pytest.mark.parametrize("stored", [None, "", "not-a-hash", "pbkdf2:sha256:1$$"])
def test_missing_or_corrupt_hashes_never_verify(stored):
    assert verify_password(stored, "anything at all") is False


def test_email_is_trimmed_and_lower_cased():
    assert normalise_email("  Jo.Bloggs@Example.ORG ") == "jo.bloggs@example.org"
    assert normalise_email(None) == ""


@pytest.mark.parametrize("raw", ["", "   ", "no-at-sign", "two@@example.org", "a b@example.org", "x@nodot",
                                 "x" * 250 + "@example.org"])
def test_bad_email_addresses_are_refused_naming_the_field(raw):
    with pytest.raises(DomainError) as caught:
        check_email(raw, field="address")
    assert caught.value.field == "address"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Enter a password"),
        ("short", "10 characters or more"),
        ("x" * 201, "200 characters or fewer"),
        ("jo@example.org", "must not be your e-mail address"),
        ("JoBloggsNHS", "must not be your e-mail address"),
        ("password12345", "too common"),
        ("Qwertyuiop!", "too common"),
        ("1234567890", "too common"),
        ("aaaaaaaaaaaa", "too common"),
    ],
)
def test_password_rules_give_clear_messages(app, password, message):
    email = "jobloggsnhs@example.org" if password == "JoBloggsNHS" else "jo@example.org"
    with pytest.raises(DomainError, match=message) as caught:
        check_password_rules(password, email, field="new_password")
    assert caught.value.field == "new_password"


def test_minimum_length_comes_from_the_configuration(app):
    app.config["PASSWORD_MIN_LENGTH"] = 16
    with pytest.raises(DomainError, match="16 characters or more"):
        check_password_rules("fifteen chars!!", "jo@example.org")
    check_password_rules("sixteen chars!!!", "jo@example.org")


def test_a_good_passphrase_passes():
    check_password_rules("correct horse battery staple", "jo@example.org")
