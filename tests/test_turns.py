"""Script runs take fair turns: the policy with a made-up clock, the threads without sleeps,
and a simulated class in which one heavy session slows a light one by at most 2x."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lossviz.ui import turns
from lossviz.ui.turns import FairTurns, Ticket, TurnBook, TurnRefused


# -- the policy ---------------------------------------------------------------------------------
def test_a_free_slot_goes_at_once_and_only_its_holder_gives_it_back():
    book = TurnBook()
    first = book.request("a", 0.0)
    assert book.grant(0.0) is first
    second = book.request("b", 0.0)
    assert book.grant(1.0) is first  # still held
    with pytest.raises(ValueError, match="only the run holding the slot"):
        book.release(second, 1.0)
    book.release(first, 1.0)
    assert book.grant(1.0) is second


def test_sessions_that_held_it_equally_go_in_arrival_order():
    book = TurnBook()
    tickets = [book.request(key, 0.0) for key in "abc"]
    order = []
    for now in (1.0, 2.0, 3.0):
        order.append(book.grant(now))
        book.release(order[-1], now)
    # a held 1 s, then b and c waited; b asked before c and waited as long.
    assert order == tickets


def test_the_session_that_held_it_least_recently_goes_first():
    book = TurnBook()
    book.charge("heavy", 5.0, 0.0)
    book.charge("light", 0.2, 0.0)
    heavy = book.request("heavy", 10.0)
    light = book.request("light", 10.0)
    assert book.grant(10.0) is light
    book.release(light, 10.1)
    assert book.grant(10.1) is heavy


def test_time_held_counts_half_after_a_half_life():
    book = TurnBook(half_life=20.0)
    book.charge("a", 4.0, 100.0)
    assert book.used("a", 100.0) == pytest.approx(4.0)
    assert book.used("a", 120.0) == pytest.approx(2.0)
    assert book.used("a", 140.0) == pytest.approx(1.0)
    book.charge("a", 1.0, 140.0)
    assert book.used("a", 160.0) == pytest.approx(1.0)
    assert book.used("never", 160.0) == 0.0


def test_a_busy_session_still_gets_its_turn():
    book = TurnBook(half_life=20.0, aging=1.0)
    book.charge("heavy", 3.0, 0.0)
    heavy = book.request("heavy", 0.0)
    # Fresh sessions keep arriving; the heavy run's wait counts against the time it held.
    for step in range(1, 100):
        now = 0.1 * step
        book.request(f"light{step}", now)
        granted = book.grant(now)
        if granted is heavy:
            break
        book.release(granted, now)
    assert book.holder is heavy
    assert heavy.granted_at <= 3.0


def test_a_session_may_not_queue_more_than_max_waiting_runs():
    book = TurnBook(max_waiting=2)
    book.grant(0.0)
    book.request("tabs", 0.0)
    book.request("tabs", 0.0)
    with pytest.raises(TurnRefused, match="already has 2 changes waiting for the server"):
        book.request("tabs", 0.0)
    book.request("other", 0.0)  # another session is not affected


def test_the_holder_yields_only_to_a_run_that_comes_first():
    book = TurnBook()
    book.charge("heavy", 2.0, 0.0)
    heavy = book.request("heavy", 0.0)
    book.grant(0.0)
    assert not book.should_yield(heavy, 0.1)  # nobody waits
    book.request("heavy", 0.1)  # another tab of the same session: it does not come first
    assert not book.should_yield(heavy, 0.1)
    book.request("light", 0.1)
    assert book.should_yield(heavy, 0.1)
    again = book.requeue(heavy, 0.1)
    assert book.grant(0.1).key == "light"
    assert again in book.waiting


def test_a_run_keeps_the_slot_for_a_quantum_before_it_yields():
    book = TurnBook(quantum=0.05)
    book.charge("heavy", 2.0, 0.0)
    heavy = book.request("heavy", 0.0)
    book.grant(0.0)
    book.request("light", 0.01)
    assert not book.should_yield(heavy, 0.04)  # a fit's checkpoints every few ms: no thrash
    assert book.should_yield(heavy, 0.05)


# -- a simulated class ---------------------------------------------------------------------------
class PlainLock(TurnBook):
    """A lock's order: first come, first served, never yielding."""

    def priority(self, ticket: Ticket, now: float) -> tuple[float, int]:
        return 0.0, ticket.seq

    def should_yield(self, ticket: Ticket, now: float) -> bool:
        return False


