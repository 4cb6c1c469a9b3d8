"""Rate limits per client address, and per account, counted by the `limits` library in memory or in Redis.

Views call ``spend`` where an attempt is worth counting (a sign-in POST, a verification). Limits are
counted directly rather than through Flask-Limiter's per-request machinery, which checked every
request to every page and cost a fifth of the time of the verification API. An account's failures are
counted apart (``wait_for``, ``count_failure``, ``forgive``): only failures count, wherever they come from.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, current_app, request
from limits import RateLimitItem, parse, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

EXTENSION = "lms.throttle"


@dataclass(frozen=True)
class Throttle:
    enabled: bool
    counter: FixedWindowRateLimiter


def init_app(app: Flask) -> None:
    """Counters in RATELIMIT_STORAGE_URI (memory:// counts per process; redis://host:port across processes)."""
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions[EXTENSION] = Throttle(bool(app.config["RATELIMIT_ENABLED"]), FixedWindowRateLimiter(storage))


# An event audited at most once per identifiers per this window (a refusal), so refusals cannot flood the trail.
_ONCE = parse("1 per minute")


@lru_cache(maxsize=64)
def _limit(text: str) -> RateLimitItem:
    return parse(text)


@lru_cache(maxsize=64)
def _limits(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


def _enabled() -> Throttle | None:
    throttle: Throttle = current_app.extensions[EXTENSION]
    return throttle if throttle.enabled else None


def wait_for(config_key: str, *identifiers: str) -> int:
    """Whole seconds until the limits in config_key allow another failure under identifiers; 0 if they do now.

    Nothing is counted: an attempt waits while the failures before it fill any of the limits.
    """
    throttle = _enabled()
    if throttle is None:
        return 0
    ends = [throttle.counter.get_window_stats(limit, *identifiers).reset_time
            for limit in _limits(current_app.config[config_key]) if not throttle.counter.test(limit, *identifiers)]
    return max(1, math.ceil(max(ends) - time.time())) if ends else 0


def count_failure(config_key: str, *identifiers: str) -> None:
    """Count one failure under identifiers against every limit in config_key."""
    throttle = _enabled()
    if throttle is not None:
        for limit in _limits(current_app.config[config_key]):
            throttle.counter.hit(limit, *identifiers)


def forgive(config_key: str, *identifiers: str) -> None:
    """Forget the failures counted under identifiers (a success)."""
    throttle = _enabled()
    if throttle is not None:
        for limit in _limits(current_app.config[config_key]):
            throttle.counter.clear(limit, *identifiers)


def first_in_a_while(*identifiers: str) -> bool:
    """True the first time these identifiers are seen in a minute (always, with limits off): for what is
    worth recording once, not on every repeat."""
    throttle = _enabled()
    return throttle is None or throttle.counter.hit(_ONCE, "once", *identifiers)


def spend(config_key: str, scope: str | None = None, *, who: str | None = None, named: str = "from this address") -> None:
    """Count one attempt by this client address (or by ``who``, which the answer calls ``named``) against the
    limit in config_key; past it, raise 429.

    Callers passing the same scope share one budget (by default the config key is the scope).
    """
    throttle = _enabled()
    if throttle is None:
        return
    limit = _limit(current_app.config[config_key])
    identifiers = (scope or config_key, who if who is not None else request.remote_addr or "unknown")
    if not throttle.counter.hit(limit, *identifiers):
        reset_at = throttle.counter.get_window_stats(limit, *identifiers).reset_time
        raise TooManyRequests(f"Too many attempts {named} (the limit is {limit}): try again later.",
                              retry_after=max(1, math.ceil(reset_at - time.time())))
