"""Script runs of one server process take turns, and the turns are fair.

Streamlit runs each session's script in its own thread, and a process's threads share one
core (Python's GIL). Under a class's load, thirty runs in flight each crawl while they fight
for the interpreter: measured with 50 load-test sessions on one process, the server spent
136 ms of CPU per change that way against 77 ms when the runs take turns, and answered 1,104
changes in two minutes against 1,787. So full runs (``app.py``) and fragment runs
(``fragment``) hold one slot.

A plain lock hands the slot out in no particular order, so one student whose every change
trains for half a second makes everyone wait behind each of those runs. Here the next turn
goes to the waiting run whose session has held the slot least recently (``TurnBook``): time
held decays with a half-life of ``HALF_LIFE`` seconds, and time spent waiting counts against
it (``AGING``), so a busy session still gets its turn. A long run can call ``checkpoint()``
between its parts (one fit and the next) to let a lighter session's run go first. A session
may have at most ``MAX_WAITING`` runs waiting (``TurnRefused`` otherwise), and a run that
waited ``WAIT_AT_MOST`` seconds goes ahead anyway: nothing waits forever behind a run that
hangs.

A turn only covers the script. What a run drew reaches the browser through the server's
event loop, another thread of the same interpreter: while a heavy session's run has the
interpreter, the loop gets it back only every ``sys.getswitchinterval()`` (5 ms by default),
and a run's fifty-odd messages then take a quarter of a second to leave. Measured with ten
students and the hostile student of the load test on one process: students' p95 0.32-0.37 s
with the default, 0.10-0.12 s with 0.5 ms, while their waits for a turn stayed under 81 ms.
``share_the_interpreter()`` (called once by ``app.py``) sets ``SWITCH_INTERVAL``.

The policy (``TurnBook``) is plain Python with the time passed in, tested with a made-up
clock; ``FairTurns`` adds the threads. Sessions are told apart by a random token kept in
their ``st.session_state`` (Streamlit 1.67 has no public session id; ``st.context`` holds
headers, cookies and the address, which tabs of one browser or a school behind one address
share).
"""

from __future__ import annotations

import functools
import math
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import streamlit as st

F = TypeVar("F", bound=Callable[..., Any])

HALF_LIFE = 20.0  # seconds for the time a session held the slot to count half
AGING = 1.0  # each second spent waiting counts as this much less time held
MAX_WAITING = 2  # runs of one session waiting at once (one script thread per session: 1)
WAIT_AT_MOST = 10.0  # seconds; then a run goes ahead without the slot
# Seconds a run holds the slot before a checkpoint may hand it on: a long fit checks every 16
# steps, and without a quantum a run of middling weight could wait behind every light one.
QUANTUM = 0.05
SESSION_TOKEN_KEY = "_lossviz_turn_token"
# Seconds a thread keeps the interpreter while another asks for it (Python's default: 0.005):
# short, so that the event loop delivers finished runs while a long one computes.
SWITCH_INTERVAL = 0.0005


class TurnRefused(RuntimeError):
    """A session asked for more turns at once than ``MAX_WAITING``; the message says so."""


@dataclass(eq=False)
class Ticket:
    """One run's place: its session ``key``, arrival order ``seq``, when it asked, and when
    it got the slot (``None`` while it waits)."""

    key: str
    seq: int
    asked_at: float
    granted_at: float | None = None


def _granted(ticket: Ticket, now: float) -> float:
    """When ``ticket`` got the slot (``now`` if it has not: it held it for no time)."""
    return now if ticket.granted_at is None else ticket.granted_at


