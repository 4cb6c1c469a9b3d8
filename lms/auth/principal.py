"""The signed-in person as the rest of the app sees them: identity plus roles by organisation."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam
from sqlmodel import Session, select

from lms.auth.models import Role, RoleAssignment, User
from lms.plain_query import PlainQuery
from lms.speedups import flask_login as flask_login_device


@dataclass(frozen=True)
class Principal:
    """An immutable snapshot of a person and their roles, loaded once per request."""

    id: int
    email: str
    name: str
    organisation_id: int | None
    session_version: int
    roles: frozenset[tuple[int | None, str]] = field(default_factory=frozenset)
    is_active: bool = True
    learning_version: int = 0
    is_authenticated: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        # The version makes a password change or reset sign out every other session.
        return f"{self.id}:{self.session_version}"

    @property
    def is_platform_admin(self) -> bool:
        return (None, Role.PLATFORM_ADMIN) in self.roles

    def has_role(self, role: str, organisation_id: int | None = None) -> bool:
        """True if the person holds role in that organisation (any, if None), or is a platform admin."""
        if self.is_platform_admin:
            return True
        return any(r == role and (organisation_id is None or o == organisation_id) for o, r in self.roles)

    def organisations_with(self, role: str) -> set[int]:
        return {o for o, r in self.roles if r == role and o is not None}

    @property
    def role_names(self) -> set[str]:
        return {r for _, r in self.roles}


class AnonymousPrincipal:
    """A visitor who has not signed in: the same questions as Principal, all answered no."""

    id = None
    email = ""
    name = ""
    organisation_id = None
    roles: frozenset = frozenset()
    role_names: frozenset = frozenset()
    is_active = False
    is_authenticated = False
    is_anonymous = True
    is_platform_admin = False

    def get_id(self) -> None:
        return None

    def has_role(self, role: str, organisation_id: int | None = None) -> bool:
        return False

    def organisations_with(self, role: str) -> set[int]:
        return set()


def load_principal(session: Session, user_id: int) -> Principal | None:
    """Load a person and their roles as this transaction sees them (roles it just added included)."""
    session.flush()  # a Core query does not autoflush
    return read_principal(session.connection(), user_id)


def read_principal(connection: Connection, user_id: int) -> Principal | None:
    """Load a person and their roles in one round trip: every request makes it, so on the DBAPI cursor."""
    rows = _PRINCIPAL.rows(connection, user_id=user_id)
    if not rows:
        return None
    person_id, email, name, organisation_id, session_version, is_active, learning_version = rows[0][:7]
    roles = frozenset((row[7], row[8]) for row in rows if row[8] is not None)
    return Principal(person_id, email, name, organisation_id, session_version, roles, bool(is_active),
                     learning_version)


_PRINCIPAL = PlainQuery(
    select(User.id, User.email, User.name, User.organisation_id, User.session_version, User.is_active,
           User.learning_version, RoleAssignment.organisation_id, RoleAssignment.role)
    .join(RoleAssignment, RoleAssignment.user_id == User.id, isouter=True)
    .where(User.id == bindparam("user_id"))
)


def current_person() -> Principal | AnonymousPrincipal:
    """The signed-in person (or the anonymous one): Flask-Login's ``current_user`` itself, not its proxy.

    Each read of the proxy (``current_user.id``) looks the person up again through two more proxies.
    """
    return flask_login_device.current_person()
