"""The certificate moment: the page that ends a bundle says the certificate is issued, how to download and check
it (or that its PDF is still being made), and what it now makes the holder eligible for."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from certificates import codes
from certificates.models import Certificate
from lms import db
from tests.learning.conftest import main_html as main

RULES = {"band-x": {"title": "Band X", "requires": {"certificate": "certified"}},
         "role-y": {"title": "Role Y", "requires": {"standard": "S-TWO"}},
         "role-z": {"title": "Role Z", "requires": {"certificate": "lifetime"}}}


@pytest.fixture
def test_config(test_config):  # noqa: ANN001
    return {**test_config, "ADVANCEMENT_RULES": RULES}


def test_the_page_says_the_certificate_is_issued_with_its_download_link_and_what_it_opens(
        client, make_user, login_as, complete):
    user = make_user()
    certificate = complete(user)
    assert certificate.pdf_sha256  # made after the commit
    page = main(login_as(user).get("/learning/certified/completed"))
    code = codes.display(certificate.code)
    assert "You have completed Certified management bundle" in page and "Your certificate has been issued" in page
    assert f'href="/certificates/{code}.pdf">Download your certificate (PDF)</a>' in page
    assert f'<a href="/verify/{code}">{certificate.verify_url}</a>' in page
    opened = page[page.index("What you are now eligible for"):page.index("See everything you are eligible for")]
    assert re.findall(r"<li>\s*(.*?)\s*</li>", opened) == ["Band X", "Role Y"]  # not Role Z: another certificate


def test_while_the_pdf_is_being_made_the_page_says_so_and_offers_no_download(client, make_user, login_as, complete):
    user = make_user()
    certificate = complete(user)
    db.session().execute(update(Certificate).where(Certificate.id == certificate.id).values(pdf_sha256=None))
    db.commit()
    page = main(login_as(user).get("/learning/certified/completed"))
    assert "Your certificate has been issued" in page
    assert "is being prepared" in page and 'href="/learning/certified/completed">Refresh this page</a>' in page
    assert ".pdf" not in page


def test_a_bundle_with_no_certificate_ends_without_one(client, make_user, login_as, complete):
    user = make_user()
    complete(user, "plain")
    page = main(login_as(user).get("/learning/plain/completed"))
    assert "You have completed" in page and "certificate" not in page.lower().replace("eligible", "")


def test_before_completion_the_page_sends_the_learner_to_the_bundle(client, make_user, login_as, principal, session):
    from lms.learning import services as learning

    user = make_user()
    learning.enrol(session, principal(user), user.id, "certified")
    db.commit()
    signed_in = login_as(user)
    assert signed_in.get("/learning/certified/completed").headers["Location"] == "/learning/certified"
    assert signed_in.get("/learning/no-such-bundle/completed").status_code == 404
