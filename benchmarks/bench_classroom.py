"""Benchmark the class store: what one student's poll costs the server, and how fast a
class's answers go in.

1. ``Store.state`` (the poll: the room's row and two counts) on a class of ``--students``
   students who all answered, one call at a time: wall clock and this process's CPU time
   per poll; then the CPU per second that ``--students`` pages polling every 1.5 s cost.
2. ``Store.answer`` from ``--students`` threads at once (each student twice, as a double
   click): every answer stored once, and the time until all are in.

SQLite (a temporary file in WAL mode) always; PostgreSQL too with ``--postgres URL`` (a
SQLAlchemy URL to an empty database, e.g. ``postgresql+psycopg://user@/db?host=/tmp``).
The page's own work on a poll (Streamlit rerunning the small fragment) comes on top.

    python benchmarks/bench_classroom.py [--students 50] [--polls 2000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's lossviz, before any installed one

import sqlalchemy as sa  # noqa: E402

from lossviz.classroom import Question, Store  # noqa: E402
from lossviz.classroom import store as store_module  # noqa: E402

POLL_SECONDS = 1.5  # lossviz.ui.pages.classroom.POLL (not imported: it would load streamlit)
QUESTION = Question("How steep?", "number", 2.0, unit="slope", low=-10, high=10)


def run(url: str, students: int, polls: int) -> None:
    if url.startswith("postgresql"):  # start from an empty database
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS answers, students, rooms, "
                                 "schema_version"))
        engine.dispose()
    s = Store(url)
    room = s.create_room(session="bench")
    tokens = [s.join(room.code, session=f"phone-{i}") for i in range(students)]
    s.ask(room.code, room.key, QUESTION)

    barrier = threading.Barrier(students)

    def send(i: int) -> None:
        barrier.wait()
        for k in range(2):
            s.answer(room.code, tokens[i], i / students + k)

    wall = time.perf_counter()
    with ThreadPoolExecutor(students) as pool:
        list(pool.map(send, range(students)))
    wall = time.perf_counter() - wall
    stored = s.state(room.code).answered
    print(f"  {students} students answering at once, twice each: {wall * 1000:.0f} ms until "
          f"all were in; stored {stored} (expected {students})")

    for _ in range(50):  # warm the connection pool and SQLAlchemy's statement cache
        s.state(room.code)
    walls, cpus = [], []
    for _ in range(polls):
        w, c = time.perf_counter(), time.process_time()
        s.state(room.code)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    w_ms, c_ms = statistics.median(walls) * 1000, statistics.mean(cpus) * 1000
    p95 = sorted(walls)[int(0.95 * len(walls))] * 1000
    print(f"  one poll (Store.state): median {w_ms:.2f} ms wall (p95 {p95:.2f} ms), "
          f"{c_ms:.2f} ms CPU")
    per_second = students / POLL_SECONDS * c_ms
    print(f"  {students} pages polling every {POLL_SECONDS:g} s: {per_second:.0f} ms of CPU per "
          f"second ({per_second / 10:.1f} % of one core) in the store")
    s.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--polls", type=int, default=2000)
    parser.add_argument("--postgres", default=None, help="a SQLAlchemy URL to an empty database")
    args = parser.parse_args()
    print(f"lossviz class store, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f}, SQLAlchemy {sa.__version__}, schema "
          f"v{store_module.SCHEMA_VERSION}")
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite (WAL, one file):")
        run(f"sqlite:///{folder}/classes.sqlite3", args.students, args.polls)
    if args.postgres:
        print("PostgreSQL:")
        run(args.postgres, args.students, args.polls)


if __name__ == "__main__":
    main()
