"""A new joiner signs in and completes an induction module and its quiz in a real browser, every page audited."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lms import db
from lms.api import catalog
from lms.learning import services
from lms.plugins.discovery import PluginSet
from tests.browser.conftest import audit
from lms.testing import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def plugins():
    """The real shipped content, as a new joiner meets it."""
    return PluginSet.discover()


@pytest.fixture
def joiner(session, make_user):  # noqa: ANN001
    user = make_user(email="nia@example.org", name="Nia New")
    services.assign_new_joiner(session, user, None)
    db.commit()
    return user


def sign_in(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill("nia@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning")


def tab_to(page: Page, locator) -> None:  # noqa: ANN001
    """Press Tab until the element has the focus, as a keyboard user would (fails if it never does)."""
    for _ in range(60):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {locator}")


def answer_correctly(page: Page, quiz) -> None:  # noqa: ANN001
    """Read the question shown, find it in the app's catalogue, and choose its correct options."""
    legend = page.locator("legend").inner_text()
    [question] = [q for q in quiz.questions if q.prompt in " ".join(legend.split())]
    for option in question.options:
        if option.correct:
            page.get_by_label(option.text, exact=True).check()


def test_new_joiner_completes_an_induction_module(page: Page, joiner):
    induction = catalog().bundle("induction")
    module = catalog().module(induction.modules[0])
    lesson, quiz = (a.content for a in module.activities)

    sign_in(page)

    # The dashboard: the induction, assigned with a due date, nothing done yet.
    expect(page.get_by_text(re.compile(r"^Due \d{1,2} \w+ \d{4}"))).to_be_visible()
    expect(page.get_by_label(re.compile(r"0 of \d+ modules done"))).to_have_attribute("value", "0")
    audit(page)
    page.get_by_role("link", name=induction.title).click()

    # The bundle page: its modules as a task list.
    expect(page.get_by_role("heading", level=1)).to_have_text(induction.title)
    audit(page)
    page.get_by_role("link", name=module.title, exact=True).click()

    # The module page, then the lesson page by page.
    expect(page.get_by_role("heading", level=1)).to_have_text(module.title)
    audit(page)
    page.get_by_role("button", name=re.compile(r"^Start: ")).click()
    for number, lesson_page in enumerate(lesson.pages, start=1):
        expect(page.get_by_role("heading", level=1)).to_have_text(lesson_page.title)
        expect(page.get_by_text(f"page {number} of {len(lesson.pages)}")).to_be_visible()
        audit(page)
        page.get_by_role("button", name="Continue").click()

    # The knowledge check: one question a page, feedback after each, then the result.
    expect(page.get_by_role("heading", level=1)).to_have_text(module.activities[1].title)
    audit(page)
    page.get_by_role("button", name="Start the knowledge check").click()
    for number in range(1, quiz.questions_per_attempt + 1):
        expect(page.locator("legend")).to_contain_text(f"question {number} of {quiz.questions_per_attempt}")
        audit(page)
        answer_correctly(page, quiz)
        page.get_by_role("button", name="Submit answer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Correct")
        audit(page)
        last = number == quiz.questions_per_attempt
        page.get_by_role("button", name="See your result" if last else "Next question").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You passed")
    audit(page)
    page.get_by_role("button", name="Continue").click()

    # The module is completed, and the dashboard counts it.
    expect(page.get_by_role("heading", level=1)).to_have_text(module.title)
    expect(page.locator("main").get_by_text("Completed", exact=True).first).to_be_visible()
    audit(page)
    page.goto("/")
    expect(page.get_by_label(re.compile(rf"1 of {len(induction.modules)} modules done"))).to_be_visible()
    audit(page)


