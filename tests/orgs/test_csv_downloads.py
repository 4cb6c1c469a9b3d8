"""Both CSV downloads of the admin pages (compliance, imported staff's join links) write hostile names as text."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import update

from lms.auth.models import User
from lms.db import utcnow
from lms.learning.models import Enrolment, EnrolmentStatus
from tests.test_csvfile import HOSTILE


def rows(response) -> list[dict[str, str]]:  # noqa: ANN001
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_compliance_csv_writes_hostile_names_as_text(client, login_as, world, make_user, session):
    for n, name in enumerate(HOSTILE):
        person = make_user(name=name, org=world.org_a)
        session.add(Enrolment(user_id=person.id, bundle_id="starter", bundle_version="1", registration=f"r-{n}",
                              due_at=utcnow() + timedelta(days=5), status=EnrolmentStatus.ACTIVE))
    login_as(world.admin_a)
    names = {r["name"] for r in rows(client.get(f"/admin/organisations/{world.org_a.id}/compliance.csv"))}
    assert names == {"'" + name for name in HOSTILE}


def test_the_join_links_csv_writes_hostile_names_as_text(client, login_as, world, session):
    login_as(world.admin_a)
    staff = "email,name\r\n" + "".join(f"p{n}@example.org,Person {n}\r\n" for n in range(len(HOSTILE)))
    page = client.post(f"/admin/organisations/{world.org_a.id}/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(staff.encode()), "staff.csv")}).get_data(as_text=True)
    tokens = re.findall(r'<input type="hidden" name="token" value="([^"]+)">', page)
    for n, name in enumerate(HOSTILE):  # however a name got there (the import itself trims leading spaces)
        session.execute(update(User).where(User.email == f"p{n}@example.org").values(name=name))
    download = client.post(f"/admin/organisations/{world.org_a.id}/import/join-links.csv", data={"token": tokens})
    assert {r["name"] for r in rows(download)} == {"'" + name for name in HOSTILE}
