"""The production setup in Chromium: lossviz run from deploy/ (its config) behind deploy/nginx.conf.

A student's CSV of a few MB ("Your own data", up to lossviz.tabular.MAX_BYTES) goes through
nginx and Streamlit's upload limit to lossviz's own reader, which offers the file's columns;
a file over 5 MB is refused by the uploader with its own message, never an HTTP error.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit_browser import (
    EXCEPTION,
    IDLE,
    ROOT,
    free_port,
    load,
    new_tab,
    streamlit_server,
    wait_healthy,
)

from lossviz import tabular

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def deployed(browser: Any) -> Iterator[str]:
    """deploy/nginx.conf on a free port in front of one lossviz process started from deploy/;
    yields nginx's URL."""
    if shutil.which("nginx") is None:
        pytest.fail("nginx is not installed (apt-get install -y nginx)", pytrace=False)
    with streamlit_server("app.py", cwd=ROOT / "deploy") as app:
        backend = app.rsplit("/", 1)[1]  # 127.0.0.1:PORT
        # nginx's workers run as an unprivileged user: they must reach the temp folders.
        work = Path(tempfile.mkdtemp(prefix="lossviz-nginx-"))
        work.chmod(0o755)
        (work / "logs").mkdir()
        (work / "tmp").mkdir(mode=0o777)
        (work / "tmp").chmod(0o777)
        port = free_port()
        text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
        text = text.replace("listen 8080;", f"listen 127.0.0.1:{port};")
        text = re.sub(r"^        server 127\.0\.0\.1:\d+;$", "", text, flags=re.M)
        text = re.sub(r'^        "127\.0\.0\.1:\d+" 127\.0\.0\.1:\d+;$', "", text, flags=re.M)
        text = re.sub(r"(# lossviz processes.*)$", rf"\1\n        server {backend};", text,
                      count=1, flags=re.M)
        text = re.sub(r"(# pinned processes.*)$", rf'\1\n        "{backend}" {backend};', text,
                      count=1, flags=re.M)
        conf = work / "nginx.conf"
        conf.write_text(text, encoding="utf-8")
        nginx = ["nginx", "-p", str(work), "-c", str(conf)]
        subprocess.run([*nginx, "-t", "-q"], check=True, capture_output=True, timeout=60)
        subprocess.run(nginx, check=True, capture_output=True, timeout=60)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, timeout=20)
            yield url
        finally:
            subprocess.run([*nginx, "-s", "quit"], capture_output=True, timeout=60,
                           check=False)
            shutil.rmtree(work, ignore_errors=True)


def _csv(size: int) -> bytes:
    """A CSV of about ``size`` bytes in long lines (so that a few MB stay under 10,000 rows):
    39 numeric features and y = 2·x0 + 1 plus small wiggles."""
    header = ",".join(f"x{j}" for j in range(39)) + ",y"
    lines = [header]
    total, i = len(header) + 1, 0
    while total < size:
        x = [10 + 0.001 * i + 0.37 * j for j in range(39)]
        line = ",".join(f"{v:.9f}" for v in x) + f",{2 * x[0] + 1 + 0.01 * (i % 7):.9f}"
        lines.append(line)
        total += len(line) + 1
        i += 1
    return ("\n".join(lines) + "\n").encode()


def _upload(page: Any, name: str, data: bytes) -> None:
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": data})


def test_a_csv_of_a_few_megabytes_goes_through_nginx_to_the_reader(browser: Any,
                                                                   deployed: str) -> None:
    page = new_tab(browser, width=1280, height=800)
    try:
        load(page, f"{deployed}/?reg_data=csv")
        # 3.4 MB in about 6,300 rows: within every limit of lossviz.tabular, over the 1 MB
        # every other request may send.
        data = _csv(3_400_000)
        rows = data.count(b"\n") - 1
        assert len(data) > 3_000_000
        assert rows <= tabular.MAX_ROWS
        _upload(page, "measurements.csv", data)
        caption = page.get_by_text(f"measurements.csv: {rows:,} rows, 40 numeric column(s).")
        caption.wait_for(timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        assert page.locator(EXCEPTION).count() == 0
        assert page.locator("[data-testid='stFileUploaderFile'] [data-testid='stAlert'], "
                            "[data-testid='stFileUploaderFileErrorMessage']").count() == 0

        # Over 5 MB: the uploader itself refuses it (Streamlit counts 10^6 bytes a MB, as
        # lossviz.tabular does), before anything is sent.
        _upload(page, "big.csv", _csv(tabular.MAX_BYTES + 100_000))
        page.get_by_text("File must be 5.0MB or smaller").wait_for(timeout=60_000)
        assert page.locator(EXCEPTION).count() == 0
    finally:
        page.close()
