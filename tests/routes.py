"""A route's variables read from its rule text (Werkzeug's ``<converter(options):name>``), through no private name."""

from __future__ import annotations

import re
from typing import NamedTuple

from werkzeug.routing import Rule

ARGUMENT = re.compile(r"<(?:(?P<converter>[a-zA-Z_]\w*)(?:\((?P<options>[^)]*)\))?:)?(?P<name>\w+)>")


class Variable(NamedTuple):
    name: str
    converter: str  # "default" where the rule names none
    first_option: str | None  # an ``any`` converter's first choice


def variables(rule: Rule) -> list[Variable]:
    return [Variable(found["name"], found["converter"] or "default",
                     found["options"].split(",")[0].strip(" '\"") if found["options"] else None)
            for found in ARGUMENT.finditer(rule.rule)]