class TurnBook:
    """Who holds the slot, who waits, and how long each session held it recently.

    Pure bookkeeping: every method takes the time ``now`` (seconds, any monotonic clock).

    Example::

        book = TurnBook()
        heavy = book.request("a", 0.0)
        book.grant(0.0) is heavy       # a free slot goes at once
        book.release(heavy, 3.0)       # "a" held it 3 s
        book.request("a", 3.0); light = book.request("b", 3.0)
        book.grant(3.0) is light       # "b" held it less recently: "b" goes first
    """

    def __init__(
        self, *, half_life: float = HALF_LIFE, aging: float = AGING,
        max_waiting: int = MAX_WAITING, quantum: float = QUANTUM,
    ) -> None:
        if not half_life > 0:
            raise ValueError(f"half_life must be a positive number of seconds; got {half_life}")
        self.half_life = float(half_life)
        self.aging = float(aging)
        self.max_waiting = int(max_waiting)
        self.quantum = float(quantum)
        self.holder: Ticket | None = None
        self.waiting: list[Ticket] = []
        self._used: dict[str, tuple[float, float]] = {}  # key -> (seconds held, as of when)
        self._seq = 0

    def used(self, key: str, now: float) -> float:
        """Seconds ``key`` held the slot, each second weighted by 2^(-age / half_life)."""
        held, since = self._used.get(key, (0.0, now))
        return held * math.exp2(-max(now - since, 0.0) / self.half_life)

    def charge(self, key: str, seconds: float, now: float) -> None:
        """Count ``seconds`` of holding the slot (or of running without it) against ``key``."""
        self._used[key] = (self.used(key, now) + max(float(seconds), 0.0), now)
        # Sessions that have gone quiet drop out: their weight is below a microsecond.
        if len(self._used) > 1000:
            self._used = {k: v for k, v in self._used.items() if self.used(k, now) > 1e-6}

    def priority(self, ticket: Ticket, now: float) -> tuple[float, int]:
        """The order of waiting runs: least time held (less waiting time), then arrival."""
        return self.used(ticket.key, now) - self.aging * (now - ticket.asked_at), ticket.seq

    def request(self, key: str, now: float) -> Ticket:
        """Join the queue; ``TurnRefused`` when ``key`` already has ``max_waiting`` waiting."""
        if sum(t.key == key for t in self.waiting) >= self.max_waiting:
            raise TurnRefused(
                f"This page already has {self.max_waiting} changes waiting for the server; "
                "wait for them to finish before changing more."
            )
        self._seq += 1
        ticket = Ticket(key, self._seq, now)
        self.waiting.append(ticket)
        return ticket

    def grant(self, now: float) -> Ticket | None:
        """Give a free slot to the first waiting run in ``priority`` order; the holder."""
        if self.holder is None and self.waiting:
            ticket = min(self.waiting, key=lambda t: self.priority(t, now))
            self.waiting.remove(ticket)
            ticket.granted_at = now
            self.holder = ticket
        return self.holder

    def release(self, ticket: Ticket, now: float) -> None:
        """``ticket`` gives the slot back; the time it held it counts against its session."""
        if self.holder is not ticket:
            raise ValueError("only the run holding the slot can release it")
        self.charge(ticket.key, now - _granted(ticket, now), now)
        self.holder = None

    def requeue(self, ticket: Ticket, now: float) -> Ticket:
        """The holder ``ticket`` gives the slot back and waits again, as the same run (no
        per-session limit applies); its new place in the queue."""
        self.release(ticket, now)
        self._seq += 1
        again = Ticket(ticket.key, self._seq, now)
        self.waiting.append(again)
        return again

    def abandon(self, ticket: Ticket) -> None:
        """``ticket`` stops waiting (it waited too long and runs without the slot)."""
        if ticket in self.waiting:
            self.waiting.remove(ticket)

    def should_yield(self, ticket: Ticket, now: float) -> bool:
        """Whether a waiting run of another session comes before the holder ``ticket``,
        counting the time the holder has held the slot so far (at least ``quantum``): then
        the holder should let it go first."""
        if self.holder is not ticket or not self.waiting:
            return False
        holding = now - _granted(ticket, now)
        if holding < self.quantum:
            return False  # a run keeps the slot at least this long: no thrashing
        held = self.used(ticket.key, now) + holding
        others = [self.priority(t, now) for t in self.waiting if t.key != ticket.key]
        return bool(others) and min(others)[0] < held  # never to a run of its own session


