"""Admin pages: home, organisations and regions, people and a person, invitations, staff import."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlmodel import select

from lms.auth.links import invitation_for_token, password_reset_for_token
from lms.auth.models import RoleAssignment, User
from lms.orgs.models import Organisation, Region


def text(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def test_an_org_admin_of_one_organisation_goes_straight_to_it(client, login_as, world):
    login_as(world.admin_a)
    response = client.get("/admin")
    assert response.status_code == 302 and response.location.endswith(f"/admin/organisations/{world.org_a.id}")


def test_an_admin_of_several_chooses_with_counts(client, login_as, world, session):
    session.add(RoleAssignment(user_id=world.admin_a.id, organisation_id=world.org_b.id, role="org_admin"))
    login_as(world.admin_a)
    page = text(client.get("/admin"))
    assert "Choose an organisation" in page and "Alpha Trust" in page and "Beta Care" in page
    assert "Organisations and integrated care systems" not in page  # platform admins only


def test_the_overview_shows_counts_and_links(client, login_as, world):
    login_as(world.admin_a)
    page = text(client.get(f"/admin/organisations/{world.org_a.id}"))
    assert "3 people" in page and "0 overdue assignments" in page and "0 assignments due soon" in page
    assert f'href="/admin/organisations/{world.org_a.id}/compliance?status=overdue"' in page
    assert "NHS trust" in page


def test_platform_admin_lists_and_adds_organisations_and_regions(client, login_as, world, session):
    login_as(world.platform)
    assert "Alpha Trust" in text(client.get("/admin/organisations"))
    response = client.post("/admin/regions/new", data={"code": "qx7", "name": "Quay ICS"})
    assert response.status_code == 302
    region = session.exec(select(Region).where(Region.code == "QX7")).one()
    assert "Quay ICS added" in text(client.get(response.location))
    response = client.post("/admin/organisations/new", data={"code": "NEW9", "name": "New Care Home",
                                                             "kind": "care-provider", "region_id": region.id})
    org = session.exec(select(Organisation).where(Organisation.code == "NEW9")).one()
    assert response.status_code == 302 and response.location.endswith(f"/admin/organisations/{org.id}")


@pytest.mark.parametrize("address", ["/admin", "/admin/organisations"])
def test_organisation_names_are_links_escaped_once(client, login_as, world, make_org, address):  # noqa: ANN001
    org = make_org(name="Smith & Jones <Care>")
    login_as(world.platform)
    page = text(client.get(address))
    assert f'<a class="nhsuk-link" href="/admin/organisations/{org.id}">Smith &amp; Jones &lt;Care&gt;</a>' in page
    assert "&lt;a " not in page and "&amp;amp;" not in page


def test_organisation_form_errors_are_summarised_and_shown_on_fields(client, login_as, world):
    login_as(world.platform)
    response = client.post("/admin/organisations/new", data={"code": "RA1", "name": "", "region_id": "0"})
    page = text(response)
    assert response.status_code == 400
    assert "<title>Error: Add an organisation" in page
    for message, anchor in [("Enter the organisation&#39;s name", "#name"),
                            ("Choose the kind of organisation", "#kind"),
                            ("Choose the integrated care system", "#region_id")]:
        assert f'<a href="{anchor}"' in page and message in page
    response = client.post("/admin/organisations/new", data={"code": "ra1", "name": "Copy", "kind": "other",
                                                             "region_id": world.org_a.region_id})
    assert response.status_code == 400 and "An organisation with the code RA1 already exists" in text(response)


@pytest.mark.parametrize("region", [str(2**31), str(2**63), "\u00b2", "-1"])
def test_a_region_no_one_can_have_is_no_choice(client, login_as, world, region):
    login_as(world.platform)
    response = client.post("/admin/organisations/new", data={"code": "NEW8", "name": "New Care Home",
                                                             "kind": "care-provider", "region_id": region})
    assert response.status_code == 400 and "Choose the integrated care system" in text(response)


@pytest.mark.parametrize("big", [2**31, 2**63])
@pytest.mark.parametrize("address", [
    "/admin/organisations/{big}", "/admin/organisations/{org}/people/{big}", "/admin/organisations/{big}/audit",
    "/people/{big}/profile", "/admin/organisations/\u0661", "/admin/organisations/0", "/admin/organisations/-1",
])
def test_an_id_no_record_can_have_is_not_found(client, login_as, world, address, big):
    """Ids past what the id columns hold (32 bits on PostgreSQL, 64 on SQLite) made the database or its driver
    raise (a 500); other digits matched ("\u0661" as 1)."""
    login_as(world.platform)
    response = client.get(address.format(big=big, org=world.org_a.id))
    assert response.status_code == 404 and "Page not found" in text(response)


def test_the_largest_id_a_record_can_have_is_looked_up(client, login_as, world):
    login_as(world.platform)
    response = client.get(f"/admin/organisations/{world.org_a.id}/people/{2**31 - 1}")
    assert response.status_code == 404 and "There is no such person" in text(response)


def test_organisation_admins_cannot_manage_organisations(client, login_as, world):
    login_as(world.admin_a)
    for url in ["/admin/organisations", "/admin/organisations/new", "/admin/regions/new", "/admin/audit"]:
        assert client.get(url).status_code == 403
    assert client.post("/admin/regions/new", data={"code": "X1", "name": "X"}).status_code == 403


def test_the_people_list_searches_and_pages(client, login_as, world, make_user):
    for n in range(55):
        make_user(email=f"staff{n:02}@example.org", name=f"Staff {n:02}", org=world.org_a)
    login_as(world.admin_a)
    page = text(client.get(f"/admin/organisations/{world.org_a.id}/people"))
    admin_link = f'href="/admin/organisations/{world.org_a.id}/people/{world.admin_a.id}"'
    assert "58 people" in page and admin_link in page and "Staff 46" in page and "Staff 47" not in page
    assert "Page 1 of 2" in page and f"/admin/organisations/{world.org_a.id}/people?page=2" in page
    second = text(client.get(f"/admin/organisations/{world.org_a.id}/people?page=2"))
    assert "Staff 54" in second and admin_link not in second
    found = text(client.get(f"/admin/organisations/{world.org_a.id}/people?q=lee.a"))
    assert "1 person matching" in found and "Lee Learner" in found and "Staff 01" not in found
    assert "Lou Learner" not in text(client.get(f"/admin/organisations/{world.org_a.id}/people?q=lou"))


def test_the_person_page_shows_roles_training_and_changes_roles(client, login_as, world, session):
    login_as(world.admin_a)
    url = f"/admin/organisations/{world.org_a.id}/people/{world.learner_a.id}"
    page = text(client.get(url))
    assert "lee.a@example.org" in page and "Learner" in page and "Give role" in page
    response = client.post(f"{url}/roles/grant", data={"role": "assessor"})
    assert response.status_code == 302
    assert "Role given: assessor" in text(client.get(url))
    assert session.exec(select(RoleAssignment).where(RoleAssignment.user_id == world.learner_a.id,
                                                     RoleAssignment.role == "assessor")).first()
    assert client.post(f"{url}/roles/revoke", data={"role": "assessor"}).status_code == 302
    response = client.post(f"{url}/roles/grant", data={"role": "platform_admin"})
    assert response.status_code == 400 and "Not a valid choice" in text(response)


def test_an_admin_cannot_remove_their_own_last_admin_role(client, login_as, world):
    login_as(world.admin_a)
    response = client.post(f"/admin/organisations/{world.org_a.id}/people/{world.admin_a.id}/roles/revoke",
                           data={"role": "org_admin"})
    assert response.status_code == 400 and "You cannot remove your own last administrator role" in text(response)


def test_a_password_reset_link_is_shown_once(client, login_as, world, session):
    login_as(world.admin_a)
    url = f"/admin/organisations/{world.org_a.id}/people/{world.learner_a.id}"
    page = text(client.post(f"{url}/password-reset"))
    token = re.search(r'value="http://lms\.test/reset-password/([^"]+)"', page).group(1)
    assert "does not send e-mail" in page
    assert password_reset_for_token(session, token).user_id == world.learner_a.id
    assert "/reset-password/" not in text(client.get(url))


def test_people_of_another_organisation_are_out_of_reach(client, login_as, world):
    login_as(world.admin_a)
    assert client.get(f"/admin/organisations/{world.org_b.id}/people").status_code == 403
    assert client.get(f"/admin/organisations/{world.org_a.id}/people/{world.learner_b.id}").status_code == 404
    assert client.post(f"/admin/organisations/{world.org_b.id}/people/{world.learner_b.id}/password-reset"
                       ).status_code == 403
    assert client.post(f"/admin/organisations/{world.org_a.id}/people/{world.learner_b.id}/roles/grant",
                       data={"role": "assessor"}).status_code == 404


def test_an_invitation_shows_its_join_link_once(client, login_as, world, session):
    login_as(world.admin_a)
    response = client.post(f"/admin/organisations/{world.org_a.id}/invite",
                           data={"email": " New.Person@Example.org ", "name": "New Person", "role": "facilitator"})
    page = text(response)
    assert response.status_code == 200 and "This service does not send e-mail" in page
    token = re.search(r'value="http://lms\.test/join/([^"]+)"', page).group(1)
    invitation = invitation_for_token(session, token)
    assert (invitation.email, invitation.role, invitation.organisation_id) == ("new.person@example.org", "facilitator",
                                                                               world.org_a.id)


@pytest.mark.parametrize(("data", "message"), [
    ({"email": "", "role": "learner"}, "Enter the person&#39;s e-mail address"),
    ({"email": "not an address", "role": "learner"}, "Enter an e-mail address in the correct format"),
    ({"email": "x@example.org", "role": "platform_admin"}, "Not a valid choice"),
    ({"email": "lee.a@example.org", "role": "learner"}, "lee.a@example.org already has an account"),
])
def test_invitation_errors_name_the_field(client, login_as, world, data, message):
    login_as(world.admin_a)
    response = client.post(f"/admin/organisations/{world.org_a.id}/invite", data=data)
    assert response.status_code == 400 and message in text(response) and "<title>Error: " in text(response)


def _upload(client, org_id: int, content: bytes, filename: str = "staff.csv"):  # noqa: ANN001, ANN202
    return client.post(f"/admin/organisations/{org_id}/import", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def test_a_good_staff_list_is_imported_and_its_join_links_download_as_csv(client, login_as, world, session):
    login_as(world.admin_a)
    response = _upload(client, world.org_a.id, "\ufeffemail,name,job_title,band,role\r\n"
                                               "ann@example.org,Ann Ash,Nurse,5,\r\n"
                                               "=bob@example.org,Bob Birch,,,\r\n".encode())
    page = text(response)
    assert response.status_code == 200 and "2 people imported" in page and "does not send e-mail" in page
    tokens = re.findall(r'<input type="hidden" name="token" value="([^"]+)">', page)
    assert len(tokens) == 2
    download = client.post(f"/admin/organisations/{world.org_a.id}/import/join-links.csv", data={"token": tokens})
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert 'filename="join-links-RA1.csv"' in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [["email", "name", "join_link"],
                    ["ann@example.org", "Ann Ash", f"http://lms.test/join/{tokens[0]}"],
                    ["'=bob@example.org", "Bob Birch", f"http://lms.test/join/{tokens[1]}"]]  # no formula injection
    assert session.exec(select(User).where(User.email == "ann@example.org")).one().organisation_id == world.org_a.id


def test_a_bad_staff_list_lists_every_problem_and_imports_nobody(client, login_as, world, table_counts):
    login_as(world.admin_a)
    before = table_counts()
    response = _upload(client, world.org_a.id, b"email,name,job_title,band,role\n"
                                               b"good@example.org,Good,,,\n"
                                               b"bad,,,,\n"
                                               b"lee.a@example.org,Lee,,99,\n")
    page = text(response)
    assert response.status_code == 400 and "<title>Error: Import staff" in page
    assert "The file has 4 problems: nothing was imported" in page and 'href="#problems"' in page
    cells = re.findall(r'aria-hidden="true">(?:Row|Column|Problem) </span>\s*([^<]+?)\s*</td>', page)
    assert cells == [
        "3", "email", "&#39;bad&#39; is not an e-mail address in the correct format, like name@example.org",
        "3", "name", "Enter the person&#39;s name",
        "4", "email", "lee.a@example.org is already registered",
        "4", "band", "Unknown band &#39;99&#39;: use one of 2, 3, 4, 5, 6, 7, 8a, 8b, 8c, 8d, 9, VSM",
    ]
    assert table_counts() == before


@pytest.mark.parametrize(("content", "message"), [
    (b"", "The file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "The file is not a CSV file"),
    ("email,name\njo@example.org,Jö\n".encode("cp1252"), "The file is not in UTF-8"),
    (b"name,team\nJo,Blue\n", "Unknown column &#39;team&#39;"),
])
def test_unusable_files_are_explained(client, login_as, world, table_counts, content, message):
    login_as(world.admin_a)
    before = table_counts()
    response = _upload(client, world.org_a.id, content)
    assert response.status_code == 400 and message in text(response)
    assert table_counts() == before


def test_an_upload_is_required_and_the_size_is_limited(client, login_as, world, app):
    login_as(world.admin_a)
    response = client.post(f"/admin/organisations/{world.org_a.id}/import", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "Select a CSV file to upload" in text(response)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = _upload(client, world.org_a.id, b"email,name\n" + b"a@example.org,A\n" * 200)
    assert response.status_code == 413


def test_join_links_are_not_given_for_another_organisations_invitations(client, login_as, world, session, as_principal):
    from lms.orgs.people import invite

    _, theirs = invite(session, as_principal(world.admin_b), world.org_b.id, email="b@example.org", name=None,
                       role="learner")
    login_as(world.admin_a)
    download = client.post(f"/admin/organisations/{world.org_a.id}/import/join-links.csv", data={"token": [theirs]})
    assert download.get_data(as_text=True).lstrip("\ufeff") == "email,name,join_link\r\n"
    assert client.post(f"/admin/organisations/{world.org_b.id}/import/join-links.csv",
                       data={"token": [theirs]}).status_code == 403
