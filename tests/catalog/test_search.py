"""Catalogue search and filters: a GET form, combinable filters, a count, a no-results message, odd values never 500."""

from __future__ import annotations

import re

import pytest

from lms.catalog.search import LENGTHS, MAX_QUERY, length_of
from lms.plugins.loader import PluginSet
from lms.plugins.manifest import AUDIENCE_GROUPS
from tests.conftest import FIXTURES
from tests.learning.conftest import main_html as main


@pytest.fixture
def plugins():
    return PluginSet.from_paths(FIXTURES / "basic" / "bundles",
                                [FIXTURES / "basic" / "modules", FIXTURES / "limited" / "modules"])


def listed(client, query: str) -> tuple[list[str], str]:
    response = client.get(f"/catalogue?{query}")
    assert response.status_code == 200
    page = main(response)
    return re.findall(r'class="nhsuk-card__link" href="/catalogue/([\w-]+)"', page), page


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["starter", "electives"]),
    ("q=choice", ["electives"]),  # the bundle's own words
    ("q=BETA+alpha", ["starter", "electives"]),  # every word, in modules' titles too, any case
    ("q=alpha+zebra", []),
    ("q=S-THREE", ["electives"]),  # a standard's code
    ("category=induction", ["starter"]),
    ("category=induction&category=management", ["starter", "electives"]),  # values of one filter: any of them
    ("audience=middle-managers", ["electives"]),
    ("audience=new-joiners&category=management", []),  # filters combine
    ("standard=S-THREE", ["electives"]),
    ("standard=S-ONE&audience=new-joiners", ["starter"]),
    ("length=short", ["starter", "electives"]),
    ("length=long", []),
    ("length=short&q=assigned", ["starter"]),
])
def test_filters_and_search_combine(client, query, expected):
    found, page = listed(client, query)
    assert found == expected
    count = f"{len(expected)} {'bundle' if len(expected) == 1 else 'bundles'} {'found' if query else 'in the catalogue'}"
    assert count in page
    assert ("No training matches your search" in page) == (not expected)


@pytest.mark.parametrize("query", [
    "category=nonsense", "audience=%00", "standard=NOPE", "length=9999", "category=", "q=", "q=%20%20",
    "audience=" + "x" * 5000, "standard=S-ONE&standard=%FF", "length[]=short", "q=%E2%80%AE",
])
def test_values_the_catalogue_does_not_know_are_ignored_or_refused_never_a_server_error(client, query):
    response = client.get(f"/catalogue?{query}")
    assert response.status_code in (200, 400)
    if response.status_code == 200 and "q=%E2" not in query:
        assert listed(client, query)[0] == ["starter", "electives"]


def test_a_search_too_long_is_refused_with_a_clear_400(client):
    response = client.get("/catalogue?q=" + "a" * (MAX_QUERY + 1))
    assert response.status_code == 400 and f"Search for {MAX_QUERY} characters or fewer" in main(response)


def test_the_form_is_a_get_form_that_keeps_what_was_chosen(client):
    page = main(client.get("/catalogue?q=alpha&category=management&audience=new-managers&standard=S-TWO&length=short"))
    form = page[page.index('<form method="get" action="/catalogue"'):page.index("</form>")]
    assert 'name="q" type="search" value="alpha"' in form
    assert re.search(r'name="category" type="checkbox" value="management" checked', form)
    assert not re.search(r'name="category" type="checkbox" value="induction" checked', form)
    assert re.search(r'name="audience" type="checkbox" value="new-managers" checked', form)
    assert re.search(r'name="length" type="checkbox" value="short" checked', form)
    assert '<option value="S-TWO" selected>' in form
    assert 'href="/catalogue">Clear filters</a>' in form
    # Only audiences some bundle is for are offered.
    assert 'value="senior-managers"' not in form and "csrf_token" not in form


def test_length_bands_cover_every_estimate_once():
    assert [length_of(m) for m in (0, 150, 151, 210, 211, 10_000)] == [
        "short", "short", "medium", "medium", "long", "long"]
    assert {value for value, _, _ in LENGTHS} == {"short", "medium", "long"}


def test_every_shipped_bundle_names_who_it_is_for_and_the_filters_reach_the_lengths_shipped():
    from lms.app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "s" * 40, "DATABASE_URL": "sqlite://"})
    with app.app_context():
        from lms.api import catalog
        from lms.catalog.views import facts

        content = catalog()
        assert all(b.audiences and set(b.audiences) <= set(AUDIENCE_GROUPS) for b in content.bundles.values())
        lengths = {length_of(facts(content, b).minutes) for b in content.bundles.values()}
        # With its four in-person days the mid-career programme is long: no shipped bundle is short today.
        assert lengths == {"medium", "long"}


def test_a_bundle_naming_an_audience_the_filter_does_not_know_is_refused_at_load(tmp_path):
    from lms.plugins.manifest import BundleSpec, parse_toml

    source = (FIXTURES / "basic" / "bundles" / "starter" / "bundle.toml").read_text()
    manifest = tmp_path / "bundle.toml"
    manifest.write_text(source.replace('audiences = ["new-joiners"]', 'audiences = ["aliens", "new-joiners"]'))
    spec, problems = parse_toml(manifest, BundleSpec)
    assert spec is None and [p.field for p in problems] == ["audiences[0]"]
