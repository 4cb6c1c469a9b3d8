"""Statement rules for activities (definitions, interaction components), results and attachments."""

from __future__ import annotations

from typing import Any

from lms.xapi import values as v
from lms.xapi.checks import extensions, fail, iri, json_object, langmap, string

_ACTIVITY_KEYS = frozenset({"objectType", "id", "definition"})
_DEFINITION_KEYS = frozenset({"name", "description", "type", "moreInfo", "extensions", "interactionType",
                              "correctResponsesPattern", "choices", "scale", "source", "target", "steps"})
# Which interaction component lists each interaction type may carry.
_COMPONENTS = {
    "true-false": (), "fill-in": (), "long-fill-in": (), "numeric": (), "other": (),
    "choice": ("choices",), "sequencing": ("choices",), "likert": ("scale",),
    "matching": ("source", "target"), "performance": ("steps",),
}
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_RESULT_KEYS = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
_SCORE_KEYS = frozenset({"scaled", "raw", "min", "max"})
_ATTACHMENT_KEYS = frozenset({"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"})


def activity(activity: dict, path: str) -> None:
    json_object(activity, path, _ACTIVITY_KEYS)
    if "id" not in activity:
        fail(f"{path}.id", "is required")
    iri(activity["id"], f"{path}.id")
    if "definition" in activity:
        _definition(activity["definition"], f"{path}.definition")


def _definition(definition: Any, path: str) -> None:
    json_object(definition, path, _DEFINITION_KEYS)
    for key in ("name", "description"):
        if key in definition:
            langmap(definition[key], f"{path}.{key}")
    for key in ("type", "moreInfo"):
        if key in definition:
            iri(definition[key], f"{path}.{key}")
    if "extensions" in definition:
        extensions(definition["extensions"], f"{path}.extensions")
    interaction = definition.get("interactionType")
    if interaction is None:
        for key in ("correctResponsesPattern", *_COMPONENT_LISTS):
            if key in definition:
                fail(f"{path}.interactionType", f"is required when {key} is used")
        return
    if type(interaction) is not str or interaction not in _COMPONENTS:
        fail(f"{path}.interactionType", "must be one of " + ", ".join(_COMPONENTS))
    if "correctResponsesPattern" in definition:
        pattern = definition["correctResponsesPattern"]
        if type(pattern) is not list or any(type(item) is not str for item in pattern):
            fail(f"{path}.correctResponsesPattern", "must be an array of strings")
    allowed = _COMPONENTS[interaction]
    for key in _COMPONENT_LISTS:
        if key in definition:
            if key not in allowed:
                fail(f"{path}.{key}", f"is not allowed for interactionType {interaction}")
            _components(definition[key], f"{path}.{key}")


def _components(components: Any, path: str) -> None:
    if type(components) is not list:
        fail(path, "must be an array of interaction components")
    seen = set()
    for index, component in enumerate(components):
        here = f"{path}[{index}]"
        json_object(component, here, frozenset({"id", "description"}))
        ident = component.get("id")
        if type(ident) is not str or not ident or any(ch.isspace() for ch in ident):
            fail(f"{here}.id", "must be a non-empty string without spaces")
        if ident in seen:
            fail(f"{here}.id", "must be unique within the list")
        seen.add(ident)
        if "description" in component:
            langmap(component["description"], f"{here}.description")


def result(result: Any, path: str) -> None:
    json_object(result, path, _RESULT_KEYS)
    if "score" in result:
        score = json_object(result["score"], f"{path}.score", _SCORE_KEYS)
        for key in ("scaled", "raw", "min", "max"):
            if key in score and not v.is_number(score[key]):
                fail(f"{path}.score.{key}", "must be a number")
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            fail(f"{path}.score.scaled", "must be between -1 and 1")
        low, high = score.get("min"), score.get("max")
        if low is not None and high is not None and low >= high:
            fail(f"{path}.score.min", "must be less than max")
        if "raw" in score:
            if low is not None and score["raw"] < low:
                fail(f"{path}.score.raw", "must not be less than min")
            if high is not None and score["raw"] > high:
                fail(f"{path}.score.raw", "must not be more than max")
    for key in ("success", "completion"):
        if key in result and type(result[key]) is not bool:
            fail(f"{path}.{key}", "must be true or false")
    if "response" in result:
        string(result["response"], f"{path}.response")
    if "duration" in result and not v.is_duration(result["duration"]):
        fail(f"{path}.duration", "must be an ISO 8601 duration")
    if "extensions" in result:
        extensions(result["extensions"], f"{path}.extensions")


def attachment(attachment: Any, path: str) -> None:
    json_object(attachment, path, _ATTACHMENT_KEYS)
    for key in ("usageType", "display", "contentType", "length", "sha2"):
        if key not in attachment:
            fail(f"{path}.{key}", "is required")
    iri(attachment["usageType"], f"{path}.usageType")
    langmap(attachment["display"], f"{path}.display")
    if "description" in attachment:
        langmap(attachment["description"], f"{path}.description")
    content_type = attachment["contentType"]
    if type(content_type) is not str or "/" not in content_type or " " in content_type.split(";")[0]:
        fail(f"{path}.contentType", "must be an Internet media type")
    if type(attachment["length"]) is not int or attachment["length"] < 0:
        fail(f"{path}.length", "must be a whole number of bytes")
    if not v.is_sha2(attachment["sha2"]):
        fail(f"{path}.sha2", "must be a SHA-2 hex digest")
    if "fileUrl" in attachment:
        iri(attachment["fileUrl"], f"{path}.fileUrl")
