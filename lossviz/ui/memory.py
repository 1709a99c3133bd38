"""Give memory back to the system once the class has left.

After a 50-session load test (``benchmarks/load_test.py --sessions 50 --duration 60 --ttl
30``, production config) the server sat ~85 MB above its start with no session left. What
held it, measured inside the process: ~26 MB of ``st.cache_data`` entries (pickled bytes
in glibc's heap), ~27 MB of cyclic garbage of finished runs and closed sessions waiting for
a full collection (``runner.postScriptGC`` is off in production, so those are rare), free
pages glibc kept instead of returning, and Python's object allocator grown from 64 to ~106
one-MiB arenas. Collecting garbage and trimming alone gave back ~10 MB; with the caches
emptied as well, ~40 MB, and what the process then uses is back at its start in both
allocators. The rest (~40 MB) is arenas that a few surviving objects keep: Python returns
an arena only when it is empty, and nothing here can move those objects.

``watch()`` starts one daemon thread per process that looks, every ``CHECK_EVERY`` seconds,
at how many sessions the server holds. Once no browser has been connected for ``IDLE_FOR``
seconds, it calls ``release()`` once; it calls it again when the sessions Streamlit keeps
for reconnecting (``server.disconnectedSessionTTL``) have expired. ``release()`` drops
those expired sessions, takes its turn like a script run, empties the data caches (they
fill again on the next class's first runs), collects garbage, and asks glibc to return its
free pages (``malloc_trim``; skipped where there is no glibc). The counts come from
Streamlit's session manager; if a later Streamlit moves it, the thread does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from lossviz.ui import turns

CHECK_EVERY = 5.0  # seconds between two looks at the session count
IDLE_FOR = 30.0  # seconds without a connected browser before the first release

_LOCK = threading.Lock()
_THREAD: threading.Thread | None = None


def _libc_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None (not Linux, or a libc without it, such as musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_MALLOC_TRIM = _libc_malloc_trim()


def malloc_trim() -> bool:
    """Ask glibc to give its free pages back to the system; False where it cannot."""
    if _MALLOC_TRIM is None:
        return False
    try:
        _MALLOC_TRIM(0)
    except Exception:  # never let housekeeping take the server down
        return False
    return True


def reap_expired_sessions(timeout: float = 5.0) -> bool:
    """Drop the sessions kept for reconnecting whose TTL has passed; False if it could not.

    Streamlit drops them only when it next stores a session (the next time a browser leaves),
    so after a class they would stay in memory until the next class. The store is not
    thread-safe: this runs on the server's event loop, where Streamlit itself touches it.
    """
    try:
        from streamlit.runtime import Runtime

        runtime = Runtime.instance()  # private attributes: 1.67 has no public way to this
        expire = runtime._session_mgr._session_storage._cache.expire
        loop = runtime._get_async_objs().eventloop
    except Exception:  # another Streamlit or session store: leave it be
        return False
    done = threading.Event()

    def on_loop() -> None:
        try:
            expire()
        finally:
            done.set()

    try:
        loop.call_soon_threadsafe(on_loop)
    except RuntimeError:  # the loop has closed: the server is stopping
        return False
    return done.wait(timeout)


def release() -> dict[str, Any]:
    """Drop expired sessions, empty the data caches, collect garbage and trim the C heap."""
    reaped = reap_expired_sessions()
    with turns.one_run_at_a_time():  # never under a running script
        st.cache_data.clear()
        collected = gc.collect()
    return {"reaped": reaped, "collected": collected, "trimmed": malloc_trim()}


def session_counts() -> tuple[int, int] | None:
    """(connected sessions, all sessions incl. those kept for reconnecting), or None."""
    try:
        from streamlit.runtime import Runtime

        if not Runtime.exists():
            return None
        manager = Runtime.instance()._session_mgr  # no public count
        return manager.num_active_sessions(), manager.num_sessions()
    except Exception:  # a busy or changed session manager: look again later
        return None


class IdleReleaser:
    """Decides, one look at a time, when the process is idle enough to ``release()``."""

    def __init__(self, release: Callable[[], object] = release, idle_for: float = IDLE_FOR):
        self._release = release
        self._idle_for = idle_for
        self._quiet_since: float | None = None
        self._dirty = False  # a browser was connected since the last release
        self._kept = 0  # sessions kept for reconnecting at the last release

    def look(self, counts: tuple[int, int] | None, now: float) -> bool:
        """Take one look at ``(connected, all)`` sessions; True when it released."""
        if counts is None:
            return False
        connected, total = counts
        if connected:
            self._dirty, self._quiet_since = True, None
            return False
        if self._quiet_since is None:
            self._quiet_since = now
        expired = self._kept > 0 and total == 0  # the kept sessions ran out: theirs can go too
        if (self._dirty and now - self._quiet_since >= self._idle_for) or expired:
            self._release()
            self._dirty, self._kept = False, total
            return True
        return False


def _watch_forever(releaser: IdleReleaser) -> None:
    while True:
        time.sleep(CHECK_EVERY)
        with contextlib.suppress(Exception):  # try again at the next look
            releaser.look(session_counts(), time.monotonic())


def watch() -> None:
    """Start the idle watcher once per process (later calls do nothing)."""
    global _THREAD
    with _LOCK:
        if _THREAD is not None and _THREAD.is_alive():
            return
        _THREAD = threading.Thread(
            target=_watch_forever, args=(IdleReleaser(),), name="lossviz-idle-release",
            daemon=True,
        )
        _THREAD.start()
