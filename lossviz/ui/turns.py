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

A checkpoint cannot split one long computation (a custom formula's fit of ~0.3 s is one
call). Behind such a part a light session's change would wait for all of it: with one
hostile student who changes the custom page's costliest settings every 0.5 s, the other
students on that process waited 2.6x longer (p95 0.16 s -> 0.43 s, load test, 20 sessions).
So once the slot has been held ``BESIDE_AFTER`` seconds, one waiting run of a session that
comes first (``should_yield``) may run beside it (``TurnBook(lanes=2)``): two runs share the
interpreter, never thirty, and the light one ends in about twice its own time instead of
after the long part.

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
BESIDE_AFTER = 0.1  # seconds the slot is held before a lighter run may go beside it
SESSION_TOKEN_KEY = "_lossviz_turn_token"


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
    With ``lanes=2`` a second run may go ``beside`` a holder that has held the slot
    ``beside_after`` seconds, if it comes first (``should_yield``); when the holder gives
    the slot back, the run beside it becomes the holder.

    Example::

        book = TurnBook()
        heavy = book.request("a", 0.0)
        book.grant(0.0) is heavy       # a free slot goes at once
        book.release(heavy, 3.0)       # "a" held it 3 s
        book.request("a", 3.0); light = book.request("b", 3.0)
        book.grant(3.0) is light       # "b" held it less recently: "b" goes first
    """

    def __init__(
        self, *, half_life: float = HALF_LIFE, aging: float = AGING, max_waiting: int = MAX_WAITING,
        lanes: int = 1, beside_after: float = BESIDE_AFTER,
    ) -> None:
        if not half_life > 0:
            raise ValueError(f"half_life must be a positive number of seconds; got {half_life}")
        if lanes not in (1, 2):
            raise ValueError(f"lanes must be 1 or 2; got {lanes}")
        self.half_life = float(half_life)
        self.aging = float(aging)
        self.max_waiting = int(max_waiting)
        self.lanes = lanes
        self.beside_after = float(beside_after)
        self.holder: Ticket | None = None
        self.beside: Ticket | None = None  # a light run let in beside a long holder
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
        """Give a free slot to the first waiting run in ``priority`` order (and, with two
        lanes, the place beside a long holder to a run that comes first); the holder."""
        if self.holder is None and self.waiting:
            self.holder = self._take(now)
        elif (self.lanes == 2 and self.holder is not None and self.beside is None
              and now - _granted(self.holder, now) >= self.beside_after
              and self.should_yield(self.holder, now)):
            self.beside = self._take(now, self._first_other(self.holder, now))
        return self.holder

    def _take(self, now: float, ticket: Ticket | None = None) -> Ticket:
        """Grant ``ticket`` (default: the waiting run that comes first)."""
        if ticket is None:
            ticket = min(self.waiting, key=lambda t: self.priority(t, now))
        self.waiting.remove(ticket)
        ticket.granted_at = now
        return ticket

    def beside_in(self, now: float) -> float | None:
        """About how many seconds until a waiting run may go beside the holder (0: now), or
        None if none can (one lane, no holder, nobody waits, or a run is already beside).

        A lower estimate: the holder's time grows by a second a second and the waiting
        runs' by ``aging`` less, so the gap between them closes at least that fast."""
        if self.lanes != 2 or self.holder is None or self.beside is not None or not self.waiting:
            return None
        first = self._first_other(self.holder, now)
        if first is None:
            return None
        opens = _granted(self.holder, now) + self.beside_after - now
        best = self.priority(first, now)[0]
        held = self.used(self.holder.key, now) + now - _granted(self.holder, now)
        return max(0.0, opens, (best - held) / (1.0 + self.aging))

    def release(self, ticket: Ticket, now: float) -> None:
        """``ticket`` gives the slot back; the time it held it counts against its session."""
        if ticket is self.holder:
            self.holder, self.beside = self.beside, None
        elif ticket is self.beside and ticket is not None:
            self.beside = None
        else:
            raise ValueError("only the run holding the slot can release it")
        self.charge(ticket.key, now - _granted(ticket, now), now)

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

    def _first_other(self, ticket: Ticket, now: float) -> Ticket | None:
        """The waiting run of another session that comes first, if any."""
        others = [t for t in self.waiting if t.key != ticket.key]
        return min(others, key=lambda t: self.priority(t, now)) if others else None

    def should_yield(self, ticket: Ticket, now: float) -> bool:
        """Whether a waiting run of another session comes before the holder ``ticket``,
        counting the time the holder has held the slot so far: then the holder should let it
        go first. (A run of the holder's own session never does: it would only queue again.)"""
        if ticket is None or ticket not in (self.holder, self.beside):
            return False
        first = self._first_other(ticket, now)
        if first is None:
            return False
        held = self.used(ticket.key, now) + now - _granted(ticket, now)
        return self.priority(first, now)[0] < held


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
        self.book = book if book is not None else TurnBook(lanes=2)
        self._cond = threading.Condition()
        self._local = threading.local()

    def _wait_for(self, ticket: Ticket) -> bool:
        """Called holding the condition: wait until ``ticket`` holds the slot (True), or
        ``wait_at_most`` has passed (False: it no longer waits)."""
        deadline = self.clock() + self.wait_at_most
        while True:
            before = (self.book.holder, self.book.beside)
            self.book.grant(self.clock())
            if ticket.granted_at is not None:
                return True
            if (self.book.holder, self.book.beside) != before:
                self._cond.notify_all()  # another waiting run got the slot: wake it
            remaining = deadline - self.clock()
            if remaining <= 0:
                self.book.abandon(ticket)
                return False
            # Look again when the place beside a long holder may open (or when notified).
            beside = self.book.beside_in(self.clock())
            self._cond.wait(remaining if beside is None else min(remaining, beside + 1e-3))

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
        return True


_TURNS = FairTurns()


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
    """Call between the parts of a long run (after each fit): a lighter session's waiting
    run goes first. Returns whether it did."""
    return _TURNS.checkpoint()


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
