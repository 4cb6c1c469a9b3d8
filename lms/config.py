"""Every setting with its default; defaults < instance file < LMS_* environment < explicit mapping."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

INSECURE_SECRET_KEY = "insecure-development-key-change-me"

# Which certificates (or standards met) a pay band or role requires: the review asks that accredited
# management training be "a pre-requisite for further advancement" and that appraisal training be
# compulsory for appraisers. Target ids are lower-case; "requires" takes the same expressions as a
# bundle's [requires]: {certificate = ID}, {standard = ID}, {all = [...]}, {any = [...]}.
DEFAULT_ADVANCEMENT_RULES: dict[str, Any] = {
    "band-8a": {"title": "Agenda for Change band 8a", "requires": {"certificate": "management-core"}},
    "band-8b": {"title": "Agenda for Change band 8b", "requires": {"certificate": "management-core"}},
    "band-8c": {"title": "Agenda for Change band 8c",
                "requires": {"all": [{"certificate": "management-core"}, {"certificate": "senior-management"}]}},
    "band-8d": {"title": "Agenda for Change band 8d",
                "requires": {"all": [{"certificate": "management-core"}, {"certificate": "senior-management"}]}},
    "role-appraiser": {"title": "Appraiser: carrying out other people's appraisals",
                       "requires": {"standard": "LM-APPRAISAL"}},
    "role-registered-manager": {"title": "Registered manager in adult social care",
                                "requires": {"certificate": "management-core"}},
}

DEFAULTS: dict[str, Any] = {
    # Signs session cookies and CSRF tokens; production refuses to start with the default.
    "SECRET_KEY": INSECURE_SECRET_KEY,
    # "development" or "production"; production enforces secure cookies and real secrets.
    "ENV": "development",
    # SQLAlchemy URL; empty means SQLite file lms.sqlite3 in the instance folder.
    "DATABASE_URL": "",
    # Echo SQL to the log (debugging only).
    "SQL_ECHO": False,
    # Load sample organisations, people and progress (refused when ENV is production).
    "DEMO": False,
    # Password of every demo account.
    "DEMO_PASSWORD": "demo-password",
    # Count and enforce the rate limits below (tests turn it off).
    "RATELIMIT_ENABLED": True,
    # Where rate-limit counters live: memory:// counts per process, redis://host:port across processes.
    "RATELIMIT_STORAGE_URI": "memory://",
    # Sign-in attempts allowed per client address.
    "SIGNIN_RATE_LIMIT": "10 per minute",
    # Failed sign-ins allowed per account (one e-mail address, from any client addresses), as limits that grow:
    # past 5 failures in a minute the account waits out that minute, past 10 in five minutes those five minutes.
    # Checked before the password, so a right one waits too; a successful sign-in forgets the failures. The
    # longest window is the cap: guessing spread over many addresses gets 10 tries per 5 minutes per account, and
    # no lock-out lasts more than 5 minutes (keeping a person out takes guessing on, every attempt audited).
    "SIGNIN_ACCOUNT_RATE_LIMIT": "5 per minute; 10 per 5 minutes",
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted (0: none).
    # Set it behind a load balancer, or every client shares the proxy's address and its rate limits.
    "TRUSTED_PROXIES": 0,
    # Days a new joiner gets to complete the auto-assigned induction.
    "INDUCTION_DUE_DAYS": 84,
    # An assignment is "due soon" when its due date is this many days away or fewer.
    "DUE_SOON_DAYS": 14,
    # Days an invitation link stays valid.
    "INVITATION_DAYS": 14,
    # Hours a password-reset link stays valid.
    "PASSWORD_RESET_HOURS": 24,
    # Minimum length of a chosen password.
    "PASSWORD_MIN_LENGTH": 10,
    # Largest upload accepted, in bytes (staff CSV files, evidence).
    "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
    # Cookie flags; Secure is forced on in production.
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Minutes of inactivity after which a session ends (to within a minute: the cookie is re-signed once a minute).
    "SESSION_LIFETIME_MINUTES": 480,
    # Megabytes of rendered personal pages (dashboard, bundle, module, activity) each worker keeps; 0 turns it off.
    # A page is rendered again as soon as anything of the person's changes, from any worker.
    "PAGE_CACHE_MB": 32,
    # Seconds a kept page may be served: how late the passing of time (a due date going by) may show.
    "PAGE_CACHE_SECONDS": 60,
    # CSRF protection on every form (tests switch it off only where they say so).
    "WTF_CSRF_ENABLED": True,
    # Base URL used in links that leave the request (certificates, e-mails); empty means the request's.
    "PUBLIC_BASE_URL": "",
    # Advancement rules: target id -> {title, requires}; checked against the content at start-up. In
    # lms.toml write [advancement_rules.band-8a] tables; LMS_ADVANCEMENT_RULES takes the same as JSON.
    "ADVANCEMENT_RULES": DEFAULT_ADVANCEMENT_RULES,
    # Certificates (the certificates plugin). The issuer's name as printed on certificates.
    "CERTIFICATE_ISSUER_NAME": "Leadership and management training",
    # PKCS#12 file with the signing key, its certificate and chain; empty means the instance's demo
    # authority from `lms certificates keygen` (created on first use; production refuses to start without one).
    "CERTIFICATE_SIGNING_P12": "",
    # Password of that PKCS#12 file (set it through LMS_CERTIFICATE_SIGNING_PASSWORD, not a file).
    "CERTIFICATE_SIGNING_PASSWORD": "",
    # Extra trusted issuer CA certificates (PEM files, comma-separated), e.g. the authority of a retired key.
    "CERTIFICATE_TRUST_ROOTS": "",
    # Verification requests (page, upload, JSON) allowed per client address.
    "CERTIFICATE_VERIFY_RATE_LIMIT": "60 per minute",
    # A certificate is "due for renewal" when it expires within this many days (or has expired).
    "CERTIFICATE_RENEWAL_DAYS": 90,
    # Times a failed PDF render is retried by `lms certificates render-pending` before it needs a person.
    "CERTIFICATE_RENDER_ATTEMPTS": 5,
    # xAPI (the LRS at /xapi/). Home page IRI of the LRS's own accounts (client authorities, the platform).
    "XAPI_HOMEPAGE": "https://lms.example.org",
    # Base IRI of the platform's activities (bundles, modules, activities, questions) in its own statements.
    "XAPI_ACTIVITY_BASE": "https://lms.example.org/xapi/activities",
    # How the platform's own statements identify a person: "account" (id on XAPI_HOMEPAGE) or "mbox" (e-mail).
    "XAPI_ACTOR_IDENTIFIER": "account",
    # Statements per page of GET /xapi/statements (also the largest limit a client may ask for).
    "XAPI_PAGE_SIZE": 100,
    # Seconds each process trusts a verified LRS client secret before checking it again (revocation delay).
    "XAPI_CLIENT_CACHE_SECONDS": 30,
    # External LRS to forward every stored statement to (its base, before /statements); empty turns forwarding off.
    "XAPI_FORWARD_URL": "",
    # HTTP Basic key and secret for that LRS (set the secret through LMS_XAPI_FORWARD_SECRET).
    "XAPI_FORWARD_KEY": "",
    "XAPI_FORWARD_SECRET": "",
    # Statements the forwarding worker sends per request.
    "XAPI_FORWARD_BATCH": 100,
    # Seconds the worker waits for the external LRS before treating the attempt as failed.
    "XAPI_FORWARD_TIMEOUT": 10,
    # Retry back-off: first wait, doubling per failed attempt up to the maximum (seconds).
    "XAPI_FORWARD_RETRY_SECONDS": 5,
    "XAPI_FORWARD_RETRY_MAX_SECONDS": 3600,
    # Seconds a worker holds claimed statements; a crashed worker's claims return to the queue after this.
    "XAPI_FORWARD_LEASE_SECONDS": 120,
    # Seconds the worker sleeps when there is nothing to send.
    "XAPI_WORKER_IDLE_SECONDS": 2,
}

PRODUCTION = "production"


def _coerce(key: str, raw: str) -> Any:
    """Turn an environment string into the type of the setting's default."""
    default = DEFAULTS.get(key)
    if isinstance(default, bool):
        if raw.strip().lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.strip().lower() in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"LMS_{key}: expected true or false, got {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"LMS_{key}: expected a whole number, got {raw!r}") from None
    return raw


