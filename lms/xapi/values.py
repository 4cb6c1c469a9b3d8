"""xAPI data types (IRIs, UUIDs, timestamps, durations, language tags, mailto) as precompiled checks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

# RFC 3987: a scheme, then no whitespace, control characters or other characters IRIs exclude.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f<>\"{}|\\^`]*\Z")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_SHA1 = re.compile(r"[0-9a-fA-F]{40}\Z")
_SHA2 = re.compile(r"[0-9a-fA-F]{56}\Z|[0-9a-fA-F]{64}\Z|[0-9a-fA-F]{96}\Z|[0-9a-fA-F]{128}\Z")
_MAILTO = re.compile(r"mailto:[^@\s]+@[^@\s]+\Z")
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?\Z"
)
# Control characters a header value cannot hold (a tab it may).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"P(?=\d|T\d)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?\Z|P{_NUM}W\Z"
)
_DURATION_SECONDS = re.compile(r"(\d+)[.,](\d{2})\d*S\Z")
# BCP 47 / RFC 5646 language tags (langtag, private use and the grandfathered irregular ones).
_LANGTAG = re.compile(
    r"(?:(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"
    r"(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?"
    r"(?:-(?:[A-Za-z\d]{5,8}|\d[A-Za-z\d]{3}))*"
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z\d]{2,8})+)*"
    r"(?:-[Xx](?:-[A-Za-z\d]{1,8})+)?"
    r"|[Xx](?:-[A-Za-z\d]{1,8})+"
    r"|en-GB-oed|i-(?:ami|bnn|default|enochian|hak|klingon|lux|mingo|navajo|pwn|tao|tay|tsu)"
    r"|sgn-(?:BE-FR|BE-NL|CH-DE))\Z"
)


def is_iri(value: object) -> bool:
    return type(value) is str and _IRI.match(value) is not None


def is_uuid(value: object) -> bool:
    return type(value) is str and _UUID.match(value) is not None


def is_sha1(value: object) -> bool:
    return type(value) is str and _SHA1.match(value) is not None


def is_sha2(value: object) -> bool:
    return type(value) is str and _SHA2.match(value) is not None


def is_mailto(value: object) -> bool:
    return type(value) is str and _MAILTO.match(value) is not None


def is_langtag(value: object) -> bool:
    return type(value) is str and _LANGTAG.match(value) is not None


def is_duration(value: object) -> bool:
    return type(value) is str and _DURATION.match(value) is not None


def has_control(text: str) -> bool:
    """Whether text holds a control character other than tab (a line break, NUL): never in a header value."""
    return _CONTROL.search(text) is not None


def is_number(value: object) -> bool:
    return type(value) in (int, float)


def parse_timestamp(value: object) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (no zone means UTC); None when malformed.

    The "unknown local offset" forms -00, -0000 and -00:00 (RFC 3339 4.3) are refused.
    """
    if type(value) is not str:
        return None
    match = _TIMESTAMP.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    if sign is not None:
        if int(off_h) > 23 or int(off_m or 0) > 59:
            return None
        offset = timedelta(hours=int(off_h), minutes=int(off_m or 0))
        if sign == "-" and not offset:
            return None
        zone = timezone(-offset if sign == "-" else offset)
    else:
        zone = UTC
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=zone)
        moment.astimezone(UTC)  # year 1 ahead of UTC, or 9999 behind it, falls outside what a datetime holds
    except (ValueError, OverflowError):
        return None
    return moment


def format_timestamp(moment: datetime) -> str:
    """The LRS's own timestamps: UTC, millisecond precision, Z suffix."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def truncate_duration(value: str) -> str:
    """A duration with seconds cut to hundredths: how the spec compares durations."""
    return _DURATION_SECONDS.sub(r"\1.\2S", value)
