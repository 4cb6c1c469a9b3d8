"""Checks shared by the statement rules: the Invalid error and JSON value types (objects, IRIs, language maps)."""

from __future__ import annotations

from typing import Any

from lms.xapi import values as v


class Invalid(Exception):
    """A statement (or query parameter) breaks a rule; ``field`` is its path, ``rule`` the rule."""

    def __init__(self, field: str, rule: str):
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


def fail(path: str, rule: str):
    raise Invalid(path, rule)


def json_object(value: Any, path: str, allowed: frozenset) -> dict:
    """value must be an object with only the allowed keys (spec: no properties beyond the defined ones)."""
    if type(value) is not dict:
        fail(path, "must be a JSON object")
    for key in value:
        if key not in allowed:
            fail(f"{path}.{key}", "is not a property allowed here")
    return value


def string(value: Any, path: str) -> None:
    if type(value) is not str:
        fail(path, "must be a string")


def iri(value: Any, path: str) -> None:
    if not v.is_iri(value):
        fail(path, "must be an IRI (scheme:rest, no spaces)")


def langmap(value: Any, path: str) -> None:
    if type(value) is not dict:
        fail(path, "must be a language map (object of language tag to string)")
    for tag, text in value.items():
        if not v.is_langtag(tag):
            fail(f"{path}.{tag}", "key must be an RFC 5646 language tag")
        if type(text) is not str:
            fail(f"{path}.{tag}", "must be a string")


def extensions(value: Any, path: str) -> None:
    if type(value) is not dict:
        fail(path, "must be an object whose keys are IRIs")
    for key in value:
        if not v.is_iri(key):
            fail(f"{path}.{key}", "extension keys must be IRIs")
