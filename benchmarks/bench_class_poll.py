"""Benchmark the Class page's poll in Chromium: the server's CPU while a class waits.

Starts ``streamlit run app.py`` (its class store in a temporary directory), a teacher page
that starts a class and asks a question, and ``--students`` phone pages (390x844) that join
it; then, with nobody touching anything, reads the server process's CPU time (``/proc``) over
``--seconds``. Every page's poll (``st.fragment(run_every="1.5s")``) is then all the server
does, so CPU time / polls is what one student's poll costs, Streamlit's rerun included.
Also prints how long the students' pages took to show a question the teacher asked.

    python benchmarks/bench_class_poll.py [--students 10] [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from streamlit_browser import (  # noqa: E402
    free_port,
    launch_chromium,
    load,
    new_tab,
    wait_healthy,
)

POLL_SECONDS = 1.5  # lossviz.ui.pages.classroom.POLL (not imported: it would start streamlit)


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "LOSSVIZ_DATA_DIR": tempfile.mkdtemp(prefix="lossviz-bench-class-")}
    env.pop("LOSSVIZ_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        wait_healthy(url, timeout=60, proc=server)
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            teacher = new_tab(browser)
            load(teacher, f"{url}/classroom")
            teacher.get_by_role("button", name="Start a class").click()
            teacher.get_by_text("Join with the code").wait_for(timeout=30_000)
            code = teacher.locator("h1").first.inner_text().strip()
            students = []
            for _ in range(args.students):
                page = new_tab(browser, width=390, height=844)
                load(page, f"{url}/classroom?class={code}")
                page.get_by_role("button", name="Join the class").click()
                page.get_by_text("You are in").wait_for(timeout=30_000)
                students.append(page)
            teacher.get_by_role("button", name="Ask the class").click()
            asked = time.monotonic()
            followed = []
            for page in students:
                page.get_by_text("Question 1.").wait_for(timeout=30_000)
                followed.append(time.monotonic() - asked)
            time.sleep(5)
            cpu, wall = _cpu(server.pid), time.monotonic()
            time.sleep(args.seconds)
            cpu, wall = _cpu(server.pid) - cpu, time.monotonic() - wall
            polls = (args.students + 1) * wall / POLL_SECONDS
            print(f"lossviz Class page, {os.cpu_count()} CPUs, load average "
                  f"{os.getloadavg()[0]:.2f}: 1 teacher + {args.students} students")
            print(f"  students showed the teacher's question after {min(followed):.1f} to "
                  f"{max(followed):.1f} s (polls every {POLL_SECONDS:g} s; measured one page after "
                  "the other, so the later pages' times are upper bounds)")
            print(f"  idle class for {wall:.0f} s: server CPU {cpu:.2f} s "
                  f"({cpu / wall * 100:.1f} % of one core), {cpu / polls * 1000:.1f} ms per poll")
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


if __name__ == "__main__":
    main()
