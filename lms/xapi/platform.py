"""The platform's own statements: one builder per learning event, called by the learning services.

Each builder takes plain values, builds the statement with ``tincan``, checks it like any statement
the LRS receives, and stores it through the same write path in the caller's transaction (the
``session`` the service holds), so the record and the event commit or roll back together. It
returns the statement id. The actor is the person as an account on this platform (or their
mailbox, if ``XAPI_ACTOR_IDENTIFIER`` is ``mbox``); activities are named under
``XAPI_ACTIVITY_BASE``; the authority is the platform itself. Configuration is read from the app.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from tincan import (Activity, ActivityDefinition, ActivityList, Agent, AgentAccount, Context, ContextActivities,
                    Extensions, LanguageMap, Result, Score, Statement, Verb)

from lms import db
from lms.db import utcnow
from lms.runtime import hooks
from lms.xapi import statement_ids, store, vocabulary as vocab
from lms.xapi.validation import validate_statement

LANGUAGE = "en-GB"


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str | None = None


@dataclass(frozen=True)
class Thing:
    """A bundle, module, activity or question: its id (as in the content) and its title."""

    id: str
    title: str


@dataclass(frozen=True)
class Outcome:
    """A result: scaled score 0..1 (and raw/min/max if known), success, completion, time taken."""

    scaled: float | None = None
    raw: float | None = None
    min: float | None = None
    max: float | None = None
    success: bool | None = None
    completion: bool | None = None
    duration: timedelta | None = None
    response: str | None = None


def _config(name: str):  # noqa: ANN202
    return current_app.config[name]


def agent(person: Person) -> Agent:
    if _config("XAPI_ACTOR_IDENTIFIER") == "mbox" and person.email:
        return Agent(name=person.name, mbox=f"mailto:{person.email}")
    return Agent(name=person.name, account=AgentAccount(home_page=_config("XAPI_HOMEPAGE"), name=str(person.id)))


def platform_authority() -> dict:
    return {"objectType": "Agent", "name": "Leadership and management training",
            "account": {"homePage": _config("XAPI_HOMEPAGE"), "name": vocab.PLATFORM_ACCOUNT}}


def _activity(kind: str, thing: Thing, *path: str, type_iri: str | None = None) -> Activity:
    return Activity(id=vocab.activity_iri(_config("XAPI_ACTIVITY_BASE"), *path),
                    definition=ActivityDefinition(name=LanguageMap({LANGUAGE: thing.title}),
                                                  type=type_iri or vocab.ACTIVITY_TYPES[kind]))


def bundle_activity(bundle: Thing) -> Activity:
    return _activity("bundle", bundle, "bundles", bundle.id)


def module_activity(module: Thing) -> Activity:
    return _activity("module", module, "modules", module.id)


def activity_within(module: Thing, activity: Thing, kind: str = "lesson", *, type_iri: str | None = None) -> Activity:
    """An activity of a module; ``type_iri`` for a kind the core's vocabulary does not know."""
    return _activity(kind, activity, "modules", module.id, "activities", activity.id, type_iri=type_iri)


def part_of(module: Thing, activity: Thing, part: Thing, type_iri: str) -> Activity:
    """A part of an activity (a question, a step) that a kind records statements about."""
    return _activity("", part, "modules", module.id, "activities", activity.id, "parts", part.id, type_iri=type_iri)


def question_activity(module: Thing, quiz: Thing, question: Thing) -> Activity:
    return _activity("question", question, "modules", module.id, "activities", quiz.id, "questions", question.id)


def _context(registration: str | None, parent: list | None = None, grouping: list | None = None,
             instructor: Person | None = None, extensions: dict | None = None) -> Context | None:
    activities = {}
    if parent:
        activities["parent"] = ActivityList(parent)
    if grouping:
        activities["grouping"] = ActivityList(grouping)
    if not (registration or activities or instructor or extensions):
        return None
    return Context(registration=uuid.UUID(registration) if registration else None,
                   context_activities=ContextActivities(**activities) if activities else None,
                   instructor=agent(instructor) if instructor else None,
                   extensions=Extensions(extensions) if extensions else None, language=LANGUAGE)


