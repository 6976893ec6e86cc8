"""The client's clocks: the real one wakes on Cancel, the fake one skips its waits; Cancel is per thread."""

import threading
import time

from ctctdesk.ctct.timing import CancelScope, FakeClock, SystemClock


def test_the_real_clock_wakes_on_cancel_long_before_the_wait_is_over():
    cancel = threading.Event()
    threading.Timer(0.05, cancel.set).start()
    started = time.monotonic()
    assert SystemClock().sleep(60.0, cancel) is True
    assert time.monotonic() - started < 1.0
    assert SystemClock().sleep(0.01, threading.Event()) is False  # a wait that ran its course


def test_the_fake_clock_skips_its_waits_and_takes_others_along():
    clock = FakeClock()
    followers = []
    clock.follow(followers.append)
    before_wall, before = clock.now(), clock.monotonic()
    started = time.monotonic()
    assert clock.sleep(3600.0) is False
    assert time.monotonic() - started < 1.0
    assert clock.monotonic() - before >= 3600.0
    assert (clock.now() - before_wall).total_seconds() >= 3600.0
    assert clock.slept == [3600.0] and followers == [3600.0]
    cancel = threading.Event()
    cancel.set()
    assert clock.sleep(5.0, cancel) is True  # already cancelled: no time passes
    assert followers == [3600.0]


def test_a_cancel_bound_on_one_thread_does_not_reach_another():
    scope = CancelScope()
    run_cancel, other_seen = threading.Event(), []
    with scope.bound(run_cancel):
        assert scope.event is run_cancel
        thread = threading.Thread(target=lambda: other_seen.append(scope.event))
        thread.start()
        thread.join()
        inner = threading.Event()
        with scope.bound(inner):
            assert scope.event is inner
        assert scope.event is run_cancel
    assert scope.event is None and other_seen == [None]
