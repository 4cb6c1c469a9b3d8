"""Statement ids the platform makes: valid version 1 UUIDs that sort in the order they were made."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from lms.xapi import statement_ids

UUID_EPOCH = datetime(1582, 10, 15, tzinfo=UTC)
NOON = int(datetime(2026, 12, 7, 12, tzinfo=UTC).timestamp()) * 1_000_000_000


@pytest.fixture
def clock(monkeypatch):  # noqa: ANN001, ANN201
    """A clock the test sets (nanoseconds since the Unix epoch)."""
    now = [NOON]
    monkeypatch.setattr(statement_ids, "_clock", lambda: now[0])
    return now


def test_ids_are_rfc_4122_version_1_with_a_random_multicast_node_and_the_time_made(clock):  # noqa: ANN001
    for text in statement_ids.time_based(50):
        made = uuid.UUID(text)
        assert str(made) == text
        assert (made.version, made.variant) == (1, uuid.RFC_4122)
        assert made.node & (1 << 40), "a random node has the multicast bit set"
        assert UUID_EPOCH + timedelta(microseconds=made.time // 10) - datetime(2026, 12, 7, 12, tzinfo=UTC) < timedelta(
            microseconds=10)


def test_ids_sort_in_the_order_they_were_made_within_a_call_and_across_calls(clock):  # noqa: ANN001
    made = statement_ids.time_based(100)
    clock[0] += 1_000_000  # a millisecond later
    made += statement_ids.time_based(100)
    assert made == sorted(made)
    assert len(set(made)) == 200


def test_ids_made_in_the_same_instant_by_separate_calls_still_differ(clock):  # noqa: ANN001
    made = [text for _ in range(200) for text in statement_ids.time_based(50)]
    assert len(set(made)) == len(made)
    assert len({text[19:] for text in made}) == 200, "each call draws its own clock sequence and node"
