"""Runs of one process take turns: a second run waits for the first, nothing waits forever.

Threads hand over with events rather than sleeps, and no test asserts on a duration: a busy
machine can make any run slow, but it cannot make a waiting run go ahead early.
"""

from __future__ import annotations

import threading

import pytest

from lossviz.ui import turns

SETTLE = 0.3  # how long a run that should be waiting is given to (wrongly) go ahead
LONG = 30.0  # a bound no healthy hand-over comes near


class Holder:
    """A thread that holds the run slot until ``release`` is called."""

    def __init__(self) -> None:
        self.holding = threading.Event()
        self._release = threading.Event()
        self.thread = threading.Thread(target=self._hold)
        self.thread.start()
        assert self.holding.wait(LONG)

    def _hold(self) -> None:
        with turns.one_run_at_a_time():
            self.holding.set()
            self._release.wait(LONG)

    def release(self) -> None:
        self._release.set()
        self.thread.join(LONG)


def start_run(target) -> tuple[threading.Thread, threading.Event]:
    """``target`` in a new thread; the event is set once it is running."""
    running = threading.Event()

    def run() -> None:
        target()
        running.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, running


def _block() -> None:
    with turns.one_run_at_a_time():
        pass


def test_a_second_run_waits_until_the_first_is_done():
    holder = Holder()
    thread, ran = start_run(_block)
    assert not ran.wait(SETTLE)  # the slot is taken: the second run waits
    holder.release()
    assert ran.wait(LONG)  # and goes ahead once the first is done
    thread.join(LONG)


def test_a_run_inside_a_run_of_the_same_thread_does_not_wait(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(turns, "WAIT_AT_MOST", LONG)

    def nested() -> None:
        with turns.one_run_at_a_time(), turns.one_run_at_a_time():
            pass

    thread, ran = start_run(nested)
    assert ran.wait(LONG / 2)  # a nested run that waited would take the full LONG
    thread.join(LONG)


def test_a_run_goes_ahead_after_waiting_at_most_the_limit(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(turns, "WAIT_AT_MOST", 0.1)
    holder = Holder()
    try:
        thread, ran = start_run(_block)
        assert ran.wait(LONG)  # while the first still holds the slot
        assert holder.thread.is_alive()
        thread.join(LONG)
    finally:
        holder.release()


def test_a_fragment_takes_its_turn_too(monkeypatch: pytest.MonkeyPatch):
    # Outside a Streamlit run st.fragment does not call the function: look at what it wraps.
    wrapped = []
    monkeypatch.setattr(turns.st, "fragment", lambda f: wrapped.append(f) or f)
    calls = []

    @turns.fragment
    def part(x: int) -> None:
        calls.append(x)

    assert wrapped == [part]
    holder = Holder()
    thread, ran = start_run(lambda: part(21))
    assert not ran.wait(SETTLE)
    assert calls == []
    holder.release()
    assert ran.wait(LONG)
    thread.join(LONG)
    assert calls == [21]
