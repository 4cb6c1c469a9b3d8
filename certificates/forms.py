"""Forms of the certificate pages (Flask-WTF; the code look-up is a GET form and needs no CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from certificates.services import REASON_MAX


class CodeForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only GET search, bookmarkable

    code = StringField("Verification code", validators=[DataRequired("Enter the verification code printed on the certificate")])


# An issued certificate is about 35 kB; the limit leaves room for templates with images, and keeps what a
# stranger can make the server parse small (reading a 1 MB file's cross-reference table takes about 12 MB).
UPLOAD_MAX_BYTES = 1024 * 1024


class UploadForm(FlaskForm):
    pdf = FileField("Certificate PDF", validators=[
        FileRequired("Choose the certificate's PDF file"),
        FileAllowed(["pdf"], "The file must be a PDF"),
        FileSize(UPLOAD_MAX_BYTES, message="The file must be 1 MB or smaller: a certificate PDF is much smaller"),
    ])


class RevokeForm(FlaskForm):
    reason = TextAreaField("Reason for revoking", validators=[
        DataRequired("Enter the reason for revoking the certificate"),
        Length(max=REASON_MAX, message=f"The reason must be {REASON_MAX} characters or fewer"),
    ])


class ConfirmForm(FlaskForm):
    """A button-only form: carries the CSRF token for actions such as re-issue."""
