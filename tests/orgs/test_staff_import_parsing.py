"""Staff list parsing: what a good file gives, and every kind of problem, all reported at once."""

from __future__ import annotations

import pytest

from lms.auth.models import Role
from lms.orgs.staff_import import StaffRow, normalise_band, normalise_role, parse_staff_csv

HEADER = "email,name,job_title,band,role\n"


def problems_of(text: str | bytes) -> list[tuple[int, str, str]]:
    data = text.encode() if isinstance(text, str) else text
    return [(p.row, p.field, p.message) for p in parse_staff_csv(data).problems]


def test_a_good_file_gives_every_person_normalised():
    data = (HEADER
            + "  Ann.Smith@NHS.example ,Ann   Smith,Ward manager,Band 8A,org admin\r\n"
            + "bob@example.org,Bob Jones,,vsm,\r\n"
            + "\r\n"  # blank lines are not people
            + "cat@example.org,Cat Lee,Porter,2,Learner\r\n").encode()
    parsed = parse_staff_csv(data)
    assert parsed.ok
    assert parsed.rows == [
        StaffRow(2, "ann.smith@nhs.example", "Ann Smith", "Ward manager", "8a", Role.ORG_ADMIN),
        StaffRow(3, "bob@example.org", "Bob Jones", None, "VSM", Role.LEARNER),
        StaffRow(5, "cat@example.org", "Cat Lee", "Porter", "2", Role.LEARNER),
    ]


def test_byte_order_mark_header_case_and_column_order_do_not_matter():
    data = "\ufeffName,EMAIL,Role\nDee Dee,dee@example.org,assessor\n".encode()
    parsed = parse_staff_csv(data)
    assert parsed.ok
    assert parsed.rows == [StaffRow(2, "dee@example.org", "Dee Dee", None, None, Role.ASSESSOR)]


def test_quoted_values_with_commas_and_line_breaks_keep_row_numbers_per_record():
    data = (HEADER + '"eve@example.org","Eve, the Second","Lead\nnurse",5,\n'
            + "bad-address,Fay,,,\n").encode()
    assert problems_of(data) == [(3, "email", "'bad-address' is not an e-mail address in the correct format, "
                                              "like name@example.org")]


@pytest.mark.parametrize("band", ["2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9", "VSM"])
def test_every_agenda_for_change_band_is_accepted(band):
    assert normalise_band(band) == band
    assert normalise_band(f"Band {band.upper()}") == band


@pytest.mark.parametrize("band", ["1", "10", "8e", "8", "band", "A"])
def test_other_bands_are_refused(band):
    assert normalise_band(band) is None


def test_roles_accept_values_labels_and_aliases_but_never_platform_admin():
    assert normalise_role("Org admin") == Role.ORG_ADMIN
    assert normalise_role("organisation-admin") == Role.ORG_ADMIN
    assert normalise_role("FACILITATOR") == Role.FACILITATOR
    assert normalise_role("platform_admin") is None
    assert normalise_role("boss") is None


def test_every_bad_row_and_field_is_reported_at_once():
    data = (HEADER
            + "ok@example.org,Olive Ok,,,\n"
            + "not-an-email,,,,\n"  # bad e-mail and missing name
            + ",Nobody,,,\n"  # missing e-mail
            + "role@example.org,Rory,,,chief\n"  # unknown role
            + "band@example.org,Bina,,11,\n"  # unknown band
            + "OK@example.org,Olive Again,,,\n"  # duplicate (case-insensitive) of row 2
            + "plat@example.org,Pat,,,platform_admin\n"  # a role staff lists cannot give
            + "wide@example.org,Will,,,,extra\n")  # more values than columns
    assert problems_of(data) == [
        (3, "email", "'not-an-email' is not an e-mail address in the correct format, like name@example.org"),
        (3, "name", "Enter the person's name"),
        (4, "email", "Enter an e-mail address"),
        (5, "role", "Unknown role 'chief': use one of learner, facilitator, assessor, accreditor, org_admin"),
        (6, "band", "Unknown band '11': use one of 2, 3, 4, 5, 6, 7, 8a, 8b, 8c, 8d, 9, VSM"),
        (7, "email", "ok@example.org is also on row 2"),
        (8, "role", "Unknown role 'platform_admin': use one of learner, facilitator, assessor, accreditor, org_admin"),
        (9, "", "The row has 6 values but the header has 5 columns"),
    ]
    parsed = parse_staff_csv(data.encode())
    assert [r.email for r in parsed.rows] == ["ok@example.org"]  # good rows are still read
    # Well-formed addresses on rows with other problems are kept, to check for registration too.
    assert parsed.emails == {"ok@example.org": 2, "role@example.org": 5, "band@example.org": 6,
                             "plat@example.org": 8}


