"""The hook contract is typed and documented: every argument and result names a real type, never a bare Any."""

from __future__ import annotations

import inspect
import typing

import click
import pytest
from flask import Blueprint, Flask
from markupsafe import Markup
from sqlmodel import Session

from lms.auth.models import User
from lms.auth.principal import Principal
from lms.catalog.registry import Bundle, Catalog
from lms.errors import Problem
from lms.kinds.base import ActivityKind
from lms.learning.gates import Credential
from lms.learning.models import Enrolment
from lms.plugins import hookspecs

# The names hookspecs.py imports for type checkers only.
NAMES = {"click": click, "Blueprint": Blueprint, "Flask": Flask, "Markup": Markup, "Session": Session, "User": User,
         "Principal": Principal, "Bundle": Bundle, "Catalog": Catalog, "Problem": Problem,
         "ActivityKind": ActivityKind, "Credential": Credential, "Enrolment": Enrolment}
SPECS = sorted(name for name in dir(hookspecs) if name.startswith("lms_"))


@pytest.mark.parametrize("name", SPECS)
def test_every_argument_and_result_has_a_real_type(name):
    hints = typing.get_type_hints(getattr(hookspecs, name), localns=NAMES)
    parameters = inspect.signature(getattr(hookspecs, name)).parameters
    assert set(hints) == {*parameters, "return"}
    assert [n for n, hint in hints.items() if hint is typing.Any] == []


@pytest.mark.parametrize("name", SPECS)
def test_every_hook_says_when_it_is_called_and_how_results_merge(name):
    doc = inspect.getdoc(getattr(hookspecs, name))
    assert "Called" in doc
    assert any(word in doc for word in ("concatenated", "ignored", "merged", "joined"))