def _result(outcome: Outcome | None) -> Result | None:
    if outcome is None:
        return None
    score = None
    if outcome.scaled is not None or outcome.raw is not None:
        score = Score(scaled=outcome.scaled, raw=outcome.raw, min=outcome.min, max=outcome.max)
    return Result(score=score, success=outcome.success, completion=outcome.completion, duration=outcome.duration,
                  response=outcome.response)


def record(session, actor: Agent, verb: vocab.VerbIri, obj, *, context: Context | None = None,  # noqa: ANN001
           result: Result | None = None, at: datetime | None = None, authority: Person | None = None) -> str:
    """Build, check and store one statement in the session's transaction; returns its id.

    The authority is the platform, or ``authority``: the person whose judgement the statement records
    (an assessor's decision)."""
    statement = Statement(id=statement_ids.time_based(1)[0], actor=actor,
                          verb=Verb(id=verb.iri, display=LanguageMap({LANGUAGE: verb.display})), object=obj,
                          context=context, result=result, timestamp=at or utcnow())
    data = json.loads(statement.to_json("1.0.3"))
    validate_statement(data)  # a builder bug must fail loudly, not store a malformed statement
    asserted = json.loads(agent(authority).to_json("1.0.3")) if authority is not None else platform_authority()
    writer = store.Writer(authority=asserted, forward=bool(_config("XAPI_FORWARD_URL")),
                          notify=store.notifier(hooks(), session))
    caches = current_app.extensions.setdefault("lms.xapi.activities", {})
    (statement_id,) = store.store(session.connection(), [data], writer, version="1.0.3", path="statement",
                                  seen_activities=caches, on_commit=db.after_commit)
    return statement_id


def _ext(name: str, value) -> dict:  # noqa: ANN001
    return {vocab.extension(_config("XAPI_HOMEPAGE"), name): value}


def _extensions(values: dict) -> dict:
    """Extension keys as given when they are absolute IRIs, else the platform's own extension of that name."""
    return {key if "://" in key else vocab.extension(_config("XAPI_HOMEPAGE"), key): value
            for key, value in values.items()}


# ------------------------------------------------------------------ the events

def registered(session, person: Person, *, at: datetime | None = None) -> str:  # noqa: ANN001
    """A person joined the platform (their account was activated)."""
    platform = Activity(id=vocab.activity_iri(_config("XAPI_ACTIVITY_BASE"), "platform"),
                        definition=ActivityDefinition(name=LanguageMap({LANGUAGE: "Leadership and management training"}),
                                                      type=vocab.ACTIVITY_TYPES["platform"]))
    return record(session, agent(person), vocab.REGISTERED, platform, at=at)


def enrolled(session, person: Person, bundle: Thing, registration: str, *, source: str = "self",  # noqa: ANN001
             at: datetime | None = None) -> str:
    """Enrolled on a bundle (source: self, assigned or automatic); the registration is the enrolment's."""
    return record(session, agent(person), vocab.ENROLLED, bundle_activity(bundle),
                  context=_context(registration, extensions=_ext("enrolment-source", source)), at=at)


def assigned(session, person: Person, bundle: Thing, registration: str, *, assigned_by: Person | None,  # noqa: ANN001
             due_at: datetime | None = None, at: datetime | None = None) -> str:
    """An admin (or the platform, for new joiners) assigned a bundle to a person: the actor assigns,
    the person is the object, the bundle is the parent activity."""
    actor = agent(assigned_by) if assigned_by else Agent(name="Leadership and management training",
                                                         account=AgentAccount(home_page=_config("XAPI_HOMEPAGE"), name=vocab.PLATFORM_ACCOUNT))
    learner = agent(person)
    learner.object_type = "Agent"
    extensions = _ext("due", due_at.date().isoformat()) if due_at else None
    return record(session, actor, vocab.ASSIGNED, learner,
                  context=_context(registration, parent=[bundle_activity(bundle)], extensions=extensions), at=at)


