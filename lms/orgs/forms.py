"""Forms for organisation administration, and the NHS date input's checks (day, month, year)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from lms.auth.models import Role
from lms.orgs.models import OrganisationKind
from lms.auth.passwords import EMAIL_PATTERN
from lms.orgs.staff_import import IMPORT_ROLES
from lms.paging import record_id, whole_number

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in IMPORT_ROLES]
LATEST_YEARS_AHEAD = 5


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class RegionForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired("Enter the region code"), Length(max=20)])
    name = StringField("Name", validators=[DataRequired("Enter the name of the integrated care system"),
                                           Length(max=200)])


class OrganisationForm(FlaskForm):
    code = StringField("ODS or CQC code", validators=[DataRequired("Enter the organisation's code"), Length(max=20)])
    name = StringField("Name", validators=[DataRequired("Enter the organisation's name"), Length(max=200)])
    kind = RadioField("Kind of organisation", choices=[SelectChoice(k.value, k.label) for k in OrganisationKind],
                      validators=[DataRequired("Choose the kind of organisation")])
    # Anything that is not a region's id is no choice at all (0), which DataRequired then asks for.
    region_id = SelectField("Integrated care system", coerce=lambda raw: record_id(raw) or 0, validate_choice=False,
                            validators=[DataRequired("Choose the integrated care system")])


class InviteForm(FlaskForm):
    email = StringField("E-mail address", filters=[lambda v: v.strip() if v else v], validators=[
        DataRequired("Enter the person's e-mail address"),
        Regexp(EMAIL_PATTERN, message="Enter an e-mail address in the correct format, like name@example.org"),
        Length(max=254)])
    name = StringField("Name (optional)", validators=[Optional(), Length(max=200)])
    role = RadioField("Role", choices=ROLE_CHOICES, default=Role.LEARNER.value,
                      validators=[DataRequired("Choose a role")])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[DataRequired("Choose a role")])


class StaffImportForm(FlaskForm):
    file = FileField("Upload a CSV file", validators=[FileRequired("Select a CSV file to upload")])


class LocalModuleForm(FlaskForm):
    bundle_id = StringField(validators=[DataRequired()])
    module_id = StringField(validators=[DataRequired()])


def read_date(day: str, month: str, year: str, *, label: str, today: date) -> tuple[date | None, str | None, str]:
    """Check an NHS date input that must be in the future: (date, None, "") or (None, message, part).

    The part is the box in error ("day", "month" or "year"), or "all" when the whole date is wrong.
    Messages follow the GOV.UK and NHS.UK date input guidance.
    """
    parts = {"day": (day or "").strip(), "month": (month or "").strip(), "year": (year or "").strip()}
    missing = [name for name, value in parts.items() if not value]
    if len(missing) == 3:
        return None, f"Enter the {label.lower()}", "all"
    if missing:
        return None, f"{label} must include a {' and '.join(missing)}", missing[0]
    # Bounded far above any day, month or year: a day of 10^30 overflowed date() (a 500), not a ValueError.
    number = {name: whole_number(value, 0, 10**8) for name, value in parts.items()}
    not_numbers = [name for name, value in number.items() if value is None]
    if not_numbers:
        return None, f"{label} must be a real date", not_numbers[0]
    if len(parts["year"]) != 4:
        return None, "Year must include 4 numbers", "year"
    if not 1 <= number["month"] <= 12:
        return None, f"{label} must be a real date", "month"
    try:
        chosen = date(number["year"], number["month"], number["day"])
    except ValueError:
        return None, f"{label} must be a real date", "day"
    if chosen <= today:
        return None, f"{label} must be in the future", "all"
    if chosen.year > today.year + LATEST_YEARS_AHEAD:
        return None, f"{label} must be within the next {LATEST_YEARS_AHEAD} years", "all"
    return chosen, None, ""


def end_of_day(day: date) -> datetime:
    """A due date means 'by the end of that day'."""
    return datetime.combine(day, time(23, 59, 59), UTC)


class AssignForm(FlaskForm):
    bundle_id = RadioField("Training bundle", validators=[DataRequired("Choose the training to assign")])
    due_day = StringField("Day")
    due_month = StringField("Month")
    due_year = StringField("Year")
    emails = TextAreaField("E-mail addresses (one a line)", validators=[Optional(), Length(max=200_000)])

    due_on: date | None = None
    date_part: str = ""  # the box in error, or "all"

    def validate_due(self, today: date) -> bool:
        """Check the three date boxes as one answer; the message goes on the box in error (day for all)."""
        self.due_on, message, self.date_part = read_date(self.due_day.data, self.due_month.data,
                                                         self.due_year.data, label="Due date", today=today)
        if message:
            field = getattr(self, f"due_{'day' if self.date_part == 'all' else self.date_part}")
            field.errors = [*field.errors, message]
            return False
        return True
