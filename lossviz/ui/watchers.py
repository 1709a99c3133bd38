"""Keep Streamlit's file watchers off after a reconnect, as the server's config asks.

With ``server.fileWatcherType = "none"`` (the production config in ``deploy/``) a new session
gets no file watcher, but Streamlit 1.67 registers one anyway when a browser reconnects to
its session (``WebsocketSessionManager.connect_session`` calls
``AppSession.register_file_watchers()`` without looking at the option). From then on, after
every run of that session, the server's event loop resolves the real path of every imported
module to decide what to watch, and a polling thread watches them. In a class, where wifi
drops and laptops sleep, that is most sessions: in a 50-session load test with one reconnect
each, it was 13 % of the server's CPU, all of it on the thread that serves every websocket.

``keep_off()`` makes ``register_file_watchers`` do nothing while the option is "none", which
is what a fresh session gets. It changes nothing when watching is on (development), and does
nothing if a later Streamlit no longer has the method.
"""

from __future__ import annotations

import functools
from typing import Any

from streamlit import config
from streamlit.runtime.app_session import AppSession

_MARK = "_lossviz_keeps_watchers_off"


def keep_off() -> None:
    """Patch ``AppSession.register_file_watchers`` once per process (idempotent)."""
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