def simulate(book: TurnBook, sessions: dict[str, tuple[list[float], float]],
             duration: float = 60.0) -> dict[str, list[float]]:
    """Virtual time: each session asks for a run, runs its parts (``checkpoint`` between
    them), and asks again ``think`` seconds after it ends. Returns each session's latencies
    (from asking to the end of its run)."""
    asked = dict.fromkeys(sessions, 0.0)
    part = dict.fromkeys(sessions, 0)
    latencies: dict[str, list[float]] = {key: [] for key in sessions}
    tickets: dict[str, Ticket] = {}
    now = 0.0
    arrivals = dict.fromkeys(sessions, 0.0)
    while now < duration:
        for key, at in list(arrivals.items()):
            if at <= now:
                tickets[key] = book.request(key, at)
                del arrivals[key]
        holder = book.grant(now)
        if holder is None:
            now = min(arrivals.values())
            continue
        key = holder.key
        parts, think = sessions[key]
        now += parts[part[key]]
        part[key] += 1
        for other, at in list(arrivals.items()):  # who asked while this part ran
            if at <= now:
                tickets[other] = book.request(other, at)
                del arrivals[other]
        if part[key] == len(parts):
            book.release(holder, now)
            latencies[key].append(now - asked[key])
            part[key] = 0
            asked[key] = arrivals[key] = now + think
        elif book.should_yield(holder, now):
            tickets[key] = book.requeue(holder, now)
    return latencies


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


# Three tabs of a heavy student: each change trains 0.5 s (the budget) in ten fits of 50 ms,
# and a new change comes the moment the last ends. A light student: 0.1 s runs, one change
# every 0.7 s.
HEAVY = ([0.05] * 10, 0.0)
LIGHT = ([0.1], 0.7)


def test_heavy_sessions_slow_a_light_one_at_most_2x_with_fair_turns():
    latencies = simulate(TurnBook(), {"heavy1": HEAVY, "heavy2": HEAVY, "heavy3": HEAVY,
                                      "light": LIGHT})
    assert len(latencies["light"]) > 50
    assert p95(latencies["light"]) <= 2 * 0.1
    assert all(latencies[k] for k in ("heavy1", "heavy2", "heavy3"))  # they still progress


def test_with_a_plain_lock_the_same_class_slows_the_light_session_more_than_2x():
    latencies = simulate(PlainLock(), {"heavy1": HEAVY, "heavy2": HEAVY, "heavy3": HEAVY,
                                       "light": LIGHT})
    assert p95(latencies["light"]) > 2 * 0.1


def test_without_checkpoints_one_long_run_is_what_a_light_session_waits_for():
    whole = ([0.5], 0.0)
    latencies = simulate(TurnBook(), {"heavy": whole, "light": LIGHT})
    assert p95(latencies["light"]) > 2 * 0.1  # hence: call turns.checkpoint() between fits


