"""The IRIs the platform's own statements use: ADL, cmi5 and registry verbs, activity types, and
activity IRIs under ``XAPI_ACTIVITY_BASE`` (stable: they name bundles and modules by their ids)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

ADL = "http://adlnet.gov/expapi/verbs/"
CMI5 = "https://w3id.org/xapi/adl/verbs/"
# The account name (on XAPI_HOMEPAGE) of the platform itself, the authority of its own statements: no LRS
# client may take it as its key, or its statements would carry the platform's authority.
PLATFORM_ACCOUNT = "lms"


@dataclass(frozen=True)
class VerbIri:
    iri: str
    display: str  # en-GB, past tense: "Ada completed Alpha"


REGISTERED = VerbIri(ADL + "registered", "registered")
ENROLLED = VerbIri("http://www.tincanapi.co.uk/verbs/enrolled_onto_learning_plan", "enrolled on")
ASSIGNED = VerbIri("https://w3id.org/xapi/dod-isd/verbs/assigned", "assigned")
LAUNCHED = VerbIri(ADL + "launched", "launched")
EXPERIENCED = VerbIri(ADL + "experienced", "experienced")
ANSWERED = VerbIri(ADL + "answered", "answered")
PASSED = VerbIri(ADL + "passed", "passed")
FAILED = VerbIri(ADL + "failed", "failed")
COMPLETED = VerbIri(ADL + "completed", "completed")
ATTENDED = VerbIri(ADL + "attended", "attended")
WAIVED = VerbIri(CMI5 + "waived", "was excused from")
SATISFIED = VerbIri(CMI5 + "satisfied", "satisfied")
EARNED = VerbIri("https://w3id.org/xapi/tla/verbs/earned", "earned")
# Sent in evidence for assessment (Activity Streams' "submit", listed in the xAPI registry).
SUBMITTED = VerbIri("http://activitystrea.ms/schema/1.0/submit", "submitted")


def platform_verb(homepage: str, name: str, display: str) -> VerbIri:
    """A verb of the platform's own, for an event no ADL, cmi5 or registry verb names (wait-listed, cancelled,
    absent, overturned): ``<XAPI_HOMEPAGE>/xapi/verbs/<name>``, beside the platform's extensions (each listed in
    docs/content.md or docs/architecture.md)."""
    return VerbIri(f"{homepage.rstrip('/')}/xapi/verbs/{name}", display)


ACTIVITY_TYPES = {
    "platform": "http://activitystrea.ms/schema/1.0/application",
    "bundle": "http://adlnet.gov/expapi/activities/course",
    "module": "http://adlnet.gov/expapi/activities/module",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "session": "http://adlnet.gov/expapi/activities/meeting",
    "certificate": "https://w3id.org/xapi/tla/activity-types/credential",
    "evidence": "http://id.tincanapi.com/activitytype/project",
}


def extension(homepage: str, name: str) -> str:
    """The platform's own extensions (how an enrolment came about, when an assignment is due, ...)."""
    return f"{homepage.rstrip('/')}/xapi/extensions/{name}"


def activity_iri(base: str, *path: str) -> str:
    """e.g. activity_iri(base, "modules", "alpha", "activities", "quiz") -> base/modules/alpha/activities/quiz."""
    return base.rstrip("/") + "/" + "/".join(quote(part, safe="") for part in path)
