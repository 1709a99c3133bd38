"""Runs of one process take turns: a second run waits for the first, nothing waits forever."""

from __future__ import annotations

import threading
import time

import pytest

from lossviz.ui import turns


def _hold_in_thread(seconds: float) -> tuple[threading.Thread, threading.Event]:
    started = threading.Event()

    def hold() -> None:
        with turns.one_run_at_a_time():
            started.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold)
    thread.start()
    assert started.wait(5)
    return thread, started


def test_a_second_run_waits_until_the_first_is_done():
    thread, _ = _hold_in_thread(0.3)
    t0 = time.perf_counter()
    with turns.one_run_at_a_time():
        waited = time.perf_counter() - t0
    thread.join()
    assert waited >= 0.2


def test_a_run_inside_a_run_of_the_same_thread_does_not_wait():
    t0 = time.perf_counter()
    with turns.one_run_at_a_time(), turns.one_run_at_a_time():
        pass
    assert time.perf_counter() - t0 < 0.1


def test_a_run_goes_ahead_after_waiting_at_most_the_limit(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(turns, "WAIT_AT_MOST", 0.1)
    thread, _ = _hold_in_thread(0.6)
    t0 = time.perf_counter()
    with turns.one_run_at_a_time():
        waited = time.perf_counter() - t0
    thread.join()
    assert 0.05 <= waited < 0.5


def test_a_fragment_takes_its_turn_too(monkeypatch: pytest.MonkeyPatch):
    # Outside a Streamlit run st.fragment does not call the function: look at what it wraps.
    wrapped = []
    monkeypatch.setattr(turns.st, "fragment", lambda f: wrapped.append(f) or f)
    calls = []

    @turns.fragment
    def part(x: int) -> None:
        calls.append(x)

    assert wrapped == [part]
    thread, _ = _hold_in_thread(0.3)
    t0 = time.perf_counter()
    part(21)
    waited = time.perf_counter() - t0
    thread.join()
    assert calls == [21]
    assert waited >= 0.2