# -- the threads -------------------------------------------------------------------------------
def run_in_thread(target: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def wait_until(turns_: FairTurns, predicate: Callable[[], bool]) -> None:
    with turns_._cond:  # notified whenever the queue changes
        assert turns_._cond.wait_for(predicate, timeout=10)


def test_a_run_inside_a_run_of_the_same_thread_does_not_wait():
    fair = FairTurns()
    done = []

    def nested() -> None:
        with fair.turn("a"), fair.turn("a"), fair.turn("a"):
            done.append(True)

    run_in_thread(nested).join(10)
    assert done == [True]
    assert fair.book.holder is None


def test_waiting_runs_go_lightest_session_first():
    fair = FairTurns()
    fair.book.charge("heavy", 5.0, fair.clock())
    order: list[str] = []

    def run(key: str) -> Callable[[], None]:
        def body() -> None:
            with fair.turn(key):
                order.append(key)

        return body

    with fair.turn("main"):
        threads = [run_in_thread(run("heavy"))]
        wait_until(fair, lambda: len(fair.book.waiting) == 1)
        threads.append(run_in_thread(run("light")))
        wait_until(fair, lambda: len(fair.book.waiting) == 2)
        order.append("main")
    for thread in threads:
        thread.join(10)
    assert order == ["main", "light", "heavy"]


def test_a_long_run_lets_a_lighter_one_go_first_at_a_checkpoint():
    fair = FairTurns(book=TurnBook(quantum=0.0))  # yield at the first checkpoint
    fair.book.charge("heavy", 5.0, fair.clock())
    order: list[str] = []

    def light() -> None:
        with fair.turn("light"):
            order.append("light")

    with fair.turn("heavy"):
        assert fair.checkpoint() is False  # nobody waits
        order.append("heavy part 1")
        thread = run_in_thread(light)
        wait_until(fair, lambda: len(fair.book.waiting) == 1)
        assert fair.checkpoint() is True
        order.append("heavy part 2")
    thread.join(10)
    assert order == ["heavy part 1", "light", "heavy part 2"]
    assert fair.checkpoint() is False  # outside a turn


def test_a_run_that_waited_its_limit_goes_ahead_and_its_time_still_counts():
    ticks = iter(range(1000))
    fair = FairTurns(clock=lambda: float(next(ticks)), wait_at_most=0.0)
    ran = []

    def late() -> None:
        with fair.turn("late"):
            ran.append(fair.book.holder.key)

    with fair.turn("first"):
        run_in_thread(late).join(10)
    assert ran == ["first"]  # it ran while "first" held the slot
    assert fair.book.used("late", fair.clock()) > 0
    assert fair.book.waiting == []


def test_a_session_over_its_limit_is_refused_with_a_message():
    fair = FairTurns(book=TurnBook(max_waiting=0))
    with pytest.raises(TurnRefused, match="changes waiting"), fair.turn("a"):
        pass


# -- in the app --------------------------------------------------------------------------------
def _page() -> None:
    import streamlit as st

    from lossviz.ui import turns

    @turns.fragment
    def part() -> None:
        st.write("the fragment ran")

    with turns.one_run_at_a_time():
        st.write("the page ran")
        part()  # a fragment inside a full run: the same thread, no wait


def test_a_page_and_its_fragment_take_their_turns_under_the_session_token():
    at = AppTest.from_function(_page).run(timeout=30)
    assert not at.exception
    assert [m.value for m in at.markdown] == ["the page ran", "the fragment ran"]
    token = at.session_state[turns.SESSION_TOKEN_KEY]
    assert isinstance(token, str)
    assert len(token) == 16
    at.run(timeout=30)
    assert at.session_state[turns.SESSION_TOKEN_KEY] == token  # one token per session


def test_a_refused_run_says_why_on_the_page_and_stops(monkeypatch):
    """A session over ``MAX_WAITING`` gets the refusal as a message, not a traceback."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from lossviz.ui import turns

    monkeypatch.setattr(turns, "_TURNS", FairTurns(book=TurnBook(max_waiting=0)))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"))
    at.run(timeout=60)
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "This page already has 0 changes waiting for the server; "
        "wait for them to finish before changing more."
    ]
    assert not at.get("plotly_chart")
    assert not at.slider


def test_the_refusal_is_only_for_the_session_over_its_limit(monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from lossviz.ui import turns

    monkeypatch.setattr(turns, "_TURNS", FairTurns(book=TurnBook(max_waiting=1)))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"))
    at.run(timeout=60)
    assert not at.exception
    assert not at.warning
    assert at.slider


def test_a_light_run_goes_first_inside_a_long_fit_and_its_time_is_not_the_fits():
    """``fit(pause=checkpoint, clock=run_clock)``: a lighter session's run waits for at most
    16 steps of a long fit, not for all of it, and the fit's clock skips that wait. The
    clock is made up: the light run takes 100 "seconds", the fit none."""
    import lossviz
    from lossviz.ui import turns

    now = [0.0]
    fair = FairTurns(clock=lambda: now[0], book=TurnBook(quantum=0.0))
    fair.book.charge("heavy", 5.0, 0.0)
    order: list[str] = []

    def light() -> None:
        with fair.turn("light"):
            now[0] += 100.0
            order.append("light")

    thread = None

    def pause() -> None:
        nonlocal thread
        if thread is None:  # the light session's change arrives during the fit
            thread = run_in_thread(light)
            wait_until(fair, lambda: len(fair.book.waiting) == 1)
        if fair.checkpoint():
            order.append("fit resumed")

    x = np.linspace(0, 1, 50)
    with fair.turn("heavy"):
        start = fair.run_clock()
        history = lossviz.fit(x, 2 * x, "mse", steps=200, pause=pause, clock=fair.run_clock,
                              time_limit=30.0)
        held = fair.run_clock() - start
        order.append("fit done")
    thread.join(10)
    assert order == ["light", "fit resumed", "fit done"]
    assert history.stop_reason == "budget"  # the light run's 100 s are not on its clock
    assert held == 0.0
    assert now[0] == 100.0
    assert turns.run_clock() >= 0.0  # the module's clock outside any run: the plain clock


def test_the_event_loop_gets_the_interpreter_within_the_switch_interval():
    import sys

    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)  # Python's default
        turns.share_the_interpreter()
        assert sys.getswitchinterval() == pytest.approx(turns.SWITCH_INTERVAL)
        sys.setswitchinterval(0.0001)  # a server already set lower is left as it is
        turns.share_the_interpreter()
        assert sys.getswitchinterval() == pytest.approx(0.0001)
    finally:
        sys.setswitchinterval(before)
