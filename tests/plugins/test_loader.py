"""The content loader: every problem in broken bundles and modules reported at once, with file and field."""

from __future__ import annotations

import pytest

from lms.app import create_app
from lms.errors import ContentError
from lms.plugins.discovery import PluginSet, make_plugin_manager
from lms.plugins.loader import load_catalog
from tests.conftest import FIXTURES, fixture_plugins

BROKEN = FIXTURES / "broken"

# (file, relative to tests/plugin_fixtures/broken; field; part of the message)
EXPECTED = [
    ("bundles/bad-toml/bundle.toml", "", "not valid TOML"),
    ("bundles/unknown-field/bundle.toml", "colour", "unknown field"),
    ("bundles/unknown-module/bundle.toml", "modules[1]", "unknown module 'ghost'"),
    ("bundles/unclaimed/bundle.toml", "standards[1]", "claims B-TWO but none of its modules covers it"),
    ("modules/unknown-kind/module.toml", "activities[0].kind", "unknown activity kind 'video'"),
    ("modules/missing-source/module.toml", "activities[0].source", "no file 'nowhere.md' in the module folder"),
    ("modules/no-alt/lesson.md", "image pic.png", "needs alternative text"),
    ("modules/no-correct/quiz.toml", "questions[0]", "needs exactly one correct option, it has 0"),
    ("more_modules/dup/module.toml", "id", "module 'dup' is defined twice"),
]


def broken_plugins() -> PluginSet:
    return PluginSet.from_paths(BROKEN / "bundles", [BROKEN / "modules", BROKEN / "more_modules"])


@pytest.fixture(scope="module")
def problems():
    plugins = broken_plugins()
    with pytest.raises(ContentError) as caught:
        load_catalog(plugins, make_plugin_manager(plugins))
    return caught.value.problems


def test_every_problem_is_reported_at_once(problems):
    found = sorted((p.file.split("plugin_fixtures/broken/")[-1], p.field) for p in problems)
    assert found == sorted((file, field) for file, field, _ in EXPECTED)


@pytest.mark.parametrize(("file", "field", "message"), EXPECTED, ids=[e[0].split("/")[1] for e in EXPECTED])
def test_each_problem_names_its_file_and_field(problems, file, field, message):
    [problem] = [p for p in problems if p.file.endswith(file) and p.field == field]
    assert message in problem.message
    assert str(problem).startswith(f"{problem.file}: ")


def test_the_error_lists_them_all_in_one_message(problems):
    error = ContentError(problems)
    text = str(error)
    assert text.startswith(f"{len(EXPECTED)} problem(s) in the content:")
    for file, field, message in EXPECTED:
        assert file in text and message in text


def test_the_app_refuses_to_start_on_invalid_content(test_config):
    with pytest.raises(ContentError) as caught:
        create_app(test_config, plugins=broken_plugins())
    assert len(caught.value.problems) == len(EXPECTED)


def test_valid_fixtures_load_with_their_parsed_content():
    plugins = fixture_plugins("basic")
    content = load_catalog(plugins, make_plugin_manager(plugins))
    assert list(content.bundles) == ["starter", "electives"]  # induction before management
    alpha = content.module("alpha")
    lesson, quiz = (a.content for a in alpha.activities)
    assert [p.title for p in lesson.pages] == ["First page of alpha", "Second page of alpha"]
    assert "<strong>bold</strong>" in lesson.pages[1].html
    assert (quiz.pass_mark, quiz.questions_per_attempt, [q.id for q in quiz.questions]) == (50, 2, ["q1", "q2"])
    assert [m.id for m in content.local_modules_for("ANY")] == ["local-welcome"]


def test_lesson_images_point_at_the_content_route():
    plugins = PluginSet.from_paths(FIXTURES / "limited" / "bundles",
                                   [FIXTURES / "basic" / "modules", FIXTURES / "limited" / "modules"])
    content = load_catalog(plugins, make_plugin_manager(plugins))
    page = content.module("limited").activity("reading").content.pages[1]
    assert '<img src="/content/limited/images/diagram.svg" alt="Three coloured boxes in a row"' in page.html
