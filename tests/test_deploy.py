"""deploy/nginx.conf is valid nginx, with the limits per client it promises."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[1] / "deploy" / "nginx.conf"


@pytest.fixture(scope="module")
def text() -> str:
    return CONF.read_text(encoding="utf-8")


def test_nginx_accepts_the_config(tmp_path: Path, text: str) -> None:
    if shutil.which("nginx") is None:
        # The README's test command installs it: a skip would let CI pass unchecked.
        pytest.fail("nginx is not installed (apt-get install -y nginx)", pytrace=False)
    (tmp_path / "logs").mkdir()
    (tmp_path / "tmp").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(text.replace("listen 8080;", "listen 127.0.0.1:18080;"), encoding="utf-8")
    done = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(conf)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_clients_over_a_limit_get_429_with_a_text(text: str) -> None:
    assert "limit_conn_status 429;" in text
    assert "limit_req_status 429;" in text
    assert "error_page 429 @too_many;" in text
    assert re.search(r'return 429 "Too many [^"]+";', text)


def test_the_websocket_location_repeats_the_server_limits(text: str) -> None:
    # A location with limit_conn or limit_req of its own inherits none from the server.
    server = re.search(r"server \{(.*?)location /", text, re.S).group(1)
    stream = re.search(r"location /_stcore/stream \{(.*?)\n        \}", text, re.S).group(1)
    for line in re.findall(r"^\s*(limit_(?:conn|req) [^;]+;)", server, re.M):
        assert line in stream
    assert "limit_conn lossviz_browser_ws" in stream
    assert "limit_conn lossviz_address_ws" in stream


def test_only_well_formed_client_cookies_make_a_key(text: str) -> None:
    # A long cookie would make a key nginx cannot store, and the limit would not apply.
    assert '"~^[0-9a-f]{32}$" $cookie_lossviz_client;' in text
    assert "$binary_remote_addr$lossviz_client" in text


def test_a_browser_pinned_to_a_dead_process_goes_to_a_live_one(text: str) -> None:
    """Both the page and the websocket fall back to the group when the pinned process does
    not answer, and the browser is pinned again to the one that did (the live check:
    ``LOSSVIZ_BENCH=failover_check.py deploy/run_cluster.sh`` kills a process)."""
    page = re.search(r"location / \{(.*?)\n        \}", text, re.S).group(1)
    stream = re.search(r"location /_stcore/stream \{(.*?)\n        \}", text, re.S).group(1)
    assert "error_page 502 504 = @repin;" in page
    assert "error_page 502 504 = @repin_ws;" in stream
    for name in ("@repin", "@repin_ws"):
        block = re.search(rf"location {name} \{{(.*?)\n        \}}", text, re.S).group(1)
        assert "proxy_pass http://lossviz;" in block
        assert 'lossviz_route=$lossviz_answered;' in block


def test_a_students_csv_fits_every_upload_limit(text: str) -> None:
    """A CSV of lossviz.tabular.MAX_BYTES passes Streamlit's limit (MiB) and nginx's (the
    upload location's; every other request keeps 1m). The live check:
    tests/browser/test_deploy_browser.py uploads 3.4 MB through both."""
    import tomllib

    from lossviz import tabular

    config = tomllib.loads((CONF.parent / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["maxUploadSize"] * 1024 * 1024 >= tabular.MAX_BYTES
    upload = re.search(r"location /_stcore/upload_file/ \{(.*?)\n        \}", text, re.S)
    assert upload, "no location for Streamlit's uploads"
    size = re.search(r"client_max_body_size (\d+)m;", upload.group(1))
    assert int(size.group(1)) * 1024 * 1024 > tabular.MAX_BYTES + 64 * 1024  # + multipart
    assert "proxy_pass http://$lossviz_backend;" in upload.group(1)  # the session's process
    assert re.search(r"server \{\s*listen 8080;\s*client_max_body_size 1m;", text)
