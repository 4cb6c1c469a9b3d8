"""Staff lists from CSV: pure parsing and validation, then an all-or-nothing import of new joiners."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlmodel import Session, select

from lms.audit.services import record
from lms.auth.links import INVITABLE_ROLES, create_invitation
from lms.auth.models import Role, User
from lms.auth.passwords import check_email, normalise_email
from lms.auth.principal import Principal
from lms.auth.services import MAX_NAME_LENGTH, create_user
from lms.errors import DomainError
from lms.orgs.services import require_admin_of

COLUMNS = ("email", "name", "job_title", "band", "role")
REQUIRED_COLUMNS = ("email", "name")
# Agenda for Change pay bands, as written on NHS contracts.
BANDS = ("2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9", "VSM")
IMPORT_ROLES = INVITABLE_ROLES  # the roles an invitation may carry; never platform admin
ROLE_ALIASES = {"organisation_admin": Role.ORG_ADMIN, "organization_admin": Role.ORG_ADMIN, "admin": Role.ORG_ADMIN}
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
# Each person costs a dozen statements (account, roles, induction, invitation, audit): this keeps
# one import well inside a request's time limit. Bigger lists are imported in several files.
MAX_PEOPLE = 500


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with the file: row 0 means the file as a whole; rows count the header as row 1."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "File"
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass(frozen=True)
class StaffRow:
    row: int
    email: str
    name: str
    job_title: str | None
    band: str | None
    role: Role


@dataclass
class ParsedStaffList:
    rows: list[StaffRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    # Every well-formed address with the row it is first on, even on rows with other problems,
    # so that "already registered" is reported alongside everything else.
    emails: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def normalise_band(raw: str) -> str | None:
    """'Band 8A' -> '8a', 'vsm' -> 'VSM'; None when it is not an Agenda for Change band."""
    value = re.sub(r"^band\s*", "", raw.strip(), flags=re.IGNORECASE).lower()
    if value == "vsm":
        return "VSM"
    return value if value in BANDS else None


def normalise_role(raw: str) -> Role | None:
    value = re.sub(r"[\s-]+", "_", raw.strip().lower())
    if value in ROLE_ALIASES:
        return ROLE_ALIASES[value]
    return Role(value) if value in {r.value for r in IMPORT_ROLES} else None


def _decode(data: bytes, max_bytes: int) -> tuple[str | None, RowProblem | None]:
    if len(data) > max_bytes:
        return None, RowProblem(0, "", f"The file is larger than {max_bytes // 1024} KB: split it into smaller files")
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        return None, RowProblem(0, "", "The file is empty")
    if b"\x00" in data:
        return None, RowProblem(0, "", "The file is not a CSV file (it contains binary data): save it as CSV UTF-8")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None, RowProblem(0, "", "The file is not in UTF-8: save it from your spreadsheet as CSV UTF-8")


def _read_header(cells: list[str]) -> tuple[list[str], list[RowProblem]]:
    header = [c.strip().lower().replace(" ", "_") for c in cells]
    expected = ",".join(COLUMNS)
    if any("@" in c for c in header):
        return header, [RowProblem(1, "", f"The first row must be the header {expected}, not a person")]
    problems = [RowProblem(1, name, f"Unknown column {name!r}: the columns are {expected}")
                for name in header if name and name not in COLUMNS]
    problems += [RowProblem(1, name, f"Column {name!r} appears more than once")
                 for name in sorted({n for n in header if n in COLUMNS and header.count(n) > 1})]
    problems += [RowProblem(1, name, f"The header has no {name!r} column: the columns are {expected}")
                 for name in REQUIRED_COLUMNS if name not in header]
    if "" in header:
        problems.append(RowProblem(1, "", "The header has an empty column name"))
    return header, problems


def _check_row(number: int, values: dict[str, str], seen: dict[str, int]) -> tuple[StaffRow | None, list[RowProblem]]:
    problems = []
    email = normalise_email(values.get("email", ""))
    try:
        check_email(email)
    except DomainError as error:
        message = f"{email!r} is not an e-mail address in the correct format, like name@example.org"
        problems.append(RowProblem(number, "email", message if email else error.message))
    else:
        if email in seen:
            problems.append(RowProblem(number, "email", f"{email} is also on row {seen[email]}"))
        else:
            seen[email] = number
    name = " ".join(values.get("name", "").split())
    if not name:
        problems.append(RowProblem(number, "name", "Enter the person's name"))
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(RowProblem(number, "name", f"The name is longer than {MAX_NAME_LENGTH} characters"))
    job_title = " ".join(values.get("job_title", "").split()) or None
    if job_title and len(job_title) > MAX_NAME_LENGTH:
        problems.append(RowProblem(number, "job_title", f"The job title is longer than {MAX_NAME_LENGTH} characters"))
    raw_band = values.get("band", "").strip()
    band = normalise_band(raw_band) if raw_band else None
    if raw_band and band is None:
        problems.append(RowProblem(number, "band", f"Unknown band {raw_band!r}: use one of {', '.join(BANDS)}"))
    raw_role = values.get("role", "").strip()
    role = normalise_role(raw_role) if raw_role else Role.LEARNER
    if role is None:
        allowed = ", ".join(r.value for r in IMPORT_ROLES)
        problems.append(RowProblem(number, "role", f"Unknown role {raw_role!r}: use one of {allowed}"))
    if problems:
        return None, problems
    return StaffRow(number, email, name, job_title, band, role), []


def parse_staff_csv(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedStaffList:
    """Read and check every row; every problem is collected, none stops the reading early."""
    result = ParsedStaffList()
    text, problem = _decode(data, max_bytes)
    if problem:
        result.problems.append(problem)
        return result
    records: list[list[str]] = []
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), strict=True):
            records.append(cells)
    except csv.Error:
        result.problems.append(RowProblem(len(records) + 1, "", "This row is not valid CSV: check its quote marks "
                                          "(a quoted value must be followed by a comma or the end of the line)"))
        return result
    header, result.problems = _read_header(records[0])
    if result.problems:
        return result
    seen, people = result.emails, 0
    for number, cells in enumerate(records[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # blank lines (often at the end of spreadsheet exports) are not people
        people += 1
        if len(cells) > len(header):
            result.problems.append(RowProblem(number, "", f"The row has {len(cells)} values but the header has "
                                                          f"{len(header)} columns"))
            continue
        row, problems = _check_row(number, dict(zip(header, cells)), seen)
        result.problems += problems
        if row:
            result.rows.append(row)
    if people > MAX_PEOPLE:
        result.problems.insert(0, RowProblem(0, "", f"The file has {people:,} people: import at most {MAX_PEOPLE} "
                                                    "at a time (split it into several files)"))
    elif not result.rows and not result.problems:
        result.problems.append(RowProblem(0, "", "The file has a header but no people"))
    return result


class StaffListRejected(DomainError):
    """The file had problems; nothing was imported. Carries every problem found."""

    def __init__(self, problems: list[RowProblem]):
        plural = "" if len(problems) == 1 else "s"
        super().__init__(f"The file has {len(problems)} problem{plural}: nothing was imported", field="file")
        self.problems = problems


@dataclass(frozen=True)
class ImportedPerson:
    row: StaffRow
    user_id: int
    token: str  # the raw invitation token: shown once, never stored


def _already_registered(session: Session, by_email: dict[str, int]) -> list[RowProblem]:
    emails = list(by_email)
    found: set[str] = set()
    for start in range(0, len(emails), 500):  # stay well under every database's bound-parameter limit
        found.update(session.exec(select(User.email).where(User.email.in_(emails[start:start + 500]))))
    return [RowProblem(by_email[e], "email", f"{e} is already registered") for e in sorted(found, key=by_email.get)]


def _reading_order(problem: RowProblem) -> tuple[int, int]:
    """By row, then by column as the header lists them (whole-row problems first)."""
    return problem.row, COLUMNS.index(problem.field) if problem.field in COLUMNS else -1


def import_staff(
    session: Session, actor: Principal, organisation_id: int, data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[ImportedPerson]:
    """Create every person in the file with an invitation to join, or nobody at all.

    Each person is a learner (so the induction is assigned to them as a new joiner) plus the role
    given in the file. Raises StaffListRejected listing every problem when anything is wrong.
    """
    require_admin_of(actor, organisation_id)
    parsed = parse_staff_csv(data, max_bytes)
    problems = parsed.problems + _already_registered(session, parsed.emails)
    if problems:
        raise StaffListRejected(sorted(problems, key=_reading_order))
    imported = []
    for row in parsed.rows:
        roles = (Role.LEARNER,) if row.role == Role.LEARNER else (Role.LEARNER, row.role)
        user = create_user(session, actor.id, email=row.email, name=row.name, organisation_id=organisation_id,
                           roles=roles, job_title=row.job_title, band=row.band)
        _invitation, token = create_invitation(session, actor, organisation_id, row.email, row.role, name=row.name)
        imported.append(ImportedPerson(row, user.id, token))
    record(session, actor.id, "staff.imported", f"organisation:{organisation_id}",
           organisation_id=organisation_id, count=len(imported))
    return imported