def instance_path(explicit: Mapping[str, Any] | None = None) -> Path:
    """The one folder holding all state: database, uploads, issued files, keys."""
    chosen = (explicit or {}).get("INSTANCE_PATH") or os.environ.get("LMS_INSTANCE_PATH") or "instance"
    return Path(chosen).resolve()


def load_config(explicit: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Merge the layers; plugins may add keys of their own through any layer."""
    environ = os.environ if environ is None else environ
    folder = instance_path(explicit)
    config: dict[str, Any] = dict(DEFAULTS)
    instance_file = folder / "lms.toml"
    if instance_file.exists():
        with instance_file.open("rb") as fh:
            config.update({k.upper(): v for k, v in tomllib.load(fh).items()})
    if environ.get("DATABASE_URL"):
        config["DATABASE_URL"] = environ["DATABASE_URL"]
    for name, raw in environ.items():
        if name.startswith("LMS_") and name != "LMS_INSTANCE_PATH":
            key = name[4:]
            config[key] = _coerce(key, raw)
    config.update(explicit or {})
    config["INSTANCE_PATH"] = str(folder)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{folder / 'lms.sqlite3'}"
    return config


def check_production(config: Mapping[str, Any]) -> list[str]:
    """Reasons a production configuration must not start; empty when it may."""
    if config.get("ENV") != PRODUCTION:
        return []
    problems = []
    if config.get("SECRET_KEY") in (None, "", INSECURE_SECRET_KEY) or len(str(config["SECRET_KEY"])) < 32:
        problems.append("SECRET_KEY is the default or shorter than 32 characters: set LMS_SECRET_KEY")
    if config.get("DEMO"):
        problems.append("DEMO is on: demo data and accounts are never loaded in production")
    return problems
