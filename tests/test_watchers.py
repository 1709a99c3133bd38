"""A reconnect must not turn on the file watchers that the server's config turned off."""

from __future__ import annotations

import pytest
from streamlit import config
from streamlit.runtime.app_session import AppSession

from lossviz.ui import watchers


class _Session:
    """Stands in for an AppSession."""


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch):
    calls = []

    def original(self):
        calls.append(self)

    monkeypatch.setattr(AppSession, "register_file_watchers", original)
    watchers.keep_off()
    watchers.keep_off()  # idempotent: wrapped once
    return calls


@pytest.mark.parametrize(("kind", "expected"), [("none", 0), ("poll", 1), ("auto", 1)])
def test_watchers_are_registered_only_when_the_config_allows(patched, monkeypatch, kind,
                                                             expected):
    real_get = config.get_option
    monkeypatch.setattr(config, "get_option",
                        lambda key: kind if key == "server.fileWatcherType" else real_get(key))
    AppSession.register_file_watchers(_Session())
    assert len(patched) == expected


def test_the_patch_wraps_once(patched):
    fn = AppSession.register_file_watchers
    assert getattr(fn, watchers._MARK)
    assert getattr(fn.__wrapped__, watchers._MARK, False) is False
