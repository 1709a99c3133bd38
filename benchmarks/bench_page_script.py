"""CPU time of the script for one control's changes, the app run in-process by AppTest.

    python benchmarks/bench_page_script.py custom custom_steps 100 2000
    python benchmarks/bench_page_script.py classification clf_steps 100 1000 --changes 40
    PYTHONPATH=/path/to/other/checkout python benchmarks/bench_page_script.py ...

Opens the page, then moves the control through ``--changes`` values spread over
[LOW, HIGH] (the same values in the same order on every run) and prints the median and mean
process time of a rerun. Only the script: no server, no browser, no other session; what a
change costs the server beyond the script (sending it) is ``load_test.py``'s to measure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

import lossviz

ROOT = Path(lossviz.__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from plotly_data import open_page  # noqa: E402  (the tests' helper: the same navigation)

KINDS = ("slider", "number_input", "selectbox", "radio", "select_slider")


def widget(at: AppTest, key: str):
    for kind in KINDS:
        for w in getattr(at, kind):
            if w.key == key:
                return w
    raise SystemExit(f"no widget {key!r} on the page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", help="regression, classification, custom, stopping, ...")
    parser.add_argument("key", help="the control's key, e.g. custom_steps")
    parser.add_argument("low", type=float)
    parser.add_argument("high", type=float)
    parser.add_argument("--changes", type=int, default=30)
    args = parser.parse_args()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    if args.page != "regression":
        open_page(at, args.page)
    n = args.changes
    times = []
    for i in range(n):
        w = widget(at, args.key)
        value = args.low + (args.high - args.low) * ((i * 7) % n) / n
        w.set_value(round(value) if isinstance(w.value, int) else round(value, 3))
        start = time.process_time()
        at.run()
        times.append(time.process_time() - start)
        if at.exception:
            raise SystemExit(f"the page failed: {at.exception}")
    print(f"lossviz from {lossviz.__file__}")
    print(f"{args.page} {args.key}: {n} changes, script CPU median "
          f"{statistics.median(times) * 1e3:.1f} ms, mean {statistics.mean(times) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
