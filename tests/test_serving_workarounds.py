"""The idle release: it empties the data caches, never raises without glibc, and runs only
once the class has left (and again once the sessions kept for reconnecting have expired)."""

from __future__ import annotations

import streamlit as st

from lossviz.ui import serving_workarounds as memory


def test_release_drops_data_cache_entries():
    calls = []

    @st.cache_data(max_entries=4, show_spinner=False)
    def square(x: int) -> int:
        calls.append(x)
        return x * x

    assert square(3) == 9
    assert square(3) == 9
    assert calls == [3]  # the second call came from the cache
    memory.release()
    assert square(3) == 9
    assert calls == [3, 3]  # the entry was gone


def test_release_never_raises_where_malloc_trim_is_missing(monkeypatch):
    monkeypatch.setattr(memory, "_MALLOC_TRIM", None)
    assert memory.malloc_trim() is False
    assert memory.release()["trimmed"] is False


def test_a_failing_malloc_trim_is_swallowed(monkeypatch):
    def broken(_pad: int) -> int:
        raise OSError("no such symbol")

    monkeypatch.setattr(memory, "_MALLOC_TRIM", broken)
    assert memory.malloc_trim() is False


def test_no_malloc_trim_looked_up_outside_linux(monkeypatch):
    monkeypatch.setattr(memory.sys, "platform", "darwin")
    assert memory._libc_malloc_trim() is None


def test_no_session_counts_without_a_running_server():
    assert memory.session_counts() is None


def _releaser(idle_for: float = 30.0) -> tuple[memory.IdleReleaser, list[int]]:
    done: list[int] = []
    return memory.IdleReleaser(release=lambda: done.append(1), idle_for=idle_for), done


def test_releases_once_after_the_last_browser_left_for_idle_for_seconds():
    r, done = _releaser()
    assert not r.look((3, 3), now=0)
    assert not r.look((0, 3), now=10)  # just left: sessions kept for reconnecting
    assert not r.look((0, 3), now=39)
    assert r.look((0, 3), now=40)
    assert not r.look((0, 3), now=100)  # nothing ran since: no second release
    assert done == [1]


def test_releases_again_when_the_kept_sessions_expire():
    r, done = _releaser()
    r.look((2, 2), now=0)
    r.look((0, 2), now=1)
    assert r.look((0, 2), now=31)
    assert not r.look((0, 1), now=60)  # one of two expired: wait for the other
    assert r.look((0, 0), now=120)
    assert not r.look((0, 0), now=200)
    assert done == [1, 1]


def test_never_releases_while_a_browser_is_connected_or_counts_are_unknown():
    r, done = _releaser(idle_for=0)
    for t in range(10):
        assert not r.look((1, 1), now=t)
        assert not r.look(None, now=t)
    assert r.look((0, 0), now=10)  # idle_for=0: released at the first quiet look
    assert done == [1]


def test_an_idle_process_that_never_served_anyone_is_left_alone():
    r, done = _releaser(idle_for=0)
    for t in range(5):
        assert not r.look((0, 0), now=t)
    assert done == []


def test_watch_starts_one_daemon_thread():
    memory.watch()
    first = memory._THREAD
    memory.watch()
    assert memory._THREAD is first
    assert first is not None
    assert first.daemon
    assert first.is_alive()



def test_no_sessions_reaped_without_a_running_server():
    assert memory.reap_expired_sessions() is False


def test_expired_sessions_are_reaped_on_the_servers_event_loop(monkeypatch):
    import asyncio
    import threading
    from types import SimpleNamespace

    from streamlit.runtime import Runtime

    loop = asyncio.new_event_loop()
    server = threading.Thread(target=loop.run_forever, daemon=True)
    server.start()
    ran_on: list[threading.Thread] = []
    cache = SimpleNamespace(expire=lambda: ran_on.append(threading.current_thread()))
    fake = SimpleNamespace(
        _session_mgr=SimpleNamespace(_session_storage=SimpleNamespace(_cache=cache)),
        _get_async_objs=lambda: SimpleNamespace(eventloop=loop),
    )
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: fake))
    try:
        assert memory.reap_expired_sessions() is True
        assert ran_on == [server]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        server.join(5)
        loop.close()
    assert memory.reap_expired_sessions() is False  # a closed loop: the server is stopping


# -- the guard: these fail when Streamlit changes what the workarounds rely on ----------------
def test_the_reconnect_bug_is_still_there():
    """Streamlit still registers file watchers on reconnect without reading the option.

    When this fails, upstream changed ``connect_session``: check whether the bug is fixed and
    drop ``keep_watchers_off`` if so.
    """
    import inspect

    from streamlit.runtime.websocket_session_manager import WebsocketSessionManager

    source = inspect.getsource(inspect.getmodule(WebsocketSessionManager))
    assert "existing_session.register_file_watchers()" in source
    assert "fileWatcherType" not in source


def test_the_private_session_store_is_where_the_release_looks():
    """The private members ``reap_expired_sessions`` and ``session_counts`` use still exist."""
    from streamlit.runtime.memory_session_storage import MemorySessionStorage
    from streamlit.runtime.websocket_session_manager import WebsocketSessionManager

    assert hasattr(WebsocketSessionManager, "num_active_sessions")
    assert hasattr(WebsocketSessionManager, "num_sessions")
    storage = MemorySessionStorage()
    assert hasattr(storage._cache, "expire")


def test_workarounds_apply_only_on_tested_versions():
    assert memory.applies("1.67.0")
    assert not memory.applies("1.68.0")
    assert not memory.applies("2.0.0")


def test_watchers_wrapped_only_while_the_option_says_none(monkeypatch):
    from streamlit import config
    from streamlit.runtime.app_session import AppSession

    calls = []
    monkeypatch.setattr(AppSession, "register_file_watchers", lambda self: calls.append(self))
    memory.keep_watchers_off()
    memory.keep_watchers_off()  # idempotent: wrapped once
    real = config.get_option
    for kind, expected in (("none", 0), ("poll", 1), ("auto", 2)):
        monkeypatch.setattr(config, "get_option",
                            lambda key, k=kind: k if key == "server.fileWatcherType" else real(key))
        AppSession.register_file_watchers(object())
        assert len(calls) == expected
