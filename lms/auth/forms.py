"""Sign-in, password and joining forms (Flask-WTF, so each carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

# Field names match the `field` of the DomainErrors the services raise, so a service error lands
# on its field (see views.show_error).


class SignInForm(FlaskForm):
    email = EmailField("E-mail address", validators=[DataRequired("Enter your e-mail address")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password")])
    new_password = PasswordField("New password", validators=[DataRequired("Enter a new password")])
    confirm = PasswordField("Confirm new password", validators=[
        DataRequired("Enter your new password again"),
        EqualTo("new_password", "The passwords do not match: enter the same new password twice"),
    ])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Enter a new password")])
    confirm = PasswordField("Confirm new password", validators=[
        DataRequired("Enter your new password again"),
        EqualTo("password", "The passwords do not match: enter the same password twice"),
    ])


class JoinForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired("Enter your full name"),
                                                Length(max=200, message="Name must be 200 characters or fewer")])
    password = PasswordField("Create a password", validators=[DataRequired("Enter a password")])
    confirm = PasswordField("Confirm password", validators=[
        DataRequired("Enter your password again"),
        EqualTo("password", "The passwords do not match: enter the same password twice"),
    ])
