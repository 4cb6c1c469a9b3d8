"""A reflection: a prompt from the module's reflection.toml, a written answer of at least a few words."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from lms.api import ActivityKind, DomainError, FormData, NotFound, Outcome, Run, Screen, Strict, Verb, one_value

# From the xAPI registry; past tense in en-GB, as statements display it.
REFLECTED = Verb("http://id.tincanapi.com/verb/reflected", "reflected on")
WORDS = "reflection-words"  # a platform extension: how long the reflection was
MAX_LENGTH = 5000


class ReflectionContent(Strict):
    """reflection.toml: what to reflect on, and the fewest words that count as a reflection."""

    prompt: str = Field(min_length=1)
    min_words: int = Field(default=20, ge=1, le=500)


class ReflectionKind(ActivityKind):
    name = "reflection"
    label = "Reflection"
    activity_type = "http://id.tincanapi.com/activitytype/reflection"
    template_folder = Path(__file__).parent / "templates"
    content_schema = ReflectionContent

    def show(self, run: Run, step: str) -> Screen:
        if step:
            raise NotFound("There is no such page in this reflection")
        return Screen("kinds/reflection/write.html", run.activity.title, {
            "content": run.content, "written": (run.progress.state or {}).get("text", ""),
        })

    def submit(self, run: Run, step: str, form: FormData) -> str | None:
        if step:
            raise NotFound("There is no such page in this reflection")
        text = one_value(form, "reflection")
        words = len(text.split())
        if len(text) > MAX_LENGTH:
            raise DomainError(f"Write at most {MAX_LENGTH} characters", field="reflection")
        if words < run.content.min_words:
            raise DomainError(f"Write at least {run.content.min_words} words (you wrote {words})", field="reflection")
        run.progress.state = {"text": text}  # kept for the learner to read again; never sent in a statement
        run.record(REFLECTED, result=Outcome(completion=True), extensions={WORDS: words})
        run.complete()
        return None
