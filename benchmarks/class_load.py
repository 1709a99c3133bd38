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

With ``--kill`` (two processes or more, under ``deploy/run_cluster.sh``), half the students
answer, then the process serving most students but not the teacher is killed (SIGKILL) in
the middle of the class. Its students' pages reconnect as the browser does after losing its
server: a new websocket with the same cookie and the same address
(``?class=CODE&me=TOKEN``), which nginx sends to a live process. Each must come back as the
same student of the same class, showing the answer they had sent; then the other half
answer, the students who moved included.

Without ``--url`` the script starts its own server (``deploy/``'s production config, its
class store in a temporary folder) and stops it at the end. With ``--url`` it drives servers
already running (``LOSSVIZ_BENCH=class_load.py deploy/run_cluster.sh``: two processes behind
nginx; set ``LOSSVIZ_DATABASE_URL`` for PostgreSQL) and reads the store the same environment
names (``LOSSVIZ_DATABASE_URL``, else ``LOSSVIZ_DATA_DIR``).

    python benchmarks/class_load.py                      # 50 students, one process, SQLite
    python benchmarks/class_load.py --students 10 --ramp 5 --think 3
    LOSSVIZ_BENCH=class_load.py deploy/run_cluster.sh --kill   # a process dies mid-class
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from failover_check import port_of  # noqa: E402
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


async def kill_one(pids: list[int], teacher: StreamlitSession,
                   students: list[StreamlitSession]) -> str:
    """SIGKILL the process (of ``pids``) that serves most students but not the teacher; its
    address as nginx's X-Upstream names it. Returns once every one of its pages has seen its
    websocket close."""
    by_address = {f"127.0.0.1:{port_of(pid)}": pid for pid in pids}
    counts = Counter(s.upstream for s in students if s.upstream != teacher.upstream)
    victim = counts.most_common(1)[0][0]
    os.kill(by_address[victim], signal.SIGKILL)
    print(f"killed {victim} (pid {by_address[victim]}) with {counts[victim]} students on it")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(
            s.closed_reason is None for s in students if s.upstream == victim):
        await asyncio.sleep(0.05)
    return victim


async def reconnect_all(lost: list[int], students: list[StreamlitSession],
                        sent: dict[int, float], code: str, failures: list[str]) -> list[float]:
    """Reconnect the pages of students ``lost`` as the browser does; each must show the same
    class, as the same student, with the answer it had sent. Seconds each took."""
    seconds: list[float] = []

    async def back(i: int) -> None:
        s = students[i]
        link = dict(parse_qsl(s.query_string))
        began = time.monotonic()
        result = await s.reconnect()
        seconds.append(time.monotonic() - began)
        shown = " ".join(result.texts).replace("\\", "")
        if not result.ok or result.errors:
            failures.append(f"student {i} reconnect: {result.status} {result.errors[:1]}")
        elif dict(parse_qsl(s.query_string)) != link or link.get("class") != code:
            failures.append(f"student {i} came back with another link: {s.query_string!r}")
        elif widget(s, "class_answer_1") is None:
            failures.append(f"student {i} came back without the question")
        elif i in sent and f"Your answer now: {sent[i]:.4g}" not in shown:
            failures.append(f"student {i} came back without their answer {sent[i]:.4g}")

    await asyncio.gather(*(back(i) for i in lost))
    return seconds


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
    sent: dict[int, float] = {}  # student -> the last answer they sent

    async def see_question(i: int, s: StreamlitSession) -> None:
        await asyncio.sleep(rng.uniform(0, POLL))  # the polls are not in step
        while widget(s, "class_answer_1") is None:
            if time.monotonic() - asked > 30:
                failures.append(f"student {i}: the question never showed")
                return
            await s.rerun()
            if widget(s, "class_answer_1") is None:
                await asyncio.sleep(POLL)
        follow.append(time.monotonic() - asked)

    async def answer(i: int, s: StreamlitSession) -> None:
        if widget(s, "class_answer_1") is None:
            return  # said by see_question
        await asyncio.sleep(rng.uniform(0, args.think))
        value = round(rng.uniform(0, 4), 2)
        await s.rerun([set_number(widget(s, "class_answer_1"), value)])
        for _ in range(2 if i % 5 == 0 else 1):  # every fifth student double-clicks
            done = await s.rerun([press(s, "class_send_1")])
            sends.append(done.seconds)
            if not done.ok or done.errors:
                failures.append(f"student {i} send: {done.status} {done.errors[:1]}")
        sent[i] = value

    async def student(i: int, s: StreamlitSession, now: bool) -> None:
        await see_question(i, s)
        if now:
            await answer(i, s)

    # With --kill, half the class answers before the kill and half after it.
    half = args.students // 2 if args.kill else args.students
    await asyncio.gather(*(student(i, s, i < half) for i, s in enumerate(students)))
    moved: list[float] = []
    if args.kill:
        victim = await kill_one(args.pid, teacher, students)
        lost = [i for i, s in enumerate(students) if s.upstream == victim]
        moved = await reconnect_all(lost, students, sent, code, failures)
        await asyncio.gather(*(answer(i, students[i]) for i in range(half, args.students)))
    projector = await teacher.rerun()  # the teacher's page, as its next poll draws it
    counted = f"{args.students} joined, {args.students} answered"
    counted_shown = projector.ok and any(counted in text for text in projector.texts)
    with store.engine.begin() as conn:
        stored, distinct = conn.execute(sa.text(
            "SELECT COUNT(*), COUNT(DISTINCT student) FROM answers WHERE room = :c AND step = 1"),
            {"c": code}).one()
        joined = conn.execute(sa.text("SELECT COUNT(*) FROM students WHERE room = :c"),
                              {"c": code}).scalar()
        tokens = [parse_qs(s.query_string).get("me", [""])[0] for s in students]
        stored_values = dict(conn.execute(sa.text(
            "SELECT student, number FROM answers WHERE room = :c AND step = 1"),
            {"c": code}).all())
    wrong = [i for i, v in sent.items() if stored_values.get(tokens[i]) != v]
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
    print(f"answers as sent      {len(sent) - len(wrong)}/{len(sent)} stored with the value "
          "the student sent")
    if args.kill:
        low, high = min(moved, default=float("nan")), max(moved, default=float("nan"))
        print(f"after the kill       {len(moved)} students reconnected in {low:.2f} to "
              f"{high:.2f} s; the students by process now: "
              + ", ".join(f"{k} {v}" for k, v in sorted(spread.items())))
    for line in failures[:10]:
        print("  " + line)
    checks = {
        "every student joined": joined == args.students,
        "every answer stored exactly once": stored == distinct == args.students,
        "every answer stored as sent": not wrong and len(sent) == args.students,
        "no failed join, send or reconnect": not failures,
        "p95 send -> rerun done <= 1 s": pct(sends, 0.95) <= 1.0,
        f"the projector counts {counted}": counted_shown,
    }
    if args.kill:
        checks["the killed process's students all came back"] = bool(moved) and all(
            s.upstream != victim for s in students)
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return all(checks.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="servers already running (else start one)")
    parser.add_argument("--pid", type=int, action="append", default=[],
                        help="a lossviz process (deploy/run_cluster.sh passes each)")
    parser.add_argument("--kill", action="store_true",
                        help="kill one process mid-class (needs two --pid)")
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds to join in")
    parser.add_argument("--think", type=float, default=10.0, help="seconds to answer in")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.kill and (len(args.pid) < 2 or args.url is None):
        parser.error("--kill needs two processes: LOSSVIZ_BENCH=class_load.py "
                     "deploy/run_cluster.sh --kill")
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