def test_overlong_values_are_refused():
    data = HEADER + f"long@example.org,{'N' * 201},{'J' * 201},,\n" + f"{'a' * 250}@example.org,Al,,,\n"
    assert [(row, field) for row, field, _ in problems_of(data)] == [(2, "name"), (2, "job_title"), (3, "email")]


@pytest.mark.parametrize(("text", "expected"), [
    ("email,name,team\nx@example.org,X,Blue\n", [(1, "team", "Unknown column 'team': the columns are "
                                                              "email,name,job_title,band,role")]),
    ("email,job_title\nx@example.org,Nurse\n", [(1, "name", "The header has no 'name' column: the columns are "
                                                            "email,name,job_title,band,role")]),
    ("email,name,email\nx@example.org,X,y@example.org\n", [(1, "email", "Column 'email' appears more than once")]),
    ("x@example.org,Xavier,,,\ny@example.org,Yan,,,\n", [(1, "", "The first row must be the header "
                                                                 "email,name,job_title,band,role, not a person")]),
    ("email,,name\nx@example.org,,X\n", [(1, "", "The header has an empty column name")]),
])
def test_a_wrong_or_missing_header_is_reported(text, expected):
    assert problems_of(text) == expected


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty"),
    (b"\xef\xbb\xbf \r\n", "The file is empty"),
    (HEADER.encode(), "The file has a header but no people"),
    (HEADER.encode() + b"\n\n", "The file has a header but no people"),
    ("email,name\nzoë@example.org,Zoë\n".encode("latin-1"),
     "The file is not in UTF-8: save it from your spreadsheet as CSV UTF-8"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "The file is not a CSV file (it contains binary data): "
                                             "save it as CSV UTF-8"),
])
def test_files_that_are_not_usable_csv_are_reported(data, message):
    assert problems_of(data) == [(0, "", message)]


def test_broken_quoting_is_reported_on_its_row():
    data = b'email,name\nx@example.org,X\n"y@example.org"oops,Y\n'
    assert problems_of(data) == [(3, "", "This row is not valid CSV: check its quote marks (a quoted value must "
                                         "be followed by a comma or the end of the line)")]


def test_a_file_over_the_size_limit_is_refused_before_reading():
    data = (HEADER + "a@example.org,A,,,\n" * 100).encode()
    parsed = parse_staff_csv(data, max_bytes=1024)
    assert [str(p) for p in parsed.problems] == ["File: The file is larger than 1 KB: split it into smaller files"]
    assert parsed.rows == []


def test_at_most_500_people_are_imported_at_a_time():
    rows = "".join(f"p{n}@example.org,P {n}\n" for n in range(500))
    assert parse_staff_csv(f"email,name\n{rows}\n\n".encode()).ok
    assert problems_of(f"email,name\n{rows}extra@example.org,Extra\n") == [
        (0, "", "The file has 501 people: import at most 500 at a time (split it into several files)")]


def test_problems_read_well_on_their_own():
    problem = parse_staff_csv((HEADER + ",Nobody,,,\n").encode()).problems[0]
    assert str(problem) == "Row 2, email: Enter an e-mail address"
