"""A certificate's live status for `lms certificates verify`, asked only of a server the verifier trusts.

The address inside a certificate is signed by the issuer, but the issuer may once have signed an address
that someone else chose (before PUBLIC_BASE_URL was required, it came from the learner's own request), and
a server there can answer "valid" for a revoked certificate. So the certificate's server is asked only when
it is vouched for: its base address (the certificate's verify_url less ``/verify/<code>``) is, once scheme and
host are lower-cased and trailing slashes dropped, exactly one of

- the verifier's own configuration: this instance's PUBLIC_BASE_URL or one of CERTIFICATE_STATUS_SERVERS, or
- a URI in the subjectAltName of the certificate that signed the file (whose chain the verifier trusts):
  the signing authority vouching for the service's address.

A server named with ``--server`` is asked because the person running the command chose it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

STATUSES = frozenset({"valid", "expired", "revoked", "superseded", "unknown"})
ANSWER_MAX_BYTES = 64 * 1024  # a status answer is a few hundred bytes
TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class LiveStatus:
    """The trusted server's answer, or why there is none (``reason``)."""

    answer: dict | None = None
    server: str | None = None
    reason: str | None = None


def normalise(base: str) -> str | None:
    """An http(s) base address compared as a whole: scheme and host lower-cased, no trailing slash."""
    try:
        parts = urlsplit(base.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def certificate_base(verify_url: str, code: str) -> str | None:
    """The base address of the service a certificate names: its verify_url less ``/verify/<code>``."""
    suffix = f"/verify/{code}"
    return normalise(verify_url[: -len(suffix)]) if verify_url.endswith(suffix) else None


def trusted_bases(configured: Iterable[str], signer_urls: Iterable[str]) -> set[str]:
    return {b for b in map(normalise, [*configured, *signer_urls]) if b}


def live_status(data: dict, *, server: str | None, configured: Iterable[str], signer_urls: Iterable[str]) -> LiveStatus:
    """Ask the chosen server, or the certificate's own if it is vouched for; otherwise say why not."""
    code = data["code"]
    if server:
        return ask(server, code)
    base = certificate_base(str(data.get("verify_url") or ""), code)
    if base is None:
        return LiveStatus(reason="the certificate names no verification address this command can use")
    if base not in trusted_bases(configured, signer_urls):
        return LiveStatus(server=base, reason=f"the certificate's server {base} is not one this command trusts "
                                              "(name a server with --server, or list it in CERTIFICATE_STATUS_SERVERS)")
    return ask(base, code)


def ask(server: str, code: str) -> LiveStatus:
    """The server's JSON answer for the code (a 404's body says "unknown"), or why there is none."""
    base = normalise(server)
    if base is None:
        return LiveStatus(server=server, reason=f"{server} is not an http or https address")
    url = f"{base}/api/v1/certificates/{code}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  (http(s) only, above)
            body = response.read(ANSWER_MAX_BYTES)
    except urllib.error.HTTPError as error:
        body = error.read(ANSWER_MAX_BYTES)
    except (urllib.error.URLError, OSError, ValueError):
        return LiveStatus(server=base, reason=f"{base} did not answer")
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or answer.get("status") not in STATUSES:
        return LiveStatus(server=base, reason=f"{base} gave no certificate status")
    return LiveStatus(answer=answer, server=base)
