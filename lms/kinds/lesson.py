"""Lessons: Markdown split into pages at each level-two heading, rendered once and sanitised.

At run time a lesson shows one page at a time, each at its own address (step ``page/N``, so the
browser's Back button and bookmarks work), with a contents list and "Previous" and "Continue". Each
press saves the page the person is on, so they resume there. Pages are reached in order: the furthest
one reached is kept (``REACHED``); any page up to it can be shown again, a page beyond it is not shown
and a press on it is refused, and only "Continue" on the last page, once reached, completes the lesson,
so a lesson is complete only when all its pages were shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nh3
from markdown_it import MarkdownIt

from lms.errors import DomainError, NotFound, Problem, display_path
from lms.kinds.base import ActivityKind, FormData, Run, Screen, one_value
from lms.paging import whole_number
from lms.xapi.vocabulary import ACTIVITY_TYPES

# In the progress row's state: the furthest page (from 1) the person has been moved on to, and so shown.
REACHED = "reached"
CONTENT_URL_PREFIX = "/content"  # served by the catalogue blueprint, only from module folders
IMAGE_SUFFIXES = {".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp"}
ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote", "code", "pre",
    "img", "table", "thead", "tbody", "tr", "th", "td", "hr", "br",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"scope"}, "td": set()}

# Raw HTML is off: lesson authors write Markdown, and nothing they write can inject markup.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


@dataclass(frozen=True)
class LessonPage:
    title: str
    html: str


@dataclass(frozen=True)
class LessonContent:
    title: str
    pages: tuple[LessonPage, ...]


def _split_pages(tokens: list[Any]) -> list[tuple[str, list[Any]]]:
    """Group tokens into (heading text, tokens) at each h2; text before the first h2 is the intro."""
    pages: list[tuple[str, list[Any]]] = [("", [])]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open" and token.tag == "h2":
            pages.append((tokens[i + 1].content.strip(), []))
            i += 3  # heading_open, inline, heading_close
            continue
        pages[-1][1].append(token)
        i += 1
    return [p for p in pages if p[0] or any(t.type != "heading_open" for t in p[1])] if pages[0][1] else pages[1:]


def page_step(number: int) -> str:
    """The step (and so the address) of a lesson's page."""
    return f"page/{number}"


class LessonKind(ActivityKind):
    name = "lesson"
    label = "Lesson"
    activity_type = ACTIVITY_TYPES["lesson"]
    template_folder = Path(__file__).parent / "templates" / "lesson"

    def load(self, source: Path | None, module_dir: Path) -> tuple[LessonContent | None, list[Problem]]:
        assert source is not None
        where = display_path(source)
        problems: list[Problem] = []
        tokens = _markdown.parse(source.read_text(encoding="utf-8"))
        title = ""
        if tokens and tokens[0].type == "heading_open" and tokens[0].tag == "h1":
            title = tokens[1].content.strip()
            tokens = tokens[3:]
        for token in tokens:
            for child in token.children or ():
                if child.type == "image":
                    self._check_image(child, source, module_dir, where, problems)
        raw_pages = _split_pages(tokens)
        if not raw_pages:
            problems.append(Problem(where, "", "a lesson needs at least one page (a '## ' heading and text)"))
        pages = []
        for number, (heading, page_tokens) in enumerate(raw_pages, start=1):
            if not any(t.type == "inline" and t.content.strip() for t in page_tokens):
                problems.append(Problem(where, f"page {number}", f"page {heading!r} has no text"))
            html = _markdown.renderer.render(page_tokens, _markdown.options, {})
            html = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"https", "mailto"})
            pages.append(LessonPage(heading or title or "Introduction", html))
        return LessonContent(title, tuple(pages)), problems

    @staticmethod
    def _check_image(token: Any, source: Path, module_dir: Path, where: str, problems: list[Problem]) -> None:
        src = token.attrs.get("src", "")
        alt = "".join(c.content for c in token.children or ())
        if not alt.strip():
            problems.append(Problem(where, f"image {src}", "needs alternative text: ![what it shows](path)"))
        target = (source.parent / src).resolve()
        if "://" in src or not target.is_relative_to(module_dir.resolve()) or not target.is_file():
            problems.append(Problem(where, f"image {src}", "must be a file inside the module folder"))
            return
        if target.suffix.lower() not in IMAGE_SUFFIXES:
            problems.append(Problem(where, f"image {src}", f"not an image type ({', '.join(sorted(IMAGE_SUFFIXES))})"))
            return
        relative = target.relative_to(module_dir.resolve()).as_posix()
        token.attrs["src"] = f"{CONTENT_URL_PREFIX}/{module_dir.name}/{relative}"

    # Run time ------------------------------------------------------------------------------

    def show(self, run: Run, step: str) -> Screen:
        pages = run.content.pages
        reached = min(self.reached(run), len(pages))
        number = self._page_of(step, len(pages))
        if number is None:
            number = min(max(run.progress.position, 0), len(pages) - 1) + 1
        elif number > reached:
            raise NotFound(f"You have not reached this page yet: you have read up to page {reached} of {len(pages)}")
        return Screen("kinds/lesson/page.html", pages[number - 1].title, {
            "lesson_page": pages[number - 1], "number": number, "count": len(pages), "reached": reached,
            "lesson_title": run.content.title, "contents": [page.title for page in pages],
        })

    @staticmethod
    def _page_of(step: str, count: int) -> int | None:
        """The page a step names (``page/N``), None for "" (where the person is); anything else is not found."""
        if not step:
            return None
        number = whole_number(step.removeprefix("page/"), 1, count) if step.startswith("page/") else None
        if number is None:
            raise NotFound("There is no such page in this lesson")
        return number

    def submit(self, run: Run, step: str, form: FormData) -> str | None:
        count = len(run.content.pages)
        from_step = self._page_of(step, count)
        action, page = one_value(form, "action"), one_value(form, "page")
        if action not in ("next", "previous"):
            raise DomainError("Choose Continue or Previous", field="action")
        # The page the form was shown on, not the saved position: a repeated click moves one page.
        number = whole_number(page, 1, count) if page or from_step is None else from_step
        if number is None:
            raise DomainError(f"The page must be a number from 1 to {count}", field="page")
        reached = self.reached(run)
        if number > reached:
            raise DomainError(f"Read the lesson's pages in order: you have reached page {reached} of {count}",
                              field="page")
        if action == "next":
            run.emit("experienced", page=number)
        if action == "previous":
            run.progress.position = max(number - 2, 0)
            return page_step(max(number - 1, 1))
        if number < count:
            run.progress.position = number
            run.progress.state = {**(run.progress.state or {}), REACHED: max(reached, number + 1)}
            return page_step(number + 1)
        run.progress.position = count - 1
        run.complete()
        return None

    @staticmethod
    def reached(run: Run) -> int:
        """The furthest page (from 1) the person has been shown. A place saved before this was kept was reached too."""
        return max((run.progress.state or {}).get(REACHED, 0), run.progress.position + 1)

    def fraction(self, run: Run) -> float:
        if self.is_complete(run):
            return 1.0
        return min(max(run.progress.position, 0), len(run.content.pages)) / len(run.content.pages)
