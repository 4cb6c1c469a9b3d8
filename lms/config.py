"""Every setting with its default; defaults < instance file < LMS_* environment < explicit mapping."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from werkzeug.sansio.utils import host_is_trusted

INSECURE_SECRET_KEY = "insecure-development-key-change-me"
# Where `lms run` and `lms demo` serve by default: the development default of PUBLIC_BASE_URL.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
SECRET_KEY_MIN_LENGTH = 32

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
    # The speed devices of lms.speedups, which reach into libraries' private APIs: "on", "off" (every library's
    # stock behaviour), or the names of those to turn off, comma-separated (flask, flask_login, flask_wtf,
    # sqlalchemy, weasyprint, pyhanko). Turning them off shows whether a fault comes from one of them.
    "SPEEDUPS": "on",
    # Load sample organisations, people and progress (refused when ENV is production).
    "DEMO": False,
    # Password of every demo account.
    "DEMO_PASSWORD": "demo-password",
    # Count and enforce the rate limits below (tests turn it off).
    "RATELIMIT_ENABLED": True,
    # Where rate-limit counters live: memory:// counts per process, redis://host:port across processes.
    # Production requires a shared store: with memory:// each process (and each restart) has its own budget.
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
    # Largest evidence file a learner may attach, in bytes (a request larger than MAX_CONTENT_LENGTH is refused first).
    "EVIDENCE_MAX_FILE_BYTES": 5 * 1024 * 1024,
    # Share of each assessor's acceptances an accreditor's sample takes for second review (never fewer than one).
    "EVIDENCE_SAMPLE_SHARE": 0.1,
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
    # The service's public address (scheme, host, and any path prefix): every absolute address the platform
    # hands out (certificates' links and QR codes, join and password-reset links) is built from it, never from
    # a request's Host header. Production requires an https address; `lms demo` sets it to where it serves.
    "PUBLIC_BASE_URL": DEVELOPMENT_BASE_URL,
    # Host names requests may be addressed to (Flask's TRUSTED_HOSTS; ".example.org" also allows its
    # subdomains): any other Host header gets 400. Required in production; empty allows any (development).
    # In lms.toml a list of strings; LMS_TRUSTED_HOSTS takes them comma-separated.
    "TRUSTED_HOSTS": [],
    # Installed bundles (lms.bundles entry point names) and code plugins (lms.plugins names) this instance runs;
    # ["*"]: every one installed. A name not installed is refused at start-up. In lms.toml a list of strings;
    # LMS_ENABLED_BUNDLES takes them comma-separated. A bundle's hooks.py goes with its bundle.
    "ENABLED_BUNDLES": ["*"],
    "ENABLED_PLUGINS": ["*"],
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
    # Other services `lms certificates verify` may ask for a certificate's live status (base URLs; comma-separated
    # in LMS_CERTIFICATE_STATUS_SERVERS). This instance's PUBLIC_BASE_URL, and an address the signing certificate
    # names, are trusted too; the address a certificate carries is never asked otherwise.
    "CERTIFICATE_STATUS_SERVERS": [],
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
    # LRS credentials checked in full (looked up and hashed: not ones this process already verified) per client
    # address, and per client key from any address. Past either, 429 before any hash; each failure is audited.
    "XAPI_AUTH_RATE_LIMIT": "20 per minute",
    "XAPI_AUTH_KEY_RATE_LIMIT": "60 per minute",
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
    """Turn an environment string into the type of the setting's default (a list from comma-separated items)."""
    default = DEFAULTS.get(key)
    if isinstance(default, list):
        return [item.strip() for item in raw.split(",") if item.strip()]
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
    for key, default in DEFAULTS.items():  # a list setting given as one string: its comma-separated items
        if isinstance(default, list) and isinstance(config[key], str):
            config[key] = _coerce(key, config[key])
    return config


def is_absolute_url(value: object, schemes: tuple[str, ...]) -> bool:
    """An absolute address with one of these schemes and a host, and no credentials, query or fragment."""
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return False
    return parts.scheme in schemes and bool(parts.hostname) and not (
        parts.username or parts.password or parts.query or parts.fragment or "\\" in value or value != value.strip())


def security_problems(config: Mapping[str, Any]) -> list[str]:
    """Each setting that makes a configuration unsafe to run in production, named with how to put it right."""
    problems = []
    key = config.get("SECRET_KEY")
    if not isinstance(key, str) or key == INSECURE_SECRET_KEY or len(key) < SECRET_KEY_MIN_LENGTH:
        problems.append(f"SECRET_KEY is the default or shorter than {SECRET_KEY_MIN_LENGTH} characters: "
                        "set LMS_SECRET_KEY to a long random value")
    if config.get("DEMO"):
        problems.append("DEMO is on: demo data and accounts are never loaded in production")
    base = config.get("PUBLIC_BASE_URL")
    if not is_absolute_url(base, ("https",)):
        problems.append(f"PUBLIC_BASE_URL is {base!r}, not an absolute https address: set LMS_PUBLIC_BASE_URL "
                        "to the service's public address, e.g. https://lms.example.org")
    hosts = config.get("TRUSTED_HOSTS") or []
    if not hosts:
        problems.append("TRUSTED_HOSTS is empty, so requests addressed to any host are served: set "
                        "LMS_TRUSTED_HOSTS to the service's host names, e.g. lms.example.org")
    elif is_absolute_url(base, ("https",)) and not host_is_trusted(urlsplit(base).netloc, hosts):
        problems.append(f"TRUSTED_HOSTS ({', '.join(hosts)}) does not include the host of PUBLIC_BASE_URL ({base})")
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "")
    if not storage or storage.startswith("memory://"):
        problems.append("RATELIMIT_STORAGE_URI is memory://, so each process counts its own rate limits: set "
                        "LMS_RATELIMIT_STORAGE_URI to a shared store, e.g. redis://redis.internal:6379")
    return problems


def check_production(config: Mapping[str, Any]) -> list[str]:
    """Reasons the app must not start: in production every security problem; elsewhere a malformed public address."""
    if config.get("ENV") == PRODUCTION:
        return security_problems(config)
    base = config.get("PUBLIC_BASE_URL")
    if not is_absolute_url(base, ("http", "https")):
        return [f"PUBLIC_BASE_URL is {base!r}, not an absolute http or https address such as {DEVELOPMENT_BASE_URL}"]
    return []
