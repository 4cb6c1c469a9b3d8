"""Forms of the certificate pages (Flask-WTF; the code look-up is a GET form and needs no CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from certificates.services import REASON_MAX


class CodeForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only GET search, bookmarkable

    code = StringField("Verification code", validators=[DataRequired("Enter the verification code printed on the certificate")])


class UploadForm(FlaskForm):
    pdf = FileField("Certificate PDF", validators=[
        FileRequired("Choose the certificate's PDF file"),
        FileAllowed(["pdf"], "The file must be a PDF"),
    ])


class RevokeForm(FlaskForm):
    reason = TextAreaField("Reason for revoking", validators=[
        DataRequired("Enter the reason for revoking the certificate"),
        Length(max=REASON_MAX, message=f"The reason must be {REASON_MAX} characters or fewer"),
    ])


class ConfirmForm(FlaskForm):
    """A button-only form: carries the CSRF token for actions such as re-issue."""