def launched(session, person: Person, activity: Thing, *, module: Thing, bundle: Thing | None = None,  # noqa: ANN001
             registration: str | None = None, kind: str = "lesson", activity_type: str | None = None,
             at: datetime | None = None) -> str:
    """Opened an activity of a module (a lesson, a quiz) for the first time in an attempt."""
    return record(session, agent(person), vocab.LAUNCHED, activity_within(module, activity, kind, type_iri=activity_type),
                  context=_context(registration, [module_activity(module)], [bundle_activity(bundle)] if bundle else None),
                  at=at)


def experienced(session, person: Person, activity: Thing, *, module: Thing, bundle: Thing | None = None,  # noqa: ANN001
                registration: str | None = None, page: int | None = None, at: datetime | None = None) -> str:
    """Read a lesson (or one page of it)."""
    extensions = _ext("page", page) if page is not None else None
    return record(session, agent(person), vocab.EXPERIENCED, activity_within(module, activity),
                  context=_context(registration, [module_activity(module)], [bundle_activity(bundle)] if bundle else None,
                                   extensions=extensions), at=at)


def answered(session, person: Person, question: Thing, *, quiz: Thing, module: Thing,  # noqa: ANN001
             bundle: Thing | None = None, registration: str | None = None, response: str,
             success: bool | None = None, at: datetime | None = None) -> str:
    """Answered one question of a quiz; response is the chosen option ids joined with [,]."""
    return record(session, agent(person), vocab.ANSWERED, question_activity(module, quiz, question),
                  context=_context(registration, [activity_within(module, quiz, "quiz")],
                                   [module_activity(module)] + ([bundle_activity(bundle)] if bundle else [])),
                  result=_result(Outcome(success=success, response=response)), at=at)


def quiz_result(session, person: Person, quiz: Thing, *, module: Thing, outcome: Outcome,  # noqa: ANN001
                bundle: Thing | None = None, registration: str | None = None, at: datetime | None = None) -> str:
    """Passed or failed a quiz (outcome.success decides the verb), with score and time taken."""
    verb = vocab.PASSED if outcome.success else vocab.FAILED
    return record(session, agent(person), verb, activity_within(module, quiz, "quiz"),
                  context=_context(registration, [module_activity(module)], [bundle_activity(bundle)] if bundle else None),
                  result=_result(outcome), at=at)


def about_activity(session, person: Person, verb: vocab.VerbIri, activity: Thing, *, activity_type: str,  # noqa: ANN001
                   module: Thing, bundle: Thing | None = None, registration: str | None = None,
                   part: Thing | None = None, outcome: Outcome | None = None, extensions: dict | None = None,
                   at: datetime | None = None) -> str:
    """Any statement an activity kind records about a person's run (``Run.record``): the activity, or a part
    of it, as object; the module (or, for a part, the activity) as parent; the bundle as grouping."""
    within = activity_within(module, activity, type_iri=activity_type)
    obj, parent, grouping = within, [module_activity(module)], []
    if part is not None:
        obj, parent, grouping = part_of(module, activity, part, activity_type), [within], [module_activity(module)]
    if bundle is not None:
        grouping.append(bundle_activity(bundle))
    return record(session, agent(person), verb, obj,
                  context=_context(registration, parent, grouping, extensions=_extensions(extensions or {})),
                  result=_result(outcome), at=at)


