"""Opt-in detection of hot partition keys.

DynamoDB spreads a table over partitions by partition key, and every partition
has its own throughput ceiling (about 3,000 reads and 1,000 writes a second).
A single-table design that funnels much of its traffic through one key (a
global counter, one big tenant's item collection) is throttled long before the
table's capacity is used, and from the outside the throttling looks random.
``HotKeyTracker`` watches the partition keys a client sends and logs a warning
(and calls a hook, which the executor uses to count a metric) when one key
takes more than a set share of the recent requests, so the skew shows up in
logs and dashboards before it shows up as throttling.

The tracker sits on the request path of a process that may see millions of
distinct keys, so it must stay cheap and its memory must not grow with the
number of keys. It therefore keeps no dict of every key: the sliding window is
split into ``buckets`` sub-windows, each holding a Space-Saving heavy-hitters
sketch of at most ``capacity`` counters. Counts are estimates, but of a known
quality: they never undercount, so no key above the share is missed, and they
overcount by at most ``window_requests / capacity``.

The window is the current sub-window plus the ``buckets - 1`` before it;
sub-windows are aligned to multiples of ``window_seconds / buckets`` on the
clock, so the window slides in steps of that size and covers between
``window_seconds - window_seconds / buckets`` and ``window_seconds``.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger("dyngen.hotkeys")

#: The index of the sub-window a fresh tracker pretends to be in: far enough in
#: the past that the first request always opens a new sub-window.
_NO_BUCKET = -(2**62)


@dataclass(frozen=True)
class HotKeyConfig:
    """Settings of a ``HotKeyTracker``.

    ``share``: the fraction of the window's requests above which a key is hot.
    ``window_seconds``: the length of the sliding window.
    ``min_requests``: no verdicts until the window holds this many requests, so
    the first requests to a quiet table are not all "hot".
    ``capacity``: counters kept per sub-window sketch; at least ``1 / share``.
    ``buckets``: sub-windows per window; the window slides in steps of
    ``window_seconds / buckets``.
    ``clock``: seconds on a monotonic clock; injectable for tests.
    """

    share: float = 0.2
    window_seconds: float = 60.0
    min_requests: int = 100
    capacity: int = 64
    buckets: int = 6
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    def __post_init__(self) -> None:
        # ``not a < x <= b`` rather than ``x <= a or x > b`` so NaN is rejected.
        if not 0 < self.share <= 1:
            raise ValueError(
                f"HotKeyConfig.share must be in (0, 1], got {self.share!r}"
            )
        if not 0 < self.window_seconds < math.inf:
            raise ValueError(
                "HotKeyConfig.window_seconds must be a positive finite number, "
                f"got {self.window_seconds!r}"
            )
        if not _is_int(self.min_requests) or self.min_requests < 1:
            raise ValueError(
                "HotKeyConfig.min_requests must be an int >= 1, "
                f"got {self.min_requests!r}"
            )
        if not _is_int(self.buckets) or self.buckets < 1:
            raise ValueError(
                f"HotKeyConfig.buckets must be an int >= 1, got {self.buckets!r}"
            )
        # Space-Saving with m counters over N requests keeps every counter's
        # overestimate below the smallest counter, and the counters sum to N,
        # so the smallest is at most N / m. A key with more than N / m requests
        # therefore always outranks the minimum and can never be evicted
        # (Misra-Gries gives the same N / m bound). With m >= 1 / share, every
        # key above ``share`` of a sub-window's traffic is guaranteed to be
        # tracked there; below that even uniform traffic could look hot, since
        # the N / m error would exceed the threshold itself.
        needed = math.ceil(1 / self.share)
        if not _is_int(self.capacity) or self.capacity < needed:
            raise ValueError(
                f"HotKeyConfig.capacity must be an int >= 1 / share "
                f"(>= {needed} for share={self.share!r}), got {self.capacity!r}"
            )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class HotKeyReport:
    """One key found hot: its estimated count and share of the window.

    ``requests`` and ``share`` are upper bounds, at most
    ``window_requests / capacity`` requests above the truth.
    """

    table: str
    partition_key: str
    share: float
    requests: int
    window_requests: int
    window_seconds: float


class _Bucket:
    """One sub-window: a Space-Saving sketch of at most ``capacity`` counters."""

    __slots__ = ("counts", "floor", "index", "total")

    def __init__(self, index: int) -> None:
        self.index = index
        self.counts: dict[str, int] = {}
        self.total = 0
        # The most requests an untracked key can have had in this sub-window:
        # the smallest counter once the sketch is full (nothing was evicted
        # before that, so an absent key then had none). Set when it closes.
        self.floor = 0


class HotKeyTracker:
    """Counts requests per partition key and reports keys that run hot.

    Thread-safe. ``record`` is O(1) when the key is already tracked (a dict
    update and two lookups) and O(capacity) when it evicts the smallest counter;
    each step of the window costs one O(buckets * capacity) merge.
    """

    def __init__(
        self,
        config: HotKeyConfig,
        table: str,
        on_hot: Callable[[HotKeyReport], None] | None = None,
    ) -> None:
        self.config = config
        self.table = table
        self._on_hot = on_hot
        self._step = config.window_seconds / config.buckets
        # Bounds the rate-limit memory too. Estimates overcount, so more keys
        # than 1 / share can be reported within one window (hypothesis found
        # three for capacity 2); the margin keeps live entries from being
        # evicted, which would report a key twice in a window.
        self._max_reported = 4 * config.buckets * config.capacity
        self._lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self._current = _Bucket(_NO_BUCKET)
        # Closed sub-windows still inside the window, oldest first.
        self._closed: deque[_Bucket] = deque()
        # The closed sub-windows merged, so that a key's window estimate is two
        # dict lookups instead of one per bucket: per key, the sum over closed
        # buckets of its counter there, or the bucket's floor where it has
        # none; keys in no closed bucket estimate at ``_closed_floor``.
        self._closed_counts: dict[str, int] = {}
        self._closed_floor = 0
        self._closed_total = 0
        # When each key was last reported, in report order (oldest first).
        self._reported: dict[str, float] = {}

    def record(self, partition_key: str) -> HotKeyReport | None:
        """Count one request for ``partition_key``; a report if it is now hot.

        The key is hot when its estimated requests exceed ``share`` of the
        window's (once the window holds ``min_requests``). A hot key is reported
        at most once per ``window_seconds``: the report is logged as a warning
        on ``dyngen.hotkeys``, passed to ``on_hot`` and returned.
        """
        config = self.config
        with self._lock:
            now = config.clock()
            if now // self._step > self._current.index:
                self._advance(now)
            current = self._current
            counts = current.counts
            count = counts.get(partition_key)
            if count is not None:
                count += 1
            elif len(counts) < config.capacity:
                count = 1
            else:
                # Space-Saving: the newcomer takes over the smallest counter and
                # inherits its count, which bounds what the newcomer could have
                # had while untracked, so the estimate never undercounts.
                victim = min(counts, key=counts.__getitem__)
                count = counts.pop(victim) + 1
            counts[partition_key] = count
            current.total += 1
            window = self._closed_total + current.total
            if window < config.min_requests:
                return None
            # Checked for the recorded key only: a key can only become hot by
            # being requested, and a hot key is requested often by definition.
            estimate = count + self._closed_counts.get(
                partition_key, self._closed_floor
            )
            if estimate <= config.share * window:
                return None
            reported = self._reported
            last = reported.get(partition_key)
            if last is not None and now - last < config.window_seconds:
                return None
            # Delete before inserting so the dict stays in report order.
            if last is not None:
                del reported[partition_key]
            elif len(reported) >= self._max_reported:
                del reported[next(iter(reported))]
            reported[partition_key] = now
            report = HotKeyReport(
                table=self.table,
                partition_key=partition_key,
                share=estimate / window,
                requests=estimate,
                window_requests=window,
                window_seconds=config.window_seconds,
            )
        # Outside the lock: logging handlers and the hook may be slow.
        logger.warning(
            "hot partition key on table %s: %r took %.0f%% of %d requests "
            "in the last %.0f s",
            report.table,
            report.partition_key,
            report.share * 100,
            report.window_requests,
            report.window_seconds,
        )
        if self._on_hot is not None:
            try:
                self._on_hot(report)
            except Exception:
                # Detection is observability: a broken metrics hook must not
                # fail the DynamoDB request that happened to trigger it.
                logger.exception("hot key hook failed on table %s", self.table)
        return report

    def snapshot(self, limit: int | None = None) -> list[tuple[str, int]]:
        """The tracked keys and their estimated requests in the current window.

        Sorted by count (highest first), then key; at most ``limit`` entries.
        Estimates are upper bounds, as in ``HotKeyReport``.
        """
        with self._lock:
            self._advance(self.config.clock())
            current = self._current.counts
            floor = min(current.values()) if len(current) >= self.config.capacity else 0
            keys = current.keys() | self._closed_counts.keys()
            estimates = [
                (
                    key,
                    current.get(key, floor)
                    + self._closed_counts.get(key, self._closed_floor),
                )
                for key in keys
            ]
        estimates.sort(key=lambda entry: (-entry[1], entry[0]))
        return estimates if limit is None else estimates[:limit]

    def window_requests(self) -> int:
        """Requests recorded in the current window (exact, not estimated)."""
        with self._lock:
            self._advance(self.config.clock())
            return self._closed_total + self._current.total

    def tracked_counters(self) -> int:
        """Counters held across all sub-window sketches: the memory in use.

        At most ``buckets * capacity`` whatever the number of distinct keys
        (the merged index of closed sub-windows is at most as large again).
        """
        with self._lock:
            return len(self._current.counts) + sum(
                len(bucket.counts) for bucket in self._closed
            )

    def reset(self) -> None:
        """Forget all counts and past reports."""
        with self._lock:
            self._clear()

    def _advance(self, now: float) -> None:
        """Move to the sub-window ``now`` falls in, dropping expired ones.

        A clock reading before the current sub-window (possible only with an
        injected clock) counts into the current one.
        """
        index = int(now // self._step)
        closing = self._current
        if index <= closing.index:
            return
        if closing.total:
            if len(closing.counts) >= self.config.capacity:
                closing.floor = min(closing.counts.values())
            self._closed.append(closing)
        self._current = _Bucket(index)
        oldest_live = index - self.config.buckets + 1
        while self._closed and self._closed[0].index < oldest_live:
            self._closed.popleft()
        floor = sum(bucket.floor for bucket in self._closed)
        merged: dict[str, int] = {}
        for bucket in self._closed:
            for key, count in bucket.counts.items():
                merged[key] = merged.get(key, floor) + count - bucket.floor
        self._closed_counts = merged
        self._closed_floor = floor
        self._closed_total = sum(bucket.total for bucket in self._closed)
        # Reports older than a window no longer rate-limit; they are in report
        # order, so the expired ones are at the front.
        reported = self._reported
        while reported:
            key = next(iter(reported))
            if now - reported[key] < self.config.window_seconds:
                break
            del reported[key]