class FairTurns:
    """``TurnBook`` for threads: ``turn(key)`` waits for the slot, holds it, gives it back.

    Re-entrant per thread: a fragment drawn during a full run of the same thread already
    holds the slot. ``clock`` is any monotonic clock in seconds.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        wait_at_most: float = WAIT_AT_MOST,
        book: TurnBook | None = None,
    ) -> None:
        self.clock = clock
        self.wait_at_most = float(wait_at_most)
        self.book = book if book is not None else TurnBook()
        self._cond = threading.Condition()
        self._local = threading.local()

    def _wait_for(self, ticket: Ticket) -> bool:
        """Called holding the condition: wait until ``ticket`` holds the slot (True), or
        ``wait_at_most`` has passed (False: it no longer waits)."""
        deadline = self.clock() + self.wait_at_most
        while self.book.grant(self.clock()) is not ticket:
            remaining = deadline - self.clock()
            if remaining <= 0:
                self.book.abandon(ticket)
                return False
            self._cond.wait(remaining)
        return True

    @contextmanager
    def turn(self, key: str) -> Iterator[None]:
        """Hold the slot for ``key`` while the block runs (re-entrant per thread)."""
        local = self._local
        if getattr(local, "depth", 0):
            local.depth += 1
            try:
                yield
            finally:
                local.depth -= 1
            return
        with self._cond:
            ticket: Ticket | None = self.book.request(key, self.clock())
            self._cond.notify_all()  # the queue changed: whoever watches it looks again
            if not self._wait_for(ticket):
                ticket = None
        local.depth, local.ticket, local.key, local.start = 1, ticket, key, self.clock()
        local.waited = 0.0
        try:
            yield
        finally:
            ticket, start = local.ticket, local.start
            local.depth, local.ticket = 0, None
            with self._cond:
                now = self.clock()
                if ticket is not None:
                    self.book.release(ticket, now)
                else:  # it ran without the slot: its time still counts
                    self.book.charge(key, now - start, now)
                self._cond.notify_all()

    def checkpoint(self) -> bool:
        """Between parts of a long run: if a waiting run comes first (``should_yield``), give
        it the slot and queue again. Returns whether this run let another go first; does
        nothing outside a turn."""
        local = self._local
        ticket = getattr(local, "ticket", None)
        if not getattr(local, "depth", 0) or ticket is None:
            return False
        with self._cond:
            now = self.clock()
            if not self.book.should_yield(ticket, now):
                return False
            again = self.book.requeue(ticket, now)
            self._cond.notify_all()
            local.ticket = again if self._wait_for(again) else None
            local.start = self.clock()
            local.waited = getattr(local, "waited", 0.0) + local.start - now
        return True

    def run_clock(self) -> float:
        """Seconds on a clock that stops while this thread's run waits at a checkpoint:
        what a run's time limit should count (not the time other sessions ran)."""
        return self.clock() - getattr(self._local, "waited", 0.0)


_TURNS = FairTurns()


def share_the_interpreter() -> None:
    """Let the server's event loop take the interpreter from a computing run within
    ``SWITCH_INTERVAL`` (see the module's docstring). Process-wide, idempotent."""
    if sys.getswitchinterval() > SWITCH_INTERVAL:
        sys.setswitchinterval(SWITCH_INTERVAL)


def session_key() -> str:
    """This session's token for taking turns (made on its first run, kept in its state).

    Outside a script run (a server thread) every caller shares one key.
    """
    token = st.session_state.get(SESSION_TOKEN_KEY)
    if not isinstance(token, str):
        token = secrets.token_hex(8)
        st.session_state[SESSION_TOKEN_KEY] = token
    return token


@contextmanager
def one_run_at_a_time(key: str | None = None) -> Iterator[None]:
    """Hold this process's run slot for the current session (or ``key``) while the block
    runs. A session that already has ``MAX_WAITING`` runs waiting is refused: the page says
    so in plain words and this run stops (the next change runs as usual)."""
    with ExitStack() as held:
        try:
            held.enter_context(_TURNS.turn(session_key() if key is None else key))
        except TurnRefused as refused:
            st.warning(str(refused), icon="⏳")
            st.stop()
        yield


def checkpoint() -> bool:
    """Call between the parts of a long run (after each fit, and inside a long fit:
    ``lossviz.fit(pause=checkpoint, clock=run_clock)``): a lighter session's waiting run
    goes first. Returns whether it did."""
    return _TURNS.checkpoint()


def run_clock() -> float:
    """A clock for ``lossviz.fit(clock=...)`` that stops while this run lets others go
    first at a checkpoint (``fit(pause=checkpoint)``)."""
    return _TURNS.run_clock()


def in_turn(func: F) -> F:
    """``func``, run while holding the run slot."""

    @functools.wraps(func)
    def held(*args: Any, **kwargs: Any) -> Any:
        with one_run_at_a_time():
            return func(*args, **kwargs)

    return held  # type: ignore[return-value]


def fragment(func: F) -> F:
    """``st.fragment`` whose own reruns also take their turn."""
    return st.fragment(in_turn(func))  # type: ignore[return-value]