def completed_module(session, person: Person, module: Thing, *, bundle: Thing | None = None,  # noqa: ANN001
                     registration: str | None = None, outcome: Outcome | None = None, at: datetime | None = None) -> str:
    outcome = outcome or Outcome(completion=True)
    return record(session, agent(person), vocab.COMPLETED, module_activity(module),
                  context=_context(registration, [bundle_activity(bundle)] if bundle else None),
                  result=_result(outcome), at=at)


def completed_bundle(session, person: Person, bundle: Thing, *, registration: str,  # noqa: ANN001
                     outcome: Outcome | None = None, at: datetime | None = None) -> str:
    return record(session, agent(person), vocab.COMPLETED, bundle_activity(bundle), context=_context(registration),
                  result=_result(outcome or Outcome(completion=True)), at=at)


def attended(session, person: Person, event: Thing, *, module: Thing, bundle: Thing | None = None,  # noqa: ANN001
             registration: str | None = None, facilitator: Person | None = None, at: datetime | None = None) -> str:
    """Attended an in-person session (recorded by its facilitator, the context instructor)."""
    return record(session, agent(person), vocab.ATTENDED, activity_within(module, event, "session"),
                  context=_context(registration, [module_activity(module)], [bundle_activity(bundle)] if bundle else None,
                                   instructor=facilitator), at=at)


def waived(session, person: Person, module: Thing, *, reason: str, bundle: Thing | None = None,  # noqa: ANN001
           registration: str | None = None, by: Person | None = None, at: datetime | None = None) -> str:
    """Excused from a module (recognised prior learning); the reason is kept as an extension."""
    return record(session, agent(person), vocab.WAIVED, module_activity(module),
                  context=_context(registration, [bundle_activity(bundle)] if bundle else None, instructor=by,
                                   extensions=_ext("reason", reason)),
                  result=_result(Outcome(success=True, completion=True)), at=at)


def satisfied(session, person: Person, bundle: Thing, *, registration: str, at: datetime | None = None) -> str:  # noqa: ANN001
    """Met every requirement of a bundle (its completion rules), as cmi5's satisfied."""
    return record(session, agent(person), vocab.SATISFIED, bundle_activity(bundle), context=_context(registration),
                  at=at)


def earned(session, person: Person, certificate: Thing, *, bundle: Thing, registration: str | None = None,  # noqa: ANN001
           at: datetime | None = None) -> str:
    """Earned a certificate (certificate.id: its verification code)."""
    return record(session, agent(person), vocab.EARNED, _activity("certificate", certificate, "certificates", certificate.id),
                  context=_context(registration, [bundle_activity(bundle)]), at=at)


def assessed(session, person: Person, activity: Thing, *, module: Thing, bundle: Thing, registration: str,  # noqa: ANN001
             success: bool, assessor: Person, feedback: str, at: datetime | None = None) -> str:
    """An assessor's decision on submitted evidence: passed (accepted) or failed (referred), on the
    assessor's authority, with their feedback as the response."""
    return record(session, agent(person), vocab.PASSED if success else vocab.FAILED,
                  activity_within(module, activity, "evidence"),
                  context=_context(registration, [module_activity(module)], [bundle_activity(bundle)],
                                   instructor=assessor),
                  result=_result(Outcome(success=success, completion=success, response=feedback[:1000])),
                  at=at, authority=assessor)


def overturned(session, person: Person, activity: Thing, *, module: Thing, bundle: Thing, registration: str,  # noqa: ANN001
               reason: str, accreditor: Person, at: datetime | None = None) -> str:
    """An accreditor overturned an acceptance on second review: the evidence no longer counts."""
    verb = vocab.platform_verb(_config("XAPI_HOMEPAGE"), "overturned", "had an assessment overturned for")
    return record(session, agent(person), verb, activity_within(module, activity, "evidence"),
                  context=_context(registration, [module_activity(module)], [bundle_activity(bundle)],
                                   instructor=accreditor, extensions=_ext("reason", reason)),
                  result=_result(Outcome(success=False, completion=False)), at=at, authority=accreditor)
