"""The only core surface plugins may import: hook marker, registry access, services and errors."""

from __future__ import annotations

from lms.catalog.registry import Bundle, Catalog, Module
from lms.plugins.hookspecs import hookimpl
from lms.errors import Conflict, ContentError, DomainError, Forbidden, NotFound, PluginError, Problem
from lms.runtime import catalog, hooks

# The rest of the core that code plugins use (the certificates plugin among them): import it from here.
from lms import db  # noqa: E402  (session, reader, after_commit, transaction, engine)
from lms.audit.services import record as audit  # noqa: E402
from lms.auth.models import Role, RoleAssignment, User  # noqa: E402
from lms.auth.principal import Principal  # noqa: E402
from lms.auth.security import csrf, roles_required  # noqa: E402
from lms.auth.throttle import spend  # noqa: E402  (count an attempt against a rate limit)
from lms.csvfile import csv_text  # noqa: E402  (every CSV the product writes)
from lms.db import utcnow  # noqa: E402
from lms.lean import json_api  # noqa: E402  (a machine-facing JSON API served by a lean app)
from lms.learning.gates import Credential  # noqa: E402
from lms.learning.models import Enrolment, EnrolmentStatus, ModuleProgress, ProgressStatus  # noqa: E402
from lms.models import json_column  # noqa: E402  (a JSON column on a plugin's own table)
from lms.orgs.models import Organisation  # noqa: E402
from lms.learning_versions import touch_people  # noqa: E402  (after a Core UPDATE of rows shown on a person's pages)
from lms.plain_query import PlainQuery  # noqa: E402  (a hot read run on the DBAPI cursor)
from lms.public_urls import external_url, public_base_url  # noqa: E402  (addresses for outside a request)
from lms.speedups import device as speedup  # noqa: E402  (a speed device's module, or None when SPEEDUPS turns it off)
from lms.web import NavItem, register_footer_link, register_navigation  # noqa: E402
from lms.xapi import platform as statements  # noqa: E402  (the platform's own xAPI statement builders)
from lms.xapi.platform import Outcome, Thing  # noqa: E402  (a statement's result; an activity's part)
from lms.xapi.vocabulary import VerbIri as Verb  # noqa: E402  (a verb's IRI and its en-GB display)

# The activity-kind contract (docs/plugins.md): a kind's content schema, its run, what it shows.
from lms.kinds.base import ActivityKind, FormData, Run, Screen, one_value  # noqa: E402
from lms.plugins.manifest import Strict, parse_toml  # noqa: E402  (validated TOML, problems by file and field)


__all__ = [
    "ActivityKind", "FormData", "Outcome", "PluginError", "Run", "Screen", "Strict", "Thing", "Verb", "one_value",
    "parse_toml",
    "Bundle", "Catalog", "Conflict", "ContentError", "DomainError", "Forbidden", "Module", "NotFound",
    "Problem", "catalog", "csv_text", "external_url", "hookimpl", "hooks", "json_api", "public_base_url", "spend",
    "Credential", "Enrolment", "EnrolmentStatus", "ModuleProgress", "NavItem", "Organisation", "Principal",
    "ProgressStatus", "Role", "RoleAssignment", "User", "audit", "csrf", "db", "json_column", "register_footer_link",
    "register_navigation", "roles_required", "speedup", "statements", "touch_people", "utcnow",
]
