"""The hot partition key detector, on an injected clock and without a backend."""

from __future__ import annotations

import itertools
import logging
import math
import random
import threading

import pytest
from dyngen_runtime.hotkeys import HotKeyConfig, HotKeyReport, HotKeyTracker
from hypothesis import given, settings
from hypothesis import strategies as st


class Clock:
    """A settable clock for ``HotKeyConfig.clock``."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def tracker(
    clock: Clock, reports: list[HotKeyReport] | None = None, **settings: object
) -> HotKeyTracker:
    config = HotKeyConfig(clock=clock, **settings)  # type: ignore[arg-type]
    return HotKeyTracker(
        config, "orders", on_hot=None if reports is None else reports.append
    )


def test_defaults_and_equality() -> None:
    config = HotKeyConfig()
    assert (
        config.share,
        config.window_seconds,
        config.min_requests,
        config.capacity,
        config.buckets,
    ) == (0.2, 60.0, 100, 64, 6)
    # The clock is not part of a config's identity.
    assert HotKeyConfig(clock=Clock()) == config
    assert hash(HotKeyConfig(clock=Clock())) == hash(config)


def test_dominating_key_among_many_is_reported_once() -> None:
    clock = Clock()
    reports: list[HotKeyReport] = []
    made = tracker(clock, reports)
    rng = random.Random(7)
    total = 20_000
    for i in range(total):
        clock.now = i / 1000
        made.record("hot" if i % 3 == 0 else f"k{rng.randrange(10_000)}")
    assert [report.partition_key for report in reports] == ["hot"]
    (report,) = reports
    assert report.table == "orders"
    assert report.window_requests == 100  # the first verdict allowed
    assert report.share == pytest.approx(1 / 3, abs=0.05)
    assert report.requests == round(report.share * report.window_requests)
    # Over the whole window the estimate is an upper bound within 1/capacity.
    key, count = made.snapshot()[0]
    assert key == "hot"
    assert made.window_requests() == total
    true = math.ceil(total / 3)
    assert true <= count <= true + total / 64


def test_uniform_traffic_is_never_hot() -> None:
    clock = Clock()
    reports: list[HotKeyReport] = []
    made = tracker(clock, reports)
    rng = random.Random(11)
    for i in range(50_000):
        clock.now = i / 250  # 200 s: several windows
        assert made.record(f"k{rng.randrange(500)}") is None
    assert reports == []


def test_ten_equal_keys_are_below_a_fifth_but_above_a_twentieth() -> None:
    clock = Clock()
    quiet = tracker(clock)
    loud = tracker(clock, share=0.05)
    reported: set[str] = set()
    for i in range(1_000):
        clock.now = i / 100
        assert quiet.record(f"k{i % 10}") is None
        report = loud.record(f"k{i % 10}")
        if report is not None:
            reported.add(report.partition_key)
    assert reported == {f"k{n}" for n in range(10)}


def test_no_verdict_below_min_requests() -> None:
    clock = Clock()
    made = tracker(clock)
    for _ in range(99):
        assert made.record("only") is None
    report = made.record("only")
    assert report is not None
    assert (report.requests, report.window_requests, report.share) == (100, 100, 1.0)


def test_window_slides() -> None:
    clock = Clock()
    reports: list[HotKeyReport] = []
    made = tracker(clock, reports)  # 60 s window in 10 s steps
    rng = random.Random(3)
    i = 0
    # 10 requests a second; half of them go to "old" for 20 s, then to "new".
    while (now := i / 10) < 90:
        clock.now = now
        hot = "old" if now < 20 else "new"
        made.record(hot if i % 2 == 0 else f"k{rng.randrange(10_000)}")
        i += 1
    # "old" was still in the window at 60 s, but far below a fifth of it.
    assert [(report.partition_key) for report in reports] == ["old", "new"]
    assert reports[1].share > 0.2
    keys = dict(made.snapshot())
    assert "old" not in keys  # its last request was more than a window ago
    assert "new" in keys
    clock.now = 89.9 + 60.0 + 0.1
    assert made.snapshot() == []
    assert made.window_requests() == 0
    assert made.tracked_counters() == 0


def test_hot_key_is_reported_once_per_window() -> None:
    clock = Clock()
    reported_at: list[float] = []
    made = HotKeyTracker(
        HotKeyConfig(clock=clock),
        "orders",
        on_hot=lambda _: reported_at.append(clock.now),
    )
    for i in range(1_800):  # continuously hot for 180 s
        clock.now = i / 10
        made.record("k")
    assert len(reported_at) == 3
    assert reported_at[0] == pytest.approx(9.9)
    gaps = [later - earlier for earlier, later in itertools.pairwise(reported_at)]
    assert all(gap >= 60.0 for gap in gaps)
    assert all(gap < 60.2 for gap in gaps)


def test_memory_is_bounded() -> None:
    clock = Clock()
    made = tracker(clock)
    most = 0
    for i in range(100_000):
        clock.now = i / 1000  # 100 s, so sub-windows close and expire
        made.record(f"key-{i}")
        if i % 997 == 0:
            most = max(most, made.tracked_counters())
    most = max(most, made.tracked_counters())
    assert 0 < most <= 6 * 64
    assert len(made.snapshot()) <= 6 * 64
    assert made.snapshot(limit=5) == made.snapshot()[:5]


def test_warning_log(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    made = tracker(clock, min_requests=10, share=0.5)
    with caplog.at_level(logging.WARNING, logger="dyngen.hotkeys"):
        for _ in range(10):
            made.record("tenant#42")
    (record,) = caplog.records
    assert record.name == "dyngen.hotkeys"
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "hot partition key on table orders: 'tenant#42' took 100% of 10 requests "
        "in the last 60 s"
    )


def test_on_hot_receives_the_report_and_its_failure_is_contained(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    seen: list[HotKeyReport] = []

    def broken(report: HotKeyReport) -> None:
        seen.append(report)
        raise RuntimeError("metrics backend down")

    made = HotKeyTracker(HotKeyConfig(clock=clock, min_requests=1), "t", broken)
    with caplog.at_level(logging.WARNING, logger="dyngen.hotkeys"):
        report = made.record("k")
    assert report is not None
    assert seen == [report]
    assert "hot key hook failed on table t" in caplog.text


def test_reset_forgets_counts_and_reports() -> None:
    clock = Clock()
    made = tracker(clock, min_requests=1)
    assert made.record("k") is not None
    assert made.record("k") is None  # rate-limited
    made.reset()
    assert made.snapshot() == []
    assert made.window_requests() == 0
    assert made.record("k") is not None


def test_thread_safety() -> None:
    clock = Clock()  # frozen: everything lands in one window
    made = tracker(clock, share=1.0, capacity=64)
    threads, per_thread = 8, 5_000
    start = threading.Barrier(threads)

    def work(n: int) -> None:
        start.wait()
        for i in range(per_thread):
            made.record(f"t{n}-{i % 100}")  # 800 keys: evictions race too

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert made.window_requests() == threads * per_thread
    # Space-Saving keeps the counters summing to the requests seen: a lost
    # update anywhere in the sketch would show here.
    assert sum(count for _, count in made.snapshot()) == threads * per_thread
    assert made.tracked_counters() == 64


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        # "a" is evicted from the first sub-window, so it is in no closed
        # sketch: its estimate must still cover the request it lost.
        ([(0.0, "abc"), (6.0, "a")], 2),
        # "a" is tracked in the second sub-window but was evicted from the
        # first: the merged estimate must add the first one's floor.
        ([(0.0, "abc"), (2.0, "a"), (4.0, "a")], 3),
    ],
)
def test_evicted_counts_are_covered_by_the_floor(
    stream: list[tuple[float, str]], expected: int
) -> None:
    clock = Clock()
    made = tracker(clock, share=0.5, capacity=2, buckets=5, window_seconds=10.0)
    for at, keys in stream:
        clock.now = at
        for key in keys:
            made.record(key)
    assert dict(made.snapshot())["a"] == expected  # true count, no undercount


@pytest.mark.parametrize(
    ("settings", "field_name"),
    [
        ({"share": 0.0}, "share"),
        ({"share": 1.5}, "share"),
        ({"share": math.nan}, "share"),
        ({"window_seconds": 0.0}, "window_seconds"),
        ({"window_seconds": math.inf}, "window_seconds"),
        ({"min_requests": 0}, "min_requests"),
        ({"buckets": 0}, "buckets"),
        ({"buckets": 2.5}, "buckets"),
        ({"capacity": 4}, "capacity"),
        ({"share": 0.01, "capacity": 64}, "capacity"),
    ],
)
def test_config_validation(settings: dict[str, object], field_name: str) -> None:
    with pytest.raises(ValueError, match=rf"HotKeyConfig\.{field_name} must be"):
        HotKeyConfig(**settings)  # type: ignore[arg-type]


def test_capacity_message_names_the_minimum() -> None:
    with pytest.raises(ValueError, match=r">= 5 for share=0\.2\), got 4"):
        HotKeyConfig(capacity=4)
    assert HotKeyConfig(capacity=5).capacity == 5


# Small alphabets and capacities so sketches fill up and evict; steps that are
# exact binary fractions so the reference model's windows match the tracker's.
@settings(max_examples=150, deadline=None)
@given(
    share=st.sampled_from([0.25, 0.3, 0.5]),
    extra_capacity=st.integers(0, 3),
    buckets=st.sampled_from([1, 2, 5]),
    min_requests=st.integers(1, 20),
    stream=st.lists(
        st.tuples(
            st.sampled_from("aaaabbcdefgh"),
            st.sampled_from([0.0, 0.0, 0.5, 1.0, 2.5, 6.0]),
        ),
        max_size=250,
    ),
)
def test_every_key_above_the_share_is_reported(
    share: float,
    extra_capacity: int,
    buckets: int,
    min_requests: int,
    stream: list[tuple[str, float]],
) -> None:
    window_seconds = 10.0
    capacity = math.ceil(1 / share) + extra_capacity
    clock = Clock()
    made = tracker(
        clock,
        share=share,
        capacity=capacity,
        buckets=buckets,
        min_requests=min_requests,
        window_seconds=window_seconds,
    )
    step = window_seconds / buckets
    seen: list[tuple[int, str]] = []  # (sub-window, key) of every request
    last_report: dict[str, float] = {}
    for key, delay in stream:
        clock.now += delay
        index = int(clock.now // step)
        seen.append((index, key))
        live = [k for i, k in seen if i > index - buckets]
        window, true = len(live), live.count(key)

        report = made.record(key)

        recently = key in last_report and clock.now - last_report[key] < window_seconds
        if window >= min_requests and true > share * window:
            assert report is not None or recently
        if report is not None:
            assert not recently
            assert report.window_requests == window
            # Never an undercount; an overcount of at most window / capacity.
            assert true <= report.requests <= true + window / capacity
            last_report[key] = clock.now
        assert made.tracked_counters() <= buckets * capacity
        # The same bounds hold for every key in the window, reported or not:
        # listed keys are never undercounted, and a key can only drop out of
        # every sketch while it has at most window / capacity requests.
        estimates = dict(made.snapshot())
        for other in set(live):
            if other in estimates:
                assert estimates[other] >= live.count(other)
            else:
                assert live.count(other) <= window / capacity
