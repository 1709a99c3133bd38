"""The page script that gives the charts' animation controls keyboard access.

What it does in a browser is tested in ``tests/browser/test_keyboard_browser.py``; here: the
app mounts it once per run as constant code (nothing from the session or a user in it), it
is sent in full only once per session, and parses as JavaScript.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lossviz.ui import keyboard

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 90


def _mounted(at: AppTest) -> list:
    """The keyboard script's elements on the page (a component Streamlit sends as is)."""
    found, stack = [], [at._tree]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            stack.extend(children.values())
        proto = getattr(node, "proto", None)
        if getattr(proto, "component_name", None) == keyboard.NAME:
            found.append(proto)
    return found


@pytest.fixture(scope="module")
def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT).run()


def test_app_mounts_the_script_once_with_constant_code(app: AppTest) -> None:
    assert not app.exception
    mounted = _mounted(app)
    assert len(mounted) == 1
    assert mounted[0].js_content == keyboard.script()
    assert mounted[0].WhichOneof("data") is None, "the script must carry no data"
    assert not mounted[0].html_content


@pytest.mark.parametrize("section", ["classification", "stopping"])
def test_every_section_mounts_the_same_script(section: str) -> None:
    from lossviz.ui import SECTIONS

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["section"] = SECTIONS[section][0]
    at.run()
    assert not at.exception
    assert [m.js_content for m in _mounted(at)] == [keyboard.script()]
    at.run()  # a rerun sends the same constant script again, nothing per session
    assert not at.exception
    assert [m.js_content for m in _mounted(at)] == [keyboard.script()]


def test_the_script_is_sent_once_then_by_reference(app: AppTest) -> None:
    # Streamlit resends an unchanged element as a short hash reference only when its message
    # is "cacheable" (large enough); below that the script would cost its full size on every
    # rerun. This is Streamlit's own test for it, on the element the app sends.
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.forward_msg_cache import populate_hash_if_needed

    msg = ForwardMsg()
    msg.delta.new_element.bidi_component.CopyFrom(_mounted(app)[0])
    populate_hash_if_needed(msg)
    assert msg.metadata.cacheable, (
        f"a {len(keyboard.script())}-byte script is below Streamlit's message cache threshold "
        "and would be resent in full on every rerun"
    )


def test_script_is_valid_javascript(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed; the browser tests run the script anyway")
    module = tmp_path / "keyboard.mjs"
    module.write_text(keyboard.script(), encoding="utf-8")
    result = subprocess.run([node, "--check", str(module)], capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 0, result.stderr
