"""Rate limits per client address, counted by the `limits` library in memory or in Redis.

Views call ``spend`` where an attempt is worth counting (a sign-in POST, a verification). Limits are
counted directly rather than through Flask-Limiter's per-request machinery, which checked every
request to every page and cost a fifth of the time of the verification API.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
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


@lru_cache(maxsize=64)
def _limit(text: str) -> RateLimitItem:
    return parse(text)


def spend(config_key: str, scope: str | None = None, *, who: str | None = None, named: str = "from this address") -> None:
    """Count one attempt by this client address (or by ``who``, which the answer calls ``named``) against the
    limit in config_key; past it, raise 429.

    Callers passing the same scope share one budget (by default the config key is the scope).
    """
    throttle: Throttle = current_app.extensions[EXTENSION]
    if not throttle.enabled:
        return
    limit = _limit(current_app.config[config_key])
    identifiers = (scope or config_key, who if who is not None else request.remote_addr or "unknown")
    if not throttle.counter.hit(limit, *identifiers):
        reset_at = throttle.counter.get_window_stats(limit, *identifiers).reset_time
        raise TooManyRequests(f"Too many attempts {named} (the limit is {limit}): try again later.",
                              retry_after=max(1, math.ceil(reset_at - time.time())))
