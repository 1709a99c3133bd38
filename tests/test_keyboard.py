"""The page script that gives the charts' animation controls keyboard access.

What it does in a browser is tested in ``tests/browser/test_keyboard_browser.py``; here: the
app mounts it once per run as constant code (nothing from the session or a user in it), it
costs little per rerun, and dropping its comments leaves valid JavaScript.
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


def test_script_drops_only_comments_and_indentation() -> None:
    source = keyboard.SCRIPT.read_text(encoding="utf-8").splitlines()
    code = [line.strip() for line in source if line.strip() and not line.strip().startswith("//")]
    assert keyboard.script().splitlines() == code


def test_script_is_small_enough_to_send_on_every_rerun() -> None:
    # Each full rerun sends it again; keep it a few percent of the 300 KB page budget.
    assert len(keyboard.script().encode()) < 12_000


def test_script_without_its_comments_is_valid_javascript(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed; the browser tests run the script anyway")
    module = tmp_path / "keyboard.mjs"
    module.write_text(keyboard.script(), encoding="utf-8")
    result = subprocess.run([node, "--check", str(module)], capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 0, result.stderr