def test_lessons_and_questions_work_by_keyboard_alone(page: Page, joiner):
    induction = catalog().bundle("induction")
    module = catalog().module(induction.modules[0])
    lesson, quiz = (a.content for a in module.activities)
    sign_in(page)

    page.goto(f"/learning/induction/{module.id}/{module.activities[0].id}")
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.pages[1].title)
    tab_to(page, page.get_by_role("link", name=re.compile(r"^Previous")))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.pages[0].title)

    page.goto(f"/learning/induction/{module.id}/{module.activities[1].id}")
    tab_to(page, page.get_by_role("button", name="Start the knowledge check"))
    page.keyboard.press("Enter")
    legend = " ".join(page.locator("legend").inner_text().split())
    [question] = [q for q in quiz.questions if q.prompt in legend]
    # Sending no answer shows the error summary, whose link takes the keyboard to the answers.
    tab_to(page, page.get_by_role("button", name="Submit answer"))
    page.keyboard.press("Enter")
    expect(page).to_have_title(re.compile(r"^Error: "))
    audit(page)
    tab_to(page, page.locator(".nhsuk-error-summary a"))
    page.keyboard.press("Enter")
    first = page.locator("#answer")
    expect(first).to_be_focused()
    # Choose the correct options with the keyboard: Space ticks, arrows move between radios.
    for index, option in enumerate(question.options):
        target = page.get_by_label(option.text, exact=True)
        if question.type == "single":
            if option.correct:
                for _ in range(index):
                    page.keyboard.press("ArrowDown")
                break
        else:
            if index:
                page.keyboard.press("Tab")
            expect(target).to_be_focused()
            if option.correct:
                page.keyboard.press("Space")
    if question.type == "single" and question.options[0].correct:
        page.keyboard.press("Space")
    for option in question.options:
        expect(page.get_by_label(option.text, exact=True)).to_be_checked(checked=option.correct)
    tab_to(page, page.get_by_role("button", name="Submit answer"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct")


def test_lesson_pages_have_addresses_a_contents_list_and_a_working_back_button(page: Page, joiner):
    induction = catalog().bundle("induction")
    module = catalog().module(induction.modules[0])
    lesson = module.activities[0].content
    address = f"/learning/induction/{module.id}/{module.activities[0].id}"
    sign_in(page)
    page.goto(address)
    contents = page.get_by_role("navigation", name="Pages in this lesson")
    expect(contents.get_by_role("link")).to_have_count(0)  # nothing read yet, nothing to jump to
    for number in range(1, 3):
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(re.compile(rf"{address}/page/{number + 1}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.pages[2].title)
    audit(page)
    # Pages read are links in the contents; the page shown is marked; pages ahead are named, not linked.
    expect(contents.get_by_role("link")).to_have_text([lesson.pages[0].title, lesson.pages[1].title])
    expect(contents.locator("[aria-current=page]")).to_have_text(lesson.pages[2].title)
    contents.get_by_role("link", name=lesson.pages[0].title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.pages[0].title)
    page.go_back()  # the browser's Back button returns to the page before
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.pages[2].title)
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.pages[1].title)
    # A bookmarked page opens as it was; one not read yet is not there to skip to.
    page.goto(f"{address}/page/2")
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.pages[1].title)
    if len(lesson.pages) > 3:
        assert page.request.get(f"{address}/page/{len(lesson.pages)}").status == 404


def test_the_catalogue_is_searched_and_filtered_without_script(page: Page, joiner):
    sign_in(page)
    page.goto("/catalogue")
    expect(page.get_by_role("status")).to_have_text(f"{len(catalog().bundles)} bundles in the catalogue")
    audit(page)
    page.get_by_role("checkbox", name="Management training").check()
    page.get_by_role("checkbox", name="Senior managers").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/catalogue\?.*category=management.*audience=senior-managers"))
    expect(page.get_by_role("status")).to_have_text("1 bundle found")
    expect(page.locator("main h3")).to_have_text([catalog().bundle("senior-management").title])
    audit(page)
    page.get_by_label("Search the catalogue").fill("no such training anywhere")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("status")).to_have_text("0 bundles found")
    expect(page.get_by_role("heading", name="No training matches your search")).to_be_visible()
    audit(page)
    page.get_by_role("link", name="Clear filters").click()
    expect(page.get_by_role("status")).to_have_text(f"{len(catalog().bundles)} bundles in the catalogue")


def test_a_knowledge_check_result_goes_through_each_answer(page: Page, joiner):
    induction = catalog().bundle("induction")
    module = catalog().module(induction.modules[0])
    quiz = module.activities[1].content
    sign_in(page)
    page.goto(f"/learning/induction/{module.id}/{module.activities[1].id}")
    page.get_by_role("button", name="Start the knowledge check").click()
    for number in range(1, quiz.questions_per_attempt + 1):
        legend = " ".join(page.locator("legend").inner_text().split())
        [question] = [q for q in quiz.questions if q.prompt in legend]
        wrong = next(o for o in question.options if not o.correct)
        page.get_by_label(wrong.text, exact=True).check()
        page.get_by_role("button", name="Submit answer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Not quite")
        if question.explanation:
            expect(page.get_by_role("heading", name="Why")).to_be_visible()
        if number == 1:
            audit(page)
        last = number == quiz.questions_per_attempt
        page.get_by_role("button", name="See your result" if last else "Next question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You did not pass this time")
    expect(page.get_by_role("heading", name="Your answers")).to_be_visible()
    expect(page.locator(".lms-review > li")).to_have_count(quiz.questions_per_attempt)
    audit(page)
