"""Workarounds that serving a class on Streamlit 1.67 needs, in one place, each with why.

The app runs correctly without them: they save server time and memory under a class's load.
``install()`` applies them only on the Streamlit versions they were written for
(``TESTED_ON``); on any other version it does nothing and says so in the log. The tests in
``tests/test_serving_workarounds.py`` fail when upstream changes what they rely on, so a
Streamlit upgrade is the moment to look at them again.

1. **File watchers after a reconnect** (a Streamlit bug). With
   ``server.fileWatcherType = "none"`` (the production config in ``deploy/``) a new session
   gets no file watcher, but Streamlit registers one anyway when a browser reconnects to its
   session (``WebsocketSessionManager`` calls
   ``AppSession.register_file_watchers()`` without looking at the option). After every run
   of that session the server then resolves the path of every imported module: in a
   50-session load test with one reconnect each, 13 % of the server's CPU. ``keep_watchers
   _off()`` wraps ``register_file_watchers`` so that it does nothing while the option is
   "none" (the only monkeypatch of the project).

2. **Memory after a class.** After a 50-session load test the server sat ~85 MB above its
   start with no session left: data-cache entries, cyclic garbage of finished runs, free
   pages glibc kept, and the sessions Streamlit keeps for reconnecting, which it drops only
   when it next stores a session. ``watch()`` starts one thread that, once no browser has
   been connected for ``IDLE_FOR`` seconds, drops those expired sessions (through the
   session manager's private store: 1.67 has no public way), empties the data caches,
   collects garbage and asks glibc to return free pages (``malloc_trim``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from lossviz.ui import turns

TESTED_ON = ("1.67.",)  # Streamlit versions these workarounds were written and tested for
_LOG = logging.getLogger(__name__)
_MARK = "_lossviz_keeps_watchers_off"


def applies(version: str | None = None) -> bool:
    """Is this Streamlit one of the versions the workarounds were written for?"""
    version = st.__version__ if version is None else version
    return version.startswith(TESTED_ON)


def install() -> bool:
    """Apply both workarounds once per process, on a tested Streamlit; True if applied."""
    if not applies():
        _LOG.warning("lossviz: serving workarounds skipped on Streamlit %s (written for %s)",
                     st.__version__, ", ".join(TESTED_ON))
        return False
    keep_watchers_off()
    watch()
    return True


# -- 1. file watchers after a reconnect ------------------------------------------------------
def keep_watchers_off() -> None:
    """Wrap ``AppSession.register_file_watchers`` once per process (idempotent)."""
    from streamlit import config
    from streamlit.runtime.app_session import AppSession

    original = getattr(AppSession, "register_file_watchers", None)
    if original is None or getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def register_file_watchers(self: Any, *args: Any, **kwargs: Any) -> Any:
        if config.get_option("server.fileWatcherType") == "none":
            return None
        return original(self, *args, **kwargs)

    setattr(register_file_watchers, _MARK, True)
    AppSession.register_file_watchers = register_file_watchers


# -- 2. memory after a class -----------------------------------------------------------------
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
