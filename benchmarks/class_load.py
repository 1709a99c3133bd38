"""Load test of class mode: one teacher and ``--students`` students in one class, each a real
Streamlit session speaking the websocket protocol (``benchmarks/st_client.py``).

The teacher starts a class; the students open the join link and join within ``--ramp``
seconds; the teacher asks a question; every student's page reruns every 1.5 s (as the Class
page's poll makes it, here as full reruns: this client runs no fragment timers) until the
question shows, then answers within ``--think`` seconds: types a number, presses "Send" (a
fifth of them twice, a double click). Then the class store itself is read: every answer
must be stored exactly once.

Reported: joins and answers that failed, the delay from the teacher asking to each page
showing the question, and p50/p95/max from pressing "Send" to the end of its rerun.
Targets (issue 15): every answer stored once, p95 <= 1 s.

Without ``--url`` the script starts its own server (``deploy/``'s production config, its
class store in a temporary folder) and stops it at the end. With ``--url`` it drives servers
already running (``LOSSVIZ_BENCH=class_load.py deploy/run_cluster.sh``: two processes behind
nginx; set ``LOSSVIZ_DATABASE_URL`` for PostgreSQL) and reads the store the same environment
names (``LOSSVIZ_DATABASE_URL``, else ``LOSSVIZ_DATA_DIR``).

    python benchmarks/class_load.py                      # 50 students, one process, SQLite
    python benchmarks/class_load.py --students 10 --ramp 5 --think 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from load_test import free_port, page_cookie, start_server  # noqa: E402
from st_client import StreamlitSession, Widget, set_number  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from lossviz.classroom.store import Store  # noqa: E402

POLL = 1.5  # lossviz.ui.pages.classroom.POLL


def widget(session: StreamlitSession, key: str) -> Widget | None:
    """The widget the last run drew with the user key ``key``."""
    return next((w for w in session.widgets.values() if w.id.endswith(f"-{key}")), None)


def press(session: StreamlitSession, key: str) -> WidgetState:
    found = widget(session, key)
    if found is None:
        raise LookupError(f"no button {key!r} on the page")
    return WidgetState(id=found.id, trigger_value=True)


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


async def run(url: str, args: argparse.Namespace) -> bool:
    rng = random.Random(args.seed)
    store = Store()
    loop = asyncio.get_running_loop()
    # A browser's first GET sets the cookie nginx pins a session to a process by (and counts
    # its connections by): each session is its own browser.
    teacher = StreamlitSession(url, page="classroom", timeout=60,
                               cookie=await loop.run_in_executor(None, page_cookie, url))
    await teacher.connect()
    started = time.time()
    result = await teacher.rerun([press(teacher, "class_start")])
    with store.engine.begin() as conn:
        code = conn.execute(sa.text("SELECT code FROM rooms WHERE created >= :t ORDER BY "
                                    "created DESC"), {"t": started - 5}).scalar()
    if not result.ok or code is None:
        print(f"the teacher could not start a class: {result.status} {result.exceptions}")
        return False
    print(f"class {code} started; {args.students} students join within {args.ramp:g} s")

    students = [StreamlitSession(url, page="classroom", query_string=f"class={code}",
                                 timeout=60) for _ in range(args.students)]
    failures: list[str] = []

    async def join(i: int, s: StreamlitSession) -> None:
        await asyncio.sleep(rng.uniform(0, args.ramp))
        s.cookie = await loop.run_in_executor(None, page_cookie, url)
        await s.connect()
        done = await s.rerun([press(s, "class_join")])
        if not done.ok or done.errors:
            failures.append(f"student {i} join: {done.status} {done.errors[:1]}")

    await asyncio.gather(*(join(i, s) for i, s in enumerate(students)))
    await teacher.rerun()
    await teacher.rerun([press(teacher, "class_ask")])
    asked = time.monotonic()
    follow: list[float] = []
    sends: list[float] = []

    async def answer(i: int, s: StreamlitSession) -> None:
        await asyncio.sleep(rng.uniform(0, POLL))  # the polls are not in step
        while widget(s, "class_answer_1") is None:
            if time.monotonic() - asked > 30:
                failures.append(f"student {i}: the question never showed")
                return
            await s.rerun()
            if widget(s, "class_answer_1") is None:
                await asyncio.sleep(POLL)
        follow.append(time.monotonic() - asked)
        await asyncio.sleep(rng.uniform(0, args.think))
        await s.rerun([set_number(widget(s, "class_answer_1"), round(rng.uniform(0, 4), 2))])
        for _ in range(2 if i % 5 == 0 else 1):  # every fifth student double-clicks
            done = await s.rerun([press(s, "class_send_1")])
            sends.append(done.seconds)
            if not done.ok or done.errors:
                failures.append(f"student {i} send: {done.status} {done.errors[:1]}")

    await asyncio.gather(*(answer(i, s) for i, s in enumerate(students)))
    with store.engine.begin() as conn:
        stored, distinct = conn.execute(sa.text(
            "SELECT COUNT(*), COUNT(DISTINCT student) FROM answers WHERE room = :c AND step = 1"),
            {"c": code}).one()
        joined = conn.execute(sa.text("SELECT COUNT(*) FROM students WHERE room = :c"),
                              {"c": code}).scalar()
    spread = Counter(s.upstream or "direct" for s in students)
    teacher_at = teacher.upstream or "direct"
    for s in (teacher, *students):
        await s.close()
    store.close()

    print(f"joined               {joined}/{args.students}  (students by process: "
          + ", ".join(f"{k} {v}" for k, v in sorted(spread.items())) + f"; teacher {teacher_at})")
    print(f"question showed      after {min(follow, default=float('nan')):.2f} to "
          f"{max(follow, default=float('nan')):.2f} s (p95 {pct(follow, 0.95):.2f} s; polls "
          f"every {POLL:g} s)")
    print(f"send -> rerun done   p50 {statistics.median(sends):.3f} s  p95 "
          f"{pct(sends, 0.95):.3f} s  max {max(sends):.3f} s  ({len(sends)} sends)")
    print(f"answers stored       {stored} rows for {distinct} students "
          f"(expected {args.students})")
    for line in failures[:10]:
        print("  " + line)
    checks = {
        "every student joined": joined == args.students,
        "every answer stored exactly once": stored == distinct == args.students,
        "no failed join or send": not failures,
        "p95 send -> rerun done <= 1 s": pct(sends, 0.95) <= 1.0,
    }
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return all(checks.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="servers already running (else start one)")
    parser.add_argument("--pid", type=int, action="append", default=[],
                        help="accepted for deploy/run_cluster.sh; not used")
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds to join in")
    parser.add_argument("--think", type=float, default=10.0, help="seconds to answer in")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    server = None
    if args.url is None:
        folder = Path(tempfile.mkdtemp(prefix="lossviz-class-load-"))
        os.environ["LOSSVIZ_DATA_DIR"] = str(folder)
        os.environ.pop("LOSSVIZ_DATABASE_URL", None)
        port = free_port()
        server = start_server(port, folder / "server.log")
        args.url = f"http://127.0.0.1:{port}"
    try:
        passed = asyncio.run(run(args.url, args))
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
