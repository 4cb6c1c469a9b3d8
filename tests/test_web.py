"""The web foundation: security headers, error pages (HTML and JSON), navigation, CSRF, assets."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import abort, flash, request
from flask_login import login_required
from jinja2 import ChoiceLoader, DictLoader

from lms import db
from lms.app import create_app
from lms.assets import AssetsMissing, copy_assets
from lms.auth.models import Role
from lms.errors import DomainError, Forbidden
from lms.web import NavItem, register_navigation
from tests.auth.csrf import routes_accepting_missing_csrf
from tests.conftest import PRODUCTION_SETTINGS, fixture_plugins
from lms.testing import PASSWORD

SERVICE = "Leadership and management training"


def title(response) -> str:  # noqa: ANN001
    return re.search(r"<title>(.*?)</title>", response.get_data(as_text=True)).group(1)


# --- headers -----------------------------------------------------------------------------------


def test_pages_carry_security_headers_and_the_csp_nonce_matches_the_scripts(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    scripts = re.findall(r"<script[^>]*>", response.get_data(as_text=True))
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers
    assert client.get("/sign-in").headers["Content-Security-Policy"] != csp  # a new nonce each time


def test_production_adds_hsts_and_secure_cookies(test_config):
    app = create_app({**test_config, **PRODUCTION_SETTINGS}, plugins=fixture_plugins())
    response = app.test_client().get("/start")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["lms.engine"].dispose()


@pytest.mark.parametrize(("proxies", "seen"), [(0, "10.0.0.1"), (1, "203.0.113.9")])
def test_client_address_comes_from_trusted_proxies_only(test_config, proxies, seen):
    app = create_app({**test_config, "TRUSTED_PROXIES": proxies}, plugins=fixture_plugins())
    app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr)
    response = app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"},
                                     environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.get_data(as_text=True) == seen
    app.extensions["lms.engine"].dispose()


def test_session_lifetime_comes_from_the_configuration(app):
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=app.config["SESSION_LIFETIME_MINUTES"])


def test_assets_are_served_from_the_copied_folder_and_cached(client, tmp_path, monkeypatch):
    monkeypatch.setattr("lms.web.ASSETS", tmp_path)
    (tmp_path / "nhsuk-frontend.min.css").write_text("body{}")
    response = client.get("/assets/nhsuk-frontend.min.css")
    assert response.status_code == 200 and response.get_data(as_text=True) == "body{}"
    assert "max-age=86400" in response.headers["Cache-Control"]
    response.close()


# --- error pages -------------------------------------------------------------------------------


@pytest.fixture
def failing_routes(app):  # noqa: ANN001
    app.add_url_rule("/boom/forbidden", "forbidden", lambda: abort(403))
    app.add_url_rule("/boom/domain", "domain", lambda: (_ for _ in ()).throw(Forbidden("Not yours to see")))
    app.add_url_rule("/boom/crash", "crash", lambda: 1 / 0)
    app.add_url_rule("/api/boom/field", "api_field",
                     lambda: (_ for _ in ()).throw(DomainError("Enter a date", field="due")), methods=["POST"])
    app.add_url_rule("/api/boom/private", "api_private", login_required(lambda: "secret"))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize(
    ("method", "path", "status", "heading"),
    [
        ("get", "/no-such-page", 404, "Page not found"),
        ("get", "/boom/forbidden", 403, "You do not have access to this page"),
        ("get", "/boom/domain", 403, "You do not have access to this page"),
        ("get", "/sign-out", 405, "That action is not allowed here"),
        ("get", "/boom/crash", 500, "Sorry, there is a problem with the service"),
    ],
)
def test_errors_are_pages_in_the_layout(client, failing_routes, method, path, status, heading):
    response = getattr(client, method)(path)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert title(response) == f"{heading} - {SERVICE}"
    assert f"<h1>{heading}</h1>" in page and 'class="nhsuk-header' in page and 'class="nhsuk-footer' in page
    assert "Traceback" not in page and "ZeroDivisionError" not in page


def test_domain_error_message_is_shown(client, failing_routes):
    assert "Not yours to see" in client.get("/boom/domain").get_data(as_text=True)


def test_405_keeps_the_allow_header(client):
    assert "POST" in client.get("/sign-out").headers["Allow"]


def test_too_large_uploads_get_a_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 100
    response = client.post("/sign-in", data={"email": "x" * 500, "password": "y"})
    assert response.status_code == 413 and title(response) == f"The file is too large - {SERVICE}"


def test_missing_csrf_token_gets_a_400_page_explaining_what_to_do(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/sign-in", data={"email": "jo@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "reload the page and try again" in response.get_data(as_text=True)


@pytest.mark.parametrize("prefix", ["/api/", "/xapi/"])
def test_api_paths_get_json_errors(client, prefix):
    response = client.get(f"{prefix}no-such-thing")
    assert response.status_code == 404 and response.is_json and "error" in response.get_json()


def test_json_errors_name_the_field_and_need_no_redirect_to_sign_in(client, failing_routes):
    response = client.post("/api/boom/field")
    assert (response.status_code, response.get_json()) == (400, {"error": "Enter a date", "field": "due"})
    response = client.get("/api/boom/private")
    assert response.status_code == 401 and response.get_json() == {"error": "Sign in to continue"}
    crash = client.get("/boom/crash", headers={"Accept": "application/json"})
    assert crash.status_code == 500 and crash.is_json


# --- layout ------------------------------------------------------------------------------------


def nav_texts(page: str) -> list[str]:
    menu = re.search(r'<nav class="nhsuk-header__navigation".*?</nav>', page, re.S)
    return re.findall(r'nhsuk-header__navigation-link" href="[^"]+"[^>]*>\s*(?:<strong[^>]*>)?([^<]+)', menu.group(0)) \
        if menu else []


def test_navigation_follows_the_persons_roles(client, make_org, make_user, login_as):
    org = make_org()
    learner_page = login_as(make_user(org=org)).get("/account").get_data(as_text=True)
    assert nav_texts(learner_page) == ["My learning", "Catalogue", "Eligibility", "Cohorts"]
    admin = make_user(org=org, roles=[Role.ORG_ADMIN])
    assert nav_texts(login_as(admin).get("/account").get_data(as_text=True)) == [
        "My learning", "Catalogue", "Eligibility", "Cohorts", "Organisation admin"]
    facilitator = make_user(org=org, roles=[Role.FACILITATOR])
    assert nav_texts(login_as(facilitator).get("/account").get_data(as_text=True)) == [
        "My learning", "Catalogue", "Eligibility", "Cohorts", "Facilitate"]


def test_navigation_leaves_out_endpoints_that_do_not_exist_and_marks_the_current_page(app, client, make_user,
                                                                                       login_as):
    register_navigation(app, NavItem("Not built yet", "nowhere.index"))
    register_navigation(app, NavItem("Your account", "auth.account"))
    page = login_as(make_user()).get("/account").get_data(as_text=True)
    assert "Not built yet" not in page
    assert re.search(r'href="/account" aria-current="page">\s*<strong', page)


def marked_items(page: str) -> list[tuple[str, str]]:
    """The header links marked current, with their aria-current value."""
    menu = re.search(r'<nav class="nhsuk-header__navigation".*?</nav>', page, re.S).group(0)
    return [(text.strip(), value) for value, text in re.findall(
        r'aria-current="(\w+)">\s*<strong[^>]*>([^<]+)', menu)]


@pytest.mark.parametrize("address, marked", [
    ("/admin", [("Organisation admin", "page")]),
    ("/admin/audit", [("Organisation admin", "true")]),
    ("/admin/organisations", [("Organisations", "page")]),
    ("/admin/organisations/{org}", [("Organisations", "true")]),  # not "Organisation admin" as well
    ("/account", [("Organisations", "true")]),  # listed in the item's section
    ("/accessibility", []),  # in the catalogue's blueprint, but not under its address
    ("/catalogue", [("Catalogue", "page")]),
])
def test_a_page_marks_at_most_one_header_item(app, login_as, make_org, make_user, address, marked):  # noqa: ANN001
    register_navigation(app, NavItem("Organisations", "orgs.organisations", (Role.PLATFORM_ADMIN,),
                                     section=("auth.account",)))
    org = make_org()
    client = login_as(make_user(org=org, roles=[Role.PLATFORM_ADMIN]))
    page = client.get(address.format(org=org.id)).get_data(as_text=True)
    assert marked_items(page) == marked


def test_menu_footer_and_asset_links_follow_the_mount_point(client, make_user, login_as):
    login_as(make_user())
    mounted = client.get("/account", base_url="http://lms.test/training").get_data(as_text=True)
    assert 'href="/training/catalogue"' in mounted and 'href="/training/accessibility"' in mounted
    assert 'href="/training/assets/images/favicon.ico"' in mounted and 'href="/training/static/lms.css"' in mounted
    assert 'from "/training/assets/nhsuk-frontend.min.js"' in mounted
    # Links are kept per mount point: the same app at the root still links to the root.
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/catalogue"' in page and "/training/" not in page


def test_templates_share_the_environment_globals_unless_given_their_own(app):
    env = app.jinja_env
    shared = env.from_string("{{ service }}")
    assert shared.globals is env.globals
    own = env.from_string("{{ service }}", globals={"service": "Own"})
    assert own.render() == "Own" and "service" not in env.globals  # a template's own globals stay its own
    env.globals["service"] = "Shared"
    try:
        assert shared.render() == "Shared" and own.render() == "Own"
    finally:
        del env.globals["service"]


def test_signed_out_visitors_see_no_menu_and_a_sign_in_link(client):
    page = client.get("/start").get_data(as_text=True)
    assert nav_texts(page) == [] and 'class="nhsuk-header__account-link" href="/sign-in"' in page


def test_header_has_the_account_link_and_a_sign_out_form_with_a_token(app, client, make_user, login_as):
    app.config["WTF_CSRF_ENABLED"] = True
    page = login_as(make_user(name="Sam <b>Bold</b>")).get("/account").get_data(as_text=True)
    assert "Sam &lt;b&gt;Bold&lt;/b&gt;" in page and "<b>Bold</b>" not in page  # names are escaped
    form = re.search(r'<form method="post" action="/sign-out".*?</form>', page, re.S).group(0)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert client.post("/sign-out", data={"csrf_token": token}).headers["Location"] == "/start"


def test_flash_messages_are_notification_banners_with_distinct_ids(app, client):
    @app.get("/two-messages")
    def two_messages():
        flash("Saved", "success")
        flash("Check the dates", "info")
        from flask import render_template

        return render_template("error.html", title="T", message="")

    page = client.get("/two-messages").get_data(as_text=True)
    assert 'nhsuk-notification-banner--success" data-module="nhsuk-notification-banner" role="alert" ' \
           'aria-labelledby="flash-1"' in re.sub(r"\s+", " ", page)
    assert 'id="flash-1"' in page and 'id="flash-2"' in page and "Check the dates" in page


def _markup(page: str) -> str:
    """A page with whitespace between tags and attributes collapsed, and its per-request values blanked."""
    page = re.sub(r'(nonce|name="csrf_token" value)="[^"]*"', r'\1=""', page)
    page = re.sub(r"\s+", " ", page)
    return re.sub(r"\s*>\s*", ">", re.sub(r"\s*<", "<", page)).strip()


def test_the_layout_is_the_nhsuk_page_template(app, client, make_user, login_as):
    @app.get("/flashed")
    def flashed():
        flash("Saved", "success")
        flash("Check the dates", "info")
        from flask import render_template

        return render_template("error.html", title="T", message="")

    person = make_user(name="Sam <b>Bold</b>")

    def pages() -> list[str]:
        signed_out = [client.get("/start"), client.post("/sign-in", data={}), client.get("/catalogue/starter")]
        login_as(person)
        signed_in = [client.get("/"), client.get("/account"), client.get("/flashed"), client.get("/catalogue/starter")]
        client.post("/sign-out")
        client.get("/start")  # shows "You have signed out"
        return [_markup(response.get_data(as_text=True)) for response in signed_out + signed_in]

    ours = pages()
    with open(Path(__file__).parent / "reference" / "nhsuk_layout.html", encoding="utf-8") as reference:
        app.jinja_env.loader = ChoiceLoader([DictLoader({"layout.html": reference.read()}), app.jinja_env.loader])
    app.jinja_env.cache.clear()
    theirs = pages()
    assert "nhsuk-error-summary" in ours[1] and "nhsuk-back-link" in ours[2] and "Sam &lt;b&gt;Bold" in ours[4]
    assert "nhsuk-notification-banner" in ours[5] and 'href="/assets/images/favicon.ico"' in ours[0]
    assert ours == theirs


def test_skip_link_and_main_landmark(client):
    page = client.get("/start").get_data(as_text=True)
    assert 'href="#maincontent"' in page and 'id="maincontent"' in page


# --- CSRF everywhere ---------------------------------------------------------------------------


def test_every_post_route_refuses_a_missing_csrf_token(app):
    assert routes_accepting_missing_csrf(app) == {}


def test_forms_work_with_csrf_on_when_the_token_is_sent(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user(email="jo@example.org")
    db.commit()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/sign-in", data={"csrf_token": token, "email": "jo@example.org", "password": PASSWORD})
    assert response.status_code == 302


# --- assets ------------------------------------------------------------------------------------


def test_copy_assets_takes_bundles_images_and_manifest_without_source_maps_or_remote_fonts(tmp_path):
    source = tmp_path / "dist"
    (source / "assets" / "images").mkdir(parents=True)
    (source / "nhsuk-frontend.min.css").write_bytes(
        b'@font-face{font-family:F;src:url(https://assets.nhs.uk/f.woff2) format("woff2")}'
        b"@font-face{font-family:L;src:url(/assets/l.woff2)}a{}\n/*# sourceMappingURL=nhsuk-frontend.min.css.map */\n")
    (source / "nhsuk-frontend.min.js").write_bytes(b"export{x};//# sourceMappingURL=nhsuk-frontend.min.js.map")
    (source / "nhsuk-frontend.min.js.map").write_text("{}")
    (source / "assets" / "images" / "favicon.svg").write_text("<svg/>")
    (source / "assets" / "manifest.json").write_text("{}")
    target = tmp_path / "static" / "nhsuk"
    target.mkdir(parents=True)
    (target / "stale.css").write_text("old")
    written = copy_assets(source, target)
    assert sorted(p.relative_to(target).as_posix() for p in written) == [
        "images/favicon.svg", "manifest.json", "nhsuk-frontend.min.css", "nhsuk-frontend.min.js"]
    # No source maps, and no fonts fetched from another host (the CSP would block them anyway).
    assert (target / "nhsuk-frontend.min.css").read_text() == "@font-face{font-family:L;src:url(/assets/l.woff2)}a{}\n"
    assert (target / "nhsuk-frontend.min.js").read_text() == "export{x};\n"


def test_copy_assets_says_what_is_missing(tmp_path):
    with pytest.raises(AssetsMissing, match="does not hold"):
        copy_assets(tmp_path, tmp_path / "out")


@pytest.mark.speedups_on("flask")  # the device under test
def test_addresses_are_built_once_per_mount_point_and_are_what_flask_builds(app, monkeypatch):
    """The app remembers a plain in-request address; never across mount points, schemes or hosts."""
    from flask import Flask, url_for
    from werkzeug.routing import MapAdapter

    builds = []
    real_build = MapAdapter.build
    monkeypatch.setattr(MapAdapter, "build", lambda self, *a, **k: builds.append(a[0]) or real_build(self, *a, **k))

    def flask_builds(endpoint: str, **values) -> str:  # noqa: ANN003
        return Flask.url_for(app, endpoint, **values)

    for base, script in (("http://localhost/", ""), ("http://localhost/lms/", "/lms"), ("https://other.example/", "")):
        with app.test_request_context("/learning/induction", base_url=base):
            first = url_for("learning.module", bundle_id="induction", module_id="m1")
            assert first == flask_builds("learning.module", bundle_id="induction", module_id="m1")
            assert first.startswith(f"{script}/learning/induction/")
            built = len(builds)
            assert url_for("learning.module", bundle_id="induction", module_id="m1") == first
            assert len(builds) == built  # the second time, not built again
            assert url_for(".bundle", bundle_id="induction") == flask_builds("learning.bundle", bundle_id="induction")
            # Not remembered: external, anchored, and query lists (which cannot be a key).
            assert url_for("learning.dashboard", _external=True) == flask_builds("learning.dashboard", _external=True)
            assert url_for("learning.dashboard", _anchor="top").endswith("/#top")
            assert url_for("catalog.index", tag=["a", "b"]).endswith("?tag=a&tag=b")
            assert url_for("catalog.index", page=1).endswith("?page=1")
            assert url_for("catalog.index", page=True).endswith("?page=True")  # equal to 1 as a key, not as an address


def test_addresses_are_not_remembered_while_url_defaults_may_change_them(app):
    from flask import g, url_for

    @app.url_defaults
    def _language(endpoint: str, values: dict) -> None:
        if "lang" in g:
            values.setdefault("lang", g.lang)

    with app.test_request_context("/"):
        assert url_for("catalog.index") == "/catalogue"
        g.lang = "cy"
        assert url_for("catalog.index") == "/catalogue?lang=cy"


@pytest.mark.parametrize("month", range(1, 13))
def test_dates_read_day_month_name_year_in_english(month):
    from datetime import date, datetime, timezone

    from lms.web import format_date

    first = date(2027, month, 1)
    assert format_date(first) == f"1 {first:%B} 2027"  # strftime's names in the C locale tests run in
    late = datetime(2026, month, 28, 23, 59, tzinfo=timezone.utc)
    assert format_date(late) == f"28 {late:%B} 2026"
    assert format_date(None) == ""


@pytest.mark.speedups_on("flask")  # the device under test
def test_context_processors_run_once_each_and_their_values_stand_as_in_flask(test_config):
    from flask import Blueprint, render_template_string

    app = create_app(test_config)
    probe = Blueprint("probe", __name__)
    runs = []

    def everywhere() -> dict:  # on the app and on the blueprint: Flask would run it twice per page
        runs.append("everywhere")
        return {"who": "everywhere"}

    app.context_processor(everywhere)
    app.context_processor(lambda: {"shared": "app"})
    probe.context_processor(lambda: {"shared": "blueprint"})
    probe.context_processor(everywhere)
    probe.add_url_rule("/context", "context", lambda: render_template_string(
        "{{ who }} {{ shared }} {{ given }} {{ request.path }} {{ g is defined }}", given="page"))
    probe.add_url_rule("/given", "given", lambda: render_template_string("{{ shared }}", shared="page"))
    app.register_blueprint(probe, url_prefix="/probe")
    client = app.test_client()
    for _ in range(2):
        runs.clear()
        assert client.get("/probe/context").get_data(as_text=True) == "everywhere blueprint page /probe/context True"
        assert runs == ["everywhere"]
    assert client.get("/probe/given").get_data(as_text=True) == "page"  # what the page gives comes first
    with app.test_request_context("/"):  # outside any blueprint: the app's processors only
        assert render_template_string("{{ shared }} {{ who }}") == "app everywhere"


def test_every_template_loaded_is_kept_and_shares_the_environment_s_globals(app):
    from lms.web import NHS_MACROS

    env = app.jinja_env
    with app.test_request_context("/"):
        first = env.get_template("layout.html")
        names = [env.get_template(f"nhsuk/components/{folder}/macro.jinja").name for folder, _ in NHS_MACROS.values()]
        assert env.get_template("layout.html") is first
    assert type(env.cache) is dict  # not Jinja's LRU cache, which reorders itself on every look-up
    assert all(any(key[1] == name for key in env.cache) for name in names)
    assert first.globals is env.globals  # no ChainMap per template


# --- templates -----------------------------------------------------------------------------------


HTML_FROM_STRINGS = re.compile(r"""["']html["']\s*:\s*(?:["']|[^,}\n]*~)""")


def test_no_template_builds_a_macros_html_from_strings():
    """HTML for the NHS.UK macros' "html" parameters is written in {% set %} blocks, which escape what they
    put in, never built from strings: in autoescaped templates such a string is escaped as a whole and its
    markup printed as text (or, marked safe, its user data would not be escaped at all)."""
    root = Path(__file__).resolve().parents[1]
    found = [f"{path.relative_to(root)}:{number}: {line.strip()}"
             for folder in ("lms/templates", "lms/kinds/templates", "certificates/pages", "tests/examples")
             for path in sorted((root / folder).rglob("*.html"))
             for number, line in enumerate(path.read_text().splitlines(), 1) if HTML_FROM_STRINGS.search(line)]
    assert found == []
